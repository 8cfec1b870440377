"""Calls -> values: loaders, pipelines, configs, cache objects, and a tracked model's methods.

`from_pretrained` / `from_config` / `pipeline` create a tracked model; its `generate` (or a forward
call) reports the model as it is at that call; `.to(...)`, `.cuda()`, `.half()`,
`set_attn_implementation(...)` change it. A model loaded without a device is on the CPU (an
"implied" device fact at the load) until it is moved, or passed to a call that may move it, after
which its device is not known (sources.toml [python] says which loads and calls place a model).
"""

from __future__ import annotations

import ast

from attnlint.extract.models import (
    ModelType,
    from_class_name,
    from_config_class,
    from_model_id,
    is_model_class,
)
from attnlint.extract.python.record import Recorder, merge
from attnlint.extract.python.resolve import UNKNOWN, dotted, keyword_value
from attnlint.extract.values import (
    Bag,
    CacheObj,
    ConfigVal,
    DictVal,
    GenCfg,
    Lit,
    ModelRef,
    Partial,
    Value,
    normalise_dtype,
    normalise_name,
)
from attnlint.facts import Origin, Setting, Site, SiteKind, Span
from attnlint.knowledge import cache_class_values, source_names
from attnlint.knowledge.schema import Stage


def forget_implied_device(model: ModelRef) -> None:
    """The device a load implied no longer holds: the model's device is unset again (not known)."""
    device = model.load.flags.get("device", [])
    if device and all(s.origin == "implied" for s in device):
        del model.load.flags["device"]


class CallReader(Recorder):
    """Reads each call once (through `Resolver._resolve`) and records what it loads or sets."""

    def _call(self, node: ast.Call) -> Value:
        func = node.func
        if (dotted(func) or "").endswith("autocast"):
            span = self.pos.span(node)
            self.module_flags["autocast"] = [Setting(value=True, origin="call-argument", span=span, site=span,
                                                     keyword="autocast")]
            return UNKNOWN
        if dotted(func) in self.binders:
            return self._bind(node)
        named = isinstance(func, ast.Name | ast.Attribute) and id(node) not in self.forwarded
        target = self._resolve(func) if named else UNKNOWN
        if isinstance(target, Partial):
            return self._call(self._forwarded(target, node))
        if isinstance(func, ast.Name):
            if func.id in self.tf_names:
                return self._transformers_call(self.tf_names[func.id], node)
            bound = self._lookup(func.id)
            if func.id == "dict" and bound is None:
                return self._dict_call(node)
            if isinstance(bound, ModelRef):
                pipeline = any(site.kind == "pipeline" for site in bound.load.sites)
                self._invoke(bound, node, "generate" if pipeline else None)
                return UNKNOWN
            self._escape(node)
            return self.returns.get(func.id, UNKNOWN) if bound is None else UNKNOWN
        if not isinstance(func, ast.Attribute):
            return UNKNOWN
        owner = dotted(func.value)
        if func.attr in source_names().python.loaders:
            name = self._transformers_name(func.value)
            return self._loader(name, node, func.attr) if name else UNKNOWN
        if owner in self.tf_modules:
            return self._transformers_call(func.attr, node)
        if func.attr == "device" and node.args:
            return self._resolve(node.args[0])
        if func.attr == "update" and self._update_generation_config(func.value, node):
            return UNKNOWN
        if owner in ("self", "cls") and func.attr in self.returns:
            return self.returns[func.attr]
        receiver = self._resolve(func.value)
        if isinstance(receiver, ModelRef):
            return self._method(receiver, func.attr, node)
        if isinstance(receiver, DictVal) and func.attr == "update":
            receiver.entries.update({key: value for key, value, _ in self._keywords(node)})
        elif func.attr == "generate":
            self._untracked_generate(node)
        else:
            self._escape(node)
        return UNKNOWN

    def _bind(self, node: ast.Call) -> Value:
        """`partial(f, ...)`, or a partial of a partial, whose arguments come first."""
        if not node.args or isinstance(node.args[0], ast.Starred):
            return UNKNOWN
        func, *args = node.args
        inner = self._resolve(func)
        if isinstance(inner, Partial):
            return Partial(inner.func, (*inner.args, *args), (*inner.keywords, *node.keywords))
        return Partial(func, tuple(args), tuple(node.keywords))

    def _forwarded(self, bound: Partial, node: ast.Call) -> ast.Call:
        """The call a partial makes when called here: its bound arguments, then the call's own (a
        keyword given at the call wins, as in Python); placed at the call, so a load or generate
        site is where it happens, while each setting keeps the span where it was written. Its
        function is read as it is, not as a partial again: `model.generate = partial(model.generate,
        ...)` forwards to the method it replaced."""
        args = [*bound.args, *node.args]
        keywords = [*bound.keywords, *node.keywords]
        call = ast.copy_location(ast.Call(func=bound.func, args=args, keywords=keywords), node)
        self.forwarded[id(call)] = call
        return call

    def _untracked_generate(self, node: ast.Call) -> None:
        """A generate on a receiver not seen loaded. In a file that does not import transformers it
        counts only when it sets a cache or flag: other libraries have `generate` methods too."""
        bag = self._call_bag(node, "generate", "generate")
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
        name = dotted(node)
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
        classes = cache_class_values()
        if name in classes:
            offloading = keyword_value(node, "offloading")
            offloaded = isinstance(offloading, ast.Constant) and offloading.value is True
            cache = source_names().offloading_classes.get(name) if offloaded else None
            built = self._arguments(name, node)
            self.constructions.append(built)
            return CacheObj(cache or classes[name], self.pos.span(node), built)
        if name == "GenerationConfig":
            return self._generation_config(node)
        if name == "pipeline":
            return self._pipeline(node)
        model_type = from_config_class(name)
        if model_type is not None:
            return self._config(model_type, node, "config")
        if is_model_class(name) and (node.args or keyword_value(node, "config") is not None):
            return self._load(name, node, "model")  # `LlamaForCausalLM(config)`: built from a config object
        self._escape(node)  # `Trainer(model=model)` places the model itself
        return UNKNOWN

    def _loader(self, name: str, node: ast.Call, loader: str) -> Value:
        if name == "GenerationConfig":
            return self._generation_config(node)
        if name.endswith("Config"):
            model_type = from_config_class(name) or self._model_id_type(
                self._argument(node, 0, "pretrained_model_name_or_path")
            )[0]
            return self._config(model_type, node, "load")
        if is_model_class(name):
            return self._load(name, node, loader)
        padding = keyword_value(node, "padding_side")
        if padding is not None:
            site = self.pos.span(node)
            self.module_flags["padding_side"] = self._settings(
                self._resolve(padding), "keyword", "padding_side", site, normalise_name
            )
        return UNKNOWN

    def _config(self, model_type: ModelType | None, node: ast.Call, stage: Stage) -> ConfigVal:
        """A config object: a constructor's keywords are `config` stage, `from_pretrained`'s go
        through the config's setters (`load` stage, as a model loader's keywords do)."""
        config = ConfigVal(model_type, self.pos.span(node), Bag(stage=stage))
        self._apply(config.settings, self._keywords(node), config.span)
        return config

    def _model_id_type(self, node: ast.expr | None) -> tuple[ModelType | None, Span | None]:
        value = self._resolve(node) if node is not None else None
        if isinstance(value, Lit) and isinstance(value.value, str):
            return from_model_id(value.value, self.folders), value.span
        if isinstance(value, ConfigVal):
            return value.model_type, value.span
        return None, None

    def _load(self, name: str, node: ast.Call, callee: str) -> ModelRef:
        """A model from `from_pretrained`/`from_config` (`callee`) or its class called with a config."""
        model_type, model_span = self._model_id_type(self._argument(node, 0, "pretrained_model_name_or_path"))
        by_class = from_class_name(name)
        load = Bag(sites=[Site(kind="load", span=self.pos.span(node))], stage="load",
                   calls=[self._arguments(callee, node)])
        self._apply(load, self._keywords(node), self.pos.span(node))
        given = keyword_value(node, "config") or self._argument(node, 0, "")
        config = self._resolve(given) if given is not None else None
        if isinstance(config, ConfigVal):
            model_type = model_type or config.model_type
            load = merge(config.settings, load)
        if not load.flags.get("device") and self._on_cpu(node):
            load.flags["device"] = [Setting(value="cpu", origin="implied", site=self.pos.span(node))]
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
        device_keywords = source_names().keywords["device"]
        if not any(key in device_keywords for key, _, _ in keywords) and not any(
            s.keyword == "device_map" for s in model.load.flags.get("device", [])
        ):  # with no device, a pipeline moves a model not placed by accelerate to GPU 0 when there is one
            self._placed_by_pipeline(model, site.span)
        for key, value, _ in keywords:
            if key == "model_kwargs" and isinstance(value, DictVal):
                entries: list[tuple[str, Value, Origin]] = [
                    (k, v, "dict-entry") for k, v in value.entries.items()
                ]
                self._apply(model.load, entries, site.span)
        self._apply(model.load, keywords, site.span)
        return model

    @staticmethod
    def _placed_by_pipeline(model: ModelRef, span: Span) -> None:
        """A pipeline given no device chooses it at run time, as device_map="auto" does: GPU 0 when
        there is one, else the CPU (a model already on a GPU stays on one)."""
        device = model.load.flags.get("device", [])
        if device and all(s.value == "cuda" and s.branch is None for s in device):
            return
        picked = Setting(value="auto", origin="call-argument", site=span, keyword="pipeline")
        model.load.flags["device"] = [picked]

    def _generation_config(self, node: ast.Call) -> GenCfg:
        entries = DictVal(dict((key, value) for key, value, _ in self._keywords(node)))
        config = GenCfg(entries, Site(kind="generation_config", span=self.pos.span(node)))
        self.configs.append(config)
        return config

    def _method(self, model: ModelRef, name: str, node: ast.Call) -> Value:
        span = self.pos.span(node)
        if name == "generate":
            self._invoke(model, node, "generate", "generate")
        elif name == "set_attn_implementation" and node.args:
            model.load.attn = self._settings(
                self._resolve(node.args[0]), "call-argument", "attn_implementation", span, normalise_name
            )
        elif name in ("cuda", "cpu"):
            model.load.flags["device"] = [Setting(value=name, origin="call-argument", span=span, site=span,
                                                  keyword=name)]
        elif name in source_names().python.torch_dtypes:
            model.load.flags["dtype"] = [Setting(value=normalise_dtype(name), origin="call-argument",
                                                 span=span, site=span, keyword=name)]
        elif name == "to":
            self._move(model, node)
        return model if name in source_names().python.chainable_methods else UNKNOWN

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

    def _on_cpu(self, load: ast.Call) -> bool:
        """Whether a load without a device puts the model on the CPU: not when a keyword places it (a
        quantizer, a tensor-parallel plan), arguments attnlint cannot read may (`**kwargs`), or it
        runs under a device context (`with torch.device("cuda"):`, `torch.set_default_device`)."""
        names = source_names().python
        unread = any(isinstance(a, ast.Starred) for a in load.args) or any(
            k.arg is None and not isinstance(self._resolve(k.value), DictVal) for k in load.keywords
        )
        placing = any(key in names.placing_keywords for key, _, _ in self._keywords(load))
        text = self.pos.index.text
        context = self.device_contexts or any(name in text for name in names.default_device_setters)
        return not (unread or placing or context)

    def _escape(self, node: ast.Call) -> None:
        """A model handed to a call that may move it (`Trainer(model=model)`, `accelerator.prepare(model)`,
        a helper of the project) is no longer known to be on the CPU its load implied."""
        if (dotted(node.func) or "") in source_names().python.device_keeping_calls:
            return
        for argument in [*node.args, *(k.value for k in node.keywords)]:
            if isinstance(argument, ast.Starred):
                argument = argument.value
            model = self._resolve(argument) if isinstance(argument, ast.Name | ast.Attribute) else None
            if not isinstance(model, ModelRef):
                continue
            forget_implied_device(model)

    def _invoke(self, model: ModelRef, node: ast.Call, kind: SiteKind | None, callee: str = "") -> None:
        """A generate call (or a forward/pipeline call): report the model as it is here (with the call
        itself, when `callee` names a call whose keywords calls.toml judges)."""
        model.used = True
        self._report(model, self._call_bag(node, kind, callee))
