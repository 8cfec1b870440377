"""What the probe runs (`Case`) and what it saw (`Outcome`), as plain data both processes share.

Cases cross the process boundary as JSON, so they hold only strings, numbers and booleans. This
module must not import torch or transformers: the CLI builds and prints cases without them.
"""

from __future__ import annotations

import re
from dataclasses import asdict, field, fields
from typing import Any, Literal

from attnlint.knowledge.schema import ProbeMode as Mode
from attnlint.probe.options import DEFAULT_MODELS
from attnlint.records import record

Form = Literal["kwarg", "config", "folder"]
Status = Literal["OK", "FAIL", "MISMATCH", "SKIP"]
Override = tuple[str, str | int | float | bool | None]

#: `attn` / `cache` value meaning "not given by the user" (the release's own default).
DEFAULT = "default"
#: `cache` prefix meaning "pass a cache object as past_key_values" instead of a cache_implementation name:
#: `object:DynamicCache` builds it with no arguments, `object:StaticCache(config=config,max_cache_len=64)`
#: with these (`config` stands for the model's config, digits for an int; see `cache_constructor`).
OBJECT = "object:"
#: The names a cache constructor argument may hold in a case (`cache_constructor`).
MODEL_CONFIG = "config"

DEFAULT_ATTNS = ("eager", "sdpa", "flex_attention")
DEFAULT_CACHES = (DEFAULT, "static", "hybrid")


@record
class Case:
    """One combination: a model type, how attention and cache are asked for, and what is run.

    `form` says where `attn_implementation` is given: as a `from_pretrained`/`from_config` keyword
    (`kwarg`), in the config object (`config`), or in a saved folder's config.json (`folder`, whose
    generation_config.json then carries the cache). `kernel` says whether flex runs compiled (as user
    code does) or uncompiled (reaches the release's own mask code on CPU, where the compiled kernel
    of 4.51-4.55 fails first). `mode` is what runs: greedy generate, generate with use_cache=False,
    one forward with output_attentions=True (given to the forward, to from_pretrained with the
    attention, to the config class's constructor, or set on the built model's config), or the
    torch-only flex decode kernel check; `load-cache` gives the cache name to `from_pretrained` (of a
    saved folder) instead of to generate, which most releases refuse (ATN140). `overrides` are config
    fields set on the tiny config.
    """

    model: str
    attn: str = DEFAULT
    cache: str = DEFAULT
    form: Form = "kwarg"
    kernel: Literal["compiled", "uncompiled"] = "uncompiled"
    mode: Mode = "generate"
    overrides: tuple[Override, ...] = ()
    new_tokens: int = 8

    @property
    def id(self) -> str:
        parts = [self.model, self.attn, self.cache, self.form]
        if self.attn == "flex_attention" or self.mode == "kernel":
            parts.append(self.kernel)
        if self.mode != "generate":
            parts.append(self.mode)
        parts += [f"{key}={value}" for key, value in self.overrides]
        if self.new_tokens != 8:
            parts.append(f"new={self.new_tokens}")
        return "/".join(parts)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Case:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["overrides"] = tuple((str(k), v) for k, v in values.get("overrides", ()))
        return cls(**values)


@record
class Outcome:
    """What one case did, compared with eager attention and the default cache on the same weights.

    `first_diff` is the first generated position whose token or logits differ (MISMATCH);
    `max_diff` the largest |logit difference| over all compared positions; `cache_class` and
    `ref_cache_class` the cache objects generate built, which show a setting that had no effect.
    """

    case: Case
    status: Status
    error_type: str = ""
    message: str = ""
    first_diff: int | None = None
    max_diff: float | None = None
    impl: str = ""
    cache_class: str = ""
    ref_cache_class: str = ""
    seconds: float = 0.0
    warnings: tuple[str, ...] = field(default_factory=tuple)

    @property
    def detail(self) -> str:
        """The one line the matrix prints for this outcome."""
        if self.status == "FAIL":
            return f"{self.error_type}: {self.message}" if self.error_type else self.message
        if self.status == "MISMATCH":
            where = f"first differing position {self.first_diff}" if self.first_diff is not None else ""
            size = f"max |logit diff| {self.max_diff:.3g}" if self.max_diff is not None else ""
            return "; ".join(p for p in (where, size, self.message) if p)
        if self.status == "SKIP":
            return self.message
        extra = f" (cache {self.cache_class})" if self.cache_class else ""
        return f"max |logit diff| {self.max_diff:.2g}{extra}" if self.max_diff is not None else "ran"

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["case"] = self.case.to_json()
        data["id"] = self.case.id
        data["warnings"] = list(self.warnings)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outcome:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        values["case"] = Case.from_json(data["case"])
        values["warnings"] = tuple(values.get("warnings", ()))
        return cls(**values)


@record
class CacheCall:
    """A cache object a case builds by hand: the class and its positional and keyword arguments,
    each the model's config (`MODEL_CONFIG`) or an int. The probe builds it with the release's class;
    `attnlint probe --verify-rules` binds the same call to the release's signature (ATN141)."""

    name: str
    positional: tuple[str | int, ...] = ()
    keywords: tuple[tuple[str, str | int], ...] = ()


_CACHE_CALL = re.compile(r"^(?P<name>[A-Za-z_]\w*)(?:\((?P<args>[^()]*)\))?$")


def cache_constructor(cache: str) -> CacheCall | None:
    """The cache object a case's `cache` builds (`object:Name` or `object:Name(args)`), None for a
    cache_implementation name; ValueError for an argument that is neither `config` nor an int."""
    if not cache.startswith(OBJECT):
        return None
    found = _CACHE_CALL.match(cache[len(OBJECT):])
    if found is None:
        raise ValueError(f"not a cache constructor call: {cache!r}")
    positional: list[str | int] = []
    keywords: list[tuple[str, str | int]] = []
    for argument in filter(None, (a.strip() for a in (found["args"] or "").split(","))):
        key, _, text = argument.rpartition("=")
        if text != MODEL_CONFIG and not text.isdigit():
            raise ValueError(f"a cache argument is `{MODEL_CONFIG}` or an int, not {text!r} in {cache!r}")
        value: str | int = text if text == MODEL_CONFIG else int(text)
        if key:
            keywords.append((key.strip(), value))
        elif keywords:
            raise ValueError(f"a positional argument after a keyword in {cache!r}")
        else:
            positional.append(value)
    return CacheCall(found["name"], tuple(positional), tuple(keywords))


def default_cases(models: tuple[str, ...] = DEFAULT_MODELS) -> list[Case]:
    """The default matrix: every attention x cache through the keyword form, plus the config-object
    and folder forms with the default cache (the load form decides the attention, not the cache),
    plus output_attentions with each non-eager attention on Llama."""
    cases: list[Case] = []
    for model in models:
        for attn in (DEFAULT, *DEFAULT_ATTNS):
            for cache in DEFAULT_CACHES:
                cases.append(Case(model, attn, cache))
            if attn != DEFAULT:
                cases += [Case(model, attn, DEFAULT, "config"), Case(model, attn, DEFAULT, "folder")]
        if model == "llama":
            cases += [Case(model, attn, mode="attentions") for attn in (DEFAULT, "sdpa", "flex_attention")]
    return cases


Result = Literal["holds", "fails", "not run"]


@record
class Verdict:
    """One probe of one rule on this stack: was the rule in range, what it predicted, what ran."""

    code: str
    case: str
    expect: str
    in_range: bool
    predicted: str
    observed: str
    result: Result


@record
class FixVerdict:
    """One fix of one rule on this stack: the chain the fixer would apply and what the end case did."""

    code: str
    index: int  # which of the rule's [[fixes]]
    fix: str
    start: str
    steps: tuple[str, ...]
    final: str
    remaining: tuple[str, ...]
    observed: str
    result: str  # "proven" | "remaining" | "fails" | "not run"
