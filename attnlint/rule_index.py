"""Lookups the evaluator makes per model use, indexed once instead of scanned every time.

A use meets only the rules that can match it, indexed by (model type, attention, cache): the rules
that name one of its model types or none, less those whose attention or cache values the use cannot
hold (neither set nor, where it leaves the setting unset, a default of its model types on any
release), in rule-base order. Which releases know a use's model types is worked out once per set of
types (the vocabulary lists hundreds of model types, and a scan of that list for every use, rule
and release was a quarter of a run).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from packaging.version import Version

from attnlint.facts import ModelUse, Setting
from attnlint.knowledge import configuration_rules, vocabulary
from attnlint.knowledge.schema import Rule, TriggerValue
from attnlint.records import record
from attnlint.releases import allows, known_releases

__all__ = ["RuleIndex", "json_honoured", "model_releases", "possible_values", "rule_index"]
#: The rules that judge combinations of values; the others judge a name whatever it is, or calls.
_COMBINATION = "combination"


@record
class RuleIndex:
    """Rules by the model types they name; `general` holds the positions of rules that name none."""

    rules: tuple[Rule, ...]
    by_model: dict[str, tuple[int, ...]]
    general: tuple[int, ...]

    @classmethod
    def build(cls, rules: Sequence[Rule]) -> RuleIndex:
        by_model: dict[str, list[int]] = {}
        general: list[int] = []
        for position, rule in enumerate(rules):
            if not rule.model_types:
                general.append(position)
            for model_type in rule.model_types:
                by_model.setdefault(model_type, []).append(position)
        return cls(tuple(rules), {k: tuple(v) for k, v in by_model.items()}, tuple(general))

    def for_types(self, model_types: frozenset[str]) -> list[Rule]:
        """The rules that can match a use of these model types, in rule-base order."""
        positions = set(self.general)
        for model_type in model_types:
            positions.update(self.by_model.get(model_type, ()))
        return [self.rules[p] for p in sorted(positions)]

    def for_use(self, use: ModelUse) -> list[Rule]:
        """The rules that can match `use`: by its model types, then by the attention and cache
        values it can hold (`possible_values`)."""
        attn = possible_values("attn", use.attn, use.model_types)
        cache_ = possible_values("cache", use.cache, use.model_types)
        return [
            rule
            for rule in self.for_types(use.model_types)
            if rule.kind != _COMBINATION or (_may_hold(rule.attn, attn) and _may_hold(rule.cache, cache_))
        ]


def _may_hold(allowed: Sequence[TriggerValue], possible: frozenset[TriggerValue | None]) -> bool:
    """Whether a trigger (any value when `allowed` is empty) can meet one of the possible values."""
    return not allowed or not possible.isdisjoint(allowed)


@cache
def rule_index() -> RuleIndex:
    """The index of the shipped configuration rules (file-level rules judge no model use)."""
    return RuleIndex.build(configuration_rules())


def possible_values(
    key: str, settings: Sequence[Setting], model_types: frozenset[str]
) -> frozenset[TriggerValue | None]:
    """Every value `key` can take for a use: what its settings say and, when it is left unset (no
    setting, one that reads as the default, or a config.json value some releases' loaders drop),
    "default" and every default of its model types."""
    values = {s.value for s in settings}
    dropped = any(s.origin == "json" for s in settings) and json_honoured(key) is not None
    if not settings or dropped or any(s.value == "default" and s.span is None for s in settings):
        values |= {"default", *default_values(key, model_types)}
    return frozenset(values)


#: The config.json key of each setting whose file value some releases' loaders drop (vocab.toml).
_CONFIG_JSON_KEYS = {"attn": "attn_implementation"}


@cache
def json_honoured(key: str) -> str | None:
    """The range of releases whose from_pretrained keeps a folder's config.json value of `key` (vocab.toml
    `config_json`: before 5.4 the loader replaces attn_implementation with its own keyword, so the
    model gets the default); None where every release keeps it."""
    name = _CONFIG_JSON_KEYS.get(key)
    entry = next((e for e in vocabulary().config_json if e.name == name), None)
    return None if entry is None else entry.transformers


@cache
def default_values(key: str, model_types: frozenset[str]) -> frozenset[TriggerValue]:
    """What an unset `key` can mean for these model types on some release (vocab.toml defaults;
    a superset where an earlier entry shadows a later one, which is all an index needs)."""
    return frozenset(
        entry.value
        for entry in vocabulary().defaults
        if entry.key == key and (not entry.model_types or not model_types.isdisjoint(entry.model_types))
    )


@cache
def _model_ranges() -> dict[str, str]:
    return {m.name: m.transformers for m in vocabulary().models}


@cache
def model_releases(model_types: frozenset[str]) -> frozenset[Version] | None:
    """The known releases on which some of `model_types` exists; None when none of them is listed
    (an unknown model type says nothing about releases)."""
    known = _model_ranges()
    ranges = [known[name] for name in model_types if name in known]
    if not ranges:
        return None
    return frozenset(v for v in known_releases() if any(allows(spec, v) for spec in ranges))
