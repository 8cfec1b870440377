"""SARIF output: valid against the OASIS 2.1.0 schema, with what GitHub code scanning requires.

The schema is test data (tests/data/sarif-schema-2.1.0.json), never downloaded. The project is a
real one: the seed case (a fixable Python finding), a model folder (JSON finding), a file that
does not parse (ATN001, a code outside the rule knowledge) and a notebook finding (a cell).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from attnlint.cli import main
from attnlint.diagnostic import Diagnostic, Location
from attnlint.fix.text import LineIndex, apply_edits
from attnlint.knowledge import rules
from attnlint.report.sarif import sarif_log

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))

SEED = """from transformers import Llama4ForConditionalGeneration

model = Llama4ForConditionalGeneration.from_pretrained(
    "meta-llama/Llama-4-Scout-17B-16E-Instruct", attn_implementation="flex_attention", device_map="cuda"
)
out = model.generate(**inputs, max_new_tokens=32)
"""
# Gemma2's default attention (sdpa on 4.51.0) drops its softcapping (ATN202); that rule has no safe fix
CONFIG = '{\n  "model_type": "gemma2",\n  "architectures": ["Gemma2ForCausalLM"]\n}\n'
NOTEBOOK = {
    "cells": [{"cell_type": "code", "source": SEED.splitlines(keepends=True), "metadata": {}, "outputs": []}],
    "metadata": {},
    "nbformat": 4,
    "nbformat_minor": 5,
}


@pytest.fixture
def sarif(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> dict[str, Any]:
    root = tmp_path / "my project"
    (root / "ckpt").mkdir(parents=True)
    (root / "requirements.txt").write_text("transformers==4.51.0\n", encoding="utf-8")
    (root / "gen.py").write_text(SEED, encoding="utf-8")
    broken = 'from transformers import AutoModel\nm = AutoModel.from_pretrained(attn_implementation="sdpa"\n'
    (root / "broken.py").write_text(broken, encoding="utf-8")
    (root / "ckpt" / "config.json").write_text(CONFIG, encoding="utf-8")
    (root / "nb.ipynb").write_text(json.dumps(NOTEBOOK), encoding="utf-8")
    monkeypatch.chdir(root)
    assert main(["check", ".", "--output-format", "sarif"]) == 1
    log: dict[str, Any] = json.loads(capsys.readouterr().out)
    return log


def test_validates_against_the_oasis_schema(sarif: dict[str, Any]) -> None:
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    jsonschema.Draft4Validator(SCHEMA).validate(sarif)
    assert {r["ruleId"] for r in sarif["runs"][0]["results"]} == {"ATN001", "ATN101", "ATN202"}


def test_an_invalid_log_is_rejected_by_the_schema(sarif: dict[str, Any]) -> None:
    """The validation can fail: a result without a message is not SARIF."""
    del sarif["runs"][0]["results"][0]["message"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(SCHEMA).validate(sarif)


def test_github_code_scanning_required_fields(sarif: dict[str, Any]) -> None:
    assert sarif["version"] == "2.1.0" and sarif["$schema"]
    run = sarif["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "attnlint" and driver["version"]
    rule_ids = [descriptor["id"] for descriptor in driver["rules"]]
    assert {rule.code for rule in rules()} <= set(rule_ids)
    for descriptor in driver["rules"]:
        assert descriptor["shortDescription"]["text"] and descriptor["fullDescription"]["text"]
        assert descriptor["help"]["text"] and descriptor["helpUri"].startswith("https://")
    for result in run["results"]:
        assert result["message"]["text"]
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"] and location["region"]["startLine"] >= 1


def test_locations_are_relative_uris_under_srcroot(sarif: dict[str, Any]) -> None:
    run = sarif["runs"][0]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/my%20project/")
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {"gen.py", "broken.py", "ckpt/config.json", "nb.ipynb"}
    cells = [r for r in run["results"] if r.get("properties", {}).get("cell")]
    assert len(cells) == 1 and "fixes" not in cells[0] and cells[0]["message"]["text"].startswith("cell 1:")


def _applied(text: str, change: dict[str, Any]) -> str:
    """`text` with a SARIF artifact change's replacements made."""
    index = LineIndex(text)
    edits = []
    for replacement in change["replacements"]:
        region = replacement["deletedRegion"]
        start = index.offset(region["startLine"], region["startColumn"])
        end = index.offset(region["endLine"], region["endColumn"])
        edits.append(index.edit(start, end, replacement["insertedContent"]["text"]))
    return apply_edits(text, edits)


def test_fixes_are_artifact_changes_that_apply(sarif: dict[str, Any]) -> None:
    """Applying a result's replacements to the file gives what `attnlint fix` writes."""
    results = [r for r in sarif["runs"][0]["results"] if "fixes" in r]
    by_uri = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r for r in results}
    # ATN202's unsafe fix of the folder (attn_implementation "eager" in config.json) is not offered:
    # `fix --unsafe-fixes` rolls it back, as 4.51.0's from_pretrained still picks the default kernel
    assert set(by_uri) == {"gen.py"}
    fix = by_uri["gen.py"]["fixes"][0]
    change = fix["artifactChanges"][0]
    assert change["artifactLocation"] == {"uri": "gen.py", "uriBaseId": "%SRCROOT%"}
    text = Path("gen.py").read_text(encoding="utf-8")
    assert 'cache_implementation="hybrid"' in _applied(text, change)
    assert "safe fix" in fix["description"]["text"]


def test_absolute_paths_become_file_uris(tmp_path: Path) -> None:
    where = Location(row=1, column=1)
    d = Diagnostic(
        code="ATN004",
        rule="unreadable-file",
        message="cannot read file",
        severity="error",
        filename=str(tmp_path / "a b.py"),
        location=where,
        end_location=where,
        url="https://x/atn004",
    )
    log = sarif_log([d])
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    artifact = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": (tmp_path / "a b.py").as_uri()} and "%20" in artifact["uri"]


def test_a_model_folder_fix_is_an_artifact_change_of_its_json_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """ATN205 on 5.24 (flex from config.json, a static cache from generation_config.json): its fix,
    which `fix` keeps, edits the generation config, and applying it removes the cache key."""
    root = tmp_path / "folder project"
    (root / "ckpt").mkdir(parents=True)
    (root / "requirements.txt").write_text("transformers==5.24.0\n", encoding="utf-8")
    (root / "ckpt" / "config.json").write_text(
        '{\n  "model_type": "llama",\n  "attn_implementation": "flex_attention"\n}\n', encoding="utf-8"
    )
    generation = '{\n  "cache_implementation": "static"\n}\n'
    (root / "ckpt" / "generation_config.json").write_text(generation, encoding="utf-8")
    monkeypatch.chdir(root)
    assert main(["check", ".", "--output-format", "sarif"]) == 1
    log = json.loads(capsys.readouterr().out)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    (result,) = [r for r in log["runs"][0]["results"] if r["ruleId"] == "ATN205"]
    (change,) = result["fixes"][0]["artifactChanges"]
    assert change["artifactLocation"] == {"uri": "ckpt/generation_config.json", "uriBaseId": "%SRCROOT%"}
    assert json.loads(_applied(generation, change)) == {}
