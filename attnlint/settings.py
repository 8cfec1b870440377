"""`[tool.attnlint]` in pyproject.toml: the project's own defaults for `attnlint check` and `fix`.

Keys are kebab-case, as in ruff's `[tool.ruff]`, and unknown keys or wrong types are errors rather
than silently ignored: a typo such as `selekt` would otherwise turn every rule back on without a
word. Each problem becomes one line naming the file and the key.
"""

from __future__ import annotations

from dataclasses import field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_type_hints

from attnlint.records import record
from attnlint.report import OutputFormat
from attnlint.toml_files import TOMLDecodeError, read_toml

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails

__all__ = ["Settings", "SettingsError", "find_project_root", "load_settings", "settings_file"]

_PYPROJECT = "pyproject.toml"
_TABLE = "[tool.attnlint]"


def _kebab(name: str) -> str:
    return name.replace("_", "-")


class SettingsError(ValueError):
    """`[tool.attnlint]` cannot be used as written; the message names the file and every bad key."""


@record(kw_only=True)
class Settings:
    """The `[tool.attnlint]` table; the command line adds to or overrides these values.

    `select`/`ignore` hold rule codes or prefixes ("ATN1", "ALL"); `exclude` replaces nothing
    but adds globs to the built-in excludes, like `extend-exclude`; `transformers-version` is a
    PEP 440 specifier or an exact version that overrides the project's pins. A plain dataclass:
    pydantic validates a table only when a pyproject.toml has one, so a run without settings
    never imports it.
    """

    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    extend_select: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    extend_exclude: list[str] = field(default_factory=list)
    respect_gitignore: bool = True
    force_exclude: bool = False
    transformers_version: str | None = None
    unsafe_fixes: bool = False
    strict: bool = False
    output_format: OutputFormat = "text"


def _search_upward(start: Path) -> tuple[Path | None, Path]:
    """The nearest pyproject.toml at or above `start` (not past a .git folder), and the last folder seen."""
    folder = start.resolve()
    if folder.is_file():
        folder = folder.parent
    while True:
        candidate = folder / _PYPROJECT
        if candidate.is_file():
            return candidate, folder
        if (folder / ".git").exists() or folder.parent == folder:
            return None, folder
        folder = folder.parent


def settings_file(start: Path) -> Path | None:
    """The pyproject.toml configuring `start`: `start` itself when it is a file, else the nearest above."""
    if start.is_file():
        return start
    return _search_upward(start)[0]


def find_project_root(start: Path) -> Path:
    """The folder holding the nearest pyproject.toml, else the repository root (.git), else `start`."""
    found, last = _search_upward(start)
    if found is not None:
        return found.parent
    if (last / ".git").exists():
        return last
    return start.resolve()


def _validator() -> Any:
    """A pydantic model with the fields of `Settings`, built only when a table is read: keys by their
    kebab-case alias only, no unknown keys, no coercion (the API of the declared floor, pydantic 2.6)."""
    from pydantic import ConfigDict, create_model

    types = get_type_hints(Settings)
    defaults = {
        f.name: f.default_factory() if callable(f.default_factory) else f.default for f in fields(Settings)
    }
    config = ConfigDict(extra="forbid", strict=True, alias_generator=_kebab)
    return create_model(  # type: ignore[call-overload]
        "Settings", __config__=config, **{name: (types[name], defaults[name]) for name in defaults}
    )


def _error_line(path: Path, error: ErrorDetails) -> str:
    key = ".".join(_kebab(str(part)) for part in error["loc"])
    if error["type"] == "extra_forbidden":
        known = [_kebab(f.name) for f in fields(Settings)]
        import difflib  # only a misspelt key pays for it

        close = difflib.get_close_matches(key, known, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"{path}: {_TABLE} unknown key '{key}'{hint}"
    message = error["msg"][:1].lower() + error["msg"][1:]
    return f"{path}: {_TABLE} '{key}': {message}, got {error['input']!r}"


def load_settings(root: Path) -> Settings:
    """`[tool.attnlint]` of the pyproject.toml for `root` (a folder, or the file itself); defaults when none.

    Raises `SettingsError` for unreadable or broken TOML (with the line) and for unknown keys or
    values of the wrong type (one line per problem).
    """
    path = settings_file(root)
    if path is None:
        return Settings()
    try:
        data = read_toml(path)
    except OSError as exc:
        raise SettingsError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise SettingsError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except TOMLDecodeError as exc:
        raise SettingsError(f"{path}: invalid TOML: {exc}") from exc
    table = data.get("tool", {}).get("attnlint", {})
    if not isinstance(table, dict):
        raise SettingsError(f"{path}: {_TABLE} must be a table, got {type(table).__name__}")
    if not table:
        return Settings()
    marker = _validated_marker(table)
    if marker.exists():
        return Settings(**{name.replace("-", "_"): value for name, value in table.items()})
    from pydantic import ValidationError

    try:
        settings = Settings(**_validator().model_validate(table).model_dump())
    except ValidationError as exc:
        raise SettingsError("\n".join(_error_line(path, e) for e in exc.errors())) from exc
    try:
        marker.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        marker.touch()
    except OSError:
        pass  # not remembered: the next run validates the table again
    return settings


def _validated_marker(table: dict[str, Any]) -> Path:
    """The user-cache file that says this exact table passed validation by this settings code.

    Validation is strict (no coercion) and the keys are the fields' kebab-case names, so a table
    that passed once becomes the same `Settings` by renaming its keys: a project that keeps its
    `[tool.attnlint]` unchanged imports pydantic once, not on every commit.
    """
    import hashlib
    import json

    from attnlint.knowledge.compiled import cache_folder

    digest = hashlib.sha256(json.dumps(table, sort_keys=True, default=repr).encode())
    digest.update(b"\0" + Path(__file__).read_bytes())
    return cache_folder() / f"settings-{digest.hexdigest()[:32]}.ok"
