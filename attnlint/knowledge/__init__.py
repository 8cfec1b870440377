"""The rule base: loads and validates the TOML data once per process.

The data is the product; this module only finds it, validates it against `schema`, and hands out
frozen objects. A broken rule file is a packaging bug, so it raises with the file name.
"""

from __future__ import annotations

import sys
from functools import cache
from importlib import resources
from typing import Any

from pydantic import ValidationError

from attnlint.knowledge.schema import Rule, Vocabulary

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

__all__ = ["KnowledgeError", "rule_by_code", "rules", "vocabulary"]


class KnowledgeError(RuntimeError):
    """A shipped knowledge file does not validate."""


def _load(name: str) -> dict[str, Any]:
    text = resources.files("attnlint.knowledge").joinpath(name).read_text(encoding="utf-8")
    return tomllib.loads(text)


@cache
def rules() -> tuple[Rule, ...]:
    folder = resources.files("attnlint.knowledge").joinpath("rules")
    loaded: list[Rule] = []
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if not entry.name.endswith(".toml"):
            continue
        try:
            rule = Rule.model_validate(tomllib.loads(entry.read_text(encoding="utf-8")))
        except (ValidationError, tomllib.TOMLDecodeError) as exc:
            raise KnowledgeError(f"knowledge/rules/{entry.name}: {exc}") from exc
        if entry.name != f"{rule.code}.toml":
            raise KnowledgeError(f"knowledge/rules/{entry.name}: holds rule {rule.code}")
        loaded.append(rule)
    return tuple(loaded)


@cache
def rule_by_code() -> dict[str, Rule]:
    return {rule.code: rule for rule in rules()}


@cache
def vocabulary() -> Vocabulary:
    try:
        return Vocabulary.model_validate(_load("vocab.toml"))
    except (ValidationError, tomllib.TOMLDecodeError) as exc:
        raise KnowledgeError(f"knowledge/vocab.toml: {exc}") from exc
