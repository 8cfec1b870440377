"""JSON rewrites of config.json / generation_config.json: text edits at the extractor's value spans.

Re-serialising a config would reorder nothing but would still rewrite every number, indentation and
the final newline; editing the text keeps the file as the user (or `save_pretrained`) wrote it. Each
edit is checked by parsing the result: the object must equal the old one plus the intended change.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import PurePath
from typing import Any

from attnlint.diagnostic import Edit
from attnlint.edits.refusal import FixRefused, planned
from attnlint.facts import Setting, Site
from attnlint.finding import Finding
from attnlint.source import LineIndex, SourceText

__all__ = ["json_edits", "json_file_for"]

_KEYWORD = {"set_attn": "attn_implementation", "set_cache": "cache_implementation"}
_FILE_KIND = {"set_attn": "config-file", "set_cache": "generation-file"}
_MEMBER = re.compile(r'\{(\s*)"[^"]*"(\s*:\s*)')


def _load(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FixRefused(f"not valid JSON ({exc.msg} at {exc.lineno}:{exc.colno}); not fixed") from exc
    if not isinstance(data, dict):
        raise FixRefused("the JSON file does not hold an object; not fixed")
    return data


def _span_bounds(index: LineIndex, setting: Setting) -> tuple[int, int]:
    assert setting.span is not None
    return (
        index.offset(setting.span.row, setting.span.column),
        index.offset(setting.span.end_row, setting.span.end_column),
    )


def _replace_value(index: LineIndex, setting: Setting, value: str) -> Edit:
    start, end = _span_bounds(index, setting)
    return index.edit(start, end, json.dumps(value))


def _add_key(index: LineIndex, key: str, value: str) -> Edit:
    text = index.text
    closing = len(text.rstrip()) - 1
    if closing < 0 or text[closing] != "}":
        raise FixRefused("the JSON file does not end with its top-level object; not fixed")
    body_end = len(text[:closing].rstrip())
    member = _MEMBER.match(text, len(text) - len(text.lstrip()))
    entry = f"{json.dumps(key)}{member.group(2) if member else ': '}{json.dumps(value)}"
    if member is None:  # an empty object
        return index.edit(body_end, body_end, f"\n  {entry}\n")
    lead = member.group(1) if "\n" in member.group(1) else " "
    return index.edit(body_end, body_end, f",{lead}{entry}")


def _remove_key(index: LineIndex, setting: Setting) -> Edit:
    text = index.text
    start, end = _span_bounds(index, setting)
    key = re.search(r'"(?:[^"\\]|\\.)*"\s*:\s*$', text[:start])
    if key is None:
        raise FixRefused("could not find the key to remove")
    before = len(text[: key.start()].rstrip()) - 1
    after = len(text) - len(text[end:].lstrip())
    if after < len(text) and text[after] == ",":
        return index.edit(before + 1, after + 1, "")
    return index.edit(before if text[before] == "," else before + 1, end, "")


def json_file_for(finding: Finding) -> str | None:
    """Which file a config finding's fix edits (the value's file, or where a key is added)."""
    plan, use = finding.plan, finding.use
    if plan is None or plan.spec is None or use is None or plan.spec.action == "pin":
        return None
    settings = _settings(finding)
    if settings:
        return settings[0].span.path if settings[0].span else None
    site = _site(plan.sites or use.sites, plan.spec.action)
    return site.span.path if site else None


def _settings(finding: Finding) -> list[Setting]:
    assert finding.plan is not None and finding.plan.spec is not None and finding.use is not None
    action, plan = finding.plan.spec.action, finding.plan
    settings = finding.use.attn if action == "set_attn" else finding.use.cache
    if plan.setting is not None and plan.setting in settings:
        settings = [plan.setting]
    return [s for s in settings if s.origin == "json" and s.span is not None]


def _site(sites: Sequence[Site], action: str) -> Site | None:
    kind = _FILE_KIND.get(action, "")
    return next((s for s in sites if s.kind == kind), None) or next(
        (s for s in sites if s.kind in ("config-file", "generation-file")), None
    )


def json_edits(source: SourceText, finding: Finding) -> list[Edit]:
    """The edits to one file of a model folder that apply a config finding's planned fix."""
    _, spec, _ = planned(finding)
    action, value = spec.action, spec.value
    _load(source.text)
    index = source.index
    name = PurePath(source.path).name  # inside one model folder a file's name identifies it
    settings = [s for s in _settings(finding) if s.span is not None and PurePath(s.span.path).name == name]
    if action == "remove_cache":
        return [_remove_key(index, s) for s in settings]
    if settings:
        return [_replace_value(index, s, value) for s in settings]
    destination = json_file_for(finding)
    if destination is None or PurePath(destination).name != name:
        raise FixRefused(f"the fix belongs in another file ({destination})")
    return [_add_key(index, _KEYWORD[action], value)]
