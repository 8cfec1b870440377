"""Which reported fixes `attnlint fix` would keep: the report edge with the fixer's word on each.

A fix is reported (`[*]`, the hidden-fix hint, the JSON `fix` field) only when the fixer keeps it.
The fixer's re-checked rounds (`rounds.fix_unit`) decide, run on the unit without writing: a fix
that they roll back (its finding remains, the code no longer parses, or it causes a new finding,
as the seed's `sdpa` on the CPU causes ATN117 next to the hybrid cache) is not offered. A safe fix
is judged by the rounds of plain `fix`, an unsafe one by those of `fix --unsafe-fixes`, the runs
that would apply them. `attnlint.offered` calls this only for a unit with a fix, so only those
pay for the rounds (and import the fixer); the rounds run per unit, as `fix` runs them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from attnlint.diagnostic import Diagnostic
from attnlint.engine import CheckContext, Unit
from attnlint.finding import Finding
from attnlint.fix.rounds import finding_key, fix_unit

__all__ = ["keep_available"]


def keep_available(
    made: Sequence[Diagnostic], unit: Unit, findings: Sequence[Finding], context: CheckContext
) -> list[Diagnostic]:
    """`made` (the diagnostics of `findings`, in their order) without the fixes the fixer would
    roll back."""
    modes = {d.fix.applicability for d in made if d.fix is not None}
    kept = {
        mode: {finding_key(f) for f in fix_unit(unit, findings, context, unsafe=mode != "safe").fixed}
        for mode in modes
    }
    return [
        d if d.fix is None or finding_key(f) in kept[d.fix.applicability] else replace(d, fix=None)
        for d, f in zip(made, findings, strict=True)
    ]

