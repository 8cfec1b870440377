"""File-wide context of a Python source: what runs around the model rather than on it.

Three facts no single call shows. Mixed precision: a training config (`TrainingArguments`, the TRL
configs) with `bf16`/`fp16`, or `Accelerator(mixed_precision=...)`, runs the forward under autocast,
and when its precision comes from the command line it is *unknown*, which makes precision-dependent
rules stay silent (a rule fires only when its context is known to hold). Registered attention names:
`AttentionInterface.register("name", fn)` or `ALL_ATTENTION_FUNCTIONS["name"] = fn` make "name" valid.
Trainer configs that forward settings: `SFTConfig(model_init_kwargs={...})` is a `from_pretrained` call
that `SFTTrainer(model="id", args=config)` makes, and `GRPOConfig(cache_implementation=...)` sets its
generation cache. The names of these classes are knowledge data (vocab.toml `[context]`).
"""

from __future__ import annotations

import ast
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import field, replace
from pathlib import Path

from attnlint.extract.models import from_model_id
from attnlint.extract.release_checks import Region, early_exit_regions
from attnlint.extract.values import (
    Normaliser,
    normalise_bool,
    normalise_device,
    normalise_dtype,
    normalise_name,
)
from attnlint.facts import ANY_NAME, Call, ModelUse, Setting, Site, Span
from attnlint.knowledge import vocabulary
from attnlint.records import record
from attnlint.source import HotRows, LineIndex

__all__ = ["FORWARDING_KEYWORDS", "FileContext", "read_context"]

SpanOf = Callable[[ast.expr], Span]
#: The keywords through which a trainer config forwards settings to the model it loads or generates
#: with (dicts of load and generate keywords, and a generation cache): a config without one sets nothing.
FORWARDING_KEYWORDS = ("model_init_kwargs", "generation_kwargs", "cache_implementation")
#: The name ending of the trainers that take a config (`SFTTrainer(model="id", args=config)`).
_TRAINER = "Trainer"
_FORWARDED: dict[str, tuple[str, Normaliser]] = {
    "attn_implementation": ("attn", normalise_name),
    "torch_dtype": ("dtype", normalise_dtype),
    "dtype": ("dtype", normalise_dtype),
    "device_map": ("device", normalise_device),
    "use_cache": ("use_cache", normalise_bool),
    "cache_implementation": ("cache", normalise_name),
}


@record(frozen=False)
class FileContext:
    """What a file says about the surroundings of its models (see the module docstring)."""

    autocast: list[Setting] = field(default_factory=list)
    registered: set[str] = field(default_factory=set)
    uses: list[ModelUse] = field(default_factory=list)
    #: (first row, last row, releases, what): code whose failure is caught, or that only some releases
    #: run; `releases` is the range a readable release check lets through ("" guards the rows whole).
    guards: list[Region] = field(default_factory=list)

    def apply(self, uses: list[ModelUse]) -> list[ModelUse]:
        """Every use of the file, with the file's precision and registered names, plus the config loads."""
        result = []
        for use in [*uses, *self.uses]:  # uses are frozen: each gets a copy with the file's names
            if self.autocast:
                use.flags.setdefault("autocast", self.autocast)
            registered = frozenset(self.registered)
            if self.guards:
                attn, cache = [self._guard(s) for s in use.attn], [self._guard(s) for s in use.cache]
                calls = [self._guard_call(call) for call in use.calls]
                result.append(replace(use, registered=registered, attn=attn, cache=cache, calls=calls))
            else:
                result.append(replace(use, registered=registered))
        return result

    def _regions_at(self, row: int) -> tuple[bool, str, str]:
        """Whether `row` is guarded whole, the releases it runs on ("" every one), and why."""
        regions = [(runs_on, what) for first, last, runs_on, what in self.guards if first <= row <= last]
        whole = next((what for runs_on, what in regions if not runs_on), "")
        ranges = [(runs_on, what) for runs_on, what in regions if runs_on]
        if whole or not ranges:
            return bool(whole), "", whole
        runs_on = ",".join(dict.fromkeys(spec for spec, _ in ranges))
        return False, runs_on, f"transformers{runs_on}, as {ranges[-1][1]} requires"

    def _guard_call(self, call: Call) -> Call:
        """A call whose failure is caught, or that only some releases run, does not surely raise;
        one under a release check attnlint reads is judged on the releases that run it."""
        whole, runs_on, _ = self._regions_at(call.span.row)
        if whole:
            return replace(call, guarded=True)
        return replace(call, runs_on=runs_on) if runs_on else call

    def _guard(self, setting: Setting) -> Setting:
        where = setting.span or setting.site
        if where is None or setting.guarded:
            return setting
        whole, runs_on, what = self._regions_at(where.row)
        if whole:
            return replace(setting, guarded=True, branch=setting.branch or what)
        if runs_on:
            return replace(setting, runs_on=runs_on, branch=setting.branch or what)
        return setting


def _name(node: ast.expr) -> str:
    """The last name of a callee or value: `trl.SFTConfig` -> "SFTConfig"."""
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _constant(node: ast.expr | None) -> object:
    """A literal's value; `torch.bfloat16` reads as its text; anything else is the `...` marker."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "torch":
        return f"torch.{node.attr}"
    return ...


def _covering(tree: ast.Module, hot: HotRows) -> Iterator[ast.AST]:
    """`ast.walk`'s nodes, in its order, less every subtree whose rows hold no hot row: the parts of
    a large module that name nothing of interest are never visited."""
    todo: deque[ast.AST] = deque([tree])
    while todo:
        node = todo.popleft()
        first = getattr(node, "lineno", None)
        if first is not None and not hot.touches(first, getattr(node, "end_lineno", None)):
            continue
        todo.extend(ast.iter_child_nodes(node))
        yield node


class _Reader:
    """The context classes' calls, registries and names, read from the rows that name them (and
    the trainers that take a config) only."""

    def __init__(self, tree: ast.Module, span: SpanOf, path: str, folders: list[Path], hot: HotRows) -> None:
        self.span = span
        self.path = path
        self.folders = folders
        self.vocab = vocabulary().context
        self._bound: dict[str, ast.expr] | None = None
        self.calls: list[ast.Call] = []
        #: assignments and names, in walk order (registry entries and configs named but not called)
        self.others: list[ast.Assign | ast.Name | ast.Attribute] = []
        for node in _covering(tree, hot):
            if isinstance(node, ast.Call):
                self.calls.append(node)
            elif isinstance(node, ast.Assign | ast.Name | ast.Attribute):
                self.others.append(node)
        self.context = FileContext()
        self.tree = tree

    def value(self, node: ast.expr | None) -> ast.expr | None:
        """A name's module-level value (one step), so that `args=config` finds `config = SFTConfig(...)`."""
        if not isinstance(node, ast.Name):
            return node
        if self._bound is None:  # the whole module, only when a setting is passed by name
            self._bound = {
                n.targets[0].id: n.value
                for n in ast.walk(self.tree)
                if isinstance(n, ast.Assign) and isinstance(n.targets[0], ast.Name)
            }
        return self._bound.get(node.id, node)

    def read(self) -> FileContext:
        for call in self.calls:
            callee = _name(call.func)
            if callee in self.vocab.precision_configs:
                self._precision(call)
                self._forwarded(call)
            elif callee in self.vocab.mixed_precision_calls:
                self._mixed_precision(call)
            elif callee == "register" and self._is_registry(call.func):
                self._register(call.args[0] if call.args else None)
        callees = {id(call.func) for call in self.calls}
        for node in self.others:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Subscript) and self._is_registry(target):
                        self._register(target.slice)
            elif isinstance(node, ast.Name | ast.Attribute) and self._named_config(node, callees):
                self._autocast(None, node, "bf16")  # parsed from the CLI: HfArgumentParser(TrainingArguments)
        return self.context

    def _is_registry(self, node: ast.expr) -> bool:
        """`AttentionInterface.register` / `ALL_ATTENTION_FUNCTIONS[...]`: the registry is the owner."""
        owner = node.value if isinstance(node, ast.Attribute | ast.Subscript) else node
        return _name(owner) in self.vocab.attention_registries

    def _named_config(self, node: ast.expr, callees: set[int]) -> bool:
        """A training config named but not called here (a class handed to an argument parser)."""
        return _name(node) in self.vocab.precision_configs and id(node) not in callees

    # ---- precision ---------------------------------------------------------------------------

    def _autocast(self, value: bool | None, node: ast.expr, keyword: str) -> None:
        span = self.span(node)
        setting = Setting(value=value, origin="keyword", span=span, site=span, keyword=keyword)
        known = [s for s in self.context.autocast if s.value is True]
        if (value is True and not known) or (value is None and not known and not self.context.autocast):
            self.context.autocast = [setting]

    def _precision(self, call: ast.Call) -> None:
        flags = [(k, _constant(_keyword(call, k))) for k in ("bf16", "fp16")]
        given = [(k, v) for k, v in flags if _keyword(call, k) is not None]
        spread = any(k.arg is None for k in call.keywords)
        if any(v is True for _, v in given):
            key = next(k for k, v in given if v is True)
            self._autocast(True, _keyword(call, key) or call, key)
        elif any(not isinstance(v, bool) for _, v in given) or spread or call.args:
            self._autocast(None, call, "bf16")
        elif not given and _name(call.func) in self.vocab.bf16_by_default:
            self._autocast(None, call, "bf16")  # TRL turns bf16 on by default in recent releases

    def _mixed_precision(self, call: ast.Call) -> None:
        node = _keyword(call, "mixed_precision")
        if node is None:
            self._autocast(None, call, "mixed_precision")  # accelerate config or env decides
            return
        value = _constant(node)
        if value in ("bf16", "fp16", "fp8"):
            self._autocast(True, node, "mixed_precision")
        elif value != "no":
            self._autocast(None, node, "mixed_precision")

    # ---- registered attention ----------------------------------------------------------------

    def _register(self, node: ast.expr | None) -> None:
        value = _constant(node) if node is not None else ...
        self.context.registered.add(value if isinstance(value, str) else ANY_NAME)

    # ---- configs that forward settings -------------------------------------------------------

    def _forwarded(self, call: ast.Call) -> None:
        """A trainer config's model_init_kwargs (a from_pretrained call) and generation cache."""
        settings: dict[str, list[Setting]] = {}
        site = self.span(call)
        model_kwargs, generation_kwargs, cache = FORWARDING_KEYWORDS
        entries = list(self._dict_entries(self.value(_keyword(call, model_kwargs))))
        entries += list(self._dict_entries(self.value(_keyword(call, generation_kwargs))))
        entries += [(k.arg, k.value) for k in call.keywords if k.arg == cache]
        for key, node in entries:
            if key not in _FORWARDED:
                continue
            name, normalise = _FORWARDED[key]
            raw = _constant(node)
            value = normalise(raw) if isinstance(raw, str | bool | int | float) else None
            span = self.span(node)
            settings[name] = [Setting(value=value, origin="dict-entry", span=span, site=site, keyword=key)]
        if not settings:
            return
        model_types, reason = self._trained_model(call)
        self.context.uses.append(
            ModelUse(
                path=self.path,
                model_types=model_types,
                model_type_reason=reason,
                model_span=site,
                attn=settings.pop("attn", []),
                cache=settings.pop("cache", []),
                flags=settings,
                sites=[Site(kind="load", span=site)],
            )
        )

    def _dict_entries(self, node: ast.expr | None) -> Iterator[tuple[str, ast.expr]]:
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and isinstance(key.value, str):
                    yield key.value, value
        elif isinstance(node, ast.Call) and _name(node.func) == "dict":
            yield from ((k.arg, k.value) for k in node.keywords if k.arg is not None)

    def _trained_model(self, config: ast.Call) -> tuple[frozenset[str], str]:
        """The model id a trainer given this config loads (`SFTTrainer(model="id", args=config)`)."""
        for call in self.calls:
            if not _name(call.func).endswith(_TRAINER):
                continue
            if self.value(_keyword(call, "args")) is not config:
                continue
            model_id = _constant(self.value(_keyword(call, "model")))
            if isinstance(model_id, str):
                found = from_model_id(model_id, self.folders)
                if found is not None:
                    return found.types, found.reason
        return frozenset(), ""


def _catches(handler: ast.ExceptHandler, caught: tuple[str, ...]) -> bool:
    """Whether an `except` clause catches what a refused setting raises (ValueError, ImportError...)."""
    if handler.type is None:
        return True
    kinds = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(_name(kind) in caught for kind in kinds)


def _guards(
    tree: ast.Module, hot: HotRows, release_checks: tuple[str, ...], caught: tuple[str, ...]
) -> Iterator[Region]:
    """Try bodies whose handlers catch the failure, both branches of an `if` on the release, and
    the rest of a block after an `if` on the release that leaves it (`return`, `raise`), of those
    that hold a hot row."""
    def checks_release(node: ast.If) -> bool:
        names = {_name(n) for n in ast.walk(node.test) if isinstance(n, ast.Name | ast.Attribute)}
        return bool(names & set(release_checks))

    for node in _covering(tree, hot):
        if isinstance(node, ast.Try) and any(_catches(h, caught) for h in node.handlers):
            last = node.body[-1].end_lineno or node.lineno
            yield node.body[0].lineno, last, "", f"the try block on line {node.lineno}"
        elif isinstance(node, ast.If) and checks_release(node):
            yield node.lineno, node.end_lineno or node.lineno, "", f"the release check on line {node.lineno}"
        yield from early_exit_regions(node, checks_release)


def _release_flags(tree: ast.Module, index: LineIndex, release_checks: tuple[str, ...]) -> set[str]:
    """Names assigned from a release check (`lt_4_56 = version.parse(transformers.__version__) <
    ...`, as peft does): an `if` on one of them is an `if` on the release."""
    if not any(word in index.text for word in release_checks):
        return set()
    found: set[str] = set()
    for node in _covering(tree, HotRows.of_words(index, release_checks)):
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            named = {_name(n) for n in ast.walk(node.value) if isinstance(n, ast.Name | ast.Attribute)}
            if named & set(release_checks):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                found |= {target.id for target in targets if isinstance(target, ast.Name)}
    return found


def _guarded_rows(uses: Iterable[ModelUse]) -> set[int]:
    """The rows of the attention and cache settings, and of the judged calls, a guard could cover."""
    uses = list(uses)
    settings = (s for use in uses for s in (*use.attn, *use.cache) if not s.guarded)
    rows = {where.row for s in settings if (where := s.span or s.site) is not None}
    return rows | {call.span.row for use in uses for call in use.calls if not call.guarded}


def read_context(
    index: LineIndex, tree: ast.Module, span: SpanOf, path: str, folders: list[Path], uses: list[ModelUse]
) -> FileContext:
    """The file's context facts for its `uses`. Only the rows that name a context class are read, and
    only the statements around a setting of `uses` are searched for guards, so most of a large
    module is never walked here."""
    vocab = vocabulary().context
    text = index.text
    context = FileContext()
    words = vocab.words()
    if any(word in text for word in words):
        hot = HotRows.of_words(index, (*words, _TRAINER))
        context = _Reader(tree, span, path, folders, hot).read()
    rows = _guarded_rows([*uses, *context.uses])
    if rows and ("except" in text or any(word in text for word in vocab.release_checks)):
        hot = HotRows.of_rows(index, rows)
        checks = (*vocab.release_checks, *_release_flags(tree, index, vocab.release_checks))
        context.guards = list(_guards(tree, hot, checks, vocab.caught_errors))
    return context
