"""Training-framework configs and launch scripts, checked and fixed end to end.

tests/frameworks/tree holds configs written for this suite, modelled on each framework's
documented options (axolotl's config reference, TRL's CLI docs, LLaMA-Factory's examples and
`flash_attn` values, lm-evaluation-harness `--model_args`): at least ten per framework, BAD and
OK. Each file's first `# expect:` comment lists the exact codes `attnlint check` must report for
it. Every framework folder pins its own transformers release in a requirements.txt.
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

from attnlint.cli import main
from attnlint.extract.frameworks import extract_framework_file

TREE = Path(__file__).parent / "tree"
FRAMEWORKS = ("axolotl", "trl", "llamafactory", "lm_eval")
_EXPECT = re.compile(r"^# expect:(?P<codes>.*)$", re.MULTILINE)


def _configs() -> list[Path]:
    return sorted(
        p for p in TREE.rglob("*") if p.suffix in (".yaml", ".yml", ".sh") and p.parent.name != "other"
    )


def _expected(path: Path) -> list[str]:
    match = _EXPECT.search(path.read_text(encoding="utf-8"))
    assert match is not None, f"{path} has no `# expect:` line"
    return sorted(match["codes"].split())


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "tree"
    shutil.copytree(TREE, copy)
    monkeypatch.chdir(copy)
    return copy


def _check(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, object]]:
    main(["check", ".", "--output-format", "json", *args])
    found: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return found


def test_the_tree_has_ten_bad_and_ok_configs_per_framework() -> None:
    for framework in FRAMEWORKS:
        configs = [p for p in _configs() if p.relative_to(TREE).parts[0] == framework]
        kinds = Counter(p.parent.name for p in configs)
        assert len(configs) >= 10 and kinds["bad"] >= 5 and kinds["ok"] >= 4, (framework, kinds)


def test_every_config_reports_exactly_its_expected_codes(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    found = _check(capsys)
    by_file: dict[str, list[str]] = {}
    for d in found:
        by_file.setdefault(str(d["filename"]), []).append(str(d["code"]))
    for path in _configs():
        name = path.relative_to(TREE).as_posix()
        assert sorted(by_file.pop(name, [])) == _expected(path), name
    assert by_file == {}  # nothing else in the tree (the model folder, the CI workflow) is reported


def test_findings_point_at_the_value(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    found = {str(d["filename"]): d for d in _check(capsys)}
    llama4 = found["lm_eval/bad/llama4_flex.sh"]
    line = (tree / "lm_eval/bad/llama4_flex.sh").read_text(encoding="utf-8").splitlines()[4]
    start = llama4["location"]["column"] - 1  # type: ignore[index]
    end = llama4["end_location"]["column"] - 1  # type: ignore[index]
    assert line[start:end] == "flex_attention"
    gemma = found["llamafactory/bad/gemma2_sdpa_lora.yaml"]
    assert gemma["location"] == {"row": 4, "column": 13} and "gemma2" in str(gemma["message"])


def test_yaml_fix_rewrites_only_the_value(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every comment, blank line, key order and quote style stays; only the value's bytes change."""
    names = [
        "llamafactory/bad/gemma2_sdpa_lora.yaml",
        "llamafactory/bad/local_gemma2.yaml",
        "trl/bad/grpo_unknown_cache.yaml",
        "lm_eval/bad/flash_float32.sh",
        "lm_eval/bad/config_mapping.yaml",
    ]
    before = {name: (tree / name).read_bytes() for name in names}
    main(["fix", "--unsafe-fixes", *names])
    capsys.readouterr()
    after = {name: (tree / name).read_bytes() for name in names}
    assert after["llamafactory/bad/gemma2_sdpa_lora.yaml"] == before[
        "llamafactory/bad/gemma2_sdpa_lora.yaml"
    ].replace(b"flash_attn: sdpa\n", b"flash_attn: disabled\n")
    assert after["llamafactory/bad/local_gemma2.yaml"] == before[
        "llamafactory/bad/local_gemma2.yaml"
    ].replace(b'flash_attn: "sdpa"', b'flash_attn: "disabled"')
    assert after["trl/bad/grpo_unknown_cache.yaml"] == before["trl/bad/grpo_unknown_cache.yaml"].replace(
        b"cache_implementation: dynamical\n", b"cache_implementation: dynamic\n"
    )
    assert after["lm_eval/bad/flash_float32.sh"] == before["lm_eval/bad/flash_float32.sh"].replace(
        b"attn_implementation=flash_attention_2,dtype=float32'", b"attn_implementation=sdpa,dtype=float32'"
    )
    assert after["lm_eval/bad/config_mapping.yaml"] == before["lm_eval/bad/config_mapping.yaml"].replace(
        b"  attn_implementation: sdpa\n", b"  attn_implementation: eager\n"
    )
    remaining = {str(d["filename"]) for d in _check(capsys)}
    assert remaining.isdisjoint(names)


def test_fixes_that_need_a_new_key_or_a_switch_are_refused(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (tree / "axolotl/bad/gemma2_sdpa.yaml").read_bytes()
    main(["fix", "--unsafe-fixes", "axolotl/bad/gemma2_sdpa.yaml", "axolotl/bad/llama4_flex.yaml"])
    out = capsys.readouterr().err  # why a fix was refused is a note on stderr
    assert "axolotl's `sdp_attention` cannot say 'eager' in place; change the config by hand" in out
    assert "the config does not set cache_implementation; add 'hybrid' by hand" in out
    assert (tree / "axolotl/bad/gemma2_sdpa.yaml").read_bytes() == before


def test_check_shows_the_yaml_fix(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    found = _check(capsys, "--unsafe-fixes")
    fix = next(d["fix"] for d in found if d["filename"] == "trl/bad/flash_float32.yaml")
    assert fix == {
        "applicability": "unsafe",
        "message": fix["message"],  # type: ignore[index]
        "edits": [
            {
                "content": "sdpa",
                "location": {"row": 3, "column": 22},
                "end_location": {"row": 3, "column": 39},
            }
        ],
    }


def test_a_safe_yaml_fix_is_applied_by_plain_fix(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = (
        "model_name_or_path: meta-llama/Llama-4-Scout-17B-16E-Instruct\n"
        "attn_implementation: flex_attention\n"
        "cache_implementation: 'dynamic'  # generate's default\n"
    )
    _write(project, "sft.yaml", config)
    assert main(["check"]) == 1
    assert "sft.yaml:2:22: ATN101 [*] " in capsys.readouterr().out
    assert main(["fix"]) == 0
    assert (project / "sft.yaml").read_text(encoding="utf-8") == config.replace("'dynamic'", "'hybrid'")


# ---- bad input ----------------------------------------------------------------------------------


def _write(root: Path, name: str, text: str | bytes) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    _write(tmp_path, "requirements.txt", "transformers==4.51.0\n")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_broken_yaml_is_one_finding_and_the_run_goes_on(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(project, "broken.yaml", "model_name_or_path: google/gemma-2-9b\nflash_attn: [sdpa\nstage: sft\n")
    _write(project, "good.yaml", "model_name_or_path: google/gemma-2-9b\nflash_attn: sdpa\nstage: sft\n")
    found = _check(capsys)
    assert [(d["filename"], d["code"]) for d in found] == [("broken.yaml", "ATN005"), ("good.yaml", "ATN202")]
    assert found[0]["location"] == {"row": 3, "column": 6} and "invalid YAML" in str(found[0]["message"])


def test_yaml_that_is_not_utf8(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(project, "latin1.yaml", "# caf\xe9\nmodel_name_or_path: x\n".encode("latin-1"))
    assert [d["code"] for d in _check(capsys)] == ["ATN002"]


def test_unknown_keys_and_other_yaml_are_ignored(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(
        project,
        "a.yaml",
        "model_name_or_path: Qwen/Qwen2.5-0.5B\nnot_a_trl_key: [1, {a: b}]\n"
        "attn_implementation: sdpa\nmodel_init_kwargs: 3\ngeneration_kwargs: [x]\n",
    )
    _write(project, "list.yaml", "- model_name_or_path: google/gemma-2-9b\n  flash_attn: sdpa\n")
    _write(project, "docker-compose.yml", "services:\n  app:\n    image: python\n")
    assert _check(capsys) == []


def test_a_model_path_that_does_not_exist(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """No model type: model-specific rules stay silent, the others still apply."""
    _write(project, "x.yaml", "model_name_or_path: ./no/such/checkpoint\nstage: sft\nflash_attn: sdpa\n")
    _write(project, "y.yaml", "model_name_or_path: ./no/such/model\nstage: sft\nflash_attn: fa2\n")
    assert [(d["filename"], d["code"]) for d in _check(capsys)] == [("y.yaml", "ATN111")]


def test_several_documents_are_several_configs(project: Path) -> None:
    text = "base_model: google/gemma-2-9b\nsdp_attention: true\n---\nbase_model: Qwen/Qwen2.5-7B\n"
    uses = extract_framework_file(text, "multi.yaml")
    assert [sorted(u.model_types) for u in uses] == [["gemma2"], ["qwen2"]]
    assert [s.value for s in uses[0].attn] == ["sdpa"] and uses[1].attn == []


def test_lm_eval_model_args_with_escapes_keep_values_but_no_spans() -> None:
    text = 'model_args: "pretrained=google/gemma-2-9b,\\x61ttn_implementation=sdpa"\n'
    (use,) = extract_framework_file(text, "eval.yaml")
    assert [s.value for s in use.attn] == ["sdpa"] and use.attn[0].span is None


def test_strict_reports_what_an_unknown_trl_default_may_break(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """bf16 unset in a TRL config: autocast is unknown, so ATN111 is silent unless --strict."""
    config = "model_name_or_path: Qwen/Qwen2.5-0.5B\nattn_implementation: flash_attention_2\n"
    config += "torch_dtype: float32\n"
    _write(project, "sft.yaml", config)
    assert _check(capsys) == []
    found = _check(capsys, "--strict")
    assert [(d["code"], d["severity"]) for d in found] == [("ATN111", "warning")]
