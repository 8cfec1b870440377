"""Statements, in source order: imports, scopes, assignments; the top of the extractor's layers."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from attnlint.extract.models import is_model_class
from attnlint.extract.python.calls import CallReader, forget_implied_device
from attnlint.extract.python.resolve import UNKNOWN, children, dotted
from attnlint.extract.values import (
    Bag,
    Choice,
    ConfigVal,
    DictVal,
    GenCfg,
    Items,
    Lit,
    ModelRef,
    Partial,
    Value,
    normalise_name,
)
from attnlint.facts import ModelUse
from attnlint.knowledge import source_names


class Extractor(CallReader):
    """One traversal of a module: statements drive the reading of expressions and calls."""

    def run(self, tree: ast.Module) -> list[ModelUse]:
        self._body(tree.body)
        for model in self.models:
            if not model.used:  # run elsewhere, maybe after it is moved: where it runs is not known
                forget_implied_device(model)
                self._report(model, Bag())
        for config in self.configs:
            if not config.consumed:
                self._report(ModelRef(model_type=None, model_span=None), self._generation_bag(config))
        for use in self.uses:
            for key, settings in self.module_flags.items():
                use.flags.setdefault(key, settings)
        unused = [call for call in self.constructions if id(call) not in self.attached]
        if unused:
            self.uses.append(ModelUse(path=self.path, calls=unused))
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
        elif isinstance(node, ast.If | ast.Match):
            self._alternatives(node)
        elif isinstance(node, ast.With | ast.AsyncWith) and self._places(node):
            self.device_contexts += 1
            self._generic(node)
            self.device_contexts -= 1
        elif isinstance(node, ast.Return) and node.value is not None:
            value = self._resolve(node.value)
            if self.functions and isinstance(value, ModelRef | Items | Partial):
                self.returns[self.functions[-1]] = value
            self._calls(node.value)
        else:
            for target in self._targets(node):
                self._assign(target, UNKNOWN, node)
            self._generic(node)

    def _alternatives(self, node: ast.If | ast.Match) -> None:
        """Each branch of an `if` or `match` starts from the same names. Afterwards a name that the
        branches left holding different literals holds a `Choice` naming each branch, as a conditional
        expression would, so a setting chosen by an `if` statement is read as alternatives (and a
        device or dtype chosen that way is not known to hold). Other values keep the last branch's."""
        if isinstance(node, ast.If):
            self._calls(node.test)
            where = f"the `if` on line {node.lineno}"
            branches = [
                (node.body, f"the if branch of {where}"),
                (node.orelse, f"the else branch of {where}"),
            ]
        else:
            self._calls(node.subject)
            branches = [(case.body, f"the case on line {case.pattern.lineno}") for case in node.cases]
        scope = self.scopes[-1]
        outcomes: list[tuple[dict[str, Value], str]] = []  # what each branch changed, and the branch
        before: dict[str, Value | None] = {}  # each name any branch wrote, as it was before (None: absent)
        for body, words in branches:
            old: dict[str, Value | None] = {}
            self.branches.append((scope, old))
            self._body(body)
            self.branches.pop()
            outcomes.append(({name: scope[name] for name, value in old.items() if scope[name] is not value},
                             words))
            for name, value in old.items():  # undo the branch, so the next one starts from the same names
                before.setdefault(name, value)
                if value is None:
                    del scope[name]
                else:
                    scope[name] = value
        merged: dict[str, Value] = {}
        for changed, _ in outcomes:  # what any branch changed, the last branch's value winning
            merged.update(changed)
        for name in merged:
            options: list[tuple[Value, str]] = []  # the name's value after each branch that has it
            for changed, words in outcomes:
                value = changed.get(name, before[name])
                if value is not None:
                    options.append((value, words))
            literal = all(isinstance(value, Lit | Choice) for value, _ in options)
            if literal and len({id(value) for value, _ in options}) > 1:
                merged[name] = Choice(tuple(options))
        for name, value in merged.items():
            self._bind_name(name, value)

    @staticmethod
    def _places(node: ast.With | ast.AsyncWith) -> bool:
        """`with torch.device("cuda"):` and the like: loads inside go where the context says."""
        contexts = source_names().python.device_contexts
        return any(
            isinstance(item.context_expr, ast.Call)
            and any((dotted(item.context_expr.func) or "").endswith(name) for name in contexts)
            for item in node.items
        )

    @staticmethod
    def _targets(node: ast.stmt) -> Iterator[ast.expr]:
        if isinstance(node, ast.For | ast.AsyncFor):
            yield node.target
        elif isinstance(node, ast.With | ast.AsyncWith):
            yield from (item.optional_vars for item in node.items if item.optional_vars is not None)
        elif isinstance(node, ast.AugAssign):
            yield node.target

    def _generic(self, node: ast.AST) -> None:
        for child in children(node):
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
            scope = {arg.arg: UNKNOWN for arg in every if arg is not None}
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
        binders = source_names().python.binders
        if isinstance(node, ast.Import):
            for alias in node.names:
                local, prefix = alias.asname or alias.name, alias.name + "."
                self.binders |= {f"{local}.{b.removeprefix(prefix)}" for b in binders if b.startswith(prefix)}
                if alias.name == "transformers" or alias.name.startswith("transformers."):
                    self.tf_modules.add(alias.asname or "transformers")
            return
        module = node.module or ""
        self.binders |= {a.asname or a.name for a in node.names if f"{module}.{a.name}" in binders}
        if node.level == 0 and (module == "transformers" or module.startswith("transformers.")):
            for alias in node.names:
                self.tf_names[alias.asname or alias.name] = alias.name

    def _assign(self, target: ast.expr, value: Value, node: ast.stmt) -> None:
        if isinstance(target, ast.Name):
            self._bind_name(target.id, value)
        elif isinstance(target, ast.Tuple | ast.List):
            fits = isinstance(value, Items) and len(value.values) == len(target.elts)
            parts = value.values if isinstance(value, Items) and fits else (UNKNOWN,) * len(target.elts)
            for element, part in zip(target.elts, parts, strict=True):
                if isinstance(element, ast.Starred):
                    self._assign(element.value, UNKNOWN, node)
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
                on_config = owner.attr == "config"
                bag = model.load if on_config else model.generation
                self._setting(bag, target.attr, value, "attribute", site, "model" if on_config else "call")
                return
        if target.attr == "padding_side":
            padding = self._settings(value, "attribute", target.attr, site, normalise_name)
            self.module_flags["padding_side"] = padding
            return
        holder = self._resolve(owner)
        if isinstance(holder, ConfigVal):  # through the config's setter, as a loader keyword goes
            self._setting(holder.settings, target.attr, value, "attribute", site, "load")
        elif isinstance(holder, GenCfg):
            holder.entries.entries[target.attr] = value
        elif isinstance(holder, ModelRef) and target.attr == "generation_config":
            if isinstance(value, GenCfg):
                value.consumed = True
                holder.generation = self._generation_bag(value)
        else:
            name = dotted(target)
            if name is not None:
                self.attrs[name] = value
