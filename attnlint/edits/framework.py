"""Training-framework config and launch-script rewrites: one value replaced in place.

The extractor keeps each value's exact span, so a fix replaces only those characters: every
comment, key order, quote style and blank line of the YAML stays as it was (re-dumping with a
YAML library would not keep them all). The value is written in the framework's own words
(LLaMA-Factory `flash_attn: sdpa`, an lm-evaluation-harness `attn_implementation=sdpa`). A fix
that would need a new key, or a boolean switch such as axolotl's `flex_attention: true`, is refused
with what to change by hand. The fixer re-checks each round like every other fix.
"""

from __future__ import annotations

import json
import re

from attnlint.diagnostic import Edit
from attnlint.edits.refusal import FixRefused, planned
from attnlint.extract.frameworks.table import by_name
from attnlint.facts import Setting
from attnlint.finding import Finding
from attnlint.source import LineIndex, SourceText

__all__ = ["framework_edits"]

_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_.|/-]*$")
_KEYS = {"set_attn": "attn_implementation", "set_cache": "cache_implementation"}


def _written(word: str, raw: str) -> str:
    """`word` as YAML text in the style of the value it replaces (`raw`)."""
    if raw.startswith('"') or not _PLAIN.match(word):
        return json.dumps(word)
    if raw.startswith("'"):
        return "'" + word.replace("'", "''") + "'"
    return word


def _edit(index: LineIndex, setting: Setting, value: str) -> Edit:
    assert setting.span is not None
    framework, _, key = setting.keyword.partition(":")
    meaning = by_name(framework).keys[key]
    word = meaning.encode(value)
    if word is None:
        raise FixRefused(f"{framework}'s `{key}` cannot say {value!r} in place; change the config by hand")
    start = index.offset(setting.span.row, setting.span.column)
    end = index.offset(setting.span.end_row, setting.span.end_column)
    return index.edit(start, end, _written(word, index.text[start:end]))


def framework_edits(source: SourceText, finding: Finding) -> list[Edit]:
    """The edits of `source` that apply a framework finding's planned fix (FixRefused if none)."""
    plan, spec, use = planned(finding)
    if spec.action not in _KEYS:
        raise FixRefused(f"only a changed value can be fixed in a framework config, not `{spec.action}`")
    settings = use.attn if spec.action == "set_attn" else use.cache
    if plan.setting is not None and plan.setting in settings:
        settings = [plan.setting]
    settings = [s for s in settings if s.origin == "yaml" and s.span is not None]
    if not settings:
        raise FixRefused(f"the config does not set {_KEYS[spec.action]}; add {spec.value!r} by hand")
    return [_edit(source.index, s, spec.value) for s in settings]
