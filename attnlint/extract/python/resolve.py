"""Expressions -> `Value`s: names through scopes, literals, dicts, conditionals, tuples.

The base of the extractor's layers: it owns the walk's state (scopes, attribute values, tracked
models, generation configs, the uses found so far) and reads what an expression may evaluate to.
Calls are read by a subclass (`calls.CallReader`), memoised here so each call is read once.
"""

from __future__ import annotations

import ast
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from attnlint.extract.python.positions import Positions
from attnlint.extract.values import (
    Choice,
    DictVal,
    GenCfg,
    Items,
    Lit,
    ModelRef,
    Template,
    Unknown,
    Value,
)
from attnlint.facts import Call, ModelUse, Origin, Setting
from attnlint.knowledge import source_names
from attnlint.source import LineIndex

UNKNOWN = Unknown()


def dotted(node: ast.expr) -> str | None:
    """`self.model` -> "self.model"; anything but a chain of names and attributes -> None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def through_constant(value: Value, name: str) -> Value:
    """A literal read through a name remembers the name (the innermost one, where it was written)."""
    if isinstance(value, Lit):
        return value if value.constant else replace(value, constant=name)
    if isinstance(value, Choice):
        return Choice(tuple((through_constant(option, name), words) for option, words in value.options))
    return value


def children(node: ast.AST) -> Iterator[ast.AST]:
    """`ast.iter_child_nodes` without its per-field generator (the walk of a 2 MB module spends most
    of its time getting from node to node)."""
    for field in node._fields:
        value = getattr(node, field, None)
        if isinstance(value, list):
            yield from (item for item in value if isinstance(item, ast.AST))
        elif isinstance(value, ast.AST):
            yield value


def walk(node: ast.AST) -> list[ast.AST]:
    """`ast.walk`'s nodes, in its order (breadth first), as a list: one loop over a list that grows
    as it goes costs far less than a generator resumed at every node."""
    found = [node]
    for parent in found:  # a list's iterator also reaches the items appended while it runs
        for field in parent._fields:
            value = getattr(parent, field, None)
            if isinstance(value, list):
                found.extend(item for item in value if isinstance(item, ast.AST))
            elif isinstance(value, ast.AST):
                found.append(value)
    return found


def calls_in(node: ast.AST) -> list[ast.Call]:
    """The calls among `walk(node)`'s nodes, in its order: what a hot expression is walked for."""
    return [child for child in walk(node) if isinstance(child, ast.Call)]


def keyword_value(node: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in node.keywords if k.arg == name), None)



class Resolver(ABC):
    """The walk's state and the reading of expressions."""

    def __init__(self, text: str, path: str, root: Path | None) -> None:
        self.pos = Positions(LineIndex(text), path)
        self.path = path
        self.folders = [] if path.startswith("<") else [Path(path).parent]
        if root is not None:
            self.folders.append(root)
        self.tf_modules: set[str] = set()
        self.tf_names: dict[str, str] = {}
        self.scopes: list[dict[str, Value]] = [{}]
        # the branch of an `if`/`match` being read: its scope, and what each name it wrote held before
        # (None: absent), so the branch is undone by name, never by copying the scope (`_bind_name`)
        self.branches: list[tuple[dict[str, Value], dict[str, Value | None]]] = []
        self.attrs: dict[str, Value] = {}
        self.memo: dict[int, Value] = {}
        self.models: list[ModelRef] = []
        #: every name a tracked model was bound to, in any scope (a scope's other names never hold one)
        self.model_names: set[str] = set()
        self.configs: list[GenCfg] = []
        self.uses: list[ModelUse] = []
        self.constructions: list[Call] = []  # cache objects built by hand
        self.attached: set[int] = set()  # ids of those a model use runs (the others get a use of their own)
        self.module_flags: dict[str, list[Setting]] = {}
        self.functions: list[str] = []
        self.device_contexts = 0  # depth of `with torch.device(...)` blocks around the statement
        self.returns: dict[str, Value] = {}
        self.binders: set[str] = set()  # how this module spells `functools.partial`
        self.forwarded: dict[int, ast.Call] = {}  # the calls partials make, by id (kept alive)

    @abstractmethod
    def _call(self, node: ast.Call) -> Value:
        """What a call returns (a model, a config, a cache object...), recording what it sets."""

    def _calls(self, node: ast.expr) -> None:
        """Handle every call inside an expression that a resolution has not handled yet: on hot lines,
        and wherever a tracked model is named (passing it to a call may move it)."""
        if not self.pos.hot_between(node.lineno, node.end_lineno) and not self._names_model(node):
            return
        for call in calls_in(node):
            if id(call) not in self.memo:
                self._resolve(call)

    def _names_model(self, node: ast.expr) -> bool:
        """Whether a name in `node` holds a tracked model. Most expressions a walk meets name none,
        so the names that ever held one are first looked for in the node's rows: a text search is
        far cheaper than walking the node. (Python reads an identifier in its NFKC form, which a
        non-ASCII text may spell otherwise: such rows are walked.)"""
        if not self.model_names:
            return False
        rows = self.pos.index.rows_text(node.lineno, node.end_lineno or node.lineno)
        if rows.isascii() and not any(name in rows for name in self.model_names):
            return False
        return any(
            isinstance(child, ast.Name) and isinstance(self._lookup(child.id), ModelRef)
            for child in walk(node)
        )

    def _bind_name(self, name: str, value: Value) -> None:
        """Give `name` a value in the innermost scope, noting its old value for the branch being read."""
        scope = self.scopes[-1]
        if self.branches and self.branches[-1][0] is scope:
            self.branches[-1][1].setdefault(name, scope.get(name))
        scope[name] = value
        if isinstance(value, ModelRef):
            self.model_names.add(name)

    def _lookup(self, name: str) -> Value | None:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    def _resolve(self, node: ast.expr) -> Value:
        if isinstance(node, ast.Call):
            if id(node) not in self.memo:
                self.memo[id(node)] = UNKNOWN  # a call that refers to itself stays unknown
                self.memo[id(node)] = self._call(node)
            return self.memo[id(node)]
        if isinstance(node, ast.Constant):
            constant = node.value
            if constant is None or isinstance(constant, str | bool | int | float):
                return Lit(constant, self.pos.span(node))
        elif isinstance(node, ast.Name):
            found = self._lookup(node.id)
            if found is not None:
                return through_constant(found, node.id)
        elif isinstance(node, ast.Attribute):
            return self._attribute(node)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            operand = node.operand  # `device=-1` is a negative literal
            if isinstance(operand, ast.Constant) and isinstance(operand.value, int | float):
                return Lit(-operand.value, self.pos.span(node))
        elif isinstance(node, ast.JoinedStr):
            parts = (v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
            return Template("".join(str(part) for part in parts), self.pos.span(node))
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
            self._bind_name(node.target.id, value)
            return value
        return UNKNOWN

    def _attribute(self, node: ast.Attribute) -> Value:
        name = dotted(node)
        if name is not None and name in self.attrs:
            return self.attrs[name]
        if node.attr in source_names().python.torch_dtypes and isinstance(node.value, ast.Name):
            return Lit(f"torch.{node.attr}", self.pos.span(node))
        if node.attr == "model":
            owner = self._resolve(node.value)
            if isinstance(owner, ModelRef):
                return owner
        return UNKNOWN

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
        return keyword_value(node, keyword)
