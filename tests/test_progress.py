"""Progress and the summary line: on a terminal's stderr only, never in the report on stdout."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from attnlint.cli import main
from attnlint.report import progress as progress_module
from attnlint.report.progress import Progress, summary_line

SEED = (
    "from transformers import Llama4ForConditionalGeneration\n"
    "m = Llama4ForConditionalGeneration.from_pretrained("
    "'x', attn_implementation='flex_attention', device_map='cuda')\n"
    "m.generate(ids)\n"
)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _run(monkeypatch: pytest.MonkeyPatch, err: io.StringIO, *argv: str) -> str:
    out = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    with contextlib.redirect_stdout(out):
        main(["check", *argv])
    return out.getvalue()


def _tree(root: Path) -> None:
    (root / "requirements.txt").write_text("transformers==4.51.0\n", encoding="utf-8")
    (root / "seed.py").write_text(SEED, encoding="utf-8")
    for n in range(5):
        (root / f"plain_{n}.py").write_text("print(1)\n", encoding="utf-8")


def test_a_terminal_gets_progress_and_a_summary_and_stdout_stays_clean(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(progress_module, "_DELAY_S", 0.0)  # show progress at once
    monkeypatch.setattr(progress_module, "_EVERY_S", 0.0)
    err = Terminal()
    out = _run(monkeypatch, err, "--output-format", "json", "--no-cache")
    assert [d["code"] for d in json.loads(out)] == ["ATN101"]
    shown = err.getvalue()
    assert "\rattnlint: checked 6/6 files" in shown and "\r\033[K" in shown
    assert shown.endswith("\n")
    assert "attnlint: 6 files seen, 1 parsed, 0 from the cache, 1 finding in " in shown
    _run(monkeypatch, Terminal(), "--output-format", "json")  # fills the cache
    warm = Terminal()
    _run(monkeypatch, warm, "--output-format", "json")
    assert "6 files seen, 0 parsed, 1 from the cache, 1 finding" in warm.getvalue()


def test_no_terminal_no_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(progress_module, "_DELAY_S", 0.0)
    err = io.StringIO()
    _run(monkeypatch, err)
    assert err.getvalue() == ""


def test_short_runs_show_no_progress() -> None:
    err = Terminal()
    shown = Progress(err)
    shown(1, 2)
    shown.clear()
    assert err.getvalue() == ""
    line = summary_line(3, 1, 0, 2, 0.25)
    assert line == "attnlint: 3 files seen, 1 parsed, 0 from the cache, 2 findings in 0.2 s"
