"""Why a planned fix yields no edits, and the one place that reads a finding's plan for the editors."""

from __future__ import annotations

from attnlint.facts import ModelUse
from attnlint.finding import Finding, FixPlan
from attnlint.knowledge.schema import FixSpec

__all__ = ["FixRefused", "planned"]


class FixRefused(Exception):
    """A finding's fix cannot be turned into edits; the message says why, for the user."""


def planned(finding: Finding) -> tuple[FixPlan, FixSpec, ModelUse]:
    """The fix a finding plans to make in a file, or FixRefused saying why there is none."""
    plan, use = finding.plan, finding.use
    if plan is None or use is None:
        raise FixRefused("this finding has no fix")
    if plan.spec is None:
        raise FixRefused(plan.refusal or "no fix is valid on the target versions")
    if plan.spec.action == "pin":
        raise FixRefused(f"needs a requirement change ({plan.spec.value})")
    return plan, plan.spec, use
