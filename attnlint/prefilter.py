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

Words alone let through every module of a library that implements attention (the transformers
source tree names `attn_implementation` and `output_attentions` in almost every file), yet a rule
judges a model *use*, and the Python extractor makes one only from (a) a transformers name
imported absolutely (`from transformers import ...`, `import transformers`: loaders, pipelines,
model and config classes all go through those imports), (b) a `.generate` call, or (c) a trainer
config (vocab.toml `[context]`) given a keyword that forwards settings. So a file must also show
one of those where code can be: an import at a statement's start (not `# Copied from
transformers...`, not a doctest's `>>> from transformers import`), a `.generate` outside a doctest
line, or a config's name beside a forwarding keyword. The library's own modules import relatively
and make no use, so they are not parsed.
"""

from __future__ import annotations

import re
from functools import cache

from attnlint.extract.context import FORWARDING_KEYWORDS
from attnlint.extract.models import MODEL_CLASS_SHAPES, spellings
from attnlint.knowledge import call_tables, configuration_rules, vocabulary
from attnlint.knowledge.schema import Rule, TriggerValue
from attnlint.records import record
from attnlint.releases import overlap
from attnlint.source import is_framework_file, shortest

__all__ = ["Prefilter", "may_trigger", "may_use_model", "prefilter", "worth_parsing"]

#: The settings whose presence the file must show for a rule that tests a non-default value of it.
_FLAG_WORDS = {"output_attentions": "output_attentions", "use_cache": "use_cache"}
#: Keywords that set a name the unknown-name rules judge (also `set_attn_implementation`,
#: `_attn_implementation`, and `generation_config.cache_implementation`).
_NAME_KEYWORDS = {"unknown-attn": "attn_implementation", "unknown-cache": "cache_implementation"}


#: What stands before `transformers` in an absolute import, from where a statement can start: a
#: line's start (in a notebook's JSON string too), or `;` or `:` (`try: import transformers`).
_IMPORT = re.compile(rb"(?:^|[;:\"]|\\n)[ \t\f]*(?:from[ \t]+|import[ \t]+(?:[^#]*?[ \t,])?)\Z")
_FORWARDING = tuple(keyword.encode() for keyword in FORWARDING_KEYWORDS)
_QUOTES = (b'"', b"'")
#: A doctest line's prompt: what follows it is text in a docstring, never code.
_DOCTEST = (b">>>", b"... ")
#: What may stand between an attribute's dot and its name (`model .generate`, a continued line).
_BLANK = frozenset(b" \t\\\r\n")
_DOT = ord(".")


def _code_generate(data: bytes) -> bool:
    """Whether `.generate` appears outside a doctest line (as `model.generate(...)` or a partial of it)."""
    found = data.find(b"generate")
    while found >= 0:
        after = data[found + 8 : found + 9]
        if after.isalnum() or after == b"_":  # `generate_text`: another name
            found = data.find(b"generate", found + 8)
            continue
        before = found - 1
        while before >= 0 and data[before] in _BLANK:
            before -= 1
        if before >= 0 and data[before] == _DOT:
            line = data[data.rfind(b"\n", 0, found) + 1 : found].lstrip()
            if not line.startswith(_DOCTEST):
                return True
        found = data.find(b"generate", found + 8)
    return False


def _imports_transformers(data: bytes) -> bool:
    """Whether some `transformers` is the module of an absolute import statement."""
    found = data.find(b"transformers")
    while found >= 0:
        after = data[found + 12 : found + 13]
        if not (after.isalnum() or after == b"_"):
            start = max(data.rfind(b"\n", 0, found), data.rfind(b"\r", 0, found)) + 1
            if _IMPORT.search(data[start:found]) is not None:
                return True
        found = data.find(b"transformers", found + 12)
    return False


def may_use_model(data: bytes) -> bool:
    """Whether a Python file or notebook can hold a model use at all (see the module docstring)."""
    if _imports_transformers(data) or _code_generate(data):
        return True
    if not any(keyword in data for keyword in _FORWARDING):
        return False
    return any(word in data for word in _config_words())


@cache
def _config_words() -> tuple[bytes, ...]:
    return tuple(word.encode() for word in vocabulary().context.precision_configs)


@record
class Prefilter:
    """Rules as word groups: a file passes when, for some entry of `needs`, each group has a word in
    the file, or when it names a model of `models` (the rules known only by their model types).

    A word written `"static"` counts only between quotes (a notebook escapes them as `\\"`); model
    words (lower case) are matched ignoring case, as model ids are; `<model class>` is any model
    class's name (`extract.models.MODEL_CLASS_SHAPES`); every other word as written. Each word is
    one `bytes` search (a substring search is far faster than a regex alternation), and the search
    stops at the first rule whose groups are all present.
    """

    needs: tuple[tuple[frozenset[str], ...], ...]
    words: tuple[str, ...]
    models: tuple[bytes, ...]
    everything: bool = False

    def passes(self, data: bytes) -> bool:
        """Whether some rule could trigger on a file with these bytes."""
        if self.everything:
            return True
        # the model-use test first: a few searches for `transformers` and `generate` turn away most
        # files (all but 135 of unsloth's 1,104) at a third of the cost of the rules' 34 words
        return may_use_model(data) and self.words_pass(data)

    def words_pass(self, data: bytes) -> bool:
        """Whether the file holds every word group of some rule (or a model name of `models`)."""
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


#: The word that stands for "a model class's name" (no file holds it as written).
_MODEL_CLASS_WORD = "<model class>"
_MODEL_CLASS = tuple(re.compile(shape.encode()) for shape in MODEL_CLASS_SHAPES)


def _present(word: str, data: bytes) -> bool:
    if word == _MODEL_CLASS_WORD:
        return any(shape.search(data) is not None for shape in _MODEL_CLASS)
    if not word.startswith('"'):
        return word.encode() in data
    bare = word.strip('"').encode()
    found = data.find(bare)
    while found >= 0:  # a find per occurrence: a regex without a literal start scans far slower
        end = found + len(bare)
        end += data[end : end + 1] == b"\\"  # a notebook's escaped quote: \"static\"
        if data[found - 1 : found] in _QUOTES and data[end : end + 1] in _QUOTES:
            return True
        found = data.find(bare, found + 1)
    return False


def _satisfied_by_default(key: str, allowed: tuple[TriggerValue, ...], rule: Rule) -> bool:
    """Whether leaving `key` unset can match `allowed` on a release of the rule, for its models."""
    if not allowed or "default" in allowed:
        return True
    for entry in vocabulary().defaults:
        if entry.key != key or entry.value not in allowed:
            continue
        mine = not entry.model_types or not rule.model_types or set(entry.model_types) & set(rule.model_types)
        if mine and overlap(entry.transformers, rule.transformers):
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
        groups.append(frozenset(shortest(_cache_words(rule.cache))))
    for key, allowed in sorted(rule.when.items()):
        if key in _FLAG_WORDS and not _satisfied_by_default(key, allowed, rule):
            groups.append(frozenset({_FLAG_WORDS[key]}))
    return tuple(groups)


#: How a file spells each call of calls.toml's [[refused]]. `model` is a model class called with a
#: config (`LlamaForCausalLM(base.config, dtype=...)`): its name is written in the file even when
#: imported under an alias or subclassed, while the config need not be named `...Config` anywhere.
_CALL_WORDS = {"generate": ("generate",), "from_pretrained": ("from_pretrained",),
               "from_config": ("from_config",), "model": (_MODEL_CLASS_WORD,)}


def _call_needs(rule: Rule) -> list[tuple[frozenset[str], ...]]:
    """The word groups of a rule judged on calls: the call and one of the keywords it refuses (one
    entry per row of calls.toml), or the name of a cache class with a known constructor."""
    tables = call_tables()
    if rule.kind == "constructor-arguments":
        return [(frozenset(signature.name for signature in tables.signatures),)]
    return [(frozenset(_CALL_WORDS[row.call]), frozenset(row.keywords)) for row in tables.refused]


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
        if rule.kind in ("refused-keyword", "constructor-arguments"):
            needs += _call_needs(rule)
            continue
        groups = _groups(rule)
        if groups:
            needs.append(groups)
        elif rule.model_types:
            model_words |= spellings(frozenset(rule.model_types))
        else:
            everything = True
    words = sorted({word for groups in needs for group in groups for word in group})
    models = tuple(sorted(word.encode() for word in shortest(model_words)))
    return Prefilter(tuple(needs), tuple(words), models, everything)


def may_trigger(data: bytes) -> bool:
    """Whether a file with these bytes could trigger some rule, so is worth parsing."""
    return prefilter().passes(data)


def worth_parsing(path: str, data: bytes) -> bool:
    """Whether the file at `path` is worth parsing. A training-framework YAML config or launch
    script spells its settings in the framework's words (`flash_attention: true`, `flash_attn: fa2`),
    not in the rules' words, so it is parsed whenever it names a model the way those frameworks do;
    the YAML files of other tools (CI workflows, docker-compose) are skipped."""
    if is_framework_file(path):
        from attnlint.extract.frameworks import mentions_framework  # PyYAML's tables: YAML runs only

        return mentions_framework(data)
    return may_trigger(data)
