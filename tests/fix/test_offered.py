"""A fix is offered (`[*]`, the hidden-fix hint, the JSON `fix` field) only when `fix` keeps it.

The seed (examples/seed, pinned to 4.51.0) has ATN101, whose safe fix adds the hybrid cache, and
ATN114 (flex on a device chosen at run time), whose unsafe fix switches to sdpa. `fix
--unsafe-fixes` rolls that one back: sdpa with the hybrid cache raises (ATN117). Plain `fix` once
ended with "1 fix available with --unsafe-fixes" and `check` promised "1 hidden fix", and then the
unsafe run changed nothing.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from attnlint.cli import main

REPO = Path(__file__).resolve().parents[2]


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture
def seed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(REPO / "examples" / "seed", tmp_path / "seed")
    monkeypatch.chdir(tmp_path / "seed")
    return tmp_path / "seed"


def _fixes(capsys: pytest.CaptureFixture[str], *argv: str) -> dict[str, str | None]:
    """Each finding's offered fix (its applicability, None when none) in `--output-format json`."""
    _, out, _ = _run(capsys, *argv, "--output-format", "json")
    return {d["code"]: d["fix"] and d["fix"]["applicability"] for d in json.loads(out)}


def test_check_offers_only_the_fix_that_fix_keeps(seed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _run(capsys, "check", "--no-cache", ".")
    assert code == 1
    assert out.endswith("Found 1 error and 1 warning.\n[*] 1 fixable with the `--fix` option.\n")
    assert "generate.py:15:25: ATN114 attn_implementation" in out  # listed, with no [*]
    assert _fixes(capsys, "check", "--no-cache", ".") == {"ATN101": "safe", "ATN114": None}
    _, out, _ = _run(capsys, "check", "--no-cache", "--unsafe-fixes", ".")
    assert out.endswith("[*] 1 fixable with the `--fix` option.\n")


def test_the_plain_fix_hint_and_the_unsafe_run_agree(seed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(capsys, "fix", ".")
    assert (code, err) == (1, "")
    assert out.endswith("Fixed 1 error (1 remaining).\n")  # no "available with --unsafe-fixes"
    fixed = {p: p.read_bytes() for p in sorted(seed.rglob("*")) if p.is_file()}
    assert b'cache_implementation="hybrid"' in fixed[seed / "generate.py"]
    assert _fixes(capsys, "check", "--no-cache", ".") == {"ATN114": None}
    code, out, err = _run(capsys, "fix", "--unsafe-fixes", ".")
    assert code == 1 and out.endswith("Fixed 0 errors (1 remaining).\n")
    assert "ATN114 not fixed: fix rolled back: the fix would cause ATN117" in err
    assert {p: p.read_bytes() for p in sorted(seed.rglob("*")) if p.is_file()} == fixed


def test_the_result_cache_keeps_what_was_offered(seed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A warm check reports from `.attnlint_cache/`, which holds the diagnostics as offered."""
    cold = _run(capsys, "check", ".")
    assert (seed / ".attnlint_cache").is_dir()
    assert _run(capsys, "check", ".") == cold
    assert "hidden fix" not in cold[1]


STATIC = """from transformers import Llama4ForConditionalGeneration
model = Llama4ForConditionalGeneration.from_pretrained(
    "meta-llama/Llama-4-Scout-17B-16E-Instruct", attn_implementation="flex_attention"
)
out = model.generate(**inputs, cache_implementation="static")
"""


def test_a_safe_fix_only_the_unsafe_run_keeps_is_offered_as_unsafe(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Dropping the static cache (ATN119, ATN205: safe) causes ATN101 under flex on 4.51, so plain
    `fix` rolls it back; beside ATN113's sdpa switch (unsafe) it holds. Check once marked both
    `[*]`, and plain `fix` then fixed nothing."""
    (tmp_path / "requirements.txt").write_text("transformers>=4.50\n", encoding="utf-8")
    (tmp_path / "s.py").write_text(STATIC, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    fixes = _fixes(capsys, "check", "--no-cache", ".")
    assert fixes["ATN119"] == fixes["ATN205"] == fixes["ATN113"] == "unsafe"
    assert set(fixes.values()) == {"unsafe"}  # the kernel switch removes every finding
    hidden = len(fixes)
    _, out, _ = _run(capsys, "check", "--no-cache", ".")
    assert out.endswith(f"No fixes available ({hidden} hidden fixes can be enabled with the `--unsafe-fixes` "
                        "option).\n")
    _, out, err = _run(capsys, "fix", ".")
    hint = f"{hidden} fixes available with --unsafe-fixes.\n"
    assert out.endswith(f"Fixed 0 errors ({hidden} remaining).\n{hint}")
    assert "ATN119 not fixed: fix rolled back: the fix would cause ATN101" in err
    code, out, _ = _run(capsys, "fix", "--unsafe-fixes", ".")
    assert code == 0 and out.endswith("(0 remaining).\n")


def test_the_python_api_offers_what_the_command_line_offers(
    seed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`attnlint.check_source` and `check_bytes` (the public API) report the fixes `check` reports,
    not every planned one: the engine's own `check_source` still attaches ATN114's unsafe switch."""
    import attnlint
    from attnlint.diagnostic import Diagnostic
    from attnlint.engine import check_source as planned
    from attnlint.extract.versions import resolve_target

    target = resolve_target(seed)
    text = (seed / "generate.py").read_text(encoding="utf-8")
    offered = _fixes(capsys, "check", "generate.py")
    assert offered == {"ATN101": "safe", "ATN114": None}

    def applicability(found: list[Diagnostic]) -> dict[str, str | None]:
        return {d.code: d.fix.applicability if d.fix else None for d in found}

    assert applicability(attnlint.check_source(text, "generate.py", target=target, root=seed)) == offered
    data = (seed / "generate.py").read_bytes()
    assert applicability(attnlint.check_bytes(data, "generate.py", target=target, root=seed)) == offered
    assert applicability(planned(text, "generate.py", target=target, root=seed))["ATN114"] == "unsafe"
