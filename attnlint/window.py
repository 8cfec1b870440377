"""The version window of one file: the target's releases narrowed to those its code can run on.

A file is not blamed for releases its own code rules out: one that asks for `flex_attention` cannot
run before 4.48, one that loads Llama4 not before 4.51. The *implied floor* is the first release on
which everything the file names exists (vocab.toml: attention and cache names, cache classes,
keywords such as `dtype=`, model types). A name counts only where it is set unconditionally: the other
branch of a conditional may be what runs on older releases. A name attnlint does not know counts
neither (ATN107/ATN108 report those). Two targets are never narrowed: an explicit override
(`--transformers-version` or `[tool.attnlint] transformers-version`), and one the floor would leave
empty, because then the project's own pins rule the code out and that is what the rules report.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from functools import cache

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from attnlint.facts import Call, ModelUse, Setting, Target
from attnlint.knowledge import vocabulary
from attnlint.knowledge.schema import VocabEntry
from attnlint.records import record
from attnlint.releases import known_releases
from attnlint.signatures import first_binding

__all__ = ["Floor", "implied_floor", "narrow"]


@record
class Floor:
    """The first release the code can run on, and the name that requires it (with its line)."""

    version: Version
    spec: str
    what: str
    row: int


@cache
def _first_release(spec: str) -> Version | None:
    """The oldest known release `spec` allows; None when it allows the oldest known one (no floor)."""
    releases, allowed = known_releases(), known_releases(spec)
    if not allowed or allowed[0] == releases[0]:
        return None
    return allowed[0]


def _lower_bound(spec: str) -> str:
    return next((part for part in spec.split(",") if part.strip().startswith(">")), spec).strip()


def _floor(entries: Sequence[VocabEntry], what: str, row: int) -> Floor | None:
    """The first release on which any of `entries` exists (they are alternatives: the code may mean
    either); None when one of them is as old as the oldest known release."""
    found = [(first, e) for e in entries if (first := _first_release(e.transformers)) is not None]
    if not found or len(found) < len(entries):
        return None
    first, entry = min(found, key=lambda pair: pair[0])
    return Floor(first, _lower_bound(entry.transformers), what, row)


def _unconditional(setting: Setting) -> bool:
    return setting.span is not None and setting.branch is None and isinstance(setting.value, str)


def _attn_floor(setting: Setting) -> Floor | None:
    value = str(setting.value)
    name = "<kernels-hub>" if "/" in value and not value.startswith("paged|") else value
    entries = [e for e in vocabulary().attn if e.name == name]
    return _floor(entries, f"attn_implementation={value!r}", _row(setting)) if entries else None


def _cache_floor(setting: Setting) -> Floor | None:
    value = str(setting.value)
    if setting.form == "object":
        classes = [e for e in vocabulary().cache_classes if e.cache == value]
        what = " or ".join(e.name for e in classes)
        return _floor(classes, what, _row(setting)) if classes else None
    entries = [e for e in vocabulary().cache if e.name == value]
    return _floor(entries, f"cache_implementation={value!r}", _row(setting)) if entries else None


def _keyword_floor(setting: Setting, use: ModelUse) -> Floor | None:
    """`dtype=` dates the code only where transformers reads it: a load or pipeline call."""
    loads = {site.span for site in use.sites if site.kind in ("load", "pipeline")}
    if setting.origin != "keyword" or setting.site not in loads:
        return None
    entries = [e for e in vocabulary().keywords if e.name == setting.keyword]
    return _floor(entries, f"the keyword {setting.keyword}=", _row(setting)) if entries else None


def _model_floor(use: ModelUse) -> Floor | None:
    entries = [e for e in vocabulary().models if e.name in use.model_types]
    if not entries or len(entries) < len(use.model_types):
        return None
    span = use.model_span or (use.sites[0].span if use.sites else None)
    names = "/".join(sorted(use.model_types))
    return _floor(entries, f"model type {names}", span.row if span else 1)


def _constructor_floor(call: Call) -> Floor | None:
    """A cache built with arguments its constructor binds only from some release on (and on none
    before): `DynamicCache(config=...)` dates the code to 4.54 (not when only some releases run it)."""
    first = first_binding(call)
    if first is None or call.guarded or call.runs_on:
        return None
    given = ", ".join(f"{keyword}=" for keyword in call.keywords) or "its arguments"
    return Floor(first, f">={first}", f"{call.callee}({given})", call.span.row)


def _row(setting: Setting) -> int:
    span = setting.span or setting.site
    return span.row if span else 1


def _evidence(use: ModelUse) -> Iterator[Floor | None]:
    yield _model_floor(use)
    for setting in use.attn:
        if _unconditional(setting):
            yield _attn_floor(setting)
    for setting in use.cache:
        if _unconditional(setting):
            yield _cache_floor(setting)
    for setting in use.flags.get("dtype", []):
        if setting.branch is None:
            yield _keyword_floor(setting, use)
    for call in use.calls:
        yield _constructor_floor(call)


def implied_floor(uses: Iterable[ModelUse]) -> Floor | None:
    """The latest first-release among everything the uses name unconditionally; None if nothing dates them."""
    floors = [floor for use in uses for floor in _evidence(use) if floor is not None]
    return max(floors, key=lambda floor: (floor.version, -floor.row)) if floors else None


def narrow(target: Target, uses: Sequence[ModelUse]) -> Target:
    """The target limited to releases at or above the uses' implied floor, saying why in its reason."""
    if target.source == "override":
        return target
    floor = implied_floor(uses)
    if floor is None:
        return target
    allowed = known_releases(str(target.transformers))
    kept = [v for v in allowed if v >= floor.version]
    if not kept or len(kept) == len(allowed):
        return target
    reason = f"{target.reason}; the code uses {floor.what} (line {floor.row}), so transformers{floor.spec}"
    return replace(target, transformers=target.transformers & SpecifierSet(floor.spec), reason=reason)
