"""Python sources -> `ModelUse` records: where attention and cache are set, for which model.

One `ast` traversal per file, in source order, so that a name's value is the one it holds where it
is used. Loads (`from_pretrained`, `from_config`, `pipeline`) create a tracked model; settings made
on it later (`set_attn_implementation`, `model.generation_config.cache_implementation = ...`) change
it; each `generate` or forward call reports the model as it is at that call. Values are read through
constants, dicts, `**` spreads and conditional expressions; whatever cannot be read is kept as an
unreadable setting that never triggers a rule. The tokenizer's padding side and `autocast` are
file-wide facts: they are added to every use of the file. A bytes test derived from the rules
(`attnlint.prefilter`) runs first, so that most files of a project are never parsed.
"""

from __future__ import annotations

import ast
import bisect
import re
import warnings
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from attnlint.extract.context import read_context
from attnlint.extract.models import (
    ModelType,
    from_class_name,
    from_config_class,
    from_model_id,
    is_model_class,
)
from attnlint.extract.values import (
    Bag,
    CacheObj,
    Choice,
    ConfigVal,
    DictVal,
    GenCfg,
    Items,
    Lit,
    ModelRef,
    Normaliser,
    Unknown,
    Value,
    normalise_bool,
    normalise_device,
    normalise_dtype,
    normalise_name,
    settings_of,
)
from attnlint.facts import ModelUse, Origin, Setting, Site, SiteKind, Span

__all__ = ["extract_python"]

_LOADERS = frozenset({"from_pretrained", "from_config", "_from_config"})
_CACHE_CLASSES = {
    "DynamicCache": "dynamic",
    "StaticCache": "static",
    "HybridCache": "hybrid",
    "HybridChunkedCache": "hybrid_chunked",
    "SlidingWindowCache": "sliding_window",
    "OffloadedCache": "offloaded",
    "OffloadedStaticCache": "offloaded_static",
    "OffloadedHybridCache": "offloaded_hybrid",
    "QuantizedCache": "quantized",
    "QuantoQuantizedCache": "quantized",
    "HQQQuantizedCache": "quantized",
    "SinkCache": "sink",
}
_UNKNOWN = Unknown()
_NEWLINE = re.compile(r"\r\n|\r|\n")
#: Lines worth walking for calls: a statement whose lines hold none of these sets nothing.
_HOT = (
    "from_pretrained", "from_config", "pipeline", "generate", "Cache", "Config", "generation_config",
    "attn_implementation", "past_key_values", "output_attentions", "use_cache", "assistant",
    "prompt_lookup", "dtype", "device", "padding_side", "autocast", "dict(", ".update(", ".to(", ".cuda(",
    ".cpu(", ".half(", ".float(", ".bfloat16(", ".double(", "**",
)
_TORCH_DTYPES = frozenset({"float", "float32", "half", "float16", "bfloat16", "double", "float64"})
_ASSISTED = frozenset({"assistant_model", "prompt_lookup_num_tokens", "assistant_early_exit"})
_BOOL_FLAGS = frozenset({"output_attentions", "use_cache"})
_CHAINABLE = frozenset({"to", "cuda", "cpu", "half", "float", "bfloat16", "double", "eval", "train",
                        "requires_grad_"})


class _Positions:
    """ast positions (1-based rows, UTF-8 byte columns) -> Spans in characters, 1-based columns."""

    def __init__(self, text: str, path: str) -> None:
        self.lines = _NEWLINE.split(text)
        self.path = path
        starts = [0, *(m.end() for m in _NEWLINE.finditer(text))]
        self.hot = bytearray(len(starts))
        for token in _HOT:  # str.find per token is far faster than one regex alternation
            found = text.find(token)
            while found >= 0:
                self.hot[bisect.bisect_right(starts, found) - 1] = 1
                found = text.find(token, found + len(token))

    def hot_between(self, row: int, end_row: int | None) -> bool:
        """Whether any line of a node may hold a call attnlint cares about."""
        return any(self.hot[row - 1 : end_row or row])

    def column(self, row: int, offset: int) -> int:
        line = self.lines[row - 1] if 0 < row <= len(self.lines) else ""
        if line.isascii():
            return offset + 1
        return len(line.encode("utf-8")[:offset].decode("utf-8", errors="replace")) + 1

    def span(self, node: ast.expr | ast.stmt) -> Span:
        end_row = node.end_lineno or node.lineno
        end_col = node.end_col_offset if node.end_col_offset is not None else node.col_offset
        return Span(
            path=self.path,
            row=node.lineno,
            column=self.column(node.lineno, node.col_offset),
            end_row=end_row,
            end_column=self.column(end_row, end_col),
        )


def _dotted(node: ast.expr) -> str | None:
    """`self.model` -> "self.model"; anything but a chain of names and attributes -> None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _through_constant(value: Value, name: str) -> Value:
    """A literal read through a name remembers the name (the innermost one, where it was written)."""
    if isinstance(value, Lit):
        return value if value.constant else replace(value, constant=name)
    if isinstance(value, Choice):
        return Choice(tuple((_through_constant(option, name), words) for option, words in value.options))
    return value


def _keyword(node: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in node.keywords if k.arg == name), None)


def _first(values: list[list[Setting]]) -> list[Setting]:
    """The settings of the innermost place that set a value (a generate call beats the load)."""
    return next((v for v in values if v), [])


def _merge(*bags: Bag) -> Bag:
    """Combine bags, innermost (last) first: the call's cache overrides the generation config's."""
    inner = list(reversed(bags))
    keys = {key for bag in bags for key in bag.flags}
    return Bag(
        attn=_first([b.attn for b in inner]),
        cache=_first([b.cache for b in inner]),
        flags={k: _first([b.flags.get(k, []) for b in inner]) for k in sorted(keys)},
        sites=[site for bag in bags for site in bag.sites],
    )


class _Extractor:
    def __init__(self, text: str, path: str, root: Path | None) -> None:
        self.pos = _Positions(text, path)
        self.path = path
        self.folders = [] if path.startswith("<") else [Path(path).parent]
        if root is not None:
            self.folders.append(root)
        self.tf_modules: set[str] = set()
        self.tf_names: dict[str, str] = {}
        self.scopes: list[dict[str, Value]] = [{}]
        self.attrs: dict[str, Value] = {}
        self.memo: dict[int, Value] = {}
        self.models: list[ModelRef] = []
        self.configs: list[GenCfg] = []
        self.uses: list[ModelUse] = []
        self.module_flags: dict[str, list[Setting]] = {}
        self.functions: list[str] = []
        self.returns: dict[str, Value] = {}

    # ---- statements --------------------------------------------------------------------------

    def run(self, tree: ast.Module) -> list[ModelUse]:
        self._body(tree.body)
        for model in self.models:
            if not model.used:
                self._report(model, Bag())
        for config in self.configs:
            if not config.consumed:
                self._report(ModelRef(model_type=None, model_span=None), self._generation_bag(config))
        for use in self.uses:
            for key, settings in self.module_flags.items():
                use.flags.setdefault(key, settings)
        return self.uses

    def _body(self, statements: list[ast.stmt]) -> None:
        for statement in statements:
            self._stmt(statement)

    def _stmt(self, node: ast.stmt) -> None:
        if isinstance(node, ast.Import | ast.ImportFrom):
            self._import(node)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            self._scope(node)
        elif isinstance(node, ast.Assign):
            value = self._resolve(node.value)
            for target in node.targets:
                self._assign(target, value, node)
            self._calls(node.value)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            self._assign(node.target, self._resolve(node.value), node)
            self._calls(node.value)
        elif isinstance(node, ast.Return) and node.value is not None:
            value = self._resolve(node.value)
            if self.functions and isinstance(value, ModelRef | Items):
                self.returns[self.functions[-1]] = value
            self._calls(node.value)
        else:
            for target in self._targets(node):
                self._assign(target, _UNKNOWN, node)
            self._generic(node)

    @staticmethod
    def _targets(node: ast.stmt) -> Iterator[ast.expr]:
        if isinstance(node, ast.For | ast.AsyncFor):
            yield node.target
        elif isinstance(node, ast.With | ast.AsyncWith):
            yield from (item.optional_vars for item in node.items if item.optional_vars is not None)
        elif isinstance(node, ast.AugAssign):
            yield node.target

    def _generic(self, node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.stmt):
                self._stmt(child)
            elif isinstance(child, ast.expr):
                self._calls(child)
            else:
                self._generic(child)

    def _scope(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        """A function or class body has its own names; one with no hot line cannot matter.

        A function that returns a model (or a tuple holding one) is remembered by name, so that
        `model, tokenizer = load()` tracks the model it loaded; a class derived from a model class
        (`class Chat(LlamaForCausalLM)`) loads like its base."""
        scope: dict[str, Value] = {}
        evaluated: list[ast.expr | None] = list(node.decorator_list)
        if isinstance(node, ast.ClassDef):
            bases = [self._transformers_name(base) for base in node.bases]
            model_base = next((b for b in bases if b and is_model_class(b)), None)
            if model_base is not None:
                self.tf_names[node.name] = model_base
        else:
            args = node.args
            every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
            scope = {arg.arg: _UNKNOWN for arg in every if arg is not None}
            evaluated += [*args.defaults, *args.kw_defaults]
        if not self.pos.hot_between(node.lineno, node.end_lineno):
            return
        for expression in evaluated:
            if expression is not None:
                self._calls(expression)
        self.scopes.append(scope)
        self.functions.append(node.name)
        self._body(node.body)
        self.functions.pop()
        self.scopes.pop()

    def _import(self, node: ast.Import | ast.ImportFrom) -> None:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "transformers" or alias.name.startswith("transformers."):
                    self.tf_modules.add(alias.asname or "transformers")
            return
        module = node.module or ""
        if node.level == 0 and (module == "transformers" or module.startswith("transformers.")):
            for alias in node.names:
                self.tf_names[alias.asname or alias.name] = alias.name

    def _calls(self, node: ast.expr) -> None:
        """Handle every call inside an expression that a resolution has not handled yet."""
        if not self.pos.hot_between(node.lineno, node.end_lineno):
            return
        for child in ast.walk(node):
            if isinstance(child, ast.Call) and id(child) not in self.memo:
                self._resolve(child)

    # ---- assignments -------------------------------------------------------------------------

    def _assign(self, target: ast.expr, value: Value, node: ast.stmt) -> None:
        if isinstance(target, ast.Name):
            self.scopes[-1][target.id] = value
        elif isinstance(target, ast.Tuple | ast.List):
            fits = isinstance(value, Items) and len(value.values) == len(target.elts)
            parts = value.values if isinstance(value, Items) and fits else (_UNKNOWN,) * len(target.elts)
            for element, part in zip(target.elts, parts, strict=True):
                if isinstance(element, ast.Starred):
                    self._assign(element.value, _UNKNOWN, node)
                else:
                    self._assign(element, part, node)
        elif isinstance(target, ast.Subscript):
            self._assign_item(target, value)
        elif isinstance(target, ast.Attribute):
            self._assign_attribute(target, value, node)

    def _assign_item(self, target: ast.Subscript, value: Value) -> None:
        holder = self._resolve(target.value)
        key = target.slice
        if isinstance(holder, DictVal) and isinstance(key, ast.Constant) and isinstance(key.value, str):
            holder.entries[key.value] = value

    def _assign_attribute(self, target: ast.Attribute, value: Value, node: ast.stmt) -> None:
        site = self.pos.span(node)
        owner = target.value
        if isinstance(owner, ast.Attribute) and owner.attr in ("config", "generation_config"):
            model = self._resolve(owner.value)
            if isinstance(model, ModelRef):
                bag = model.load if owner.attr == "config" else model.generation
                self._setting(bag, target.attr, value, "attribute", site)
                return
        if target.attr == "padding_side":
            padding = self._settings(value, "attribute", target.attr, site, normalise_name)
            self.module_flags["padding_side"] = padding
            return
        holder = self._resolve(owner)
        if isinstance(holder, ConfigVal):
            self._setting(holder.settings, target.attr, value, "attribute", site)
        elif isinstance(holder, GenCfg):
            holder.entries.entries[target.attr] = value
        elif isinstance(holder, ModelRef) and target.attr == "generation_config":
            if isinstance(value, GenCfg):
                value.consumed = True
                holder.generation = self._generation_bag(value)
        else:
            name = _dotted(target)
            if name is not None:
                self.attrs[name] = value

    # ---- values ------------------------------------------------------------------------------

    def _lookup(self, name: str) -> Value | None:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    def _resolve(self, node: ast.expr) -> Value:
        if isinstance(node, ast.Call):
            if id(node) not in self.memo:
                self.memo[id(node)] = _UNKNOWN  # a call that refers to itself stays unknown
                self.memo[id(node)] = self._call(node)
            return self.memo[id(node)]
        if isinstance(node, ast.Constant):
            constant = node.value
            if constant is None or isinstance(constant, str | bool | int | float):
                return Lit(constant, self.pos.span(node))
        elif isinstance(node, ast.Name):
            found = self._lookup(node.id)
            if found is not None:
                return _through_constant(found, node.id)
        elif isinstance(node, ast.Attribute):
            return self._attribute(node)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            operand = node.operand  # `device=-1` is a negative literal
            if isinstance(operand, ast.Constant) and isinstance(operand.value, int | float):
                return Lit(-operand.value, self.pos.span(node))
        elif isinstance(node, ast.IfExp):
            where = f"the conditional on line {node.lineno}"
            return Choice(
                (
                    (self._resolve(node.body), f"the if branch of {where}"),
                    (self._resolve(node.orelse), f"the else branch of {where}"),
                )
            )
        elif isinstance(node, ast.Dict):
            return self._dict(node)
        elif isinstance(node, ast.Tuple | ast.List):
            return Items(tuple(self._resolve(element) for element in node.elts))
        elif isinstance(node, ast.NamedExpr):
            value = self._resolve(node.value)
            self.scopes[-1][node.target.id] = value
            return value
        return _UNKNOWN

    def _attribute(self, node: ast.Attribute) -> Value:
        name = _dotted(node)
        if name is not None and name in self.attrs:
            return self.attrs[name]
        if node.attr in _TORCH_DTYPES and isinstance(node.value, ast.Name):
            return Lit(f"torch.{node.attr}", self.pos.span(node))
        if node.attr == "model":
            owner = self._resolve(node.value)
            if isinstance(owner, ModelRef):
                return owner
        return _UNKNOWN

    def _dict(self, node: ast.Dict) -> DictVal:
        result = DictVal()
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                spread = self._resolve(value)
                if isinstance(spread, DictVal):
                    result.entries.update(spread.entries)
            elif isinstance(key, ast.Constant) and isinstance(key.value, str):
                result.entries[key.value] = self._resolve(value)
        return result

    def _keywords(self, node: ast.Call) -> list[tuple[str, Value, Origin]]:
        """A call's keywords, with the entries of `**spread` dicts that attnlint can read."""
        found: list[tuple[str, Value, Origin]] = []
        for keyword in node.keywords:
            value = self._resolve(keyword.value)
            if keyword.arg is not None:
                found.append((keyword.arg, value, "keyword"))
            elif isinstance(value, DictVal):
                found += [(key, entry, "dict-entry") for key, entry in value.entries.items()]
        return found

    def _argument(self, node: ast.Call, index: int, keyword: str) -> ast.expr | None:
        if len(node.args) > index and not isinstance(node.args[index], ast.Starred):
            return node.args[index]
        return _keyword(node, keyword)

    # ---- calls -------------------------------------------------------------------------------

    def _call(self, node: ast.Call) -> Value:
        func = node.func
        if (_dotted(func) or "").endswith("autocast"):
            span = self.pos.span(node)
            self.module_flags["autocast"] = [Setting(value=True, origin="call-argument", span=span, site=span,
                                                     keyword="autocast")]
            return _UNKNOWN
        if isinstance(func, ast.Name):
            if func.id in self.tf_names:
                return self._transformers_call(self.tf_names[func.id], node)
            bound = self._lookup(func.id)
            if bound is None and func.id in self.returns:
                return self.returns[func.id]
            if func.id == "dict" and bound is None:
                return self._dict_call(node)
            if isinstance(bound, ModelRef):
                pipeline = any(site.kind == "pipeline" for site in bound.load.sites)
                self._invoke(bound, node, "generate" if pipeline else None)
            return _UNKNOWN
        if not isinstance(func, ast.Attribute):
            return _UNKNOWN
        owner = _dotted(func.value)
        if func.attr in _LOADERS:
            name = self._transformers_name(func.value)
            return self._loader(name, node) if name else _UNKNOWN
        if owner in self.tf_modules:
            return self._transformers_call(func.attr, node)
        if func.attr == "device" and node.args:
            return self._resolve(node.args[0])
        if func.attr == "update" and self._update_generation_config(func.value, node):
            return _UNKNOWN
        if owner in ("self", "cls") and func.attr in self.returns:
            return self.returns[func.attr]
        receiver = self._resolve(func.value)
        if isinstance(receiver, ModelRef):
            return self._method(receiver, func.attr, node)
        if isinstance(receiver, DictVal) and func.attr == "update":
            receiver.entries.update({key: value for key, value, _ in self._keywords(node)})
        elif func.attr == "generate":
            self._untracked_generate(node)
        return _UNKNOWN

    def _untracked_generate(self, node: ast.Call) -> None:
        """A generate on a receiver not seen loaded. In a file that does not import transformers it
        counts only when it sets a cache or flag: other libraries have `generate` methods too."""
        bag = self._call_bag(node, "generate")
        if self.tf_modules or self.tf_names or bag.cache or bag.flags:
            self._report(ModelRef(model_type=None, model_span=None), bag)

    def _update_generation_config(self, owner: ast.expr, node: ast.Call) -> bool:
        """`model.generation_config.update(cache_implementation=...)`."""
        if not (isinstance(owner, ast.Attribute) and owner.attr == "generation_config"):
            return False
        model = self._resolve(owner.value)
        if isinstance(model, ModelRef):
            self._apply(model.generation, self._keywords(node), self.pos.span(node))
        return isinstance(model, ModelRef)

    def _transformers_name(self, node: ast.expr) -> str | None:
        """The transformers class a loader is called on, through any import alias."""
        if isinstance(node, ast.Name):
            return self.tf_names.get(node.id)
        name = _dotted(node)
        if name is not None and name.split(".", 1)[0] in self.tf_modules:
            return name.rsplit(".", 1)[-1]
        return None

    def _dict_call(self, node: ast.Call) -> DictVal:
        result = DictVal()
        for argument in node.args:
            spread = self._resolve(argument)
            if isinstance(spread, DictVal):
                result.entries.update(spread.entries)
        result.entries.update({key: value for key, value, _ in self._keywords(node)})
        return result

    def _transformers_call(self, name: str, node: ast.Call) -> Value:
        if name in _CACHE_CLASSES:
            offloading = _keyword(node, "offloading")
            offloaded = isinstance(offloading, ast.Constant) and offloading.value is True
            cache = "offloaded" if name == "DynamicCache" and offloaded else _CACHE_CLASSES[name]
            return CacheObj(cache, self.pos.span(node))
        if name == "GenerationConfig":
            return self._generation_config(node)
        if name == "pipeline":
            return self._pipeline(node)
        model_type = from_config_class(name)
        if model_type is not None:
            return self._config(model_type, node)
        return _UNKNOWN

    def _loader(self, name: str, node: ast.Call) -> Value:
        if name == "GenerationConfig":
            return self._generation_config(node)
        if name.endswith("Config"):
            model_type = from_config_class(name) or self._model_id_type(
                self._argument(node, 0, "pretrained_model_name_or_path")
            )[0]
            return self._config(model_type, node)
        if is_model_class(name):
            return self._load(name, node)
        padding = _keyword(node, "padding_side")
        if padding is not None:
            site = self.pos.span(node)
            self.module_flags["padding_side"] = self._settings(
                self._resolve(padding), "keyword", "padding_side", site, normalise_name
            )
        return _UNKNOWN

    def _config(self, model_type: ModelType | None, node: ast.Call) -> ConfigVal:
        config = ConfigVal(model_type, self.pos.span(node))
        self._apply(config.settings, self._keywords(node), config.span)
        return config

    def _model_id_type(self, node: ast.expr | None) -> tuple[ModelType | None, Span | None]:
        value = self._resolve(node) if node is not None else None
        if isinstance(value, Lit) and isinstance(value.value, str):
            return from_model_id(value.value, self.folders), value.span
        if isinstance(value, ConfigVal):
            return value.model_type, value.span
        return None, None

    def _load(self, name: str, node: ast.Call) -> ModelRef:
        model_type, model_span = self._model_id_type(self._argument(node, 0, "pretrained_model_name_or_path"))
        by_class = from_class_name(name)
        load = Bag(sites=[Site(kind="load", span=self.pos.span(node))])
        self._apply(load, self._keywords(node), self.pos.span(node))
        given = _keyword(node, "config") or self._argument(node, 0, "")
        config = self._resolve(given) if given is not None else None
        if isinstance(config, ConfigVal):
            model_type = model_type or config.model_type
            load = _merge(config.settings, load)
        model = ModelRef(
            model_type=by_class or model_type,
            model_span=model_span or self.pos.span(node.func),
            load=load,
        )
        self.models.append(model)
        return model

    def _pipeline(self, node: ast.Call) -> ModelRef:
        site = Site(kind="pipeline", span=self.pos.span(node))
        argument = self._argument(node, 1, "model")
        given = self._resolve(argument) if argument is not None else None
        if isinstance(given, ModelRef):
            model = given
        else:
            model_type, model_span = self._model_id_type(argument)
            model = ModelRef(model_type=model_type, model_span=model_span or self.pos.span(node.func))
            self.models.append(model)
        model.load.sites.append(site)
        keywords = self._keywords(node)
        for key, value, _ in keywords:
            if key == "model_kwargs" and isinstance(value, DictVal):
                entries: list[tuple[str, Value, Origin]] = [
                    (k, v, "dict-entry") for k, v in value.entries.items()
                ]
                self._apply(model.load, entries, site.span)
        self._apply(model.load, keywords, site.span)
        return model

    def _generation_config(self, node: ast.Call) -> GenCfg:
        entries = DictVal(dict((key, value) for key, value, _ in self._keywords(node)))
        config = GenCfg(entries, Site(kind="generation_config", span=self.pos.span(node)))
        self.configs.append(config)
        return config

    def _generation_bag(self, config: GenCfg) -> Bag:
        config.consumed = True
        bag = Bag(sites=[config.site])
        for key, value in config.entries.entries.items():
            self._setting(bag, key, value, "keyword", config.site.span)
        return bag

    def _method(self, model: ModelRef, name: str, node: ast.Call) -> Value:
        span = self.pos.span(node)
        if name == "generate":
            self._invoke(model, node, "generate")
        elif name == "set_attn_implementation" and node.args:
            model.load.attn = self._settings(
                self._resolve(node.args[0]), "call-argument", "attn_implementation", span, normalise_name
            )
        elif name in ("cuda", "cpu"):
            model.load.flags["device"] = [Setting(value=name, origin="call-argument", span=span, site=span,
                                                  keyword=name)]
        elif name in _TORCH_DTYPES:
            model.load.flags["dtype"] = [Setting(value=normalise_dtype(name), origin="call-argument",
                                                 span=span, site=span, keyword=name)]
        elif name == "to":
            self._move(model, node)
        return model if name in _CHAINABLE else _UNKNOWN

    def _move(self, model: ModelRef, node: ast.Call) -> None:
        """`.to("cpu")`, `.to(torch.bfloat16)`, `.to(device, dtype=...)`."""
        span = self.pos.span(node)
        for index, argument in enumerate(node.args):
            value = self._resolve(argument)
            dtype = isinstance(value, Lit) and str(value.value).startswith("torch.")
            key = "dtype" if dtype else "device"
            if index == 0 or dtype:
                self._setting(model.load, key, value, "call-argument", span)
        self._apply(model.load, self._keywords(node), span)

    def _invoke(self, model: ModelRef, node: ast.Call, kind: SiteKind | None) -> None:
        """A generate call (or a forward/pipeline call): report the model as it is here."""
        model.used = True
        self._report(model, self._call_bag(node, kind))

    def _call_bag(self, node: ast.Call, kind: SiteKind | None) -> Bag:
        span = self.pos.span(node)
        bag = Bag(sites=[Site(kind=kind, span=span)] if kind else [])
        for key, value, origin in self._keywords(node):
            self._setting(bag, key, value, origin, span)
        return bag

    def _report(self, model: ModelRef, call: Bag) -> None:
        merged = _merge(model.load, model.generation, call)
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
            )
        )

    # ---- settings ----------------------------------------------------------------------------

    def _settings(
        self, value: Value, origin: Origin, keyword: str, site: Span, normalise: Normaliser
    ) -> list[Setting]:
        return settings_of(value, origin=origin, keyword=keyword, site=site, normalise=normalise)

    def _apply(self, bag: Bag, keywords: list[tuple[str, Value, Origin]], site: Span) -> None:
        for key, value, origin in keywords:
            self._setting(bag, key, value, origin, site)

    def _setting(self, bag: Bag, key: str, value: Value, origin: Origin, site: Span) -> None:
        """Record one keyword (or attribute) wherever it was set: load, config or generate."""
        if key in ("attn_implementation", "_attn_implementation"):
            bag.attn = self._settings(value, origin, key, site, normalise_name)
        elif key in ("cache_implementation", "past_key_values"):
            bag.cache = self._settings(value, origin, key, site, normalise_name)
        elif key in ("torch_dtype", "dtype"):
            bag.flags["dtype"] = self._settings(value, origin, key, site, normalise_dtype)
        elif key in ("device_map", "device"):
            bag.flags["device"] = self._settings(value, origin, key, site, normalise_device)
        elif key in _BOOL_FLAGS:
            bag.flags[key] = self._settings(value, origin, key, site, normalise_bool)
        elif key in _ASSISTED:
            self._assisted(bag, key, value, origin, site)
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


def extract_python(text: str, path: str, root: Path | None = None) -> list[ModelUse]:
    """Every model use in a Python source. Raises SyntaxError (or ValueError) if it does not parse."""
    with warnings.catch_warnings():  # a user's invalid escape sequence is not attnlint's to report
        warnings.simplefilter("ignore")
        tree = ast.parse(text, filename=path)
    extractor = _Extractor(text, path, root)
    uses = extractor.run(tree)
    return read_context(text, tree, extractor.pos.span, path, extractor.folders).apply(uses)
