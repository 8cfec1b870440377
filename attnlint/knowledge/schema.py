"""The shape of attnlint's knowledge: rules, fixes, references and the version vocabulary.

Everything attnlint knows about broken attention/cache pairs lives in TOML data validated by these
models, so that adding a rule is a data edit plus its examples, never new visitor code. The models
are frozen: the knowledge base is loaded once and shared by the checker, the fixer and the guard.
"""

from __future__ import annotations

import re
from typing import Literal

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Severity = Literal["error", "warning", "info"]
Category = Literal["crash", "wrong-output", "performance"]
Applicability = Literal["safe", "unsafe"]
RuleKind = Literal["combination", "unknown-attn", "unknown-cache"]
FixAction = Literal["set_attn", "set_cache", "remove_cache", "pin"]
Anchor = Literal["attn", "cache", "model", "flag"]
TriggerValue = str | bool

#: Reserved code ranges, ruff style: the hundreds digit says what kind of failure a rule describes.
CODE_RANGES: dict[Category, range] = {
    "crash": range(100, 200),
    "wrong-output": range(200, 300),
    "performance": range(300, 400),
}
_CODE = re.compile(r"^ATN(\d{3})$")

#: Names of the non-attention, non-cache triggers a rule may use and that facts may carry.
TRIGGER_KEYS = frozenset(
    {"dtype", "device", "output_attentions", "use_cache", "assisted", "autocast", "padding_side"}
)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", protected_namespaces=())


def _check_specifier(value: str) -> str:
    try:
        SpecifierSet(value)
    except InvalidSpecifier as exc:
        raise ValueError(f"not a PEP 440 specifier: {value!r}") from exc
    return value


class Reference(_Frozen):
    """Where a rule's claim comes from: an upstream issue, pull request or released code."""

    kind: Literal["issue", "pr", "code", "doc"]
    url: str
    title: str = ""


class FixSpec(_Frozen):
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

    _spec = field_validator("transformers")(_check_specifier)

    @property
    def specifier(self) -> SpecifierSet:
        return SpecifierSet(self.transformers)


class Example(_Frozen):
    """A source snippet the rule must (INVALID) or must not (VALID) report, Fixit style.

    `target` is the transformers requirement the snippet is checked under; `fixed`, when given,
    is what `attnlint fix` must turn an INVALID snippet into under that target.
    """

    code: str
    target: str = ""
    fixed: str | None = None
    unsafe_fixes: bool = False

    _spec = field_validator("target")(_check_specifier)


class Rule(_Frozen):
    """A known-broken configuration, keyed on model types, attention, cache, triggers and versions.

    Empty lists mean "any". The literal `"default"` in `attn`/`cache`/`when` lists means "not set
    by the user", which the evaluator also resolves to each version's real default.
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
    when: dict[str, tuple[TriggerValue, ...]] = Field(default_factory=dict)
    anchor: Anchor = "attn"
    fixes: tuple[FixSpec, ...] = ()
    references: tuple[Reference, ...] = ()
    runtime_repair: str | None = None
    valid: tuple[Example, ...] = ()
    invalid: tuple[Example, ...] = ()

    _spec = field_validator("transformers", "torch")(_check_specifier)

    @field_validator("when")
    @classmethod
    def _known_triggers(
        cls, value: dict[str, tuple[TriggerValue, ...]]
    ) -> dict[str, tuple[TriggerValue, ...]]:
        unknown = set(value) - TRIGGER_KEYS
        if unknown:
            raise ValueError(f"unknown trigger(s) {sorted(unknown)}; known: {sorted(TRIGGER_KEYS)}")
        return value

    @model_validator(mode="after")
    def _code_in_range(self) -> Rule:
        match = _CODE.match(self.code)
        if match is None:
            raise ValueError(f"rule code {self.code!r} must look like ATN101")
        if int(match.group(1)) not in CODE_RANGES[self.category]:
            span = CODE_RANGES[self.category]
            raise ValueError(
                f"{self.code}: category {self.category!r} uses ATN{span.start}-ATN{span.stop - 1}"
            )
        if not self.invalid:
            raise ValueError(f"{self.code}: a rule needs at least one INVALID example")
        return self

    @property
    def transformers_spec(self) -> SpecifierSet:
        return SpecifierSet(self.transformers)

    @property
    def torch_spec(self) -> SpecifierSet:
        return SpecifierSet(self.torch)

    @property
    def url(self) -> str:
        return f"https://github.com/attnlint/attnlint/blob/main/docs/rules.md#{self.code.lower()}"


class VocabEntry(_Frozen):
    """A value of `attn_implementation` or `cache_implementation` and the releases that accept it."""

    name: str
    transformers: str
    note: str = ""

    _spec = field_validator("transformers")(_check_specifier)


class CacheClassEntry(VocabEntry):
    """A cache class a user can build by hand, the cache it amounts to, and the releases that export it."""

    cache: str


class DefaultEntry(_Frozen):
    """What a setting means when the user leaves it unset, for some model types and versions."""

    key: Literal["attn", "cache", "dtype", "device", "output_attentions", "use_cache", "assisted",
                 "autocast", "padding_side"]
    value: TriggerValue
    transformers: str = ""
    model_types: tuple[str, ...] = ()

    _spec = field_validator("transformers")(_check_specifier)


class ContextVocab(_Frozen):
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


class Vocabulary(_Frozen):
    """Release list, per-version value vocabularies and defaults (knowledge/vocab.toml)."""

    releases: tuple[str, ...]
    torch_releases: tuple[str, ...]
    attn: tuple[VocabEntry, ...]
    cache: tuple[VocabEntry, ...]
    defaults: tuple[DefaultEntry, ...] = ()
    models: tuple[VocabEntry, ...] = ()
    cache_classes: tuple[CacheClassEntry, ...] = ()
    keywords: tuple[VocabEntry, ...] = ()
    context: ContextVocab = ContextVocab()
