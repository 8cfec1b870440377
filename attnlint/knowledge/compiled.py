"""The rule base, validated once and then read back on every start without pydantic.

Importing pydantic, building its validators and validating the ~45 TOML files cost about half a
second of CPU per process, which a pre-commit hook would pay on every commit. So `compile_knowledge`
validates the TOML with pydantic (types, literals, unknown keys, the records' own checks, and the
checks that the files agree with each other), and `knowledge()` keeps the validated records as a
pickle in the user's cache folder (`$XDG_CACHE_HOME/attnlint`, else `~/.cache/attnlint`), under a key
made of the Python version, the bytes of every knowledge file and the bytes of the modules that
define and validate the records. A start whose key is stored reads the pickle (a few ms); any
other compiles and stores. Nothing is ever written next to the package, so a wheel installed in a
read-only site-packages works; a cache folder that cannot be written costs the compile each time;
an entry that cannot be read is compiled again. The folder is created private to the user (0700),
as the pickle is trusted like the code that wrote it.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import fields, is_dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from attnlint.records import record

if TYPE_CHECKING:  # the record classes: imported by the compile, and by unpickling the records
    from attnlint.knowledge import call_schema, framework_table, schema

__all__ = [
    "Knowledge", "KnowledgeError", "ReleaseTable", "cache_folder", "compile_knowledge", "knowledge",
    "knowledge_key", "release_mask", "release_table", "rule_base_hash", "validated",
]

_Record = TypeVar("_Record")
#: The facts a keyword or default may set besides the triggers of codes.toml.
_SETTINGS = ("attn", "cache")
#: How old another key's entry must be before a store deletes it.
_STALE_SECONDS = 7 * 24 * 3600
#: The shipped knowledge files (beside this module: read as files, not through importlib.resources,
#: whose import brings tempfile and its random number generator into every start).
_FOLDER = Path(__file__).resolve().parent
#: The modules whose classes the pickle holds and that validate them: a change to any is a new key.
_RECORD_MODULES = ("schema.py", "call_schema.py", "framework_table.py", "compiled.py")


class KnowledgeError(RuntimeError):
    """A shipped knowledge file does not validate, or two knowledge files disagree."""


@record
class ReleaseTable:
    """The known transformers and torch releases, and every range the records name as a bitmask
    over them (bit i: the i-th release), worked out once here so that a check intersects integers
    instead of asking packaging about each release (attnlint.releases). The compiled form holds it
    ahead of the records, so a run that needs only it (a warm run's notice about a target newer
    than every known release) reads it without importing a record class."""

    transformers: tuple[str, ...]
    torch: tuple[str, ...]
    transformers_masks: dict[str, int]
    torch_masks: dict[str, int]


@record
class Knowledge:
    """Every knowledge file, validated: what the checker, the fixer and the guard read."""

    rule_base: schema.RuleBase
    model_tables: schema.ModelTables
    runtime: schema.RuntimeKnowledge
    sources: schema.SourceNames
    vocabulary: schema.Vocabulary
    rules: tuple[schema.Rule, ...]
    frameworks: tuple[framework_table.Framework, ...]
    calls: call_schema.CallTables
    releases: ReleaseTable


def _knowledge_files(folder: Path) -> Iterator[Path]:
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.is_dir():
            yield from _knowledge_files(entry)
        elif entry.name.endswith((".toml", ".json")):
            yield entry


@cache
def rule_base_hash() -> str:
    """A hash of every shipped knowledge file: a changed rule, range or name table is a new key."""
    digest = hashlib.sha256()
    for entry in _knowledge_files(_FOLDER):
        digest.update(entry.name.encode() + b"\0" + entry.read_bytes() + b"\0")
    return digest.hexdigest()


def knowledge_key() -> str:
    """The compiled form's key: the Python version (the pickle's reader), the knowledge files and
    the modules that define and validate the records (so a new attnlint that changes none of them
    reuses the entry, and any change to them is a new one)."""
    digest = hashlib.sha256(f"{sys.version_info[:2]}\0{rule_base_hash()}".encode())
    package = Path(__file__).parent
    for name in _RECORD_MODULES:
        digest.update(b"\0" + (package / name).read_bytes())
    return digest.hexdigest()[:32]


def cache_folder() -> Path:
    """Where compiled rule bases are kept: `$XDG_CACHE_HOME/attnlint`, else `~/.cache/attnlint`."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "attnlint"


def validated(name: str, shape: Any, data: object) -> Any:
    """`data` validated as `shape` by pydantic; any problem raises `KnowledgeError` naming `name`."""
    from pydantic import TypeAdapter, ValidationError

    try:
        return TypeAdapter(shape).validate_python(data)
    except ValidationError as exc:
        raise KnowledgeError(f"{name}: {exc}") from exc


def _toml(entry: Path, name: str) -> dict[str, Any]:
    from attnlint.toml_files import TOMLDecodeError, loads  # the compile only

    try:
        data: dict[str, Any] = loads(entry.read_text(encoding="utf-8"))
    except TOMLDecodeError as exc:
        raise KnowledgeError(f"{name}: {exc}") from exc
    return data


def _read(name: str, shape: type[_Record]) -> _Record:
    """knowledge/<name> validated as `shape`."""
    where = f"knowledge/{name}"
    record: _Record = validated(where, shape, _toml(_FOLDER / name, where))
    return record


def _unknown(where: str, what: str, names: Iterable[str], known: Iterable[str]) -> None:
    missing = sorted(set(names) - set(known))
    if missing:
        raise KnowledgeError(f"{where}: unknown {what} {missing}; known: {sorted(known)}")


def _rules(base: schema.RuleBase, repairs: Iterable[str]) -> tuple[schema.Rule, ...]:
    """Every rule file, in code order, each in its category's code range with known triggers."""
    from attnlint.knowledge.schema import Rule

    loaded: list[Rule] = []
    for entry in sorted((_FOLDER / "rules").iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        where = f"knowledge/rules/{entry.name}"
        rule: Rule = validated(where, Rule, _toml(entry, where))
        if entry.name != f"{rule.code}.toml":
            raise KnowledgeError(f"{where}: holds rule {rule.code}")
        span = base.categories[rule.category]
        if not span.holds(rule.number):
            raise KnowledgeError(
                f"{where}: category {rule.category!r} uses ATN{span.first:03}-ATN{span.last:03}"
            )
        _unknown(where, "trigger(s)", rule.when, base.triggers)
        if rule.runtime_repair is not None:
            _unknown(where, "runtime repair", [rule.runtime_repair], repairs)
        loaded.append(rule)
    return tuple(loaded)


def _ranges(record: object) -> Iterator[tuple[str, str]]:
    """("transformers" | "torch", specifier) for every range in a tree of records."""
    from attnlint.knowledge.schema import Ranged, Rule

    if isinstance(record, (tuple, list)):
        for item in record:
            yield from _ranges(item)
    elif isinstance(record, dict):
        for item in record.values():
            yield from _ranges(item)
    elif is_dataclass(record) and not isinstance(record, type):
        if isinstance(record, (Ranged, Rule)):
            yield "transformers", record.transformers
        if isinstance(record, Rule):
            yield "torch", record.torch
        for each in fields(record):
            yield from _ranges(getattr(record, each.name))


def release_mask(spec: str, releases: Iterable[str]) -> int:
    """The releases of `releases` that `spec` allows (pre-releases included), as a bitmask."""
    from packaging.specifiers import SpecifierSet

    allowed = SpecifierSet(spec)
    return sum(1 << i for i, release in enumerate(releases) if allowed.contains(release, prereleases=True))


def compile_knowledge() -> Knowledge:
    """Read and validate every knowledge file with pydantic, and check that they agree."""
    from attnlint.knowledge.call_schema import CallTables
    from attnlint.knowledge.framework_table import Framework
    from attnlint.knowledge.schema import ModelTables, RuleBase, RuntimeKnowledge, SourceNames, Vocabulary

    base = _read("codes.toml", RuleBase)
    runtime = _read("runtime.toml", RuntimeKnowledge)
    sources = _read("sources.toml", SourceNames)
    known_facts = (*_SETTINGS, *base.triggers)
    _unknown("knowledge/sources.toml [keywords]", "fact(s)", sources.keywords, known_facts)
    vocabulary = _read("vocab.toml", Vocabulary)
    keys = [entry.key for entry in vocabulary.defaults]
    _unknown("knowledge/vocab.toml [defaults]", "key(s)", keys, known_facts)
    where = "knowledge/frameworks.toml"
    table = _toml(_FOLDER / "frameworks.toml", where)
    frameworks: tuple[Framework, ...] = validated(where, tuple[Framework, ...], table.get("framework"))
    calls = _read("calls.toml", CallTables)
    classes = [entry.name for entry in vocabulary.cache_classes]
    names = [signature.name for signature in calls.signatures]
    _unknown("knowledge/calls.toml [[signatures]]", "cache class(es)", names, classes)
    rules = _rules(base, frozenset(repair.name for repair in runtime.repairs))
    ranges = set(_ranges((vocabulary, rules, calls)))
    known = {"transformers": vocabulary.releases, "torch": vocabulary.torch_releases}
    masks = {
        package: {spec: release_mask(spec, names) for kind, spec in sorted(ranges) if kind == package}
        for package, names in known.items()
    }
    releases = ReleaseTable(
        vocabulary.releases, vocabulary.torch_releases, masks["transformers"], masks["torch"]
    )
    return Knowledge(
        rule_base=base,
        model_tables=_read("models.toml", ModelTables),
        runtime=runtime,
        sources=sources,
        vocabulary=vocabulary,
        rules=rules,
        frameworks=frameworks,
        calls=calls,
        releases=releases,
    )


def _load(path: Path, records: bool = True) -> Knowledge | ReleaseTable | None:
    """The compiled rule base stored at `path` (its release table alone when not `records`), or
    None (missing, unreadable, or not one)."""
    try:
        with path.open("rb") as stored:
            table = pickle.load(stored)
            loaded = pickle.load(stored) if records else table
    except Exception:  # any broken entry (truncated, written by other classes) is a miss
        return None
    if not isinstance(table, ReleaseTable):
        return None
    return loaded if isinstance(loaded, (Knowledge, ReleaseTable)) else None


def _store(folder: Path, path: Path, compiled: Knowledge) -> None:
    """Write `compiled` to `path` atomically (a temporary file renamed into place), dropping the
    entries of other keys written more than a week ago; a folder that cannot be written is left
    alone. Entries of other keys are kept for a while because several attnlint installs (a
    virtual environment per project, a checkout per branch) share one cache folder and would
    otherwise delete each other's entry on every start."""
    import tempfile  # a start that reads its stored entry writes nothing

    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".knowledge-", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:  # the table first: it reads without the records
                pickle.dump(compiled.releases, out, protocol=pickle.HIGHEST_PROTOCOL)
                pickle.dump(compiled, out, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)
        finally:
            Path(temporary).unlink(missing_ok=True)
        stale = time.time() - _STALE_SECONDS
        for old in folder.glob("knowledge-*.pickle"):
            if old != path and old.stat().st_mtime < stale:
                old.unlink(missing_ok=True)
    except OSError:
        return


def _entry() -> Path:
    return cache_folder() / f"knowledge-{knowledge_key()}.pickle"


@cache
def knowledge() -> Knowledge:
    """The validated rule base: the stored compiled form when its key matches, else compiled now."""
    path = _entry()
    stored = _load(path)
    if isinstance(stored, Knowledge):
        return stored
    compiled = compile_knowledge()
    _store(path.parent, path, compiled)
    return compiled


@cache
def release_table() -> ReleaseTable:
    """The known releases and the rule base's ranges as masks: read alone from the stored compiled
    form (no record class is imported), else the rule base's (compiled now when it is not stored)."""
    stored = _load(_entry(), records=False)
    return stored if isinstance(stored, ReleaseTable) else knowledge().releases
