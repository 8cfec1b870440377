"""Framework configs to `ModelUse` facts: the keys of knowledge/frameworks.toml, read from one
YAML document or one shell command, each value with its span so that a fix can rewrite it.

The settings carry `keyword="<framework>:<key>"`, which tells the YAML fixer how to write a
transformers value back in the framework's own words (LLaMA-Factory's `fa2`, not
`flash_attention_2`).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import field, replace
from pathlib import Path

from attnlint.extract.frameworks.args import ArgValue, ShellRun, parse_args
from attnlint.extract.frameworks.table import Framework, KeyMeaning
from attnlint.extract.frameworks.yaml_doc import Scalar, YamlMapping
from attnlint.extract.models import ModelType, from_class_name, from_model_id
from attnlint.extract.values import normalise_bool, normalise_device, normalise_dtype, normalise_name
from attnlint.facts import ModelUse, Setting, Site, Span
from attnlint.knowledge.schema import TriggerValue
from attnlint.records import record

__all__ = ["Positions", "UseBuilder"]

_NORMALISE: dict[str, Callable[[str | bool], TriggerValue | None]] = {
    "attn": normalise_name,
    "cache": normalise_name,
    "dtype": normalise_dtype,
    "device": normalise_device,
    "autocast": normalise_bool,
    "output_attentions": normalise_bool,
    "use_cache": normalise_bool,
}


class Positions:
    """Character offsets of a text to 1-based (row, column) spans."""

    def __init__(self, text: str, path: str) -> None:
        self.path = path
        self.starts = [0, *(i + 1 for i, char in enumerate(text) if char == "\n")]

    def span(self, start: int, end: int) -> Span:
        row = bisect.bisect_right(self.starts, start)
        end_row = bisect.bisect_right(self.starts, end)
        return Span(
            path=self.path, row=row, column=start - self.starts[row - 1] + 1,
            end_row=end_row, end_column=end - self.starts[end_row - 1] + 1,
        )


@record(frozen=False)
class UseBuilder:
    """Collects one model use: its model and each fact's settings, in the framework's table order."""

    framework: Framework
    path: str
    site: Span
    folders: list[Path]
    use: ModelUse = field(init=False)
    _switched: set[str] = field(default_factory=set)
    _present: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.use = ModelUse(path=self.path, sites=[Site(kind="framework-file", span=self.site)])

    def value(self, key: str, meaning: KeyMeaning, raw: str | bool, span: Span | None) -> None:
        """Record what `key` says (raw as YAML read it), unless it means the framework's default."""
        self._present.add(meaning.fact)
        if meaning.fact == "model":
            if isinstance(raw, str):
                self.model_id(raw, span)
            return
        value: str | bool = raw
        if meaning.when_true is not None:
            if raw is not True or meaning.fact in self._switched:
                return  # `false`, or a switch after the one that wins
            self._switched.add(meaning.fact)
            value = meaning.when_true
        elif isinstance(raw, str) and raw in meaning.map:
            value = meaning.map[raw]
            if not value:
                return  # the framework's own default: nothing is set
        normalised = _NORMALISE[meaning.fact](value)
        setting = Setting(
            value=normalised, origin="yaml", span=span, site=self.site, keyword=f"{self.framework.name}:{key}"
        )
        if meaning.fact == "attn":
            self.use.attn.append(setting)
        elif meaning.fact == "cache":
            self.use.cache.append(setting)
        else:
            self.use.flags.setdefault(meaning.fact, []).append(setting)

    def unknown_unless_set(self, facts: Sequence[str]) -> None:
        """Mark each of `facts` that no key mentions (not even as `false`) as set to a value attnlint
        cannot read, so that no rule assumes the default of one release."""
        for fact in facts:
            if fact not in self._present:
                keyword = f"{self.framework.name}:"
                self.use.flags[fact] = [Setting(value=None, origin="yaml", site=self.site, keyword=keyword)]

    def model_id(self, model_id: str, span: Span | None) -> None:
        if self.use.model_types:
            return
        self._model(from_model_id(model_id, self.folders), span)

    def model_class(self, name: str, span: Span) -> None:
        if not self.use.model_types:
            self._model(from_class_name(name), span)

    def _model(self, found: ModelType | None, span: Span | None) -> None:
        if found is not None:
            reason = f"{found.reason} in {self.path}"
            self.use = replace(self.use, model_types=found.types, model_type_reason=reason, model_span=span)

    def args(self, found: dict[str, ArgValue], positions: Positions | None) -> None:
        """The pairs of a `k=v` string; spans only when the string's offsets are the file's."""
        for key, item in found.items():
            meaning = self.framework.keys.get(key)
            if meaning is not None:
                span = positions.span(item.start, item.end) if positions else None
                self.value(key, meaning, item.value, span)


def _scalar_args(scalar: Scalar, text: str) -> tuple[dict[str, ArgValue], bool]:
    """The pairs of a YAML string scalar, and whether their offsets are exact (no escapes, one line)."""
    quote = 1 if scalar.style in ('"', "'") else 0
    inner = text[scalar.start + quote : scalar.end - quote]
    if scalar.style in ("", '"', "'") and inner == scalar.text:
        return parse_args(inner, scalar.start + quote), True
    return parse_args(scalar.text, 0), False


def from_document(
    framework: Framework, document: YamlMapping, text: str, positions: Positions, folders: list[Path]
) -> ModelUse:
    """The model use one YAML document of `framework` describes."""
    builder = UseBuilder(framework, document.path, document.span, folders)
    for key in framework.model:
        scalar = document.scalar(key)
        if scalar is not None:
            builder.model_id(scalar.text, scalar.span)
    if framework.model_class and (scalar := document.scalar(framework.model_class)) is not None:
        builder.model_class(scalar.text, scalar.span)
    for key in framework.args:
        scalar = document.scalar(key)
        if scalar is not None:
            found, exact = _scalar_args(scalar, text)
            builder.args(found, positions if exact else None)
        mapping = document.mapping(key)
        for name in mapping.members if mapping is not None else ():
            meaning, item = framework.keys.get(name), mapping.scalar(name) if mapping else None
            if meaning is not None and item is not None:
                builder.value(name, meaning, item.value, item.span)
    if not framework.args:
        for key, meaning in framework.keys.items():
            scalar = document.scalar(key)
            if scalar is not None:
                builder.value(key, meaning, scalar.value, scalar.span)
    builder.unknown_unless_set(framework.unknown_when_unset)
    return builder.use


def from_shell_run(
    framework: Framework, run: ShellRun, positions: Positions, folders: list[Path]
) -> ModelUse:
    """The model use of one `--model_args` in a shell script."""
    site = positions.span(run.command_start, run.command_end)
    builder = UseBuilder(framework, positions.path, site, folders)
    builder.args(run.args, positions)
    if run.device is not None and "device" not in builder.use.flags:
        builder.args({"device": run.device}, positions)
    return builder.use
