"""JSON config edits: replace a value, add a key, remove a key, keeping the file's own layout."""

from __future__ import annotations

import json

import pytest
from conftest import hand_made

from attnlint.edits.json import json_edits
from attnlint.edits.refusal import FixRefused
from attnlint.facts import ModelUse, Setting, Site, Span
from attnlint.finding import Finding, FixPlan
from attnlint.fix.text import apply_edits
from attnlint.knowledge.schema import FixAction, FixSpec
from attnlint.source import LineIndex, SourceText

GEN = "ckpt/generation_config.json"
GENERATION = '{\n  "bos_token_id": 1,\n  "cache_implementation": "dynamic",\n  "eos_token_id": 2\n}\n'


def _span(text: str, needle: str, path: str = GEN) -> Span:
    index = LineIndex(text)
    start = text.index(needle)
    first, last = index.location(start), index.location(start + len(needle))
    return Span(path=path, row=first.row, column=first.column, end_row=last.row, end_column=last.column)


def _diagnostic(action: FixAction, cache: list[Setting], value: str = "hybrid") -> Finding:
    spec = FixSpec(action=action, value=value, applicability="safe", description="fix")
    sites = [Site(kind="generation-file", span=Span(path=GEN, row=1, column=1, end_row=1, end_column=2))]
    use = ModelUse(path=GEN, model_types=frozenset({"llama4"}), cache=cache, sites=sites)
    return hand_made("ATN101", GEN, FixPlan(spec=spec, sites=tuple(sites)), use)


def _fix(text: str, finding: Finding) -> str:
    return apply_edits(text, json_edits(_source(text), finding))


def _source(text: str) -> SourceText:
    return SourceText(GEN, text.encode(), text)


def test_replace_value_keeps_order_indent_and_newline() -> None:
    setting = Setting(
        value="dynamic", origin="json", span=_span(GENERATION, '"dynamic"'), keyword="cache_implementation"
    )
    assert _fix(GENERATION, _diagnostic("set_cache", [setting])) == GENERATION.replace(
        '"dynamic"', '"hybrid"'
    )


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_add_key_at_the_end_of_the_top_level_object(newline: str) -> None:
    text = '{\n    "bos_token_id": 1,\n    "eos_token_id": 2\n}\n'.replace("\n", newline)
    fixed = _fix(text, _diagnostic("set_cache", []))
    assert fixed == text.replace(
        '"eos_token_id": 2', '"eos_token_id": 2,' + newline + '    "cache_implementation": "hybrid"'
    )
    assert list(json.loads(fixed)) == ["bos_token_id", "eos_token_id", "cache_implementation"]


def test_add_key_to_a_one_line_object() -> None:
    assert _fix('{"a": 1}', _diagnostic("set_cache", [])) == '{"a": 1, "cache_implementation": "hybrid"}'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (GENERATION, '{\n  "bos_token_id": 1,\n  "eos_token_id": 2\n}\n'),
        ('{\n  "a": 1,\n  "cache_implementation": "dynamic"\n}\n', '{\n  "a": 1\n}\n'),
        ('{"cache_implementation": "dynamic", "a": 1}', '{ "a": 1}'),
    ],
)
def test_remove_key_and_its_comma(text: str, expected: str) -> None:
    setting = Setting(
        value="dynamic", origin="json", span=_span(text, '"dynamic"'), keyword="cache_implementation"
    )
    fixed = _fix(text, _diagnostic("remove_cache", [setting]))
    assert fixed == expected
    assert "cache_implementation" not in json.loads(fixed)


def test_invalid_json_is_refused() -> None:
    with pytest.raises(FixRefused, match="not valid JSON"):
        json_edits(_source('{"a": '), _diagnostic("set_cache", []))
