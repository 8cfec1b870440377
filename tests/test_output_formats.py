"""The human formats (concise/text and full), `--output-file`, and when colour is used.

Each test runs the real command on a real project pinned to transformers 4.51.0 holding the
seed case, whose fix is safe, so every part of the full format (caret, fix diff) shows.
"""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import pytest

from attnlint.cli import main
from attnlint.diagnostic import Diagnostic
from attnlint.report import FORMATS, render
from attnlint.report.full import render_full
from attnlint.report.style import wants_colour
from attnlint.report.text import render_text
from attnlint.settings import load_settings

SEED = """from transformers import Llama4ForConditionalGeneration

model = Llama4ForConditionalGeneration.from_pretrained(
    "meta-llama/Llama-4-Scout-17B-16E-Instruct", attn_implementation="flex_attention", device_map="cuda"
)
out = model.generate(**inputs, max_new_tokens=32)
"""
ESC = "\x1b["


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "requirements.txt").write_text("transformers==4.51.0\n", encoding="utf-8")
    (tmp_path / "gen.py").write_text(SEED, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    return tmp_path


def _out(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert main(["check", *argv]) == 1
    return capsys.readouterr().out


def test_every_format_is_registered() -> None:
    assert {name: isinstance(render([], name), str) for name in FORMATS} == dict.fromkeys(FORMATS, True)


def test_concise_is_the_text_format(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    concise = _out(capsys, "--output-format", "concise")
    assert concise == _out(capsys)
    assert concise.startswith("gen.py:4:70: ATN101 [*] Llama4 with attn_implementation='flex_attention'")


def test_full_shows_the_line_a_caret_and_the_fix_as_a_diff(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _out(capsys, "--output-format", "full").splitlines()
    assert lines[0].startswith("gen.py:4:70: ATN101 [*] ")
    source = ('4 |     "meta-llama/Llama-4-Scout-17B-16E-Instruct", attn_implementation="flex_attention",'
              ' device_map="cuda"')
    assert lines[2] == source
    caret = lines[3]
    assert caret.index("^") == source.index('"flex_attention"') and caret.endswith("^" * 16 + " ATN101")
    assert any(line.startswith('  = fix (safe): use cache_implementation="hybrid"') for line in lines)
    assert "    -out = model.generate(**inputs, max_new_tokens=32)" in lines
    assert '    +out = model.generate(**inputs, max_new_tokens=32, cache_implementation="hybrid")' in lines
    assert lines[-2:] == ["Found 1 error.", "[*] 1 fixable with the `--fix` option."]


def test_full_marks_fixes_that_need_unsafe_fixes(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An unsafe fix is shown with its diff but flagged, and the finding carries no `[*]`."""
    assert main(["check", "--output-format", "json"]) == 1
    found = [Diagnostic.from_json(d) for d in json.loads(capsys.readouterr().out)]
    assert found[0].fix is not None
    found[0] = replace(found[0], fix=replace(found[0].fix, applicability="unsafe"))
    out = render_full(found, unsafe_fixes=False)
    assert "[*]" not in out.splitlines()[0] and "  = fix (unsafe, needs --unsafe-fixes): " in out
    assert "No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option)." in out
    assert "  = fix (unsafe): " in render_full(found, unsafe_fixes=True)
    assert "No fixes available (2 hidden fixes can be enabled" in render_text([found[0], found[0]])


def test_output_file_gets_the_report_and_stdout_stays_empty(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--output-format", "json", "--output-file", "reports/attnlint.json"]) == 1
    assert capsys.readouterr().out == ""
    written = json.loads((project / "reports" / "attnlint.json").read_text(encoding="utf-8"))
    assert [d["code"] for d in written] == ["ATN101"]


def test_output_file_that_cannot_be_written_is_a_usage_error(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "taken").write_text("", encoding="utf-8")
    assert main(["check", "--output-file", "taken/report.txt"]) == 2
    assert "--output-file taken/report.txt" in capsys.readouterr().err


def test_colour_on_a_terminal_only(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    terminal = _Terminal()
    monkeypatch.setattr("sys.stdout", terminal)
    assert main(["check", "--output-format", "full"]) == 1
    assert ESC in terminal.getvalue()
    assert "\x1b[1;31mATN101\x1b[0m" in terminal.getvalue()

    plain = io.StringIO()
    monkeypatch.setattr("sys.stdout", plain)
    assert main(["check", "--output-format", "full"]) == 1
    assert ESC not in plain.getvalue() and "ATN101" in plain.getvalue()


def test_no_color_turns_colour_off_on_a_terminal(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    terminal = _Terminal()
    monkeypatch.setattr("sys.stdout", terminal)
    assert main(["check"]) == 1
    assert ESC not in terminal.getvalue() and "ATN101" in terminal.getvalue()


def test_colour_never_reaches_an_output_file(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdout", _Terminal())
    assert main(["check", "--output-file", "out.txt"]) == 1
    assert ESC not in (project / "out.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("env", "tty", "expected"),
    [({}, True, True), ({"NO_COLOR": ""}, True, True), ({"NO_COLOR": "x"}, True, False), ({}, False, False)],
)
def test_wants_colour(env: dict[str, str], tty: bool, expected: bool) -> None:
    stream = _Terminal() if tty else io.StringIO()
    assert wants_colour(stream, env) is expected


def test_every_format_is_a_valid_setting(tmp_path: Path) -> None:
    for name in FORMATS:
        (tmp_path / "pyproject.toml").write_text(
            f'[tool.attnlint]\noutput-format = "{name}"\n', encoding="utf-8"
        )
        assert load_settings(tmp_path).output_format == name
