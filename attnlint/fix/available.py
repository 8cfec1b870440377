"""Which reported fixes `attnlint fix` makes good: the report edge with the fixer's word on each.

A fix is reported (`[*]`, the hidden-fix hint, the JSON `fix` field) only when the fix run that
applies it leaves its finding gone. The fixer's re-checked rounds (`rounds.fix_unit`) decide, run
on the unit without writing, once as `fix` and once as `fix --unsafe-fixes`. A finding the unsafe
run leaves (its fix rolled back because its finding remains, the code no longer parses or a new
finding appears, as the seed's sdpa fix causes ATN117 next to the hybrid cache) has no fix
offered; a safe fix whose finding only the unsafe run removes (it holds beside an unsafe fix of
the same round) is offered as unsafe. So neither `[*]` nor the hint promises what the run they
name leaves behind. A finding removed by another finding's fix (two ATN204 calls, one kernel
switch) keeps its fix: applying it alone works too. `attnlint.offered` calls this only for a unit
with a fix, so only those pay for the rounds (and import the fixer).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from attnlint.diagnostic import Diagnostic
from attnlint.engine import CheckContext, Unit
from attnlint.finding import Finding
from attnlint.fix.rounds import finding_key, fix_unit

__all__ = ["keep_available"]


def _gone(before: Sequence[Finding], after: Sequence[Finding]) -> set[int]:
    """Which of `before` a run's final re-check (`after`) no longer reports. A finding still there
    is matched by code and message, else by code alone: a fix can change another finding's message
    (ATN204 names sdpa once ATN101's sdpa fix has run)."""
    by_key = Counter(finding_key(f) for f in after)
    kept = set()
    for i, finding in enumerate(before):
        if by_key[finding_key(finding)]:
            by_key[finding_key(finding)] -= 1
            kept.add(i)
    by_code = Counter(code for (code, _), count in by_key.items() for _ in range(count))
    for i, finding in enumerate(before):
        if i not in kept and by_code[finding.code]:
            by_code[finding.code] -= 1
            kept.add(i)
    return set(range(len(before))) - kept


def keep_available(
    made: Sequence[Diagnostic], unit: Unit, findings: Sequence[Finding], context: CheckContext
) -> list[Diagnostic]:
    """`made` (the diagnostics of `findings`, in their order) with the fixes `fix` makes good: a fix
    whose finding `fix --unsafe-fixes` leaves is dropped, and a safe one whose finding only that run
    removes is marked unsafe (dropping the static cache causes ATN101 under flex, and holds once an
    unsafe fix of the same round replaces flex with sdpa)."""
    offered = {d.fix.applicability for d in made if d.fix is not None}
    gone_unsafe = _gone(findings, fix_unit(unit, findings, context, unsafe=True).remaining)
    if "unsafe" not in offered:
        gone_safe = gone_unsafe  # both runs try the same fixes
    elif "safe" in offered:
        gone_safe = _gone(findings, fix_unit(unit, findings, context, unsafe=False).remaining)
    else:
        gone_safe = set()  # plain fix tries none
    kept: list[Diagnostic] = []
    for i, d in enumerate(made):
        if d.fix is None or i not in gone_unsafe:
            kept.append(replace(d, fix=None) if d.fix is not None else d)
        elif d.fix.applicability == "safe" and i not in gone_safe:
            kept.append(replace(d, fix=replace(d.fix, applicability="unsafe")))
        else:
            kept.append(d)
    return kept
