"""Model folders: config.json and generation_config.json read as one model use, with exact value spans.

`from_pretrained` reads both files of a folder, so the attention implementation of config.json
and the cache of generation_config.json meet in one model; judging either file alone would miss
exactly the combinations the rules are about. Values come from the standard json module; their
positions come from walking the text with `json.JSONDecoder.raw_decode`, so a fix can replace
the one literal and leave every other byte of the file as it was.

Columns count characters from after a UTF-8 BOM and rows end where `source.LineIndex` ends them, like
every other span.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from attnlint.extract.models import with_text_types
from attnlint.extract.values import NORMALISERS, Normaliser, normalise_name
from attnlint.facts import ModelUse, Setting, Site, SiteKind, Span
from attnlint.knowledge import source_names
from attnlint.records import record
from attnlint.source import LineIndex

__all__ = [
    "CONFIG_FILE",
    "GENERATION_FILE",
    "ConfigFileError",
    "extract_config_folder",
    "is_model_config_folder",
    "reads_json_file",
]

CONFIG_FILE = "config.json"
GENERATION_FILE = "generation_config.json"

_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\r\n"
#: The trigger facts a model folder's JSON can set (spelled as knowledge/sources.toml's keywords);
#: the device and the other flags are not stored in these files.
_FILE_FACTS = ("dtype", "output_attentions", "use_cache")


class ConfigFileError(ValueError):
    """A model folder's JSON file that cannot be read: where, and what the JSON parser said."""

    def __init__(self, path: str, reason: str, row: int = 1, column: int = 1) -> None:
        super().__init__(f"{path}:{row}:{column}: {reason}")
        self.path, self.reason, self.row, self.column = path, reason, row, column


@record(frozen=False)
class _Member:
    """One key of a JSON object: its decoded value and the offsets of the value's text."""

    value: Any
    start: int
    end: int


def _skip(text: str, i: int) -> int:
    while i < len(text) and text[i] in _WHITESPACE:
        i += 1
    return i


def _members(text: str, start: int) -> dict[str, _Member]:
    """The members of the (valid) JSON object at `text[start]`; a repeated key keeps its last value."""
    found: dict[str, _Member] = {}
    i = _skip(text, start + 1)
    while text[i] == '"':
        key, i = _DECODER.raw_decode(text, i)
        i = _skip(text, _skip(text, i) + 1)  # past the colon
        value, end = _DECODER.raw_decode(text, i)
        found[key] = _Member(value, i, end)
        i = _skip(text, end)
        if text[i] == ",":
            i = _skip(text, i + 1)
    return found


class _JsonFile:
    """One JSON file of a model folder: its text, its top-level members and a row/column index."""

    def __init__(self, path: Path, kind: SiteKind, text: str | None = None) -> None:
        self.path, self.kind = str(path), kind
        if text is None:
            try:
                text = path.read_bytes().removeprefix(codecs.BOM_UTF8).decode("utf-8")
            except UnicodeDecodeError as exc:
                reason = f"not UTF-8 text ({exc.reason} at byte {exc.start})"
                raise ConfigFileError(self.path, reason) from exc
        self.text = text
        try:
            self.value, end = _DECODER.raw_decode(self.text, _skip(self.text, 0))
            if _skip(self.text, end) != len(self.text):
                raise json.JSONDecodeError("Extra data", self.text, _skip(self.text, end))
        except json.JSONDecodeError as exc:
            raise ConfigFileError(self.path, f"invalid JSON: {exc.msg}", exc.lineno, exc.colno) from exc
        self.start = _skip(self.text, 0)
        self.end = end
        self.top = _members(self.text, self.start) if isinstance(self.value, dict) else {}
        nested = self.top.get("text_config")
        self.inner = _members(self.text, nested.start) if nested and isinstance(nested.value, dict) else {}
        self._index = LineIndex(self.text)

    def span(self, start: int, end: int) -> Span:
        first, last = self._index.location(start), self._index.location(end)
        return Span(
            path=self.path, row=first.row, column=first.column, end_row=last.row, end_column=last.column
        )

    def site(self) -> Site:
        """The whole top-level object: where a fix adds a key."""
        return Site(kind=self.kind, span=self.span(self.start, self.end))

    def levels(self) -> Iterator[tuple[str, dict[str, _Member]]]:
        """("", top-level members), then ("text_config.", the nested members) when there are any."""
        yield "", self.top
        if self.inner:
            yield "text_config.", self.inner

    def settings(self, keys: tuple[str, ...], normalise: Normaliser, nested: bool = True) -> list[Setting]:
        """A Setting for each of `keys` present (top level, then text_config); JSON null means unset."""
        found: list[Setting] = []
        for prefix, members in self.levels() if nested else [("", self.top)]:
            for key in keys:
                member = members.get(key)
                if member is None or member.value is None:
                    continue
                value = member.value if isinstance(member.value, (str, bool)) else None
                found.append(
                    Setting(
                        value=normalise(value) if value is not None else None,
                        origin="json",
                        span=self.span(member.start, member.end),
                        site=self.site().span,
                        keyword=prefix + key,
                        stage="config" if self.kind == "config-file" else "call",
                    )
                )
        return found


def reads_json_file(path: Path) -> bool:
    """Whether attnlint reads this JSON file: only config.json and generation_config.json, by exact name."""
    return path.name in (CONFIG_FILE, GENERATION_FILE)


def _has_model_type(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("model_type"), str) and bool(value["model_type"])


def _model_config(folder: Path, texts: Mapping[str, str] | None = None) -> _JsonFile | None:
    """config.json when it describes a model; other tools' config.json files (no model_type) are skipped.

    A config.json that does not parse counts as a model config only when it mentions "model_type",
    so a broken file of another tool is not reported as a broken model.
    """
    path = folder / CONFIG_FILE
    if not (path.is_file() if texts is None else CONFIG_FILE in texts):
        return None
    try:
        config = _JsonFile(path, "config-file", None if texts is None else texts[CONFIG_FILE])
    except ConfigFileError:
        if b'"model_type"' in (path.read_bytes() if texts is None else texts[CONFIG_FILE].encode()):
            raise
        return None
    return config if _has_model_type(config.value) else None


def _generation_config(folder: Path, texts: Mapping[str, str] | None = None) -> _JsonFile | None:
    path = folder / GENERATION_FILE
    if not (path.is_file() if texts is None else GENERATION_FILE in texts):
        return None
    generation = _JsonFile(path, "generation-file", None if texts is None else texts[GENERATION_FILE])
    if not isinstance(generation.value, dict):
        raise ConfigFileError(generation.path, "the file does not hold a JSON object")
    return generation


def is_model_config_folder(folder: Path) -> bool:
    """Whether `folder` holds a model's config.json (with a model_type) or a generation_config.json."""
    try:
        return _model_config(folder) is not None or (folder / GENERATION_FILE).is_file()
    except ConfigFileError:
        return True


def _model_types(config: _JsonFile) -> tuple[frozenset[str], str, Span | None]:
    types: list[str] = []
    span: Span | None = None
    for _, members in config.levels():
        member = members.get("model_type")
        if member is not None and isinstance(member.value, str) and member.value:
            types.append(member.value)
            span = span or config.span(member.start, member.end)
    reason = " and ".join(f"model_type {t!r}" for t in types) + f" in {config.path}"
    return with_text_types(set(types)), reason, span


def _cache(config: _JsonFile | None, generation: _JsonFile | None) -> list[Setting]:
    """generation_config.json decides when it sets a cache; else a stale config.json key may.

    Some 4.51.1-4.55 checkpoints carry `cache_implementation` in config.json (top level or in
    text_config); generate reads it only when generation_config.json does not set one.
    """
    if generation is not None:
        found = generation.settings(("cache_implementation",), normalise_name, nested=False)
        if found:
            return found
    return config.settings(("cache_implementation",), normalise_name) if config else []


def extract_config_folder(folder: Path, texts: Mapping[str, str] | None = None) -> list[ModelUse]:
    """The model use of `folder`'s config.json and generation_config.json (none if neither is a model's).

    `texts` maps file names to their decoded text when the caller has read them (the checker reads
    each file once; the fixer passes candidate texts); without it the files are read here.
    Raises `ConfigFileError` for a file that is not UTF-8 JSON, and `OSError` when a file cannot be read.
    """
    config = _model_config(folder, texts)
    generation = _generation_config(folder, texts)
    files = [f for f in (config, generation) if f is not None]
    if not files:
        return []
    model_types, reason, model_span = (frozenset(), "", None) if config is None else _model_types(config)
    attn = [] if config is None else config.settings(source_names().keywords["attn"], normalise_name)
    flags: dict[str, list[Setting]] = {}
    for flag in _FILE_FACTS:
        keys, normalise = source_names().keywords[flag], NORMALISERS[flag]
        found = [s for f in files for s in f.settings(keys, normalise, nested=f is config)]
        if found:
            flags[flag] = found
    return [
        ModelUse(
            path=files[0].path,
            model_types=model_types,
            model_type_reason=reason,
            model_span=model_span,
            attn=attn,
            cache=_cache(config, generation),
            flags=flags,
            sites=[f.site() for f in files],
        )
    ]
