"""`--fix-pins`: when no safe code change is valid on every allowed release, change the requirement.

A rule's `pin` fix (e.g. `transformers>=4.53`) narrows the project's transformers range to releases
where the problem is gone. It is always unsafe (it changes what gets installed), so it is applied
only with `--fix-pins --unsafe-fixes`; the requirement strings in requirements*.txt and
pyproject.toml are rewritten in place, keeping extras, markers and comments. The pins of several
rules merge into one bound a side (`tightest`): the highest floor, never `>=4.53,>=4.56`.

A rewrite keeps the requirement's upper bounds and exclusions and must still allow a known release
(vocab.toml): `transformers>=4.50,<4.52` cannot take `>=4.53`, and is left as it is with a note
that says why, rather than written as a requirement nothing can satisfy.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import Specifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from attnlint.finding import Finding
from attnlint.fix.io import read_source
from attnlint.knowledge import rule_by_code, vocabulary
from attnlint.records import record
from attnlint.source import SourceText

__all__ = ["Repinning", "pins_for", "repin", "repin_files", "satisfiable", "tightest"]

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
                merged[name] = tightest(merged.get(name, SpecifierSet()) & wanted.specifier)
    return merged


_LOWER, _UPPER = (">=", ">"), ("<=", "<")


def _tighter(one: Specifier, other: Specifier) -> Specifier:
    """The bound of the same side (both lower or both upper) that allows fewer versions: the higher
    floor or the lower ceiling, and at one version the strict operator (`>4.56` over `>=4.56`)."""
    first, second = Version(one.version), Version(other.version)
    if first != second:
        lower = one.operator in _LOWER
        return one if (first > second) == lower else other
    return one if len(one.operator) == 1 else other


def tightest(spec: SpecifierSet) -> SpecifierSet:
    """`spec` with one lower and one upper bound: `>=4.53,>=4.56` is `>=4.56` (two rules raising
    the floor, or a pin over the user's floor). Exclusions, exact pins and `~=` are kept as written."""
    bounds: dict[tuple[str, ...], Specifier] = {}
    kept: list[str] = []
    for specifier in spec:
        side = _LOWER if specifier.operator in _LOWER else _UPPER if specifier.operator in _UPPER else None
        if side is None:
            kept.append(str(specifier))
            continue
        bounds[side] = _tighter(bounds[side], specifier) if side in bounds else specifier
    return SpecifierSet(",".join([*kept, *(str(b) for b in bounds.values())]))


def satisfiable(spec: SpecifierSet) -> bool:
    """Whether some known transformers release meets `spec` (an empty spec meets them all)."""
    return any(spec.contains(Version(v), prereleases=True) for v in vocabulary().releases)


@record(frozen=False)
class Repinning:
    """What `--fix-pins` does to the requirement files: new texts, and the rewrites it refused."""

    changed: list[tuple[SourceText, str]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def repin(requirement: Requirement, pin: SpecifierSet) -> SpecifierSet | str:
    """The requirement's specifier narrowed by `pin`, or why no narrowing keeps a release.

    Upper bounds and exclusions still hold; lower bounds and exact pins give way to the pin."""
    kept = SpecifierSet(",".join(str(s) for s in requirement.specifier if s.operator in ("<", "<=", "!=")))
    narrowed = tightest(pin & kept)
    if satisfiable(narrowed):
        return narrowed
    if not satisfiable(pin):
        return f"the pins asked for together ({pin}) allow no known release"
    bounds = ",".join(str(s) for s in kept)
    return (f"{requirement.name}{requirement.specifier} cannot be narrowed to {pin}: its bounds {bounds} "
            f"leave no release without the problem; raise them or change the code instead")


def _repin_text(
    text: str, pins: dict[str, SpecifierSet], pattern: re.Pattern[str], refused: list[str]
) -> str:
    def replace(match: re.Match[str]) -> str:
        try:
            requirement = Requirement(match["requirement"].strip())
        except InvalidRequirement:
            return match[0]
        pin = pins.get(canonicalize_name(requirement.name))
        if pin is None or requirement.url:
            return match[0]
        narrowed = repin(requirement, pin)
        if isinstance(narrowed, str):
            refused.append(narrowed)
            return match[0]
        if str(requirement.specifier) == str(narrowed):
            return match[0]
        requirement.specifier = narrowed
        start, end = match.span("requirement")
        return match[0][: start - match.start()] + str(requirement) + match[0][end - match.start() :]

    return pattern.sub(replace, text)


def _from_working_folder(path: Path) -> Path:
    """The path as the code files are named, from the working folder, so that a `--diff` of it
    applies with `patch -p0` there (patch refuses absolute names); absolute when outside it."""
    shown = os.path.relpath(path)
    return path if shown.startswith("..") else Path(shown)


def repin_files(root: Path, pins: dict[str, SpecifierSet]) -> Repinning:
    """The requirement files under `root` whose transformers requirement changes, with new text,
    and the requirements left alone because the pin would leave them no known release."""
    candidates: Sequence[tuple[Path, re.Pattern[str]]] = [
        *((path, _LINE) for path in sorted(root.glob("requirements*.txt"))),
        (root / "pyproject.toml", _QUOTED),
    ]
    result = Repinning()
    for path, pattern in candidates:
        if path.is_file():
            source = read_source(_from_working_folder(path), root)
            refused: list[str] = []
            text = _repin_text(source.text, pins, pattern, refused)
            result.refused += [f"{source.path}: not repinned: {reason}" for reason in refused]
            if text != source.text:
                result.changed.append((source, text))
    return result
