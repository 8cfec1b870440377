"""Lookups the evaluator makes per model use, indexed once instead of scanned every time.

A use meets only the rules that can match it: the rules that name one of its model types plus
the rules that name none, in rule-base order. Which releases know a use's model types is worked
out once per set of types (the vocabulary lists hundreds of model types, and a scan of that list
for every use, rule and release was a quarter of a run).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from attnlint.knowledge import configuration_rules, vocabulary
from attnlint.knowledge.schema import Rule

__all__ = ["RuleIndex", "model_releases", "rule_index"]


@dataclass(frozen=True)
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


@cache
def rule_index() -> RuleIndex:
    """The index of the shipped configuration rules (file-level rules judge no model use)."""
    return RuleIndex.build(configuration_rules())


@cache
def _model_ranges() -> dict[str, SpecifierSet]:
    return {m.name: SpecifierSet(m.transformers) for m in vocabulary().models}


@cache
def model_releases(model_types: frozenset[str]) -> frozenset[Version] | None:
    """The known releases on which some of `model_types` exists; None when none of them is listed
    (an unknown model type says nothing about releases)."""
    known = _model_ranges()
    ranges = [known[name] for name in model_types if name in known]
    if not ranges:
        return None
    releases = (Version(v) for v in vocabulary().releases)
    return frozenset(v for v in releases if any(spec.contains(v, prereleases=True) for spec in ranges))
