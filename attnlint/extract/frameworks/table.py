"""The framework table (knowledge/frameworks.toml): which keys of which framework mean which fact.

Kept as data so that supporting a new framework option is a data edit; the extractor only walks
the keys this table names, so every other key of a config (frameworks have hundreds) is ignored.
"""

from __future__ import annotations

import sys
from functools import cache
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

__all__ = ["Framework", "KeyMeaning", "by_name", "frameworks"]

Fact = Literal["model", "attn", "cache", "dtype", "autocast", "device", "output_attentions", "use_cache"]


class KeyMeaning(BaseModel):
    """What one framework key says: the fact it sets, and how its words become transformers' words."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    fact: Fact
    map: dict[str, str] = Field(default_factory=dict)
    when_true: str | bool | None = None

    def encode(self, value: str) -> str | None:
        """The framework's word for a transformers value (for a fix), None when it has none."""
        if self.when_true is not None:
            return None
        for word, meaning in self.map.items():
            if meaning == value:
                return word
        return None if value in self.map else value


class Framework(BaseModel):
    """One framework's config shape: how it is recognised, where its model is named, its keys."""

    # `model_class` is a field: pydantic 2.6 (the declared floor) warns about the `model_` namespace.
    model_config = ConfigDict(frozen=True, extra="forbid", protected_namespaces=())

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


@cache
def frameworks() -> tuple[Framework, ...]:
    """Every framework of the table, in the order they are tried."""
    text = resources.files("attnlint.knowledge").joinpath("frameworks.toml").read_text(encoding="utf-8")
    return tuple(Framework.model_validate(entry) for entry in tomllib.loads(text)["framework"])


def by_name(name: str) -> Framework:
    """The framework of that name (a name of the table, or StopIteration)."""
    return next(f for f in frameworks() if f.name == name)
