"""The known transformers releases a target allows, and how a run names them.

`candidate_versions` is what every rule, fix and report is judged on: the releases in the
vocabulary that the target (and a rule's or fix's own range) allows. A range is a bitmask over the
known releases (bit i: the i-th release of vocab.toml): those of the rule base were worked out when
it was compiled (`knowledge.compiled.ReleaseTable`, read without the rule records), a target's once
per run, so judging a use intersects integers. `allows` answers for one release the way
`SpecifierSet.contains` does. `beyond_knowledge` tells a run whose target allows none of them, but a
newer one, that nothing was checked.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from attnlint.facts import Target
from attnlint.knowledge.compiled import release_mask, release_table

__all__ = [
    "allows", "beyond_knowledge", "candidate_versions", "known_releases", "overlap", "torch_overlap",
    "version_ranges",
]


@cache
def _releases() -> tuple[Version, ...]:
    return tuple(Version(v) for v in release_table().transformers)


@cache
def _positions() -> dict[Version, int]:
    return {v: i for i, v in enumerate(_releases())}


@cache
def _mask(spec: str) -> int:
    """The known releases `spec` allows: the compiled rule base's answer, else packaging's."""
    table = release_table()
    known = table.transformers_masks.get(spec)
    return release_mask(spec, table.transformers) if known is None else known


@cache
def _torch_mask(spec: str) -> int:
    table = release_table()
    known = table.torch_masks.get(spec)
    return release_mask(spec, table.torch) if known is None else known


def allows(spec: str, version: Version) -> bool:
    """Whether the transformers range `spec` allows `version` (pre-releases included)."""
    position = _positions().get(version)
    if position is None:  # not a known release: ask packaging
        return SpecifierSet(spec).contains(version, prereleases=True)
    return bool(_mask(spec) >> position & 1)


def overlap(first: str, second: str) -> bool:
    """Whether two transformers ranges allow a known release in common."""
    return bool(_mask(first) & _mask(second))


def torch_overlap(first: str, second: str) -> bool:
    """Whether two torch ranges allow a known torch release in common (an empty range: any)."""
    return not first or not second or bool(_torch_mask(first) & _torch_mask(second))


def known_releases(spec: str = "") -> tuple[Version, ...]:
    """The known releases `spec` allows, oldest first (every one for "")."""
    return _both(spec, "")


def candidate_versions(target: Target, extra: str = "") -> tuple[Version, ...]:
    """The known releases allowed by the target and by `extra` (a rule's or a fix's range)."""
    return _both(str(target.transformers), extra)


@cache
def _both(target: str, extra: str) -> tuple[Version, ...]:
    allowed = _mask(target) & _mask(extra)
    return tuple(v for i, v in enumerate(_releases()) if allowed >> i & 1)


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
