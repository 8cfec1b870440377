"""Python rewrites: turn a finding's FixPlan into edits of the source, through libcst.

The extractor already found every literal and call that matters and recorded its span, so the fixer
never re-analyses: it looks the nodes up by position, changes the smallest thing (one string
literal, one appended keyword, one removed argument) and prints only the changed node, so quotes,
comments, trailing commas, line breaks, form feeds and import aliases stay the user's.
"""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from attnlint.diagnostic import Edit
from attnlint.edits.layout import append_element, without_element
from attnlint.edits.parsed import PythonSource
from attnlint.edits.refusal import FixRefused, planned
from attnlint.facts import Setting, Site
from attnlint.finding import Finding

__all__ = ["python_edits"]

_KEYWORD = {"set_attn": "attn_implementation", "set_cache": "cache_implementation"}
#: Where an unset setting is added: the load call for attention, the generation settings for caches.
_SITE_KINDS = {"set_attn": (("load",),), "set_cache": (("generation_config",), ("generate",))}
#: Calls whose result is a model's inputs (token ids, masks, pixels): spreading them into
#: `generate(**inputs)` cannot pass a generation setting.
_INPUT_MAKERS = ("tokenizer", "processor", "apply_chat_template", "encode", "encode_plus")
_MOVES = frozenset({"to", "cuda", "cpu"})
#: A spread name holding one of these words carries settings (`**gen_kwargs`, `**generate_config`).
_SETTINGS_WORDS = ("kwargs", "args", "config", "options", "params", "settings")


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
    start = source.index.offset(setting.span.row, setting.span.column)
    end = source.index.offset(setting.span.end_row, setting.span.end_column)
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


def _assigned(source: PythonSource, name: str) -> list[cst.BaseExpression]:
    """The values the file assigns to `name` with a plain `name = value`."""
    return [
        node.value
        for nodes in source.by_span.values()
        for node in nodes
        if isinstance(node, cst.Assign)
        and any(isinstance(t.target, cst.Name) and t.target.value == name for t in node.targets)
    ]


def _readable(source: PythonSource, value: cst.BaseExpression, seen: frozenset[str]) -> bool:
    """Whether the keys of a spread value are known: a dict display, `dict(k=v)`, or the output of
    a tokenizer or processor (model inputs, which hold no generation setting), also via `.to(...)`
    and through names assigned such values. A name the file never assigns (a parameter, a free
    name of a snippet) is taken as model inputs unless its name says it holds settings."""
    if isinstance(value, cst.Dict):
        return all(isinstance(e, cst.DictElement) for e in value.elements)
    if isinstance(value, cst.Name):
        if value.value in seen:
            return False
        assigned = _assigned(source, value.value)
        if not assigned:  # a parameter or a snippet's free name: model inputs, unless named settings
            return not any(word in value.value.lower() for word in _SETTINGS_WORDS)
        return all(_readable(source, v, seen | {value.value}) for v in assigned)
    if not isinstance(value, cst.Call):
        return False
    func = value.func
    if isinstance(func, cst.Name):
        if func.value == "dict":
            return all(arg.star == "" for arg in value.args)
        return func.value.lower().endswith(_INPUT_MAKERS)
    if isinstance(func, cst.Attribute):
        if func.attr.value in _MOVES:
            return _readable(source, func.value, seen)
        return func.attr.value.lower().endswith(_INPUT_MAKERS)
    return False


def _unreadable_spread(source: PythonSource, call: cst.Call) -> str:
    """The code of the first `**` argument whose keys cannot be read, or "" when there is none."""
    for arg in call.args:
        if arg.star == "**" and not _readable(source, arg.value, frozenset()):
            return source.module.code_for_node(arg.value)
    return ""


def _add_setting(source: PythonSource, site: Site, keyword: str, value: str, expression: str = "") -> Edit:
    """Add `keyword=value` to the call at a site, or a key to the dict literal it points at
    (`expression`: the value's source code, when it is not a string to quote)."""
    node = _spread_dict(source, source.node_at(site.span, (cst.Call, cst.Dict)))
    quoted = expression or _literal(value, _quote_like(source, node))
    if isinstance(node, cst.Call):
        unread = _unreadable_spread(source, node)
        if unread:
            raise FixRefused(
                f"the call spreads **{unread}, whose keys attnlint cannot read: if it holds {keyword}, "
                f"adding it again would raise 'got multiple values'; add {keyword}= by hand"
            )
        new_arg = cst.Arg(
            keyword=cst.Name(keyword),
            value=cst.parse_expression(quoted),
            equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
        )
        return source.replace(
            node, node.with_changes(args=append_element(node.args, new_arg, node.whitespace_before_args))
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
        node, node.with_changes(elements=append_element(elements, entry, node.lbrace.whitespace_after))
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
        return source.remove_line(node)
    container = source.parents.get(node)
    if isinstance(container, cst.Call) and isinstance(node, cst.Arg):
        return source.replace(container, container.with_changes(args=without_element(container.args, node)))
    if isinstance(container, cst.Dict) and isinstance(node, cst.DictElement):
        elements = without_element(container.elements, node)
        return source.replace(container, container.with_changes(elements=elements))
    raise FixRefused("could not find the argument to remove")


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


#: Where `move_setting` takes a setting: the model's load call, or its generation settings.
_DESTINATIONS = {"load": (("load",),), "generate": (("generation_config",), ("generate",))}


def _move_setting(
    source: PythonSource, setting: Setting | None, sites: Sequence[Site], to: str
) -> list[Edit]:
    """Remove a setting from the call that refuses it and give it, as written, to the call that
    takes it (ATN140), when that call is in this file and does not set it already."""
    if setting is None or setting.span is None or setting.site is None:
        raise FixRefused("the setting has no location to move")
    value = source.module.code_for_node(source.node_at(setting.span, cst.BaseExpression))
    for kinds in _DESTINATIONS[to]:
        here = [s for s in sites if s.span.path == source.path and s.span != setting.site]
        chosen = [s for s in here if s.kind in kinds]
        if not chosen:
            continue
        for site in chosen:
            node = source.node_at(site.span, (cst.Call, cst.Dict))
            if isinstance(node, cst.Call) and any(
                arg.keyword is not None and arg.keyword.value == setting.keyword for arg in node.args
            ):
                raise FixRefused(f"the call that takes {setting.keyword}= sets it already; keep one by hand")
        added = [_add_setting(source, site, setting.keyword, "", value) for site in chosen]
        return [_remove_setting(source, setting), *added]
    raise FixRefused(f"found no call in this file to move {setting.keyword}= to")


def python_edits(source: PythonSource, finding: Finding) -> list[Edit]:
    """The edits that apply a finding's planned fix; FixRefused says why there are none."""
    plan, spec, use = planned(finding)
    action, value = spec.action, spec.value
    if action == "move_setting":
        return _move_setting(source, plan.setting, plan.sites or use.sites, value)
    settings = use.attn if action == "set_attn" else use.cache
    if action == "remove_cache":
        return [_remove_setting(source, s) for s in settings if s.span is not None]
    present = [s for s in _chosen(plan.setting, settings) if not (s.value == "default" and s.span is None)]
    if any(s.form == "object" for s in present):
        raise FixRefused("a cache object is passed (past_key_values=...); replace it by hand")
    if present:
        return [edit for s in present for edit in _rewrite_setting(source, s, value)]
    return _add_to_sites(source, plan.sites or use.sites, action, value)
