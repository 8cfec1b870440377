"""What a fix attempt produces: the new text and an account of every diagnostic it touched."""

from __future__ import annotations

from dataclasses import dataclass, field

from attnlint.diagnostic import Diagnostic, FixPlan
from attnlint.facts import ModelUse
from attnlint.knowledge.schema import FixSpec

__all__ = ["FixOutcome", "FixRefused", "Refusal", "planned"]


class FixRefused(Exception):
    """A diagnostic's fix cannot be turned into edits; the message says why, for the user."""


def planned(diagnostic: Diagnostic) -> tuple[FixPlan, FixSpec, ModelUse]:
    """The fix a diagnostic plans to make in a file, or FixRefused saying why there is none."""
    plan, use = diagnostic.plan, diagnostic.use
    if plan is None or use is None:
        raise FixRefused("this diagnostic has no fix")
    if plan.spec is None:
        raise FixRefused(plan.refusal or "no fix is valid on the target versions")
    if plan.spec.action == "pin":
        raise FixRefused(f"needs a requirement change ({plan.spec.value})")
    return plan, plan.spec, use


@dataclass(frozen=True)
class Refusal:
    """A fix that was not applied, and why (no valid fix, could not locate, rolled back...)."""

    diagnostic: Diagnostic
    reason: str


@dataclass
class FixOutcome:
    """The result of fixing one file.

    `remaining` comes from re-checking the fixed text, so it is what `check` would now report.
    """

    text: str
    fixed: list[Diagnostic] = field(default_factory=list)
    remaining: list[Diagnostic] = field(default_factory=list)
    refusals: list[Refusal] = field(default_factory=list)
