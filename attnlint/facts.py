"""Facts: what a source file, a config folder or a live model says about one use of a model.

Every extractor (Python sources, config.json pairs, the live model under the guard) produces the
same `ModelUse` records, and the one evaluator judges them. A setting keeps the place that set it,
so diagnostics point at the right characters and fixes know what to rewrite.
"""

from __future__ import annotations

from dataclasses import field
from typing import TYPE_CHECKING, Literal

from packaging.specifiers import SpecifierSet

from attnlint.records import record

if TYPE_CHECKING:
    from attnlint.knowledge.schema import Stage, TriggerValue

#: How a value reached the model: a keyword argument, an entry of a dict that is spread or passed
#: as `model_kwargs`, an attribute assignment, a cache object, a JSON or YAML key, the live model, or
#: what a load implies when nothing set the fact (a model loaded without device_map is on the CPU).
Origin = Literal[
    "keyword", "dict-entry", "attribute", "object", "json", "yaml", "runtime", "call-argument", "implied"
]
#: A registered attention name attnlint cannot read: every attention name may be the project's own.
ANY_NAME = "<any registered name>"
#: Where a target's versions came from, most explicit first; "none" means every known release.
TargetSource = Literal["override", "lock", "requirement", "installed", "none"]
SiteKind = Literal[
    "load", "generate", "generation_config", "pipeline", "config-file", "generation-file", "framework-file"
]


@record(kw_only=True)
class Location:
    """A point of a file: 1-based row, 1-based character column."""

    row: int
    column: int


@record(kw_only=True)
class Span:
    """A region of a file: 1-based rows and 1-based columns (ruff's convention), end exclusive."""

    path: str
    row: int
    column: int
    end_row: int
    end_column: int


@record(kw_only=True)
class Setting:
    """One possible value of one setting, with where it came from.

    `span` covers the literal that holds the value (what a fix replaces); `site` covers the call or
    assignment where it takes effect; `constant` names the module constant the value flowed
    through; `branch` describes the conditional branch that yields it ("the `if` branch of ...");
    `guarded` marks a value set where a failure is caught or only some releases run it.
    A value of None means the setting is present but not a literal attnlint can read.
    """

    value: TriggerValue | None
    origin: Origin
    form: Literal["name", "object"] = "name"
    span: Span | None = None
    site: Span | None = None
    keyword: str = ""
    constant: str | None = None
    branch: str | None = None
    #: Set inside a `try` whose `except` catches the failure, or code run only on some releases
    #: (`if transformers.__version__ ...`): a name there is not an unconditional crash.
    guarded: bool = False
    #: Where it was given (loader keyword, configuration, forward/generate call); None: not known.
    stage: Stage | None = None
    #: An f-string's literal parts with `{}` for each field formatted at run time (value None): the
    #: name cannot be known, only whether some name a release accepts could fit it (--strict).
    template: str | None = None
    #: The transformers releases the code that sets it runs on, where a release check attnlint can
    #: read lets only those through (`if transformers < 4.53: return` above it: ">=4.53"); "" every one.
    runs_on: str = ""


@record(kw_only=True)
class Site:
    """A call or file where a setting could be added by a fix (e.g. the `generate(...)` call)."""

    kind: SiteKind
    span: Span


@record(kw_only=True)
class Call:
    """One call whose arguments some release refuses: a load, a generate call or a cache constructor.

    `callee` is "generate", "from_pretrained", "from_config", "model" (a model class called with a
    config) or a cache class name; `keywords` maps each keyword given (also those read from a `**`
    dict) to the span that gives it; `spread` says that a `*`/`**` argument attnlint cannot read
    may give more. `guarded` marks a call inside a `try` that catches the error, or under a release check.
    `positional_literals` holds the source of each positional argument that is a literal (`"1024"`,
    `"True"`) and "" for any other, so a number landing on a flag of some release shows.
    """

    callee: str
    span: Span
    positional: int = 0
    positional_literals: tuple[str, ...] = ()
    keywords: dict[str, Span] = field(default_factory=dict)
    spread: bool = False
    guarded: bool = False
    #: The releases the call runs on under a release check attnlint reads (`Setting.runs_on`).
    runs_on: str = ""


@record(kw_only=True)
class ModelUse:
    """Everything known about one model: its type, and each setting's possible values.

    Lists hold alternatives (a conditional expression gives two); an empty list means "not set",
    which the evaluator reads as the version's default. `flags` carries the other triggers
    (dtype, device, output_attentions, use_cache, assisted, ...), keyed as the knowledge's trigger names.
    Frozen: the evaluator, the fixer and the guard read one use and none may change it.
    """

    path: str
    model_types: frozenset[str] = frozenset()
    model_type_reason: str = ""
    model_span: Span | None = None
    attn: list[Setting] = field(default_factory=list)
    cache: list[Setting] = field(default_factory=list)
    flags: dict[str, list[Setting]] = field(default_factory=dict)
    sites: list[Site] = field(default_factory=list)
    #: Attention names the file registers itself (AttentionInterface.register); valid on every release.
    registered: frozenset[str] = frozenset()
    #: The calls that made this use (its load and generate calls) or, in a use of their own, the
    #: cache objects the file builds: judged against what each release's call takes (calls.toml).
    calls: list[Call] = field(default_factory=list)


@record(kw_only=True)
class Target:
    """The transformers (and torch) versions the project can run, and why attnlint thinks so.

    `reason` completes the sentence "affects transformers 4.51.0, which ...", e.g. "your requirement
    `transformers>=4.50` (pyproject.toml) allows". `source` says what kind of statement set the
    versions: an explicit `override` (the `--transformers-version` option or the
    `[tool.attnlint] transformers-version` setting) is taken as is, every other source is narrowed
    to the releases the file's code can run on (`attnlint.window`).
    """

    transformers: SpecifierSet = field(default_factory=SpecifierSet)
    torch: SpecifierSet = field(default_factory=SpecifierSet)
    reason: str = "no pin, lock or installed transformers excludes"
    requirement: str = ""
    source: TargetSource = "none"
