"""The shape of the framework table (knowledge/frameworks.toml): which keys of which framework
mean which fact, and how a framework's words become transformers' words.

Records like those of `schema`, validated with the rest of the rule base when it is compiled;
`attnlint.extract.frameworks.table` hands the validated table to the extractor.
"""

from __future__ import annotations

from dataclasses import field
from typing import Literal

from attnlint.knowledge.schema import Record
from attnlint.records import record

__all__ = ["Fact", "Framework", "KeyMeaning"]

Fact = Literal["model", "attn", "cache", "dtype", "autocast", "device", "output_attentions", "use_cache"]


@record(kw_only=True)
class KeyMeaning(Record):
    """What one framework key says: the fact it sets, and how its words become transformers' words."""

    fact: Fact
    map: dict[str, str] = field(default_factory=dict)
    when_true: str | bool | None = None

    def encode(self, value: str) -> str | None:
        """The framework's word for a transformers value (for a fix), None when it has none."""
        if self.when_true is not None:
            return None
        for word, meaning in self.map.items():
            if meaning == value:
                return word
        return None if value in self.map else value


@record(kw_only=True)
class Framework(Record):
    """One framework's config shape: how it is recognised, where its model is named, its keys."""

    name: str
    recognise: tuple[str, ...]
    requires: tuple[str, ...] = ()
    model: tuple[str, ...] = ()
    model_class: str = ""
    args: tuple[str, ...] = ()
    unknown_when_unset: tuple[Fact, ...] = ()
    keys: dict[str, KeyMeaning]

    def claims(self, top_keys: set[str]) -> bool:
        """Whether a config with these top-level keys is this framework's."""
        return bool(top_keys & set(self.recognise)) and set(self.requires) <= top_keys
