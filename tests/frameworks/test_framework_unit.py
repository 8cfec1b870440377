"""YAML configs and launch scripts as a unit kind of the one per-file check: the library entry
points, the prefilter, the result cache and the fixer's re-check all treat them like Python files."""

from __future__ import annotations

from pathlib import Path

from attnlint.engine import CheckContext, Unit, check_bytes, check_unit
from attnlint.extract.versions import target_from_specifier
from attnlint.fix.rounds import fix_unit
from attnlint.prefilter import may_trigger, worth_parsing
from attnlint.project import check_paths
from attnlint.settings import Settings
from attnlint.source import decode

TRL = (
    "# trl sft --config sft.yaml\n"
    "model_name_or_path: meta-llama/Llama-4-Scout-17B-16E-Instruct\n"
    "attn_implementation: flex_attention  # keep\n"
    "cache_implementation: dynamic\n"
)
TARGET = target_from_specifier("==4.51.0", "the test's pin")


def test_check_bytes_reads_yaml_and_shell() -> None:
    found = check_bytes(TRL.encode(), "sft.yaml", target=TARGET)
    assert [(d.code, d.location.row, d.location.column) for d in found] == [("ATN101", 3, 22)]
    script = "lm_eval --model hf --model_args pretrained=google/gemma-2-9b,attn_implementation=sdpa\n"
    assert [d.code for d in check_bytes(script.encode(), "eval.sh", target=TARGET)] == ["ATN202"]
    assert [d.code for d in check_bytes(b"model_name_or_path: [x\n", "bad.yml", target=TARGET)] == ["ATN005"]
    assert [d.code for d in check_bytes(b"model_name_or_path: caf\xe9\n", "c.yaml")] == ["ATN002"]


def test_a_yaml_comment_suppresses_like_a_python_one() -> None:
    quiet = TRL.replace("  # keep", "  # noqa: ATN101")
    assert check_bytes(quiet.encode(), "sft.yaml", target=TARGET) == []
    other = TRL.replace("  # keep", "  # attnlint: ignore[ATN2]")
    assert [d.code for d in check_bytes(other.encode(), "sft.yaml", target=TARGET)] == ["ATN101"]


def test_the_prefilter_passes_framework_files_by_their_own_words() -> None:
    axolotl = b"base_model: Qwen/Qwen2.5-0.5B\nflash_attention: true\n"
    assert not may_trigger(axolotl)  # the rules' words are not in it
    assert worth_parsing("train.yaml", axolotl)
    assert [d.code for d in check_bytes(axolotl, "train.yaml", target=TARGET)] == ["ATN111"]
    assert not worth_parsing("ci.yml", b"on: push\njobs: {}\n")
    assert not worth_parsing("train.py", axolotl)


def test_the_fixer_re_checks_with_check_unit() -> None:
    source = decode("sft.yaml", TRL.encode())
    unit, context = Unit((source,)), CheckContext(target=TARGET)
    found = check_unit(unit, context)
    outcome = fix_unit(unit, found, context, unsafe=True)
    fixed = outcome.unit.sources[0]
    assert fixed.text == TRL.replace("cache_implementation: dynamic", "cache_implementation: hybrid")
    assert [f.code for f in outcome.fixed] == ["ATN101"]
    assert check_unit(outcome.unit, context) == []


def test_the_result_cache_keys_framework_files(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("transformers==4.51.0\n", encoding="utf-8")
    config = tmp_path / "sft.yaml"
    config.write_text(TRL, encoding="utf-8")

    def run() -> tuple[list[str], int, int]:
        result = check_paths([tmp_path], Settings(), root=tmp_path, cache=True)
        return [d.code for d in result.diagnostics], result.files_parsed, result.files_from_cache

    assert run() == (["ATN101"], 1, 0)
    assert run() == (["ATN101"], 0, 1)
    config.write_text(TRL.replace("flex_attention", "sdpa"), encoding="utf-8")
    assert run() == ([], 1, 0)
