"""The fix loop: compute edits, apply them, re-check with the one per-file check, keep or roll back.

Like ruff, fixes are applied in rounds: every fix whose edits do not touch another's is applied at
once, the unit is checked again (by `engine.check_unit`, in the context it was first checked in),
and overlapping fixes wait for the next round (computed against the new text). A fix is kept only
if the re-check shows its finding gone and nothing new; a batch that fails is retried one fix at a
time so that only the faulty fix is rolled back. A model folder's two files are fixed in turn, each
re-check judging the pair.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from attnlint.diagnostic import Edit
from attnlint.edits import file_edits, wanted
from attnlint.engine import CheckContext, Unit, check_unit
from attnlint.finding import Finding
from attnlint.fix.outcome import FixOutcome, Refusal
from attnlint.fix.text import apply_edits, edits_overlap
from attnlint.source import SourceText

__all__ = ["finding_key", "fix_text", "fix_unit"]

_MAX_ROUNDS = 20
SYNTAX_ERROR = "ATN001"


def finding_key(finding: Finding) -> tuple[str, str]:
    """A finding as the rounds track it from one re-check to the next: its code and message."""
    return finding.code, finding.message


def _verify(before: Sequence[Finding], after: Sequence[Finding], applied: Sequence[Finding]) -> str | None:
    """Why a re-check refutes the applied fixes, or None when each removed its finding."""
    was, now, gone = (Counter(f.code for f in group) for group in (before, after, applied))
    if now[SYNTAX_ERROR] > was[SYNTAX_ERROR]:
        return "the fixed code would not parse"
    for code, count in now.items():
        if count > was[code] - gone[code]:
            return f"{code} is still reported after the fix" if gone[code] else f"the fix would cause {code}"
    return None


class _Rounds:
    """The fixing of one file of a unit: what is fixed, refused, or belongs to another file."""

    def __init__(self, unit: Unit, path: str, found: list[Finding], context: CheckContext, unsafe: bool):
        self.unit, self.path, self.found = unit, path, found
        self.context, self.unsafe = context, unsafe
        self.fixed: list[Finding] = []
        self.refused: dict[tuple[str, str], str] = {}
        self.elsewhere: set[tuple[str, str]] = set()
        self.one_at_a_time = False

    def batch(self) -> list[tuple[Finding, list[Edit]]] | None:
        """Non-overlapping fixes to try together; None when nothing is left to try."""
        todo = [
            f for f in self.found
            if finding_key(f) not in self.refused and finding_key(f) not in self.elsewhere
            and wanted(f, self.unsafe)
        ]
        if not todo:
            return None
        source = self.unit.source(self.path)
        results = file_edits(source, todo)  # a retry on the same text reuses its parse (edits._parsed)
        chosen: list[tuple[Finding, list[Edit]]] = []
        for i, finding in enumerate(todo):
            result = results.get(i)
            if result is None:
                self.elsewhere.add(finding_key(finding))
            elif isinstance(result, str):
                self.refused[finding_key(finding)] = result
            elif not result:
                self.refused[finding_key(finding)] = "found nothing to change"
            elif not (chosen and self.one_at_a_time) and not any(
                edits_overlap(source.index, result, edits) for _, edits in chosen
            ):
                chosen.append((finding, result))
        return chosen

    def attempt(self, chosen: list[tuple[Finding, list[Edit]]]) -> None:
        """Apply a batch to a candidate text, re-check the unit, keep it or learn from it."""
        problem: str | None
        try:
            text = apply_edits(self.unit.source(self.path).text, [e for _, edits in chosen for e in edits])
        except ValueError:  # one fix's own edits overlap
            problem = "its edits overlap"
        else:
            candidate = self.unit.with_text(self.path, text)
            after = check_unit(candidate, self.context)
            problem = _verify(self.found, after, [f for f, _ in chosen])
            if problem is None:
                self.unit, self.found = candidate, after
                self.fixed.extend(f for f, _ in chosen)
                return
        if len(chosen) == 1:
            self.refused[finding_key(chosen[0][0])] = f"fix rolled back: {problem}"
        else:
            self.one_at_a_time = True

    def run(self) -> None:
        for _ in range(_MAX_ROUNDS):
            chosen = self.batch()
            if chosen is None:
                return
            if chosen:
                self.attempt(chosen)


def fix_unit(unit: Unit, findings: Sequence[Finding], context: CheckContext, unsafe: bool) -> FixOutcome:
    """Fix each file of a unit in turn; what remains is the re-check of the final texts.

    A fix to a later file can make a refused fix to an earlier one valid (a model folder's
    config.json fix is rolled back while generation_config.json still names a cache that clashes
    with it), so the files are passed over again while a pass changes something: one `fix` run
    settles, and a second run finds nothing more to do.
    """
    outcome = FixOutcome(unit=unit, remaining=list(findings))
    refused: dict[tuple[str, str], str] = {}
    for _ in range(_MAX_ROUNDS):
        refused, progress = {}, False
        for source in unit.sources:
            rounds = _Rounds(outcome.unit, source.path, outcome.remaining, context, unsafe)
            rounds.run()
            outcome.unit, outcome.remaining = rounds.unit, rounds.found
            outcome.fixed.extend(rounds.fixed)
            refused.update(rounds.refused)
            progress = progress or bool(rounds.fixed)
        if not progress or len(unit.sources) == 1:
            break
    outcome.refusals = [
        Refusal(f, refused[finding_key(f)]) for f in outcome.remaining if finding_key(f) in refused
    ]
    return outcome


def fix_text(text: str, path: str, context: CheckContext, unsafe: bool = False) -> FixOutcome:
    """Check one Python source text and fix it: `attnlint fix` for a file that is not on disk."""
    unit = Unit((SourceText(path, text.encode("utf-8", "surrogatepass"), text),))
    return fix_unit(unit, check_unit(unit, context), context, unsafe)
