"""Which transformers (and torch) releases a project can run: the target every rule is judged on.

A rule about 4.51.0 is noise in a project locked to 4.53, so the target comes from the most
precise word the project gives, first to last: the `--transformers-version` option, the
`[tool.attnlint] transformers-version` setting, a lock file (uv.lock, poetry.lock, pylock.toml,
Pipfile.lock), the requirements (pyproject.toml `[project]`, Poetry dependencies, requirements*.txt,
requirements/*.txt and constraints*.txt with their `-r`/`-c` includes, and setup.py, setup.cfg
and conda's environment.yml through extract/pins), the installed distribution, and finally every
known release. Nothing here imports transformers or torch: the installed version comes from the
distribution's metadata.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from fnmatch import fnmatch
from functools import cache
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from attnlint.extract.pins import (
    LOCK_SOURCES,
    REQUIREMENT_SOURCES,
    PinFileError,
    Reader,
    pin_file_names,
    read_lines,
)
from attnlint.facts import Target, TargetSource
from attnlint.knowledge import vocabulary
from attnlint.records import record
from attnlint.toml_files import TOMLDecodeError, read_toml

__all__ = ["VersionError", "has_pin_files", "resolve_target", "target_from_specifier"]

_PACKAGES = ("transformers", "torch")
_LOCKS = (("uv.lock", "package"), ("poetry.lock", "package"), ("pylock.toml", "packages"))
_NAME = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
#: A requirement that is a name and version clauses only (no extras, marker or URL): its specifier
#: is read without packaging's PEP 508 parser, whose import compiles a dozen regexes.
_CLAUSE = r"[<>=!~]=*\s*[^\s,;@\[\]()]+"
_PLAIN_REQUIREMENT = re.compile(
    rf"\s*[A-Za-z0-9][A-Za-z0-9._-]*\s*({_CLAUSE}(?:\s*,\s*{_CLAUSE})*\s*,?)?\s*$"
)
_SEPARATORS = re.compile(r"[-_.]+")
_COMMENT = re.compile(r"(^|\s)#.*$")
_INCLUDE = re.compile(r"^(?:-r|-c|--requirement|--constraint)\s*=?\s*(\S+)")
#: requirements files read at a project root (each with its `-r` / `-c` includes).
_REQUIREMENT_GLOBS = ("requirements*.txt", "requirements/*.txt", "constraints*.txt")
_POETRY_BOUND = re.compile(r"^([~^])\s*(\d+(?:\.\d+)*)$")


class VersionError(ValueError):
    """A version or specifier attnlint cannot read; the message names where it was written."""


@record
class _Pin:
    """One statement about a package's versions: the specifier, its text, and the file it is in."""

    spec: SpecifierSet
    text: str
    file: str


def _spec(text: str, where: str) -> SpecifierSet:
    """An exact version means `==version`; anything else must be a PEP 440 specifier set."""
    text = text.strip()
    try:
        return SpecifierSet(f"=={Version(text).public}")
    except InvalidVersion:
        pass
    try:
        return SpecifierSet(text)
    except InvalidSpecifier as exc:
        raise VersionError(
            f"{where}: `{text}` is not a version or a version specifier (e.g. `4.51.0` or `>=4.50,<4.53`)"
        ) from exc


def target_from_specifier(spec: str, reason: str) -> Target:
    """A target allowing the transformers versions of `spec` (`4.51.0` means `==4.51.0`)."""
    return Target(transformers=_spec(spec, "transformers version"), reason=reason, requirement=spec.strip())


def _display(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _read_toml(path: Path, root: Path) -> dict[str, Any]:
    try:
        return read_toml(path)
    except (OSError, UnicodeDecodeError, TOMLDecodeError) as exc:
        raise VersionError(f"{_display(path, root)}: cannot read the versions it pins: {exc}") from exc


def _canonical(name: str) -> str:
    """A distribution name as PEP 503 compares it: runs of `-`, `_` and `.` are one `-`, any case."""
    return _SEPARATORS.sub("-", name).lower()


def _requirement(text: str, file: str, package: str) -> _Pin | None:
    """The pin of `package` in one PEP 508 requirement line, None for other packages or no version."""
    name = _NAME.match(text)
    if name is None or _canonical(name.group(1)) != package:
        return None
    plain = _PLAIN_REQUIREMENT.match(text)
    if plain is not None:
        try:
            spec = SpecifierSet(plain.group(1) or "")
        except InvalidSpecifier:
            pass  # packaging's parser says what is wrong with it
        else:
            return _Pin(spec, text.strip(), file) if str(spec) else None
    from packaging.requirements import InvalidRequirement, Requirement  # extras, a marker or a URL

    try:
        parsed = Requirement(text)
    except InvalidRequirement as exc:
        raise VersionError(f"{file}: cannot read the requirement `{text.strip()}`: {exc}") from exc
    if not str(parsed.specifier):
        return None
    return _Pin(parsed.specifier, text.strip(), file)


def _lock_pins(root: Path, package: str) -> list[_Pin]:
    """The locked versions of `package` in the first lock file that has it (a fork lock may hold two)."""
    for name, table in _LOCKS:
        path = root / name
        if not path.is_file():
            continue
        versions = [
            Version(Version(entry["version"]).public)  # "2.6.0+cu124" runs as torch 2.6.0
            for entry in _read_toml(path, root).get(table, [])
            if isinstance(entry, dict)
            and _canonical(str(entry.get("name", ""))) == package
            and isinstance(entry.get("version"), str)
        ]
        if not versions:
            continue
        low, high = min(versions), max(versions)
        text = f"{package}=={low}" if low == high else f"{package}>={low},<={high}"
        spec = SpecifierSet(f"=={low}" if low == high else f">={low},<={high}")
        return [_Pin(spec, text, name)]
    return _source_pins(root, LOCK_SOURCES, package)


def _source_pins(root: Path, sources: dict[str, Reader], package: str) -> list[_Pin]:
    """The pins of `package` in the other pin sources (extract/pins); a broken file is a `VersionError`."""
    try:
        lines = read_lines(root, sources)
    except PinFileError as exc:
        raise VersionError(str(exc)) from exc
    return [pin for line in lines if (pin := _requirement(line.text, line.file, package))]


def _poetry_spec(text: str, file: str) -> SpecifierSet:
    """Poetry constraints: `^4.50` -> `>=4.50,<5`, `~4.50` -> `>=4.50,<4.51`, `4.51.0` -> `==4.51.0`."""
    text = text.strip()
    if text in ("", "*"):
        return SpecifierSet()
    if "||" in text:
        raise VersionError(
            f"{file}: the Poetry constraint `{text}` is a union attnlint cannot narrow; "
            "pass --transformers-version or set [tool.attnlint] transformers-version"
        )
    parts = []
    for part in re.split(r",\s*|\s+(?=[<>=!~^])", text):
        bound = _POETRY_BOUND.match(part)
        if bound is None:
            parts.append(str(_spec(f"=={part}" if part[:1].isdigit() else part, file)))
            continue
        numbers = [int(n) for n in bound.group(2).split(".")]
        if bound.group(1) == "^":
            keep = next((i for i, n in enumerate(numbers) if n != 0), len(numbers) - 1)
        else:
            keep = 0 if len(numbers) == 1 else 1
        upper = [*numbers[:keep], numbers[keep] + 1]
        parts += [f">={bound.group(2)}", f"<{'.'.join(map(str, upper))}"]
    return SpecifierSet(",".join(parts))


def _poetry_pins(data: dict[str, Any], package: str) -> Iterator[_Pin]:
    poetry = data.get("tool", {}).get("poetry", {})
    tables = [poetry.get("dependencies", {})]
    tables += [group.get("dependencies", {}) for group in poetry.get("group", {}).values()]
    for table in tables:
        for name, value in table.items():
            if _canonical(name) != package:
                continue
            constraint = value.get("version") if isinstance(value, dict) else value
            if isinstance(constraint, str):
                spec = _poetry_spec(constraint, "pyproject.toml")
                if str(spec):
                    yield _Pin(spec, f"{name} = {constraint!r}".replace("'", '"'), "pyproject.toml")


def _pyproject_pins(root: Path, package: str) -> list[_Pin]:
    path = root / "pyproject.toml"
    if not path.is_file():
        return []
    data = _read_toml(path, root)
    project = data.get("project", {})
    lines: list[str] = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        lines += extra
    for group in data.get("dependency-groups", {}).values():
        lines += [line for line in group if isinstance(line, str)]
    pins = [pin for line in lines if (pin := _requirement(line, "pyproject.toml", package))]
    return pins + list(_poetry_pins(data, package))


def _requirement_lines(path: Path, root: Path, seen: set[Path]) -> Iterator[tuple[str, str]]:
    """(line, file) for every requirement of a requirements file and the files it includes."""
    real = path.resolve()
    if real in seen:
        return
    seen.add(real)
    file = _display(path, root)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise VersionError(f"{file}: cannot read the versions it pins: {exc}") from exc
    for raw in text.replace("\\\r\n", "").replace("\\\n", "").splitlines():
        line = _COMMENT.sub("", raw).strip()
        include = _INCLUDE.match(line)
        if include:
            included = Path(os.path.normpath(path.parent / include.group(1)))  # no `dir/../` in messages
            yield from _requirement_lines(included, root, seen)
        elif line and not line.startswith("-"):
            yield line, file


def _requirements_pins(root: Path, package: str) -> list[_Pin]:
    seen: set[Path] = set()
    pins: list[_Pin] = []
    for path in (path for pattern in _REQUIREMENT_GLOBS for path in sorted(root.glob(pattern))):
        for line, file in _requirement_lines(path, root, seen):
            pin = _requirement(line, file, package)
            if pin is not None:
                pins.append(pin)
    return pins + _source_pins(root, REQUIREMENT_SOURCES, package)


def _allows_a_release(spec: SpecifierSet, package: str) -> bool:
    known = vocabulary().releases if package == "transformers" else vocabulary().torch_releases
    return any(spec.contains(v, prereleases=True) for v in known)


def _from_pins(pins: list[_Pin], kind: str, package: str) -> tuple[SpecifierSet, str, str]:
    """All pins together (they all apply); the first alone when together they allow no known release.
    A requirement repeated in one file (dependencies and an extra) is named once."""
    pins = list({(pin.text, pin.file): pin for pin in pins}.values())
    combined = SpecifierSet()
    for pin in pins:
        combined &= pin.spec
    if len(pins) > 1 and not _allows_a_release(combined, package):
        pins = pins[:1]
        combined = pins[0].spec
    quoted = " and ".join(f"`{pin.text}` ({pin.file})" for pin in pins)
    if len(pins) == 1:
        return combined, f"your {kind} {quoted} allows", pins[0].text
    return combined, f"your {kind}s {quoted} allow", "; ".join(pin.text for pin in pins)


def has_pin_files(folder: Path) -> bool:
    """Whether `folder` holds a file `resolve_target` reads pins from (a project root of its own).

    Asked of every folder of a tree that holds a file worth parsing, so it lists the folder once
    instead of a `stat` per pin file name and a `glob` (whose pattern compiles) per pattern."""
    try:
        entries = os.listdir(folder)
    except OSError:
        return False
    names = {"pyproject.toml", *(name for name, _ in _LOCKS), *pin_file_names()}
    for entry in entries:
        matches = entry in names or any(fnmatch(entry, pattern) for pattern in _REQUIREMENT_GLOBS)
        if matches and (folder / entry).is_file():
            return True
    nested = [pattern for pattern in _REQUIREMENT_GLOBS if "/" in pattern]
    return any(any(folder.glob(pattern)) for pattern in nested if pattern.partition("/")[0] in entries)


@cache
def _installed(package: str) -> Version | None:
    """The installed release of `package`, looked up once per run (every project root of a tree
    without pins asks, and each lookup lists the environment's folders).

    As `importlib.metadata.version` finds it, without importing it (and the email parser it reads
    metadata with): the first `*.dist-info` or `*.egg-info` of that name along `sys.path`, and the
    `Version:` field of its metadata."""
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        for name in names:
            stem, _, kind = name.rpartition(".")
            if kind in ("dist-info", "egg-info") and _canonical(stem.partition("-")[0]) == package:
                return _metadata_version(Path(folder or ".", name))
    return None


def _metadata_version(info: Path) -> Version | None:
    """The `Version:` header of a distribution's metadata (METADATA, PKG-INFO, or an egg-info file)."""
    for path in (info / "METADATA", info / "PKG-INFO", info):
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for line in text.partition("\n\n")[0].splitlines():
            key, _, value = line.partition(":")
            if key.strip().lower() == "version":
                try:
                    return Version(value.strip())
                except InvalidVersion:
                    return None
    return None


def _project_spec(root: Path, package: str) -> tuple[SpecifierSet, str, str, TargetSource] | None:
    """What the project says about `package`: its lock, else its requirements, else the installed
    version; with the kind of source it came from."""
    locked = _lock_pins(root, package)
    if locked:
        return *_from_pins(locked, "lock", package), "lock"
    required = _pyproject_pins(root, package) + _requirements_pins(root, package)
    if required:
        return *_from_pins(required, "requirement", package), "requirement"
    installed = _installed(package)
    if installed is not None:
        reason = f"the installed {package} {installed} is"
        return SpecifierSet(f"=={installed.public}"), reason, f"{package}=={installed}", "installed"
    return None


def resolve_target(root: Path, override: str | None = None, settings_version: str | None = None) -> Target:
    """The target for the project at `root`; see the module docstring for the order of sources.

    `override` is the `--transformers-version` value, `settings_version` the
    `[tool.attnlint] transformers-version` value. Raises `VersionError` for a specifier or a
    pin file attnlint cannot read.
    """
    torch_found = _project_spec(root, "torch")
    torch = torch_found[0] if torch_found else SpecifierSet()
    if override:
        spec = _spec(override, "--transformers-version")
        reason = f"the --transformers-version `{override}` allows"
        return Target(transformers=spec, torch=torch, reason=reason, requirement=override, source="override")
    if settings_version:
        where = "pyproject.toml [tool.attnlint] transformers-version"
        reason = f"the [tool.attnlint] transformers-version `{settings_version}` (pyproject.toml) allows"
        spec = _spec(settings_version, where)
        return Target(
            transformers=spec, torch=torch, reason=reason, requirement=settings_version, source="override"
        )
    found = _project_spec(root, "transformers")
    if found is None:
        return Target(torch=torch)
    spec, reason, requirement, source = found
    return Target(transformers=spec, torch=torch, reason=reason, requirement=requirement, source=source)
