"""The flake8 plugin: a real `flake8` process, found through the declared entry point, reports
the same codes at the same places as `attnlint check` on the same project.

The entry point is read from pyproject.toml and published as a `attnlint` distribution on the
child's PYTHONPATH, ahead of any installed attnlint, so the test exercises the declaration this
checkout ships even when the installed metadata is older (flake8 keeps the first distribution of
a name it meets).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from attnlint.cli import main

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

REPO = Path(__file__).parent.parent

SEED = """from transformers import Llama4ForConditionalGeneration

model = Llama4ForConditionalGeneration.from_pretrained(
    "meta-llama/Llama-4-Scout-17B-16E-Instruct", attn_implementation="flex_attention", device_map="cuda"
)
out = model.generate(**inputs, max_new_tokens=32)
"""
SUPPRESSED = SEED.replace(
    'device_map="cuda"\n', 'device_map="cuda"  # noqa: ATN101\n'
)
FLASH_CPU = """import torch
from transformers import AutoModelForCausalLM

model = AutoModelForCausalLM.from_pretrained(
    "meta-llama/Llama-3.1-8B",
    attn_implementation="flash_attention_2",
    torch_dtype=torch.float32,
    device_map="cpu",
)
"""
CLEAN = 'from transformers import AutoModel\n\nmodel = AutoModel.from_pretrained("bert-base-uncased")\n'


def _entry_point_site(tmp_path: Path) -> Path:
    declared = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    group = declared["project"]["entry-points"]["flake8.extension"]
    site = tmp_path / "site"
    info = site / "attnlint-0.0.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: attnlint\nVersion: 0.0.0\n", encoding="utf-8"
    )
    lines = "".join(f"{name} = {target}\n" for name, target in group.items())
    (info / "entry_points.txt").write_text(f"[flake8.extension]\n{lines}", encoding="utf-8")
    return site


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    (root / "sub").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "p"\ndependencies = ["transformers==4.51.0"]\n')
    (root / "seed.py").write_text(SEED, encoding="utf-8")
    (root / "quiet.py").write_text(SUPPRESSED, encoding="utf-8")
    (root / "sub" / "flash_cpu.py").write_text(FLASH_CPU, encoding="utf-8")
    (root / "clean.py").write_text(CLEAN, encoding="utf-8")
    monkeypatch.chdir(root)
    return root


def _flake8(project: Path, site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(REPO)])}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "flake8",
            "--select",
            "ATN",
            "--format",
            "%(path)s:%(row)d:%(col)d:%(code)s",
            *args,
            ".",
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_flake8_reports_what_attnlint_check_reports(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    done = _flake8(project, _entry_point_site(tmp_path))
    assert done.returncode == 1, done.stderr
    from_flake8 = sorted(line.removeprefix("./") for line in done.stdout.split())

    assert main(["check", ".", "--output-format", "json"]) == 1
    found = json.loads(capsys.readouterr().out)
    from_attnlint = sorted(
        f"{d['filename']}:{d['location']['row']}:{d['location']['column']}:{d['code']}" for d in found
    )
    assert from_flake8 == from_attnlint
    assert {line.split(":")[0] for line in from_flake8} == {"seed.py", "sub/flash_cpu.py"}
    assert {"ATN101", "ATN109"} <= {line.rsplit(":", 1)[1] for line in from_flake8}


def test_flake8_ignore_and_plugin_listing(project: Path, tmp_path: Path) -> None:
    site = _entry_point_site(tmp_path)
    assert _flake8(project, site, "--extend-ignore", "ATN").stdout == ""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(REPO)])}
    version = subprocess.run(
        [sys.executable, "-m", "flake8", "--version"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    ).stdout
    assert "attnlint: " in version
