"""The rule base: every knowledge file, validated, handed out as frozen records once per process.

The data is the product; this package only hands it out. `compiled` validates the TOML against
`schema` and checks that the files agree with each other (a rule's code lies in its category's
range, its triggers and runtime repair exist, every keyword sets a known fact), then keeps the
validated records so that later starts read them back without pydantic. A broken knowledge file is
a packaging bug, so it raises `KnowledgeError` with the file name.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from attnlint.knowledge.compiled import KnowledgeError, knowledge
from attnlint.knowledge.links import rule_anchor, rule_url

if TYPE_CHECKING:  # the record classes are imported by reading the rule base, not by this package
    from attnlint.knowledge.call_schema import CallTables
    from attnlint.knowledge.schema import (
        ModelTables,
        Rule,
        RuleBase,
        RuntimeKnowledge,
        SourceNames,
        Vocabulary,
    )

__all__ = [
    "KnowledgeError", "cache_class_values", "call_tables", "configuration_rules", "keyword_facts",
    "model_tables", "repair_names", "rule_anchor", "rule_base", "rule_by_code", "rule_url", "rules",
    "runtime_knowledge", "source_names", "vocabulary",
]


def rule_base() -> RuleBase:
    """codes.toml: code ranges per category and the trigger names."""
    return knowledge().rule_base


def model_tables() -> ModelTables:
    """models.toml: what model_type a class name, configuration class or model id means."""
    return knowledge().model_tables


def runtime_knowledge() -> RuntimeKnowledge:
    """runtime.toml: the guard's named repairs and its mask model types."""
    return knowledge().runtime


@cache
def repair_names() -> frozenset[str]:
    """The runtime repairs a rule may name; attnlint/runtime/repairs.py implements each one."""
    return frozenset(repair.name for repair in runtime_knowledge().repairs)


def source_names() -> SourceNames:
    """sources.toml: cache classes, setting keywords and dtype spellings, for extractors and guard."""
    return knowledge().sources


@cache
def cache_class_values() -> dict[str, str]:
    """Each cache class a user may build or pass as `past_key_values=` -> the cache it amounts to
    (vocab.toml [[cache_classes]], across every release that exported the class)."""
    return {entry.name: entry.cache for entry in vocabulary().cache_classes}


def call_tables() -> CallTables:
    """calls.toml: the settings each call refuses on some releases, and the cache constructors."""
    return knowledge().calls


@cache
def keyword_facts() -> dict[str, str]:
    """Each setting keyword of sources.toml -> the fact it sets ("attn", "cache" or a trigger)."""
    return {keyword: fact for fact, keywords in source_names().keywords.items() for keyword in keywords}


def rules() -> tuple[Rule, ...]:
    """Every rule, file-level (ATN0xx) and configuration rules alike, in code order."""
    return knowledge().rules


@cache
def configuration_rules() -> tuple[Rule, ...]:
    """The rules the evaluator judges model uses with (all but the file-level ones)."""
    return tuple(rule for rule in rules() if rule.kind != "file")


@cache
def rule_by_code() -> dict[str, Rule]:
    return {rule.code: rule for rule in rules()}


def vocabulary() -> Vocabulary:
    """vocab.toml: releases, the values each release accepts, and the defaults."""
    return knowledge().vocabulary
