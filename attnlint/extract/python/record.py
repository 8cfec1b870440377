"""Recording settings: where attention, cache and flags were set, and the uses they make up.

A `Bag` gathers the settings made at one place (a load, a generation config, a generate call); a
use is the merge of a model's bags with the call's, innermost first.
"""

from __future__ import annotations

import ast
from dataclasses import replace

from attnlint.extract.python.resolve import Resolver
from attnlint.extract.values import (
    NORMALISERS,
    Bag,
    CacheObj,
    DictVal,
    GenCfg,
    Lit,
    ModelRef,
    Normaliser,
    Value,
    normalise_name,
    settings_of,
)
from attnlint.facts import Call, ModelUse, Origin, Setting, Site, SiteKind, Span
from attnlint.knowledge import keyword_facts
from attnlint.knowledge.schema import Stage


def _first(values: list[list[Setting]]) -> list[Setting]:
    """The settings of the innermost place that set a value (a generate call beats the load)."""
    return next((v for v in values if v), [])


def merge(*bags: Bag) -> Bag:
    """Combine bags, innermost (last) first: the call's cache overrides the generation config's."""
    inner = list(reversed(bags))
    keys = {key for bag in bags for key in bag.flags}
    return Bag(
        attn=_first([b.attn for b in inner]),
        cache=_first([b.cache for b in inner]),
        flags={k: _first([b.flags.get(k, []) for b in inner]) for k in sorted(keys)},
        sites=[site for bag in bags for site in bag.sites],
        stage=bags[-1].stage if bags else None,
        calls=[call for bag in bags for call in bag.calls],
    )



def _staged(settings: list[Setting], stage: Stage | None) -> list[Setting]:
    """The settings, marked with where they were given (rules tell a loader keyword from a call's)."""
    return [replace(s, stage=stage) for s in settings] if stage else settings


class Recorder(Resolver):
    """Turns keywords and attributes into settings, and models at a call into `ModelUse`s."""

    def _generation_bag(self, config: GenCfg) -> Bag:
        config.consumed = True
        bag = Bag(sites=[config.site], stage="call")
        for key, value in config.entries.entries.items():
            self._setting(bag, key, value, "keyword", config.site.span)
        return bag

    def _call_bag(self, node: ast.Call, kind: SiteKind | None, callee: str = "") -> Bag:
        span = self.pos.span(node)
        bag = Bag(sites=[Site(kind=kind, span=span)] if kind else [], stage="call")
        if callee:
            bag.calls.append(self._arguments(callee, node))
        for key, value, origin in self._keywords(node):
            self._setting(bag, key, value, origin, span)
        return bag

    def _report(self, model: ModelRef, call: Bag) -> None:
        merged = merge(model.load, model.generation, call)
        self.uses.append(
            ModelUse(
                path=self.path,
                model_types=model.model_type.types if model.model_type else frozenset(),
                model_type_reason=model.model_type.reason if model.model_type else "",
                model_span=model.model_span,
                attn=merged.attn,
                cache=merged.cache,
                flags={k: v for k, v in merged.flags.items() if v},
                sites=merged.sites,
                calls=merged.calls,
            )
        )

    def _arguments(self, callee: str, node: ast.Call) -> Call:
        """What a call was given: its positional count, and each keyword with where it is given
        (a key of a `**` dict attnlint can read is given where its value is written)."""
        keywords: dict[str, Span] = {}
        spread = any(isinstance(argument, ast.Starred) for argument in node.args)
        for keyword in node.keywords:
            if keyword.arg is not None:
                keywords[keyword.arg] = self.pos.span(keyword)
                continue
            value = self._resolve(keyword.value)
            if not isinstance(value, DictVal):
                spread = True
                continue
            for key, entry in value.entries.items():
                keywords[key] = entry.span if isinstance(entry, Lit) else self.pos.span(keyword.value)
        literals = tuple(repr(a.value) if isinstance(a, ast.Constant) else "" for a in node.args)
        return Call(callee=callee, span=self.pos.span(node), positional=len(node.args), keywords=keywords,
                    spread=spread, positional_literals=literals)

    def _settings(
        self, value: Value, origin: Origin, keyword: str, site: Span, normalise: Normaliser
    ) -> list[Setting]:
        return settings_of(value, origin=origin, keyword=keyword, site=site, normalise=normalise)

    def _apply(self, bag: Bag, keywords: list[tuple[str, Value, Origin]], site: Span) -> None:
        for key, value, origin in keywords:
            self._setting(bag, key, value, origin, site)

    def _setting(
        self, bag: Bag, key: str, value: Value, origin: Origin, site: Span, stage: Stage | None = None
    ) -> None:
        """Record one keyword (or attribute) wherever it was set: load, config or generate; `stage`
        overrides the bag's where an attribute assignment reaches it."""
        fact = keyword_facts().get(key)
        stage = stage or bag.stage
        if fact == "attn":
            bag.attn = _staged(self._settings(value, origin, key, site, normalise_name), stage)
        elif fact == "cache":
            bag.cache = _staged(self._settings(value, origin, key, site, normalise_name), stage)
            if isinstance(value, CacheObj) and value.call is not None:
                bag.calls.append(value.call)  # the use that runs the cache judges how it was built
                self.attached.add(id(value.call))
        elif fact == "assisted":
            self._assisted(bag, key, value, origin, site)
        elif fact is not None:
            found = self._settings(value, origin, key, site, NORMALISERS.get(fact, normalise_name))
            bag.flags[fact] = _staged(found, stage)
        elif key == "generation_config" and isinstance(value, GenCfg):
            inner = self._generation_bag(value)
            bag.sites += inner.sites
            bag.cache = inner.cache or bag.cache
            bag.flags.update(inner.flags)

    def _assisted(self, bag: Bag, key: str, value: Value, origin: Origin, site: Span) -> None:
        if isinstance(value, Lit) and value.value is None:
            return
        readable = isinstance(value, ModelRef | Lit)
        span = value.span if isinstance(value, Lit) else site
        bag.flags["assisted"] = [
            Setting(value=True if readable else None, origin=origin, span=span, site=site, keyword=key)
        ]

