"""The known transformers releases a target allows, and how a run names them.

`candidate_versions` is what every rule, fix and report is judged on: the releases in the
vocabulary that the target (and a rule's or fix's own range) allows, worked out once per pair of
specifiers. `beyond_knowledge` tells a run whose target allows none of them, but a newer one, that
nothing was checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from attnlint.facts import Target
from attnlint.knowledge import vocabulary

__all__ = ["beyond_knowledge", "candidate_versions", "version_ranges"]


@cache
def _releases() -> tuple[Version, ...]:
    return tuple(Version(v) for v in vocabulary().releases)


@cache
def _filter(spec: str) -> tuple[Version, ...]:
    specifier = SpecifierSet(spec)
    return tuple(v for v in _releases() if specifier.contains(v, prereleases=True))


def candidate_versions(target: Target, extra: str = "") -> tuple[Version, ...]:
    """The known releases allowed by the target and by `extra` (a rule's or a fix's range)."""
    return _both(str(target.transformers), extra)


@cache
def _both(target: str, extra: str) -> tuple[Version, ...]:
    allowed = set(_filter(target))
    return tuple(v for v in _filter(extra) if v in allowed)


def beyond_knowledge(target: Target) -> str:
    """A one-line notice when the target allows no release attnlint knows but a newer one: such a
    run judges nothing, and must not read as a clean bill of health. "" otherwise."""
    if candidate_versions(target):
        return ""
    newest = max(_releases())
    later = (
        Version(f"{newest.major}.{newest.minor}.{newest.micro + 1}"),
        Version(f"{newest.major}.{newest.minor + 1}.0"),
        Version(f"{newest.major + 1}.0.0"),
    )
    named = any(
        s.operator in ("==", "===", "~=", ">=", ">") and _newer(s.version, newest)
        for s in target.transformers
    )
    if not named and not any(target.transformers.contains(v, prereleases=True) for v in later):
        return ""
    return (
        f"transformers {target.requirement or target.transformers} is newer than every release attnlint "
        f"knows (newest: {newest}); nothing was checked against it (update attnlint)"
    )


def _newer(text: str, newest: Version) -> bool:
    try:
        return Version(text.rstrip(".*")) > newest
    except ValueError:
        return False


def version_ranges(versions: Sequence[Version]) -> str:
    """Compress releases into runs of consecutive known releases: "4.51.0, 4.51.3-4.52.4"."""
    order = {v: i for i, v in enumerate(_releases())}
    runs: list[list[Version]] = []
    for v in sorted(versions):
        if runs and order[v] == order[runs[-1][-1]] + 1:
            runs[-1].append(v)
        else:
            runs.append([v])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)
