"""The fix loop shared by Python and JSON files: compute edits, apply, re-check, keep or roll back.

Like ruff, fixes are applied in rounds: every fix whose edits do not touch another's is applied at
once, the file is checked again, and overlapping fixes wait for the next round (computed against the
new text). A fix is kept only if the re-check shows its diagnostic gone and nothing new; a batch
that fails is retried one fix at a time so that only the faulty fix is rolled back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence

from attnlint.diagnostic import Diagnostic, Edit
from attnlint.fix.outcome import FixOutcome, Refusal
from attnlint.fix.text import LineIndex, apply_edits, edits_overlap

__all__ = ["Producer", "fix_rounds", "hidden_unsafe", "wanted"]

#: produce(text, diagnostics) -> for each diagnostic's index, its edits or why there are none; an
#: index left out means the diagnostic's fix edits another file, so this loop leaves it alone.
Producer = Callable[[str, Sequence[Diagnostic]], dict[int, list[Edit] | str]]
_MAX_ROUNDS = 20
SYNTAX_ERROR = "ATN001"


def wanted(diagnostic: Diagnostic, unsafe: bool) -> bool:
    """Whether the fixer should try this diagnostic's fix (refusals are tried, to report them)."""
    plan = diagnostic.plan
    if plan is None:
        return False
    return plan.spec is None or plan.spec.applicability == "safe" or unsafe


def hidden_unsafe(diagnostics: Iterable[Diagnostic], unsafe: bool) -> int:
    """How many findings an unsafe fix would cure that was not enabled (ruff's hint)."""
    return sum(
        1
        for d in diagnostics
        if not unsafe
        and d.plan is not None
        and d.plan.spec is not None
        and d.plan.spec.applicability == "unsafe"
    )


def _key(diagnostic: Diagnostic) -> tuple[str, str]:
    return diagnostic.code, diagnostic.message


def _verify(
    before: Sequence[Diagnostic], after: Sequence[Diagnostic], applied: Sequence[Diagnostic]
) -> str | None:
    """Why a re-check refutes the applied fixes, or None when each removed its diagnostic."""
    was, now, gone = (Counter(d.code for d in group) for group in (before, after, applied))
    if now[SYNTAX_ERROR] > was[SYNTAX_ERROR]:
        return "the fixed code would not parse"
    for code, count in now.items():
        if count > was[code] - gone[code]:
            return f"{code} is still reported after the fix" if gone[code] else f"the fix would cause {code}"
    return None


def fix_rounds(
    text: str,
    diagnostics: list[Diagnostic],
    unsafe: bool,
    produce: Producer,
    check: Callable[[str], list[Diagnostic]],
) -> FixOutcome:
    current, found = text, diagnostics
    fixed: list[Diagnostic] = []
    refused: dict[tuple[str, str], str] = {}
    elsewhere: set[tuple[str, str]] = set()
    one_at_a_time = False
    for _ in range(_MAX_ROUNDS):
        todo = [d for d in found if _key(d) not in refused and _key(d) not in elsewhere and wanted(d, unsafe)]
        if not todo:
            break
        results = produce(current, todo)
        index = LineIndex(current)
        batch: list[tuple[Diagnostic, list[Edit]]] = []
        for i, diagnostic in enumerate(todo):
            result = results.get(i)
            if result is None:
                elsewhere.add(_key(diagnostic))
            elif isinstance(result, str):
                refused[_key(diagnostic)] = result
            elif not result:
                refused[_key(diagnostic)] = "found nothing to change"
            elif not (batch and one_at_a_time) and not any(
                edits_overlap(index, result, edits) for _, edits in batch
            ):
                batch.append((diagnostic, result))
        if not batch:
            continue
        problem: str | None
        try:
            candidate = apply_edits(current, [e for _, edits in batch for e in edits])
        except ValueError:  # one fix's own edits overlap
            after, problem = found, "its edits overlap"
        else:
            after = check(candidate)
            problem = _verify(found, after, [d for d, _ in batch])
        if problem is None:
            current, found = candidate, after
            fixed.extend(d for d, _ in batch)
        elif len(batch) == 1:
            refused[_key(batch[0][0])] = f"fix rolled back: {problem}"
        else:
            one_at_a_time = True
    return FixOutcome(
        text=current,
        fixed=fixed,
        remaining=found,
        refusals=[Refusal(d, refused[_key(d)]) for d in found if _key(d) in refused],
    )
