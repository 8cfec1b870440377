"""`attnlint check --show-settings`: the settings file, the files and whether they are parsed, each
project's transformers window with its reason, and which selected rules can fire there."""

from __future__ import annotations

from pathlib import Path

import pytest

from attnlint.cli import main
from attnlint.knowledge import rules

SEED = """from transformers import Llama4ForConditionalGeneration

model = Llama4ForConditionalGeneration.from_pretrained("x", attn_implementation="flex_attention")
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    files = {
        "pyproject.toml": '[project]\nname = "p"\ndependencies = ["transformers>=4.53"]\n'
        '[tool.attnlint]\nignore = ["ATN3"]\n',
        "app/gen.py": SEED,
        "app/util.py": "def add(a, b):\n    return a + b\n",
        "legacy/requirements.txt": "transformers==4.51.0\n",
        "legacy/old.py": SEED,
        "legacy/train.yaml": "model_name_or_path: google/gemma-2-9b\nstage: sft\nflash_attn: sdpa\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_show_settings_explains_files_targets_and_rules(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--show-settings"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert f"Settings file: {project / 'pyproject.toml'}" in lines
    assert "  ignore = ['ATN3']" in lines
    assert "  app/gen.py: python, parsed; judged with the project at ." in lines
    assert "  app/util.py: python, skipped by the byte test; judged with the project at ." in lines
    yaml_line = "  legacy/train.yaml: framework config or launch script, parsed; judged with the project at"
    yaml_line += " legacy"
    assert yaml_line in lines
    assert any(
        line.startswith("  .: transformers >=4.53 (4.53.0-")
        and "`transformers>=4.53` (pyproject.toml)" in line
        for line in lines
    )
    assert "  legacy: transformers ==4.51.0 (4.51.0), because your requirement `transformers==4.51.0` " \
        "(requirements.txt) allows" in lines
    assert "  ATN101 llama4-flex-dynamic-pad: transformers ==4.51.0; can fire on 4.51.0" in lines
    never = "  ATN113 llama4-flex-hybrid-4d-mask: transformers >=4.52.1,<4.53; cannot fire on these targets"
    assert never in lines
    assert not any(line.startswith("  ATN301") for line in lines)  # ignored by the settings
    assert f"Rules ({sum(not r.code.startswith('ATN3') for r in rules())} selected):" in lines


def test_show_settings_honours_the_override_and_a_single_path(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--show-settings", "--transformers-version", "==5.24.0", "legacy/old.py"]) == 0
    out = capsys.readouterr().out
    assert "Files (1):\n  legacy/old.py: python, parsed; judged with the project at legacy\n" in out
    assert "  legacy: transformers ==5.24.0 (5.24.0), because the --transformers-version `==5.24.0` allows" \
        in out
    assert "ATN101 llama4-flex-dynamic-pad: transformers ==4.51.0; cannot fire on these targets" in out
