"""Calls judged against what each release's call takes (knowledge/calls.toml): ATN140 and ATN141.

Two ways a setting reaches transformers raise before anything runs: a setting given to a call that
does not take it (`generate(attn_implementation=...)` is a ValueError, `from_pretrained(
cache_implementation=...)` a TypeError), and a cache object built with arguments its constructor
does not bind on a release (`DynamicCache(config=...)` before 4.54). Both are judged on each
release of the file's window from the data, never by importing transformers. A call whose failure
is caught (`try: ... except TypeError:`) or that runs only on some releases is silent, and a warning
under `--strict`. The first release from which a cache constructor call binds, when it binds on
no earlier one, is evidence for the file's window (`first_binding`), as `dtype=` is.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import cache

from packaging.version import Version

from attnlint.facts import Call, ModelUse, Setting, Span
from attnlint.finding import FixPlan
from attnlint.knowledge import call_tables
from attnlint.knowledge.call_schema import RefusedKeywords, Signature
from attnlint.knowledge.schema import FixSpec, Rule
from attnlint.records import record
from attnlint.releases import allows, known_releases, version_ranges

__all__ = [
    "CallProblem", "binding_error", "call_problems", "first_binding", "misbinding", "refusals", "signature",
]

#: The loader names that share one row of the table (`_from_config` is from_config's worker).
_CALLEES = {"_from_config": "from_config"}


def refusals(call: Call, model_types: frozenset[str], version: Version) -> list[tuple[str, RefusedKeywords]]:
    """The keywords of `call` that `version` refuses, each with the table row that says so. A
    from_pretrained keyword the model's configuration has as a field there goes to the config."""
    callee = _CALLEES.get(call.callee, call.callee)
    found = []
    for row in call_tables().refused:
        if row.call != callee or not allows(row.transformers, version):
            continue
        for keyword in call.keywords:
            to_config = callee == "from_pretrained" and _in_config(keyword, model_types, version)
            if keyword in row.keywords and not to_config:
                found.append((keyword, row))
    return found


def _in_config(keyword: str, model_types: frozenset[str], version: Version) -> bool:
    """Whether the configuration of one of the model types (of any, when the type is unknown) has
    `keyword` as a field on `version`."""
    for entry in call_tables().config_fields:
        known = not model_types or set(entry.model_types) & model_types
        if entry.keyword == keyword and known and allows(entry.transformers, version):
            return True
    return False


@cache
def signature(name: str, version: Version) -> Signature | None:
    """The constructor of cache class `name` on `version` (None where the class does not exist)."""
    rows = call_tables().signatures
    return next((s for s in rows if s.name == name and allows(s.transformers, version)), None)


def binding_error(call: Call, version: Version) -> str:
    """Why binding `call` to its cache class's constructor raises TypeError on `version` ("" when it
    binds, or when the class does not exist there: the window's floor and ImportError are another matter)."""
    found = signature(call.callee, version)
    if found is None:
        return ""
    params = found.params
    filled = params[: call.positional]
    if call.positional > len(params) and not found.varargs and not call.spread:
        return f"takes at most {len(params)} positional arguments, {call.positional} given"
    for name in filled:
        if name in found.bound:
            return f"got multiple values for argument {name!r} (a positional argument lands on it)"
    for keyword in call.keywords:
        if keyword in filled or keyword in found.bound:
            return f"got multiple values for argument {keyword!r}"
        if keyword in found.refuses or (keyword not in params and not found.varkw):
            return f"got an unexpected keyword argument {keyword!r}"
    if not call.spread:
        given = set(filled) | set(call.keywords) | set(found.bound)
        missing = [name for name in params[: found.required] if name not in given]
        if missing:
            return f"missing required argument(s) {', '.join(map(repr, missing))}"
        if found.needs_one_of and not set(found.needs_one_of) & given:
            return f"missing required argument {' or '.join(map(repr, found.needs_one_of))}"
    return ""


def misbinding(call: Call, version: Version) -> str:
    """How `call` binds on `version` when a number given positionally lands on a flag of that
    release's constructor ("" when none does, or when a non-literal argument leaves it open).
    `StaticCache(config, 1, 1024)` written in the 4.45-4.53 order (config, max_batch_size,
    max_cache_len) binds on 4.56+ as max_cache_len=1, offloading=1024: no TypeError, but a cache of
    one slot that offloads (IndexError or, without CUDA, AssertionError at the first generate)."""
    found = signature(call.callee, version)
    if found is None or not found.flags:
        return ""
    landed = list(zip(found.params, call.positional_literals, strict=False))
    wrong = [(name, text) for name, text in landed if name in found.flags and text not in _FLAG_LITERALS]
    if not wrong:
        return ""
    bound = ", ".join(f"{name}={text or '...'}" for name, text in landed)
    name, text = wrong[0]
    return (f"binds its positional arguments as ({bound}): {text} lands on the flag {name!r}, so they "
            "follow another release's order (pass them by keyword)")


#: What a flag parameter takes; any other literal landing there is an argument meant for another one.
_FLAG_LITERALS = frozenset({"", "True", "False", "0", "1", "None"})


def first_binding(call: Call) -> Version | None:
    """The first known release from which `call` binds on every later release, when it binds on no
    earlier one (a constructor keyword that dates the code, like `DynamicCache(config=...)`); None
    when it binds on the oldest release, on none, or on and off."""
    existing = [v for v in known_releases() if signature(call.callee, v) is not None]
    binds = [not binding_error(call, v) for v in existing]
    if not existing or binds[0] or not binds[-1]:
        return None
    first = binds.index(True)
    return existing[first] if all(binds[first:]) else None


def _setting(use: ModelUse, keyword: str, call: Call) -> Setting | None:
    """The recorded value of `keyword` given at `call` (what a fix moves)."""
    every = [*use.attn, *use.cache, *(s for settings in use.flags.values() for s in settings)]
    given = [s for s in every if s.keyword == keyword and s.site == call.span]
    return next((s for s in given if s.span is not None), None)


def _plan(rule: Rule, row: RefusedKeywords, keyword: str, use: ModelUse, call: Call) -> FixPlan:
    setting = _setting(use, keyword, call)
    template = next((spec for spec in rule.fixes if spec.action == "move_setting"), None)
    if not row.move_to or template is None or setting is None:
        return FixPlan(spec=None, refusal=f"{row.instead}; change it by hand", setting=setting)
    spec = FixSpec(
        action="move_setting", value=row.move_to, applicability=template.applicability,
        description=template.description.format(keyword=keyword, destination=_DESTINATIONS[row.move_to]),
    )
    return FixPlan(spec=spec, setting=setting, sites=tuple(use.sites))


_DESTINATIONS = {"load": "from_pretrained", "generate": "generate (or its GenerationConfig)"}


@record
class CallProblem:
    """One refused keyword or unbindable constructor call: the rule's words, the releases, the place."""

    text: str
    versions: list[Version]
    span: Span
    guarded: bool
    plan: FixPlan


def _refused(rule: Rule, use: ModelUse, call: Call, versions: Sequence[Version]) -> Iterator[CallProblem]:
    hits: dict[str, tuple[RefusedKeywords, list[Version]]] = {}
    for version in versions:
        for keyword, row in refusals(call, use.model_types, version):
            hits.setdefault(keyword, (row, []))[1].append(version)
    name = _CALLEES.get(call.callee, call.callee)
    where = "a model class called with a config" if name == "model" else f"{name}()"
    for keyword, (row, failing) in hits.items():
        text = rule.message.format(call=where, keyword=keyword, error=row.error, instead=row.instead)
        plan = _plan(rule, row, keyword, use, call)
        yield CallProblem(text, failing, call.keywords[keyword], call.guarded, plan)


def _call_error(call: Call, version: Version) -> str:
    """What goes wrong building `call` on `version`, judged by that release's own constructor."""
    error = binding_error(call, version)
    return f"raises TypeError: {error}" if error else misbinding(call, version)


def _unbound(rule: Rule, call: Call, versions: Sequence[Version]) -> Iterator[CallProblem]:
    """One problem per call; where releases of the window fail differently, each error is named
    with its own releases (a window spanning two constructors never reads one's error for both)."""
    by_error: dict[str, list[Version]] = {}
    for version in versions:
        error = _call_error(call, version)
        if error:
            by_error.setdefault(error, []).append(version)
    failing = sorted(v for releases in by_error.values() for v in releases)
    if failing:
        if len(by_error) == 1:
            error = next(iter(by_error))
        else:
            error = "; ".join(f"on {version_ranges(releases)} {text}" for text, releases in by_error.items())
        text = rule.message.format(cache_class=call.callee, error=error)
        refusal = "give the arguments every release of the window takes, or narrow the transformers pin"
        yield CallProblem(text, failing, call.span, call.guarded, FixPlan(spec=None, refusal=refusal))


def call_problems(rule: Rule, use: ModelUse, versions: Sequence[Version], strict: bool) -> list[CallProblem]:
    """What a refused-keyword or constructor-arguments rule finds in one use's calls on `versions`
    (those of them a call under a release check runs on); a guarded call only under `strict`."""
    found: list[CallProblem] = []
    for call in use.calls:
        if call.guarded and not strict:
            continue
        running = [v for v in versions if allows(call.runs_on, v)] if call.runs_on else versions
        if rule.kind == "refused-keyword":
            found += _refused(rule, use, call, running)
        elif rule.kind == "constructor-arguments" and call.callee not in _LOADERS:
            found += _unbound(rule, call, running)
    return found


_LOADERS = frozenset({"generate", "from_pretrained", "from_config", "_from_config", "model"})
