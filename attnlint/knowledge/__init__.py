"""The rule base: loads and validates the TOML data once per process.

The data is the product; this module only finds it, validates it against `schema`, checks that
the files agree with each other (a rule's code lies in its category's range, its triggers and
runtime repair exist, every keyword sets a known fact), and hands out frozen objects. A broken
knowledge file is a packaging bug, so it raises with the file name.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from functools import cache
from importlib import resources
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from attnlint.knowledge.links import rule_anchor, rule_url
from attnlint.knowledge.schema import ModelTables, Rule, RuleBase, RuntimeKnowledge, SourceNames, Vocabulary

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

__all__ = [
    "KnowledgeError", "cache_class_values", "configuration_rules", "keyword_facts", "model_tables",
    "repair_names", "rule_anchor", "rule_base", "rule_by_code", "rule_url", "rules", "runtime_knowledge",
    "source_names", "vocabulary",
]

_Model = TypeVar("_Model", bound=BaseModel)
#: The facts a keyword or default may set besides the triggers of codes.toml.
_SETTINGS = ("attn", "cache")


class KnowledgeError(RuntimeError):
    """A shipped knowledge file does not validate, or two knowledge files disagree."""


def _read(name: str, model: type[_Model]) -> _Model:
    """knowledge/<name> validated as `model`; any problem raises naming the file."""
    try:
        text = resources.files("attnlint.knowledge").joinpath(name).read_text(encoding="utf-8")
        data: dict[str, Any] = tomllib.loads(text)
        return model.model_validate(data)
    except (ValidationError, tomllib.TOMLDecodeError) as exc:
        raise KnowledgeError(f"knowledge/{name}: {exc}") from exc


def _unknown(where: str, what: str, names: Iterable[str], known: Iterable[str]) -> None:
    missing = sorted(set(names) - set(known))
    if missing:
        raise KnowledgeError(f"{where}: unknown {what} {missing}; known: {sorted(known)}")


@cache
def rule_base() -> RuleBase:
    """codes.toml: code ranges per category and the trigger names."""
    return _read("codes.toml", RuleBase)


@cache
def model_tables() -> ModelTables:
    """models.toml: what model_type a class name, configuration class or model id means."""
    return _read("models.toml", ModelTables)


@cache
def runtime_knowledge() -> RuntimeKnowledge:
    """runtime.toml: the guard's named repairs and its mask model types."""
    return _read("runtime.toml", RuntimeKnowledge)


def repair_names() -> frozenset[str]:
    """The runtime repairs a rule may name; attnlint/runtime/repairs.py implements each one."""
    return frozenset(repair.name for repair in runtime_knowledge().repairs)


@cache
def source_names() -> SourceNames:
    """sources.toml: cache classes, setting keywords and dtype spellings, for extractors and guard."""
    names = _read("sources.toml", SourceNames)
    known = (*_SETTINGS, *rule_base().triggers)
    _unknown("knowledge/sources.toml [keywords]", "fact(s)", names.keywords, known)
    return names


@cache
def cache_class_values() -> dict[str, str]:
    """Each cache class a user may build or pass as `past_key_values=` -> the cache it amounts to
    (vocab.toml [[cache_classes]], across every release that exported the class)."""
    return {entry.name: entry.cache for entry in vocabulary().cache_classes}


@cache
def keyword_facts() -> dict[str, str]:
    """Each setting keyword of sources.toml -> the fact it sets ("attn", "cache" or a trigger)."""
    return {keyword: fact for fact, keywords in source_names().keywords.items() for keyword in keywords}


def _check_rule(rule: Rule, where: str) -> None:
    base = rule_base()
    span = base.categories[rule.category]
    if not span.holds(rule.number):
        raise KnowledgeError(f"{where}: category {rule.category!r} uses ATN{span.first:03}-ATN{span.last:03}")
    _unknown(where, "trigger(s)", rule.when, base.triggers)
    if rule.runtime_repair is not None:
        _unknown(where, "runtime repair", [rule.runtime_repair], repair_names())


@cache
def rules() -> tuple[Rule, ...]:
    """Every rule, file-level (ATN0xx) and configuration rules alike, in code order."""
    folder = resources.files("attnlint.knowledge").joinpath("rules")
    loaded: list[Rule] = []
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if not entry.name.endswith(".toml"):
            continue
        where = f"knowledge/rules/{entry.name}"
        try:
            rule = Rule.model_validate(tomllib.loads(entry.read_text(encoding="utf-8")))
        except (ValidationError, tomllib.TOMLDecodeError) as exc:
            raise KnowledgeError(f"{where}: {exc}") from exc
        if entry.name != f"{rule.code}.toml":
            raise KnowledgeError(f"{where}: holds rule {rule.code}")
        _check_rule(rule, where)
        loaded.append(rule)
    return tuple(loaded)


@cache
def configuration_rules() -> tuple[Rule, ...]:
    """The rules the evaluator judges model uses with (all but the file-level ones)."""
    return tuple(rule for rule in rules() if rule.kind != "file")


@cache
def rule_by_code() -> dict[str, Rule]:
    return {rule.code: rule for rule in rules()}


@cache
def vocabulary() -> Vocabulary:
    vocab = _read("vocab.toml", Vocabulary)
    keys = [entry.key for entry in vocab.defaults]
    _unknown("knowledge/vocab.toml [defaults]", "key(s)", keys, (*_SETTINGS, *rule_base().triggers))
    return vocab
