"""Python rewrites: turn a diagnostic's FixPlan into edits of the source, through libcst.

The extractor already found every literal and call that matters and recorded its span, so the fixer
never re-analyses: it looks the nodes up by position, changes the smallest thing (one string
literal, one appended keyword, one removed argument) and lets libcst print the rest unchanged, so
quotes, comments, trailing commas, line breaks and import aliases stay the user's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cached_property
from typing import TypeVar

import libcst as cst
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider

from attnlint.diagnostic import Diagnostic, Edit
from attnlint.engine import check_source
from attnlint.facts import Setting, Site, Span, Target
from attnlint.fix.outcome import FixOutcome, FixRefused, planned
from attnlint.fix.rounds import fix_rounds
from attnlint.fix.text import LineIndex, minimal_edit

__all__ = ["PythonSource", "fix_source", "python_edits"]

_KEYWORD = {"set_attn": "attn_implementation", "set_cache": "cache_implementation"}
#: Where an unset setting is added: the load call for attention, the generation settings for caches.
_SITE_KINDS = {"set_attn": (("load",),), "set_cache": (("generation_config",), ("generate",))}
_Element = TypeVar("_Element", cst.Arg, cst.DictElement)


class PythonSource:
    """One parse of a file with node positions, shared by every fix computed in a round."""

    def __init__(self, text: str, path: str) -> None:
        self.path = path
        text = text.removeprefix("\ufeff")  # columns count from after a BOM, as in ruff
        self.index = LineIndex(text)
        try:
            self.wrapper = MetadataWrapper(cst.parse_module(text), unsafe_skip_copy=True)
        except cst.ParserSyntaxError as exc:
            raise FixRefused(f"syntax error, not fixed: {exc.message}") from exc
        self.module = self.wrapper.module
        self.by_span: dict[tuple[int, int, int, int], list[cst.CSTNode]] = {}
        for node, where in self.wrapper.resolve(PositionProvider).items():
            key = (where.start.line, where.start.column + 1, where.end.line, where.end.column + 1)
            self.by_span.setdefault(key, []).append(node)

    @cached_property
    def parents(self) -> Mapping[cst.CSTNode, cst.CSTNode]:
        return self.wrapper.resolve(ParentNodeProvider)

    def node_at(self, span: Span, kind: type[cst.CSTNode] | tuple[type[cst.CSTNode], ...]) -> cst.CSTNode:
        if span.path != self.path:
            raise FixRefused(f"the setting lives in {span.path}; fix it there")
        key = (span.row, span.column, span.end_row, span.end_column)
        for node in self.by_span.get(key, []):
            if isinstance(node, kind):
                return node
        raise FixRefused(f"could not find the code at {span.row}:{span.column} to rewrite")

    def inside(self, span: Span) -> list[cst.CSTNode]:
        """Nodes within a span, in source order (used to find a constant's name at a call site)."""
        start, end = (span.row, span.column), (span.end_row, span.end_column)
        found = [
            (key, node)
            for key, nodes in self.by_span.items()
            for node in nodes
            if start <= key[:2] and key[2:] <= end
        ]
        return [node for _, node in sorted(found, key=lambda item: item[0])]

    def replace(self, old: cst.CSTNode, new: cst.CSTNode | cst.RemovalSentinel) -> Edit:
        module = (
            self.module.deep_remove(old)
            if isinstance(new, cst.RemovalSentinel)
            else (self.module.deep_replace(old, new))
        )
        assert isinstance(module, cst.Module)
        edit = minimal_edit(self.index, module.code)
        if edit is None:
            raise FixRefused("the fix would not change anything")
        return edit


def _literal(value: str, like: cst.SimpleString | None) -> str:
    quote = like.quote if like is not None else '"'
    prefix = "".join(c for c in (like.prefix if like is not None else "") if c in "uU")
    if "\\" in value or quote[0] in value or "\n" in value:
        return repr(value)
    return f"{prefix}{quote}{value}{quote}"


def _replace_literal(source: PythonSource, setting: Setting, value: str) -> Edit:
    assert setting.span is not None
    node = source.node_at(setting.span, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString))
    if not isinstance(node, cst.SimpleString):
        raise FixRefused(f"{setting.keyword or 'the value'} is not a plain string literal; change it by hand")
    start, end = (
        source.index.offset(setting.span.row, setting.span.column),
        source.index.offset(setting.span.end_row, setting.span.end_column),
    )
    return source.index.edit(start, end, _literal(value, node))


def _constant_loads(source: PythonSource, name: str) -> int:
    """How often a module constant is read (assignment targets do not count)."""
    count = 0
    for nodes in source.by_span.values():
        for node in nodes:
            if isinstance(node, cst.Name) and node.value == name:
                parent = source.parents.get(node)
                if not isinstance(parent, (cst.AssignTarget, cst.AnnAssign, cst.ImportAlias)):
                    count += 1
    return count


def _rewrite_setting(source: PythonSource, setting: Setting, value: str) -> list[Edit]:
    """Change an existing value: its literal, or the constant's readers when it is shared."""
    if setting.value is None or setting.span is None:
        raise FixRefused(f"{setting.keyword or 'the setting'} is not a literal attnlint can rewrite")
    if setting.origin == "json":
        raise FixRefused(f"the setting lives in {setting.span.path}; fix it there")
    here = setting.span.path == source.path
    if setting.constant is None or (here and _constant_loads(source, setting.constant) <= 1):
        return [_replace_literal(source, setting, value)]
    if setting.site is None:
        raise FixRefused(f"the constant {setting.constant} is shared; change this use by hand")
    like = source.node_at(setting.span, cst.SimpleString) if here else None
    names = [
        node
        for node in source.inside(setting.site)
        if isinstance(node, cst.Name) and node.value == setting.constant
    ]
    if not names:
        raise FixRefused(f"the constant {setting.constant} is shared; change this use by hand")
    quoted = _literal(value, like if isinstance(like, cst.SimpleString) else None)
    return [source.replace(name, cst.parse_expression(quoted)) for name in names]


def _leading(
    elements: Sequence[_Element], opening: cst.BaseParenthesizableWhitespace
) -> cst.BaseParenthesizableWhitespace:
    """The whitespace before the last element: it tells how elements are laid out (one per line?)."""
    if len(elements) >= 2:
        comma = elements[-2].comma
        if isinstance(comma, cst.Comma):
            return comma.whitespace_after
    return opening


def _line_break(
    template: cst.ParenthesizedWhitespace, layout: cst.BaseParenthesizableWhitespace
) -> cst.ParenthesizedWhitespace:
    """A line break ending like `template`'s first line and indented like `layout`."""
    if isinstance(layout, cst.ParenthesizedWhitespace):
        return template.with_changes(indent=layout.indent, last_line=layout.last_line)
    return template


def _fresh_line(layout: cst.ParenthesizedWhitespace) -> cst.ParenthesizedWhitespace:
    return cst.ParenthesizedWhitespace(
        first_line=cst.TrailingWhitespace(), indent=layout.indent, last_line=layout.last_line
    )


def _append(
    elements: Sequence[_Element], new: _Element, opening: cst.BaseParenthesizableWhitespace
) -> list[_Element]:
    """Append `new` after the last element, keeping trailing commas, comments and line layout."""
    if not elements:
        return [new]
    head: list[_Element] = list(elements[:-1])
    last = elements[-1]
    layout = _leading(elements, opening)
    between: cst.BaseParenthesizableWhitespace = (
        _fresh_line(layout) if isinstance(layout, cst.ParenthesizedWhitespace) else cst.SimpleWhitespace(" ")
    )
    after = last.whitespace_after_arg if isinstance(last, cst.Arg) else None
    if isinstance(last.comma, cst.Comma) and isinstance(
        last.comma.whitespace_after, cst.ParenthesizedWhitespace
    ):
        # `b,  # note` then a line break: the note stays on b's line, the new element gets its own.
        tail = last.comma.whitespace_after
        last = last.with_changes(comma=last.comma.with_changes(whitespace_after=_line_break(tail, layout)))
        new = new.with_changes(comma=cst.Comma(whitespace_after=_fresh_line(tail)))
    elif isinstance(last.comma, cst.Comma):
        new = new.with_changes(comma=last.comma)
        last = last.with_changes(comma=cst.Comma(whitespace_after=between))
    elif isinstance(after, cst.ParenthesizedWhitespace):
        # `b  # note` then the closing bracket on the next line: keep the note after b's new comma.
        last = last.with_changes(
            whitespace_after_arg=cst.SimpleWhitespace(""),
            comma=cst.Comma(whitespace_after=_line_break(after, layout)),
        )
        new = new.with_changes(whitespace_after_arg=_fresh_line(after))
    else:
        last = last.with_changes(comma=cst.Comma(whitespace_after=between))
    if (
        isinstance(last, cst.Arg)
        and isinstance(new, cst.Arg)
        and not isinstance(after, cst.ParenthesizedWhitespace)
    ):
        # An argument's trailing whitespace prints after its comma: it belongs before the bracket.
        new = new.with_changes(whitespace_after_arg=last.whitespace_after_arg)
        last = last.with_changes(whitespace_after_arg=cst.SimpleWhitespace(""))
    head.extend((last, new))
    return head


class _OneLineStrings(cst.CSTVisitor):
    """Collects the one-line string literals of a tree, in source order."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[cst.SimpleString] = []

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if len(node.quote) == 1:
            self.found.append(node)


def _quote_like(source: PythonSource, node: cst.CSTNode) -> cst.SimpleString | None:
    """A one-line string literal to copy the quote style of: from the call, else from the file."""
    for scope in (node, source.module):
        strings = _OneLineStrings()
        scope.visit(strings)
        if strings.found:
            return strings.found[0]
    return None


def _spread_dict(source: PythonSource, node: cst.CSTNode) -> cst.CSTNode:
    """The `{...}` / `dict(...)` a call spreads with `**name`, when the call's settings live there.

    `generate(**inputs, **gen_kwargs)` with `gen_kwargs = {"max_new_tokens": 32}` assigned once in
    the file gets the new key in that dict, next to the other generation settings.
    """
    if not isinstance(node, cst.Call) or any(arg.keyword is not None for arg in node.args):
        return node
    spread = {arg.value.value for arg in node.args if arg.star == "**" and isinstance(arg.value, cst.Name)}
    found = [
        assign.value
        for nodes in source.by_span.values()
        for assign in nodes
        if isinstance(assign, cst.Assign)
        and len(assign.targets) == 1
        and isinstance(assign.targets[0].target, cst.Name)
        and assign.targets[0].target.value in spread
    ]
    if len(found) != 1:
        return node
    value = found[0]
    is_dict_call = (
        isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value == "dict"
    )
    return value if isinstance(value, cst.Dict) or is_dict_call else node


def _add_setting(source: PythonSource, site: Site, keyword: str, value: str) -> Edit:
    """Add `keyword=value` to the call at a site, or a key to the dict literal it points at."""
    node = _spread_dict(source, source.node_at(site.span, (cst.Call, cst.Dict)))
    quoted = _literal(value, _quote_like(source, node))
    if isinstance(node, cst.Call):
        new_arg = cst.Arg(
            keyword=cst.Name(keyword),
            value=cst.parse_expression(quoted),
            equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
        )
        return source.replace(
            node, node.with_changes(args=_append(node.args, new_arg, node.whitespace_before_args))
        )
    assert isinstance(node, cst.Dict)
    elements = [e for e in node.elements if isinstance(e, cst.DictElement)]
    if len(elements) != len(node.elements):
        raise FixRefused("the dict spreads another mapping; add the key by hand")
    entry = cst.DictElement(
        key=cst.parse_expression(_literal(keyword, _quote_like(source, node))),
        value=cst.parse_expression(quoted),
    )
    return source.replace(
        node, node.with_changes(elements=_append(elements, entry, node.lbrace.whitespace_after))
    )


def _remove_setting(source: PythonSource, setting: Setting) -> Edit:
    """Remove the keyword, dict entry or attribute assignment that sets a value."""
    if setting.span is None:
        raise FixRefused("the setting has no location to remove")
    node: cst.CSTNode = source.node_at(setting.span, cst.BaseExpression)
    while not isinstance(node, (cst.Arg, cst.DictElement, cst.SimpleStatementLine)):
        parent = source.parents.get(node)
        if parent is None or isinstance(parent, cst.Module):
            raise FixRefused("could not find the argument to remove")
        node = parent
    if isinstance(node, cst.SimpleStatementLine):
        if len(node.body) != 1:
            raise FixRefused("the assignment shares its line with other statements; remove it by hand")
        return source.replace(node, cst.RemoveFromParent())
    container = source.parents.get(node)
    if isinstance(container, cst.Call) and isinstance(node, cst.Arg):
        return source.replace(container, container.with_changes(args=_without(container.args, node)))
    if isinstance(container, cst.Dict) and isinstance(node, cst.DictElement):
        return source.replace(container, container.with_changes(elements=_without(container.elements, node)))
    raise FixRefused("could not find the argument to remove")


_Removable = TypeVar("_Removable", cst.Arg, cst.BaseDictElement)


def _without(elements: Sequence[_Removable], node: cst.Arg | cst.DictElement) -> list[_Removable]:
    """The elements without `node`; a removed last element leaves its comma (or none) to the one before."""
    kept = [e for e in elements if e is not node]
    if elements and elements[-1] is node and kept:
        changes: dict[str, object] = {"comma": node.comma}
        if isinstance(node, cst.Arg):
            changes["whitespace_after_arg"] = node.whitespace_after_arg
        kept[-1] = kept[-1].with_changes(**changes)
    return kept


def _chosen(plan_setting: Setting | None, settings: list[Setting]) -> list[Setting]:
    """The settings a fix rewrites: the one the rule matched, else every value of that setting."""
    if plan_setting is not None and plan_setting in settings:
        return [plan_setting]
    return list(settings)


def _add_to_sites(source: PythonSource, sites: Sequence[Site], action: str, value: str) -> list[Edit]:
    """Add the unset keyword to the first kind of site that takes it (GenerationConfig, then generate)."""
    refusal = FixRefused(f"found no call to add {_KEYWORD[action]}= to")
    for kinds in _SITE_KINDS[action]:
        chosen = [s for s in sites if s.kind in kinds and s.span.path == source.path]
        try:
            if chosen:
                return [_add_setting(source, site, _KEYWORD[action], value) for site in chosen]
        except FixRefused as exc:
            refusal = exc
    raise refusal


def python_edits(source: PythonSource, diagnostic: Diagnostic) -> list[Edit]:
    """The edits that apply a diagnostic's planned fix; FixRefused says why there are none."""
    plan, spec, use = planned(diagnostic)
    action, value = spec.action, spec.value
    settings = use.attn if action == "set_attn" else use.cache
    if action == "remove_cache":
        return [_remove_setting(source, s) for s in settings if s.span is not None]
    present = [s for s in _chosen(plan.setting, settings) if not (s.value == "default" and s.span is None)]
    if any(s.form == "object" for s in present):
        raise FixRefused("a cache object is passed (past_key_values=...); replace it by hand")
    if present:
        return [edit for s in present for edit in _rewrite_setting(source, s, value)]
    return _add_to_sites(source, plan.sites or use.sites, action, value)


def _recheck(
    path: str, target: Target | None, select: Sequence[str], ignore: Sequence[str]
) -> Callable[[str], list[Diagnostic]]:
    def check(text: str) -> list[Diagnostic]:
        return check_source(text, path, target=target, select=select, ignore=ignore)

    return check


def fix_source(
    text: str,
    diagnostics: Sequence[Diagnostic],
    unsafe: bool,
    *,
    path: str | None = None,
    target: Target | None = None,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    recheck: Callable[[str], list[Diagnostic]] | None = None,
) -> FixOutcome:
    """Fix a Python source: apply every applicable fix, re-check, roll back fixes that fail."""
    where = path or (diagnostics[0].filename if diagnostics else "<string>")

    def produce(current: str, chosen: Sequence[Diagnostic]) -> dict[int, list[Edit] | str]:
        try:
            source = PythonSource(current, where)
        except FixRefused as exc:
            return {i: str(exc) for i in range(len(chosen))}
        results: dict[int, list[Edit] | str] = {}
        for i, diagnostic in enumerate(chosen):
            try:
                results[i] = python_edits(source, diagnostic)
            except FixRefused as exc:
                results[i] = str(exc)
        return results

    check = recheck or _recheck(where, target, select, ignore)
    return fix_rounds(text, list(diagnostics), unsafe, produce, check)
