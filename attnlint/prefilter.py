"""The bytes test that decides whether a file is parsed at all, derived from the rules.

Parsing and extracting are most of a run's cost, and most files of a project cannot trigger any
rule: a rule about `flex_attention` needs that name somewhere in the file, a rule about a static
cache needs `"static"` or a `StaticCache`, `output_attentions=True` needs `output_attentions`. So
each rule is turned into groups of words (lower-case text) where the file must hold one word of
every group; a file is parsed when some rule has all its groups present. A trigger that an unset
setting can satisfy on some release (the default attention, the default cache) gives no group,
since the file may not mention it; nor do device, dtype and the other flags, which arrive through
too many spellings. A rule left with no group at all (only its model types) is known by the
names of its model types (`extract.models.spellings`), so a model found only through a local
`config.json` is judged at that config folder, not in the script that loads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from packaging.specifiers import SpecifierSet

from attnlint.extract.frameworks import mentions_framework
from attnlint.extract.models import spellings
from attnlint.knowledge import configuration_rules, vocabulary
from attnlint.knowledge.schema import Rule, TriggerValue
from attnlint.source import is_framework_file

__all__ = ["Prefilter", "may_trigger", "prefilter", "worth_parsing"]

#: The settings whose presence the file must show for a rule that tests a non-default value of it.
_FLAG_WORDS = {"output_attentions": "output_attentions", "use_cache": "use_cache"}
#: Keywords that set a name the unknown-name rules judge (also `set_attn_implementation`,
#: `_attn_implementation`, and `generation_config.cache_implementation`).
_NAME_KEYWORDS = {"unknown-attn": "attn_implementation", "unknown-cache": "cache_implementation"}


@dataclass(frozen=True)
class Prefilter:
    """Rules as word groups: a file passes when, for some entry of `needs`, each group has a word in
    the file, or when it names a model of `models` (the rules known only by their model types).

    A word written `"static"` counts only between quotes (a notebook escapes them as `\\"`); model
    words (lower case) are matched ignoring case, as model ids are; every other word as written.
    Each word is one `bytes` substring search (far faster than a regex alternation), and the
    search stops at the first rule whose groups are all present.
    """

    needs: tuple[tuple[frozenset[str], ...], ...]
    words: tuple[str, ...]
    models: tuple[bytes, ...]
    everything: bool = False

    def passes(self, data: bytes) -> bool:
        """Whether some rule could trigger on a file with these bytes."""
        if self.everything:
            return True
        found: set[str] = set()
        for word in self.words:
            if _present(word, data):
                found.add(word)
                if any(all(group & found for group in groups) for groups in self.needs):
                    return True
        if not self.models:
            return False
        lowered = data.lower()
        return any(word in lowered for word in self.models)


def _present(word: str, data: bytes) -> bool:
    if not word.startswith('"'):
        return word.encode() in data
    bare = word.strip('"').encode()
    return bare in data and _quoted(bare).search(data) is not None


@cache
def _quoted(bare: bytes) -> re.Pattern[bytes]:
    return re.compile(rb"[\"']" + re.escape(bare) + rb"\\?[\"']")


@cache
def _releases() -> tuple[str, ...]:
    return tuple(vocabulary().releases)


def _overlap(first: str, second: str) -> bool:
    """Whether two transformers specifiers allow a common known release."""
    a, b = SpecifierSet(first), SpecifierSet(second)
    return any(a.contains(v, prereleases=True) and b.contains(v, prereleases=True) for v in _releases())


def _satisfied_by_default(key: str, allowed: tuple[TriggerValue, ...], rule: Rule) -> bool:
    """Whether leaving `key` unset can match `allowed` on a release of the rule, for its models."""
    if not allowed or "default" in allowed:
        return True
    for entry in vocabulary().defaults:
        if entry.key != key or entry.value not in allowed:
            continue
        mine = not entry.model_types or not rule.model_types or set(entry.model_types) & set(rule.model_types)
        if mine and _overlap(entry.transformers, rule.transformers):
            return True
    return False


def _cache_words(values: tuple[TriggerValue, ...]) -> frozenset[str]:
    """A cache named in a string, or built as an object: `StaticCache` for "static" (and the
    `QuantoQuantizedCache` family for "quantized"), `DynamicCache(offloading=True)` for "offloaded"."""
    words: set[str] = set()
    for value in values:
        name = str(value)
        words |= {f'"{name}"', "".join(part.capitalize() for part in name.split("_")) + "Cache"}
        if name == "offloaded":
            words.add("offloading")
    return frozenset(words)


def _groups(rule: Rule) -> tuple[frozenset[str], ...]:
    """The word groups a file needs for `rule` (none for a rule known only by its model types)."""
    if rule.kind in _NAME_KEYWORDS:
        return (frozenset({_NAME_KEYWORDS[rule.kind]}),)
    groups: list[frozenset[str]] = []
    if not _satisfied_by_default("attn", rule.attn, rule):
        groups.append(frozenset(str(v) for v in rule.attn))
    if not _satisfied_by_default("cache", rule.cache, rule):
        groups.append(frozenset(_shortest(set(_cache_words(rule.cache)))))
    for key, allowed in sorted(rule.when.items()):
        if key in _FLAG_WORDS and not _satisfied_by_default(key, allowed, rule):
            groups.append(frozenset({_FLAG_WORDS[key]}))
    return tuple(groups)


@cache
def prefilter() -> Prefilter:
    """The prefilter of the shipped rules (rules of kind "file" describe files, not settings).

    A rule with no word group is known by its model types' names; one without those either
    leaves every file to parse (the test suite makes sure no shipped rule does that).
    """
    needs: list[tuple[frozenset[str], ...]] = []
    model_words: set[str] = set()
    everything = False
    for rule in configuration_rules():
        groups = _groups(rule)
        if groups:
            needs.append(groups)
        elif rule.model_types:
            model_words |= spellings(frozenset(rule.model_types))
        else:
            everything = True
    words = sorted({word for groups in needs for group in groups for word in group})
    models = tuple(sorted(word.encode() for word in _shortest(model_words)))
    return Prefilter(tuple(needs), tuple(words), models, everything)


def _shortest(words: set[str]) -> set[str]:
    """Drop each word that holds another one: finding the shorter one already answers."""
    return {w for w in words if not any(other != w and other in w for other in words)}


def may_trigger(data: bytes) -> bool:
    """Whether a file with these bytes could trigger some rule, so is worth parsing."""
    return prefilter().passes(data)


def worth_parsing(path: str, data: bytes) -> bool:
    """Whether the file at `path` is worth parsing. A training-framework YAML config or launch
    script spells its settings in the framework's words (`flash_attention: true`, `flash_attn: fa2`),
    not in the rules' words, so it is parsed whenever it names a model the way those frameworks do;
    the YAML files of other tools (CI workflows, docker-compose) are skipped."""
    if is_framework_file(path):
        return mentions_framework(data)
    return may_trigger(data)
