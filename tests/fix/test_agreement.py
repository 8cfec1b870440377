"""Property: after `attnlint fix`, `attnlint check` reports exactly what `fix` reported as remaining.

Generated projects mix Python files (LF, CRLF or lone CR line ends, a UTF-8 BOM or a latin-1 coding
cookie, form feeds and Unicode line separators inside lines), notebooks, and a model folder loaded
by a path relative to the project root, under several pins, with and without unsafe fixes. Both
commands run through the real command line; their JSON records (positions, messages and fixes)
must be equal, and a second `fix` must change nothing.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from agreement import fix_then_check, records, run_cli
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

IMPORT = "from transformers import AutoModelForCausalLM, Llama4ForConditionalGeneration\n"
ATTN = ["flex_attention", "sdpa", "eager", "flash_attention_2", "flex_attentoin", None]
CACHE = ["dynamic", "static", "hybrid", "offloaded", None]
MODELS = ['"meta-llama/Llama-4-Scout-17B-16E-Instruct"', '"models/scout"']
#: The seed's shape: flex on a device chosen at run time, so ATN114's sdpa fix (unsafe) is rolled
#: back next to ATN101's hybrid cache (ATN117); the hint once promised it.
SEED_CPU = (
    IMPORT
    + 'model = Llama4ForConditionalGeneration.from_pretrained(\n    "meta-llama/Llama-4-Scout-17B-16E-'
    + 'Instruct", attn_implementation="flex_attention", device_map="auto"\n)\n'
    + "out = model.generate(**inputs)\n"
).encode()
PINS = ["transformers==4.51.0", "transformers>=4.50", "transformers==4.53.0"]


@st.composite
def _python(draw: st.DrawFn) -> tuple[str, str]:
    """(code, newline): one model load and a generate call, with odd but legal characters."""
    attn = draw(st.sampled_from(ATTN))
    cache = draw(st.sampled_from(CACHE))
    loader = draw(st.sampled_from(["Llama4ForConditionalGeneration", "AutoModelForCausalLM"]))
    keyword = f', attn_implementation="{attn}"' if attn else ""
    lines = [
        IMPORT,
        draw(st.sampled_from(["", "\x0c\n", "# é \u2028 \x85 note\n"])),
        f"model = {loader}.from_pretrained(\n    {draw(st.sampled_from(MODELS))}{keyword}\n)\n",
        draw(st.sampled_from(["", "x = 'a\u2029b'\n", "\x0cy = 1\n"])),
    ]
    extra = draw(st.sampled_from(["", ", use_cache=False", ", output_attentions=True", ", max_new_tokens=8"]))
    setting = f', cache_implementation="{cache}"' if cache else ""
    lines.append(f"out = model.generate(**inputs{extra}{setting})\n")
    return "".join(lines), draw(st.sampled_from(["\n", "\r\n", "\r"]))


def _encoded(code: str, newline: str, header: str) -> bytes:
    text = code.replace("\n", newline)
    if header == "bom":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    if header == "latin-1":
        return f"# -*- coding: latin-1 -*-{newline}".encode() + text.replace("\u2028", " ").replace(
            "\u2029", " "
        ).encode("latin-1", errors="replace")
    return text.encode("utf-8")


def _notebook(cells: list[str]) -> str:
    return json.dumps({
        "cells": [
            {"cell_type": "code", "source": c.splitlines(True), "metadata": {}, "outputs": []} for c in cells
        ],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    })


def _config(attn: str | None, crlf: bool, bom: bool) -> bytes:
    entries = ['"model_type": "llama4"'] + ([f'"attn_implementation": "{attn}"'] if attn else [])
    text = "{\n  " + ",\n  ".join(entries) + "\n}\n"
    data = (text.replace("\n", "\r\n") if crlf else text).encode()
    return b"\xef\xbb\xbf" + data if bom else data


@st.composite
def _projects(draw: st.DrawFn) -> tuple[dict[str, bytes], bool]:
    files: dict[str, bytes] = {"requirements.txt": f"{draw(st.sampled_from(PINS))}\n".encode()}
    for i in range(draw(st.integers(1, 2))):
        code, newline = draw(_python())
        header = draw(st.sampled_from(["", "bom", "latin-1"]))
        files[f"scripts/s{i}.py"] = _encoded(code, newline, header)
    if draw(st.booleans()):
        code, _ = draw(_python())
        head, _, tail = code.partition("out = ")
        files["nb.ipynb"] = _notebook([head, "out = " + tail]).encode()
    crlf, bom = draw(st.booleans()), draw(st.booleans())
    files["models/scout/config.json"] = _config(draw(st.sampled_from(ATTN)), crlf, bom)
    cache = draw(st.sampled_from(CACHE))
    if cache:
        generation = f'{{\n  "cache_implementation": "{cache}"\n}}\n'
        files["models/scout/generation_config.json"] = generation.encode()
    return files, draw(st.booleans())


#: A fix to config.json is refused while generation_config.json still holds a cache that clashes with
#: it (sdpa + hybrid on 4.51.0, ATN117) and becomes valid once that file is fixed: one run must settle.
_CHAINED = (
    {
        "requirements.txt": b"transformers>=4.50\n",
        "scripts/s0.py": (
            IMPORT
            + 'model = Llama4ForConditionalGeneration.from_pretrained(\n    "meta-llama/Llama-4-Scout-17B-'
            + '16E-Instruct", attn_implementation="flex_attention"\n)\n'
            + 'out = model.generate(**inputs, cache_implementation="dynamic")\n'
        ).encode(),
        "models/scout/config.json": _config("flash_attention_2", False, False),
        "models/scout/generation_config.json": b'{\n  "cache_implementation": "hybrid"\n}\n',
    },
    True,
)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(_projects())
@example(_CHAINED)
def test_check_after_fix_reports_what_fix_said_remains(project: tuple[dict[str, bytes], bool]) -> None:
    files, unsafe = project
    options = ["--unsafe-fixes"] if unsafe else []
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        for name, data in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(data)
        remaining, found = fix_then_check(root, *options)
        assert remaining == found
        after = {name: (root / name).read_bytes() for name in files}
        again, _ = fix_then_check(root, *options)
        assert again == found
        assert {name: (root / name).read_bytes() for name in files} == after, "a second fix changed files"
        assert sorted(p.name for p in root.rglob(".*.tmp")) == []  # no temporary file is left behind



def _codes(found: list[dict[str, Any]], fixed: str | None = None) -> Counter[str]:
    """The codes of JSON records; with `fixed`, of those whose offered fix is that applicable
    ("any": any fix)."""
    return Counter(
        r["code"] for r in found
        if fixed is None or (r["fix"] is not None and fixed in ("any", r["fix"]["applicability"]))
    )


def _fix_json(*options: str) -> list[dict[str, Any]]:
    return records(run_cli("fix", ".", "--output-format", "json", *options)[1])


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(_projects())
@example(_CHAINED)
@example(({"requirements.txt": b"transformers==4.51.0\n", "scripts/s0.py": SEED_CPU}, False))
def test_the_run_an_offered_fix_names_removes_its_finding(project: tuple[dict[str, bytes], bool]) -> None:
    """What `check` offers (the JSON `fix` fields: safe ones for `fix`, all for `fix --unsafe-fixes`)
    that run removes, code for code; after a plain `fix`, what is left with a fix (the "available
    with --unsafe-fixes" hint) `fix --unsafe-fixes` then removes."""
    files, _ = project
    with tempfile.TemporaryDirectory() as scratch:
        for copy, name in itertools.product(("plain", "unsafe"), files):
            (Path(scratch) / copy / name).parent.mkdir(parents=True, exist_ok=True)
            (Path(scratch) / copy / name).write_bytes(files[name])
        with contextlib.chdir(Path(scratch) / "unsafe"):
            before = records(run_cli("check", "--no-cache", ".", "--output-format", "json")[1])
            after = _fix_json("--unsafe-fixes")
            assert _codes(before, "any") <= _codes(before) - _codes(after)
        with contextlib.chdir(Path(scratch) / "plain"):
            after = _fix_json()
            assert _codes(before, "safe") <= _codes(before) - _codes(after)
            hinted = _codes(after, "any")
            assert not _codes(after, "safe")
            assert hinted <= _codes(after) - _codes(_fix_json("--unsafe-fixes")), hinted
