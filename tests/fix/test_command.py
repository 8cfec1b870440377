"""`attnlint fix` and `attnlint check --fix` end to end, in a scratch project pinned by requirements.txt."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attnlint.cli import main
from attnlint.fix.command import unified_diff

SEED = """from transformers import Llama4ForConditionalGeneration

model = Llama4ForConditionalGeneration.from_pretrained(
    "meta-llama/Llama-4-Scout-17B-16E-Instruct", attn_implementation="flex_attention", device_map="cuda"
)
out = model.generate(**inputs, max_new_tokens=32)
"""
FIXED = SEED.replace("max_new_tokens=32)", 'max_new_tokens=32, cache_implementation="hybrid")')
SDPA = SEED.replace('"flex_attention"', '"sdpa"')
CLEAN = "import os\n\nprint(os.getcwd())\n"


def _project(root: Path, requirement: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    root.mkdir()
    (root / "requirements.txt").write_text(f"{requirement}\n", encoding="utf-8")
    (root / "infer.py").write_text(SEED, encoding="utf-8")
    (root / "clean.py").write_text(CLEAN, encoding="utf-8")
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def pinned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return _project(tmp_path / "pinned", "transformers==4.51.0", monkeypatch)


@pytest.fixture
def ranged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return _project(tmp_path / "ranged", "transformers>=4.50", monkeypatch)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main([*argv, "--select", "ATN0,ATN101"])  # findings of other rules must not change counts
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_fix_applies_the_safe_fix_and_exits_0(pinned: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stamp = (pinned / "clean.py").stat().st_mtime_ns
    code, out = _run(capsys, "fix", ".")
    assert (code, out) == (0, "Fixed 1 error (0 remaining).\n")
    assert (pinned / "infer.py").read_text(encoding="utf-8") == FIXED
    assert (pinned / "clean.py").stat().st_mtime_ns == stamp
    assert _run(capsys, "check", ".")[0] == 0


def test_check_fix_is_the_same_command(pinned: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "check", "--fix", "infer.py") == (0, "Fixed 1 error (0 remaining).\n")
    assert (pinned / "infer.py").read_text(encoding="utf-8") == FIXED


def test_diff_prints_and_writes_nothing(pinned: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(capsys, "fix", "--diff", ".")
    assert code == 1
    assert "--- infer.py\n+++ infer.py\n" in out
    assert '+out = model.generate(**inputs, max_new_tokens=32, cache_implementation="hybrid")\n' in out
    assert "Would fix 1 error (0 remaining)." in out
    assert (pinned / "infer.py").read_text(encoding="utf-8") == SEED
    (pinned / "infer.py").write_text(FIXED, encoding="utf-8")
    assert _run(capsys, "fix", "--diff", ".")[0] == 0


def test_unsafe_fixes_are_held_back_and_the_exit_code_says_so(
    ranged: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _run(capsys, "fix", ".")
    assert code == 1
    assert "infer.py:4:70: ATN101 " in out
    assert out.endswith("Fixed 0 errors (1 remaining).\n1 fix available with --unsafe-fixes.\n")
    assert (ranged / "infer.py").read_text(encoding="utf-8") == SEED
    assert _run(capsys, "fix", "--unsafe-fixes", ".") == (0, "Fixed 1 error (0 remaining).\n")
    assert (ranged / "infer.py").read_text(encoding="utf-8") == SDPA


def test_a_read_only_file_is_reported_and_kept(
    pinned: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: mode != os.W_OK and real_access(p, mode))
    code, out = _run(capsys, "fix", ".")
    assert code == 1
    assert "infer.py: the file is read-only; not fixed" in out
    assert "Fixed 0 errors (1 remaining)." in out
    assert (pinned / "infer.py").read_text(encoding="utf-8") == SEED


def test_a_syntax_error_remains_and_fails_the_run(pinned: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = "from transformers import AutoModel\nAutoModel.from_pretrained('x', attn_implementation='sdpa'\n"
    (pinned / "broken.py").write_text(broken, encoding="utf-8")
    code, out = _run(capsys, "fix", ".")
    assert code == 1
    assert "broken.py:" in out and "ATN001" in out
    assert "Fixed 1 error (1 remaining)." in out
    assert (pinned / "broken.py").read_text(encoding="utf-8") == broken


def test_fix_pins_narrows_the_requirement_instead_of_changing_the_kernel(
    ranged: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _run(capsys, "fix", "--fix-pins", ".")
    assert code == 1
    assert "a requirement change is available with --fix-pins --unsafe-fixes: transformers>=4.53" in out
    assert (ranged / "requirements.txt").read_text(encoding="utf-8") == "transformers>=4.50\n"
    assert _run(capsys, "fix", "--fix-pins", "--unsafe-fixes", ".") == (0, "Fixed 1 error (0 remaining).\n")
    assert (ranged / "requirements.txt").read_text(encoding="utf-8") == "transformers>=4.53\n"
    assert (ranged / "infer.py").read_text(encoding="utf-8") == SEED


def test_fix_pins_refuses_a_requirement_no_release_would_satisfy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`transformers>=4.50,<4.52` once became `transformers<4.52,>=4.53`, and the re-check under that
    empty range reported the project clean."""
    root = _project(tmp_path / "capped", "transformers>=4.50,<4.52", monkeypatch)
    _, out = _run(capsys, "fix", "--fix-pins", "--unsafe-fixes", ".")
    assert (root / "requirements.txt").read_text(encoding="utf-8") == "transformers>=4.50,<4.52\n"
    assert "not repinned: transformers<4.52,>=4.50 cannot be narrowed to >=4.53" in out
    assert "All checks passed" not in out


def test_a_model_folder_loses_the_key_in_generation_config(
    pinned: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """ATN205 (5.24: flex with a static cache drifts): the safe fix drops the static cache from
    generation_config.json, with the comma before it, keeping the file's CRLF rows and no final newline."""
    (pinned / "requirements.txt").write_text("transformers==5.24.0\n", encoding="utf-8")
    folder = pinned / "ckpt"
    folder.mkdir()
    config = '{\n  "attn_implementation": "flex_attention",\n  "model_type": "llama"\n}\n'
    (folder / "config.json").write_text(config, encoding="utf-8")
    (folder / "generation_config.json").write_bytes(
        b'{\r\n    "bos_token_id": 1,\r\n    "cache_implementation": "static"\r\n}')
    code, out = _run(capsys, "fix", "--diff", "ckpt", "--extend-select", "ATN205")
    assert code == 1 and out.endswith("\\ No newline at end of file\nWould fix 1 error (0 remaining).\n")
    assert _run(capsys, "fix", "ckpt", "--extend-select", "ATN205") == (0, "Fixed 1 error (0 remaining).\n")
    assert (folder / "config.json").read_text(encoding="utf-8") == config
    assert (folder / "generation_config.json").read_bytes() == b'{\r\n    "bos_token_id": 1\r\n}'


def test_the_unsafe_fixes_setting_is_honoured_and_the_option_overrides_it(
    ranged: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (ranged / "pyproject.toml").write_text("[tool.attnlint]\nunsafe-fixes = true\n", encoding="utf-8")
    code, out = _run(capsys, "fix", "--no-unsafe-fixes", ".")
    assert code == 1 and out.endswith("1 fix available with --unsafe-fixes.\n")
    assert (ranged / "infer.py").read_text(encoding="utf-8") == SEED
    assert _run(capsys, "fix", ".") == (0, "Fixed 1 error (0 remaining).\n")
    assert (ranged / "infer.py").read_text(encoding="utf-8") == SDPA


def test_each_subproject_is_fixed_against_its_own_pins(
    ranged: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Under a root allowing `>=4.50`, the 4.51.0 subproject takes the safe `hybrid` cache fix and
    the `>=4.53` one has nothing to fix. Every rule runs: re-checked on the root's range, the fixed
    code would be ATN113 (hybrid cache crashes on 4.52.x) and the fix would be rolled back."""
    for name, requirement in (("old", "transformers==4.51.0"), ("new", "transformers>=4.53")):
        (ranged / name).mkdir()
        (ranged / name / "requirements.txt").write_text(f"{requirement}\n", encoding="utf-8")
        (ranged / name / "infer.py").write_text(SEED, encoding="utf-8")
    code = main(["fix", "old", "new"])
    captured = capsys.readouterr()
    assert (code, captured.out + captured.err) == (0, "Fixed 1 error (0 remaining).\n")
    assert (ranged / "old" / "infer.py").read_text(encoding="utf-8") == FIXED
    assert (ranged / "new" / "infer.py").read_text(encoding="utf-8") == SEED


_ROWS = st.lists(st.sampled_from(["a", "b", "x = 1", "", "\r", "\x0c"]), max_size=5)


@given(_ROWS, _ROWS, st.booleans(), st.booleans())
def test_a_diff_always_ends_its_last_line(
    old: list[str], new: list[str], old_end: bool, new_end: bool
) -> None:
    """The summary printed after `fix --diff` starts on its own line: every diff line ends with a
    newline, the last one of a text without a final newline is followed by patch's marker."""
    before = "\n".join(old) + ("\n" if old_end else "")
    after = "\n".join(new) + ("\n" if new_end else "")
    diff = unified_diff("a.py", before, after)
    assert (diff == "") == (before == after)
    assert diff == "" or diff.endswith("\n")
