"""How far each rule is proven by running it: the lines `attnlint rule` and docs/rules.md print,
and the counts of `attnlint rule --all --stats`. Reads rule data only (no torch)."""

from __future__ import annotations

from collections.abc import Sequence

from attnlint.knowledge.schema import Rule

__all__ = ["is_verified", "stats", "verification_text"]


def is_verified(rule: Rule) -> bool:
    """Reproduced by its probes on at least one affected and one unaffected release."""
    return {r.affected for r in rule.reproduced} == {True, False}


def _releases(rule: Rule, affected: bool) -> str:
    runs = [r for r in rule.reproduced if r.affected == affected]
    return ", ".join(f"{r.transformers} (torch {r.torch}, {r.device})" for r in runs) or "none"


def verification_text(rule: Rule) -> str:
    """One paragraph: where the rule was reproduced, or why it has no probe."""
    if rule.reproduced:
        return (f"Reproduced by `attnlint probe --verify-rules`. Affected: {_releases(rule, True)}. "
                f"Unaffected: {_releases(rule, False)}.")
    if rule.kind == "file":
        return "A file-level rule (the file cannot be read or parsed): nothing to reproduce."
    if rule.unprobed:
        return f"Not reproduced by a probe: {rule.unprobed}."
    if rule.probes:
        return "Has probe cases (`attnlint probe --verify-rules`), not yet run on a recorded release."
    return "Not reproduced: read from code and issues only."


def stats(rules: Sequence[Rule]) -> str:
    verified = [r.code for r in rules if is_verified(r)]
    probed = [r.code for r in rules if r.probes]
    files = [r.code for r in rules if r.kind == "file"]
    unprobed = [r.code for r in rules if not r.probes and r.kind != "file"]
    return (
        f"{len(rules)} rules\n"
        f"{len(verified)} verified by reproduction (affected and unaffected release): {', '.join(verified)}\n"
        f"{len(probed)} with probe cases\n"
        f"{len(unprobed)} without probe cases: {', '.join(unprobed)}\n"
        f"{len(files)} file-level rules (a file that cannot be read; nothing to run): {', '.join(files)}\n"
    )
