"""What an expression may evaluate to, as far as a static reader can tell.

The source walker resolves each keyword value to one of these shapes: a literal (maybe reached
through a constant), a choice between conditional branches, a dict of keyword entries, a cache
object, a GenerationConfig, a configuration, or something unreadable. `settings_of` turns a value
into the `Setting` alternatives the evaluator consumes; unreadable values give `value=None`, which
never matches a rule.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import field

from attnlint.extract.models import ModelType
from attnlint.facts import Call, Origin, Setting, Site, Span
from attnlint.knowledge import source_names
from attnlint.knowledge.schema import Stage, TriggerValue
from attnlint.records import record

Scalar = str | bool | int | float | None


@record
class Lit:
    """A literal; `constant` names the module/function constant it was read through."""

    value: Scalar
    span: Span
    constant: str | None = None


@record
class Unknown:
    """A value attnlint cannot read (a parameter, `args.attn`, `os.environ[...]`)."""


@record
class Template:
    """An f-string: its literal parts, with `{}` where a value is formatted at run time."""

    pattern: str
    span: Span


@record
class Choice:
    """The branches of a conditional expression, each with the words that name it."""

    options: tuple[tuple[Value, str], ...]


@record
class Items:
    """A tuple or list, so that `model, tokenizer = load()` binds each name to its own value."""

    values: tuple[Value, ...]


@record(frozen=False)
class DictVal:
    """A dict literal or `dict(...)` call with string keys, as spread into a call."""

    entries: dict[str, Value] = field(default_factory=dict)


@record
class CacheObj:
    """A cache object such as `DynamicCache()`, normalised to its cache_implementation name, and
    the constructor call that built it (judged against each release's constructor)."""

    name: str
    span: Span
    call: Call | None = None


@record(frozen=False)
class GenCfg:
    """A `GenerationConfig(...)`: its keyword entries and where it was built."""

    entries: DictVal
    site: Site
    consumed: bool = False


@record(frozen=False)
class Bag:
    """Settings gathered at one place: a load call, a model's generation config, a generate call."""

    attn: list[Setting] = field(default_factory=list)
    cache: list[Setting] = field(default_factory=list)
    flags: dict[str, list[Setting]] = field(default_factory=dict)
    sites: list[Site] = field(default_factory=list)
    #: Where the bag's keywords are given (a setting made by attribute assignment is a configuration's).
    stage: Stage | None = None
    calls: list[Call] = field(default_factory=list)


@record(frozen=False)
class ConfigVal:
    """A model configuration (`AutoConfig.from_pretrained(id)`, `LlamaConfig()`) and its settings."""

    model_type: ModelType | None
    span: Span
    settings: Bag


@record(frozen=False)
class ModelRef:
    """A loaded model or pipeline: what its load said, and what was set on it since.

    `load` holds from_pretrained/pipeline settings and later attribute changes; `generation`
    holds `model.generation_config` changes. `used` tells whether a generate or forward call
    already reported it.
    """

    model_type: ModelType | None
    model_span: Span | None
    load: Bag = field(default_factory=lambda: Bag(stage="load"))
    generation: Bag = field(default_factory=lambda: Bag(stage="call"))
    used: bool = False


@record
class Partial:
    """`functools.partial(f, *args, **keywords)`: calling it is a call of `f` with the bound arguments
    first, so `partial(Model.from_pretrained, attn_implementation=...)(...)` reads as the load."""

    func: ast.expr
    args: tuple[ast.expr, ...]
    keywords: tuple[ast.keyword, ...]


Value = (
    Lit | Unknown | Template | Choice | Items | DictVal | CacheObj | GenCfg | ConfigVal | ModelRef | Partial
)


def normalise_dtype(value: Scalar) -> TriggerValue | None:
    """torch.float32 / "float32" / torch.float -> "float32"; other text is kept as written."""
    if not isinstance(value, str):
        return None
    name = value.removeprefix("torch.")
    return source_names().dtype_aliases.get(name, name)


def normalise_device(value: Scalar) -> TriggerValue | None:
    """"cpu" / -1 -> "cpu"; "cuda:1" / 0 -> "cuda"; "auto", "mps" and the like are kept."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return "cpu" if value < 0 else "cuda"
    if not isinstance(value, str):
        return None
    return value.split(":", 1)[0]


def normalise_bool(value: Scalar) -> TriggerValue | None:
    return value if isinstance(value, bool) else None


def normalise_name(value: Scalar) -> TriggerValue | None:
    return value if isinstance(value, str) else None


Normaliser = Callable[[Scalar], "TriggerValue | None"]

#: How the value of each trigger fact is read (a fact not listed here is read as a name).
NORMALISERS: dict[str, Normaliser] = {
    "dtype": normalise_dtype,
    "device": normalise_device,
    "output_attentions": normalise_bool,
    "use_cache": normalise_bool,
}


def settings_of(
    value: Value,
    *,
    origin: Origin,
    keyword: str,
    site: Span | None,
    normalise: Normaliser,
    branch: str | None = None,
) -> list[Setting]:
    """Every value a setting may take. A literal None means "not set" and gives nothing."""
    if isinstance(value, Lit):
        if value.value is None:
            return []
        return [
            Setting(
                value=normalise(value.value), origin=origin, span=value.span, site=site,
                keyword=keyword, constant=value.constant, branch=branch,
            )
        ]
    if isinstance(value, Choice):
        found: list[Setting] = []
        for option, words in value.options:
            inner = words if branch is None else f"{words}, within {branch}"
            found += settings_of(
                option, origin=origin, keyword=keyword, site=site, normalise=normalise, branch=inner
            )
        return found
    if isinstance(value, Template):
        return [Setting(value=None, origin=origin, span=value.span, site=site, keyword=keyword, branch=branch,
                        template=value.pattern)]
    if isinstance(value, CacheObj):
        return [
            Setting(value=value.name, origin="object", form="object", span=value.span, site=site,
                    keyword=keyword, branch=branch)
        ]
    if isinstance(value, DictVal):
        found = []
        for entry in value.entries.values():
            found += settings_of(
                entry, origin="dict-entry", keyword=keyword, site=site, normalise=normalise, branch=branch
            )
        return found
    return [Setting(value=None, origin=origin, site=site, keyword=keyword, branch=branch)]
