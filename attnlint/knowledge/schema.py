"""The shape of attnlint's knowledge: rules, fixes, references and the version vocabulary.

Everything attnlint knows about broken attention/cache pairs lives in TOML data validated by these
records, so that adding a rule is a data edit plus its examples, never new visitor code. The records
are frozen: the knowledge base is loaded once and shared by the checker, the fixer and the guard.

They are plain dataclasses, not pydantic models: pydantic validates them (types, literals, unknown
keys, the `__post_init__` checks) once, where the TOML enters (`attnlint.knowledge.compiled`), and
every later start reads the validated records back without importing pydantic at all.
"""

from __future__ import annotations

import re
from dataclasses import field
from typing import Any, ClassVar, Literal, get_args

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from attnlint.knowledge.links import rule_url
from attnlint.records import record

Severity = Literal["error", "warning", "info"]
Category = Literal["file", "crash", "wrong-output", "performance"]
Applicability = Literal["safe", "unsafe"]
RuleKind = Literal[
    "combination", "unknown-attn", "unknown-cache", "refused-keyword", "constructor-arguments", "file"
]
#: The fix actions `attnlint probe --verify-fixes` can apply to a probe case and run.
RUN_ACTIONS = ("set_attn", "set_cache", "remove_cache")
FixAction = Literal["set_attn", "set_cache", "remove_cache", "move_setting", "pin"]
Anchor = Literal["attn", "cache", "model", "flag"]
TriggerValue = str | bool
#: Where a setting was given, as transformers treats it: `load`, through the config's attribute setter
#: before the model exists (a `from_pretrained` or `AutoConfig.from_pretrained` keyword, `config.x = ...`
#: on a config object); `config`, a config constructor's keyword or config.json; `model`, an attribute
#: set on a built model's config (`model.config.x = ...`); `call`, the forward/generate call or its
#: generation config.
Stage = Literal["load", "config", "model", "call"]
#: What a probe case runs (attnlint/probe/cases.py names it `Mode`): defined here, with the other
#: names of the rule data, so that reading the rule base never imports the probe.
ProbeMode = Literal[
    "generate", "no-cache", "attentions", "load-attentions", "config-attentions", "model-attentions",
    "load-cache", "kernel",
]

_CODE = re.compile(r"^ATN\d{3}$")


#: The options pydantic validates every knowledge record with when the TOML is compiled
#: (`attnlint.knowledge.compiled`): an unknown key is an error, not silently dropped.
_STRICT_KEYS: dict[str, Any] = {"extra": "forbid"}


class Record:
    """Base of every knowledge record: pydantic reads `__pydantic_config__` when it validates one."""

    __pydantic_config__: ClassVar[dict[str, Any]] = _STRICT_KEYS


def _check_specifier(value: str) -> str:
    try:
        SpecifierSet(value)
    except InvalidSpecifier as exc:
        raise ValueError(f"not a PEP 440 specifier: {value!r}") from exc
    return value


class Ranged(Record):
    """A record that holds on the transformers releases its `transformers` specifier names, checked
    when the record is built. Each dataclass declares the field itself, with its own default."""

    transformers: str

    def __post_init__(self) -> None:
        _check_specifier(self.transformers)

    @property
    def specifier(self) -> SpecifierSet:
        return SpecifierSet(self.transformers)


@record(kw_only=True)
class Reference(Record):
    """Where a rule's claim comes from: an upstream issue, pull request or released code."""

    kind: Literal["issue", "pr", "code", "doc"]
    url: str
    title: str = ""


@record(kw_only=True)
class FixSpec(Ranged):
    """One way out of a rule, valid only on the transformers versions in `transformers`.

    The fixer takes the first fix of a rule whose range covers every version the project can run;
    that is why fixes carry ranges: `cache_implementation="hybrid"` cures the seed case on 4.51.x
    and is silently dropped on 5.x.
    """

    action: FixAction
    value: str = ""
    applicability: Applicability
    transformers: str = ""
    description: str
    #: The releases where `attnlint probe --verify-fixes` ran the fixed configuration (and the fixes
    #: the fixer chains after it) on CPU and it matched eager (`--record` writes them).
    verified: tuple[str, ...] = ()
    #: Why the probe cannot prove this fix on the CPU releases of its range that CI installs (and what
    #: evidence there is instead); such a fix is never safe (checked in `Rule`).
    unproven: str = ""


@record(kw_only=True)
class Example(Record):
    """A source snippet the rule must (INVALID) or must not (VALID) report, Fixit style.

    `target` is the transformers requirement the snippet is checked under; `fixed`, when given,
    is what `attnlint fix` must turn an INVALID snippet into under that target. `file` is the
    path the snippet is written to (a file-level rule's example may be a `config.json`).
    """

    code: str
    file: str = "example.py"
    target: str = ""
    fixed: str | None = None
    unsafe_fixes: bool = False

    def __post_init__(self) -> None:
        _check_specifier(self.target)


Expectation = Literal["crash", "wrong-output", "no-effect", "fine"]


@record(kw_only=True)
class ProbeSpec(Record):
    """A probe case that reproduces a rule, and what the rule predicts for it inside its range.

    The fields name an `attnlint probe` case (see docs/probe.md); `expect` is the predicted
    behaviour: `crash` (with the exception type `error`, alternatives separated by `|` where releases
    raise different types, and, optionally, `match` in its first line),
    `wrong-output` (a MISMATCH against eager), `no-effect` (runs, and generate builds the same cache
    as with no setting) or `fine`. Outside the rule's range the predicted symptom must be absent.
    """

    model: str
    attn: str = "default"
    cache: str = "default"
    form: Literal["kwarg", "config", "folder"] = "kwarg"
    kernel: Literal["compiled", "uncompiled"] = "uncompiled"
    mode: ProbeMode = "generate"  # what the case runs: attnlint/probe/cases.py
    overrides: dict[str, str | int | float | bool] = field(default_factory=dict)
    new_tokens: int = 8
    expect: Expectation
    error: str = ""
    match: str = ""

    def __post_init__(self) -> None:
        if self.expect == "crash" and not self.error:
            raise ValueError("a probe that expects a crash names the exception type in `error`")


@record(kw_only=True)
class Reproduction(Record):
    """One run of a rule's probes: the stack, and whether the rule's prediction held there."""

    transformers: str
    torch: str
    device: Literal["cpu", "cuda"] = "cpu"
    affected: bool


@record(kw_only=True)
class Rule(Record):
    """A known-broken configuration, keyed on model types, attention, cache, triggers and versions.

    Empty lists mean "any". The literal `"default"` in `attn`/`cache`/`when` lists means "not set
    by the user", which the evaluator also resolves to each version's real default. A rule of kind
    `"file"` (ATN001-ATN004) describes a file that cannot be checked at all: it has no triggers,
    and its `message` takes the `{reason}` the reader gives. Which code ranges, trigger names and
    runtime repairs exist is data too (codes.toml, runtime.toml), checked when the rules load.
    `probes` are the cases that reproduce the rule (`attnlint probe --verify-rules` runs them),
    `unprobed` says why a rule has none (e.g. it needs a CUDA FlashAttention build), and
    `reproduced` records the stacks where the probes were run and what they showed.
    """

    code: str
    name: str
    kind: RuleKind = "combination"
    severity: Severity
    category: Category
    summary: str
    message: str
    symptom: str
    explanation: str
    transformers: str = ""
    torch: str = ""
    model_types: tuple[str, ...] = ()
    attn: tuple[str, ...] = ()
    cache: tuple[str, ...] = ()
    cache_forms: tuple[Literal["name", "object"], ...] = ()
    when: dict[str, tuple[TriggerValue, ...]] = field(default_factory=dict)
    #: Per trigger, the places where setting it has the rule's effect (a setting whose place is not
    #: known matches any); `output_attentions=True` given to from_pretrained is not the same as
    #: given to the forward call.
    set_at: dict[str, tuple[Stage, ...]] = field(default_factory=dict)
    #: Dimensions ("attn", "cache") that match only when the user set them, never by the default.
    explicit: tuple[Literal["attn", "cache"], ...] = ()
    anchor: Anchor = "attn"
    fixes: tuple[FixSpec, ...] = ()
    references: tuple[Reference, ...] = ()
    runtime_repair: str | None = None
    valid: tuple[Example, ...] = ()
    invalid: tuple[Example, ...] = ()
    probes: tuple[ProbeSpec, ...] = ()
    unprobed: str = ""
    reproduced: tuple[Reproduction, ...] = ()
    #: For a rule that bites on the CPU: a device_map chosen at run time ("auto", the CPU on a machine
    #: without a GPU) is reported as a warning without --strict. Set where the code is just as meant to
    #: run on a CPU-only machine (flex), not where its kernel or cache already asks for a GPU.
    cpu_when_no_gpu: bool = False

    def __post_init__(self) -> None:
        _check_specifier(self.transformers)
        _check_specifier(self.torch)
        if _CODE.match(self.code) is None:
            raise ValueError(f"rule code {self.code!r} must look like ATN101")
        file_level = self.kind == "file"
        if file_level != (self.category == "file"):
            raise ValueError(f"{self.code}: kind 'file' and category 'file' go together")
        if file_level and (self.attn or self.cache or self.when or self.model_types or self.fixes):
            raise ValueError(f"{self.code}: a file-level rule has no triggers and no fixes")
        if not self.invalid and not file_level:
            raise ValueError(f"{self.code}: a rule needs at least one INVALID example")
        if set(self.set_at) - set(self.when):
            raise ValueError(f"{self.code}: set_at names triggers its `when` does not test")
        if any(f.unproven and f.applicability == "safe" for f in self.fixes):
            raise ValueError(f"{self.code}: a fix the probe cannot prove on CPU (`unproven`) is never safe")
        if not self.probes and any(f.applicability == "safe" for f in self.fixes):
            raise ValueError(
                f"{self.code}: a safe fix must be proven by running it: the rule needs [[probes]]"
                " (a rule the probe cannot run, `unprobed`, has only unsafe fixes)")

    @property
    def number(self) -> int:
        return int(self.code[3:])

    @property
    def transformers_spec(self) -> SpecifierSet:
        return SpecifierSet(self.transformers)

    @property
    def torch_spec(self) -> SpecifierSet:
        return SpecifierSet(self.torch)

    @property
    def url(self) -> str:
        return rule_url(self.code)


@record(kw_only=True)
class VocabEntry(Ranged):
    """A value of `attn_implementation` or `cache_implementation` and the releases that accept it."""

    name: str
    transformers: str
    note: str = ""


@record(kw_only=True)
class CacheClassEntry(VocabEntry):
    """A cache class a user can build by hand, the cache it amounts to, and the releases that export it."""

    cache: str


@record(kw_only=True)
class DefaultEntry(Ranged):
    """What a setting means when the user leaves it unset, for some model types and versions."""

    key: str  # "attn", "cache" or a trigger name of codes.toml (checked when the vocabulary loads)
    value: TriggerValue
    transformers: str = ""
    model_types: tuple[str, ...] = ()


@record(kw_only=True)
class ContextVocab(Record):
    """Classes whose calls say something about a model's surroundings (extract/context.py)."""

    precision_configs: tuple[str, ...] = ()
    bf16_by_default: tuple[str, ...] = ()
    mixed_precision_calls: tuple[str, ...] = ()
    attention_registries: tuple[str, ...] = ()
    release_checks: tuple[str, ...] = ()
    caught_errors: tuple[str, ...] = ()

    def words(self) -> tuple[str, ...]:
        """Every name worth looking for in a file's text before walking it."""
        return (*self.precision_configs, *self.mixed_precision_calls, *self.attention_registries)


@record(kw_only=True)
class Vocabulary(Record):
    """Release list, per-version value vocabularies and defaults (knowledge/vocab.toml)."""

    releases: tuple[str, ...]
    torch_releases: tuple[str, ...]
    attn: tuple[VocabEntry, ...]
    cache: tuple[VocabEntry, ...]
    defaults: tuple[DefaultEntry, ...] = ()
    models: tuple[VocabEntry, ...] = ()
    cache_classes: tuple[CacheClassEntry, ...] = ()
    keywords: tuple[VocabEntry, ...] = ()
    #: Settings a saved config.json gives the model it is loaded into, and from which releases
    #: (outside that range from_pretrained drops the file's value and the default applies).
    config_json: tuple[VocabEntry, ...] = ()
    context: ContextVocab = field(default_factory=ContextVocab)


@record(kw_only=True)
class ModelTables(Record):
    """models.toml: model-id patterns, class-name prefixes and classes -> model_type, text models."""

    not_model_names: tuple[str, ...]
    ids: dict[str, str]
    classes: dict[str, tuple[str, ...]]
    text: dict[str, str]
    prefixes: dict[str, str]

    def __post_init__(self) -> None:
        """Model ids match case-insensitively; the first matching pattern wins, so order is kept."""
        object.__setattr__(self, "ids", {pattern.lower(): kind for pattern, kind in self.ids.items()})


@record(kw_only=True)
class CodeRange(Record):
    """The rule numbers a category uses (codes.toml), and how the docs name the category."""

    first: int
    last: int
    words: str

    def holds(self, number: int) -> bool:
        return self.first <= number <= self.last


@record(kw_only=True)
class RuleBase(Record):
    """codes.toml: the code range of every category and the trigger names rules may test."""

    categories: dict[Category, CodeRange]
    triggers: tuple[str, ...]

    def __post_init__(self) -> None:
        missing = set(get_args(Category)) - set(self.categories)
        if missing:
            raise ValueError(f"categories without a code range: {sorted(missing)}")


@record(kw_only=True)
class PythonNames(Record):
    """sources.toml's `[python]`: how code loads, moves and casts a model (data, not extractor code)."""

    torch_dtypes: tuple[str, ...]
    loaders: tuple[str, ...]
    chainable_methods: tuple[str, ...]
    binders: tuple[str, ...]
    placing_keywords: tuple[str, ...]
    device_keeping_calls: tuple[str, ...]
    device_contexts: tuple[str, ...]
    default_device_setters: tuple[str, ...]


@record(kw_only=True)
class SourceNames(Record):
    """sources.toml: how code spells caches, settings and dtypes, for the extractors and the guard."""

    offloading_classes: dict[str, str]
    keywords: dict[str, tuple[str, ...]]
    dtype_aliases: dict[str, str]
    placed_at_run_time: tuple[str, ...]
    python: PythonNames


@record(kw_only=True)
class RuntimeRepair(Record):
    """A repair the runtime guard can carry out (runtime.toml); a rule names one in `runtime_repair`."""

    name: str
    description: str


@record(kw_only=True)
class RuntimeKnowledge(Record):
    """runtime.toml: the guard's named repairs and the model types it builds the flex mask for."""

    guarded_mask_model_types: tuple[str, ...]
    repairs: tuple[RuntimeRepair, ...]
