"""What a fix attempt produces: the unit's new texts and an account of every finding it touched."""

from __future__ import annotations

from dataclasses import field

from attnlint.engine import Unit
from attnlint.finding import Finding
from attnlint.records import record

__all__ = ["FixOutcome", "Refusal"]


@record
class Refusal:
    """A fix that was not applied, and why (no valid fix, could not locate, rolled back...)."""

    finding: Finding
    reason: str


@record(frozen=False)
class FixOutcome:
    """The result of fixing one unit.

    `remaining` comes from re-checking the fixed unit with the check that found the findings, so
    it is exactly what `attnlint check` will report next.
    """

    unit: Unit
    fixed: list[Finding] = field(default_factory=list)
    remaining: list[Finding] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The fixed text of a one-file unit (a Python source)."""
        return self.unit.sources[0].text
