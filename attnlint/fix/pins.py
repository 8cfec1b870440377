"""`--fix-pins`: when no safe code change is valid on every allowed release, change the requirement.

A rule's `pin` fix (e.g. `transformers>=4.53`) narrows the project's transformers range to releases
where the problem is gone. It is always unsafe (it changes what gets installed), so it is applied
only with `--fix-pins --unsafe-fixes`; the requirement strings in requirements*.txt and
pyproject.toml are rewritten in place, keeping extras, markers and comments.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from attnlint.finding import Finding
from attnlint.fix.io import read_source
from attnlint.knowledge import rule_by_code
from attnlint.source import SourceText

__all__ = ["pins_for", "repin_files"]

_QUOTED = re.compile(r"(?P<quote>[\"'])(?P<requirement>[A-Za-z0-9][^\"'\n]*)(?P=quote)")
_LINE = re.compile(r"^(?P<requirement>[A-Za-z0-9][^#\n]*?)(?P<rest>\s*(?:#.*)?\r?)$", re.MULTILINE)


def pins_for(findings: Iterable[Finding]) -> dict[str, SpecifierSet]:
    """The requirement pins offered for findings with no safe code fix, merged per package.

    A finding whose code fix is refused, or only unsafe (a different attention kernel), can
    instead be cured by leaving the affected releases: that is the rule's `pin` fix.
    """
    merged: dict[str, SpecifierSet] = {}
    for finding in findings:
        plan = finding.plan
        if plan is None or (plan.spec is not None and plan.spec.applicability == "safe"):
            continue
        rule = rule_by_code().get(finding.code)
        for spec in rule.fixes if rule else ():
            if spec.action == "pin":
                wanted = Requirement(spec.value)
                name = canonicalize_name(wanted.name)
                merged[name] = merged.get(name, SpecifierSet()) & wanted.specifier
    return merged


def _repin(text: str, pins: dict[str, SpecifierSet]) -> str | None:
    """The requirement `text` narrowed by the pin, or None when it names another package."""
    try:
        requirement = Requirement(text.strip())
    except InvalidRequirement:
        return None
    pin = pins.get(canonicalize_name(requirement.name))
    if pin is None or requirement.url:
        return None
    # Upper bounds and exclusions still hold; lower bounds and exact pins give way to the pin.
    kept = SpecifierSet(",".join(str(s) for s in requirement.specifier if s.operator in ("<", "<=", "!=")))
    if str(requirement.specifier) == str(pin & kept):
        return None
    requirement.specifier = pin & kept
    return str(requirement)


def _repin_text(text: str, pins: dict[str, SpecifierSet], pattern: re.Pattern[str]) -> str:
    def replace(match: re.Match[str]) -> str:
        new = _repin(match["requirement"], pins)
        if new is None:
            return match[0]
        start, end = match.span("requirement")
        return match[0][: start - match.start()] + new + match[0][end - match.start() :]

    return pattern.sub(replace, text)


def repin_files(root: Path, pins: dict[str, SpecifierSet]) -> list[tuple[SourceText, str]]:
    """The requirement files under `root` whose transformers requirement changes, with new text."""
    candidates: Sequence[tuple[Path, re.Pattern[str]]] = [
        *((path, _LINE) for path in sorted(root.glob("requirements*.txt"))),
        (root / "pyproject.toml", _QUOTED),
    ]
    changed = []
    for path, pattern in candidates:
        if path.is_file():
            source = read_source(path, root)
            text = _repin_text(source.text, pins, pattern)
            if text != source.text:
                changed.append((source, text))
    return changed
