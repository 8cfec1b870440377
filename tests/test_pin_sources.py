"""Pins from setup.py, setup.cfg, environment.yml, Pipfile.lock, requirements/*.txt and constraints
files: each read into the same target as a pyproject requirement, and each broken file an error
that names it (exit code 2 from the command line, as for a broken pyproject.toml)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet

from attnlint.cli import main
from attnlint.extract.pins.conda import conda_requirement
from attnlint.extract.versions import VersionError, has_pin_files, resolve_target

SETUP_PY = """from setuptools import find_packages, setup

BASE = ["numpy>=1.26", "transformers>=4.51,<4.53"]

setup(
    name="demo",
    packages=find_packages(),
    install_requires=BASE,
    extras_require={"gpu": ["torch==2.6.0"], "dev": ["pytest"]},
)
"""
SETUP_CFG = """[metadata]
name = demo

[options]
packages = find:
install_requires =
    numpy
    transformers==4.51.3  # the last 4.51
[options.extras_require]
torch =
    torch>=2.5
"""
ENVIRONMENT = """name: llm
channels:
  - conda-forge
dependencies:
  - python=3.11
  - pytorch::pytorch=2.6
  - conda-forge::transformers=4.51
  - pip
  - pip:
      - -r requirements-extra.txt
      - accelerate>=1.0
"""
PIPFILE_LOCK = {
    "_meta": {"hash": {"sha256": "0" * 64}, "pipfile-spec": 6, "requires": {"python_version": "3.11"}},
    "default": {"transformers": {"hashes": [], "version": "==4.52.4"}, "torch": {"version": "==2.6.0"}},
    "develop": {},
}


def write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_setup_py_read_statically_through_a_module_name(tmp_path: Path) -> None:
    write(tmp_path, "setup.py", SETUP_PY + "raise SystemExit('never run')\n")
    target = resolve_target(tmp_path)
    assert target.transformers == SpecifierSet(">=4.51,<4.53")
    assert target.reason == "your requirement `transformers>=4.51,<4.53` (setup.py) allows"
    assert target.torch == SpecifierSet("==2.6.0")


def test_setup_py_computed_requirements_are_skipped(tmp_path: Path) -> None:
    computed = "from setuptools import setup\nsetup(install_requires=open('r.txt').read())\n"
    write(tmp_path, "setup.py", computed)
    write(tmp_path, "requirements.txt", "transformers==4.51.0\n")
    assert resolve_target(tmp_path).transformers == SpecifierSet("==4.51.0")


def test_setup_cfg_install_requires_and_extras(tmp_path: Path) -> None:
    write(tmp_path, "setup.cfg", SETUP_CFG)
    target = resolve_target(tmp_path)
    assert target.transformers == SpecifierSet("==4.51.3") and "(setup.cfg)" in target.reason
    assert target.torch == SpecifierSet(">=2.5")


def test_environment_yml_conda_and_pip_sections(tmp_path: Path) -> None:
    write(tmp_path, "environment.yml", ENVIRONMENT)
    target = resolve_target(tmp_path)
    assert target.transformers == SpecifierSet("==4.51.*")
    assert target.transformers.contains("4.51.3") and not target.transformers.contains("4.52.0")
    assert target.torch == SpecifierSet("==2.6.*")


def test_environment_yml_pip_subsection(tmp_path: Path) -> None:
    write(tmp_path, "environment.yaml", "dependencies:\n  - python\n  - pip:\n    - transformers==4.55.4\n")
    assert resolve_target(tmp_path).transformers == SpecifierSet("==4.55.4")


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("transformers=4.51", "transformers==4.51.*"),
        ("transformers==4.51.0", "transformers==4.51.0"),
        ("conda-forge::transformers>=4.51,<4.53", "transformers>=4.51,<4.53"),
        ("transformers 4.51.0 pyhd8ed1ab_0", "transformers==4.51.0"),
        ("transformers 4.51*", "transformers==4.51.*"),
        ("pytorch=2.6.0", "torch==2.6.0.*"),
        ("transformers", None),
        ("transformers 4.51.0|4.52.0", None),
    ],
)
def test_conda_match_specs(spec: str, expected: str | None) -> None:
    assert conda_requirement(spec) == expected


def test_pipfile_lock_is_a_lock_and_wins_over_requirements(tmp_path: Path) -> None:
    write(tmp_path, "Pipfile.lock", json.dumps(PIPFILE_LOCK))
    write(tmp_path, "setup.cfg", SETUP_CFG)
    target = resolve_target(tmp_path)
    assert target.transformers == SpecifierSet("==4.52.4")
    assert target.reason == "your lock `transformers==4.52.4` (Pipfile.lock) allows"


def test_requirements_folder_and_constraints_file(tmp_path: Path) -> None:
    write(tmp_path, "requirements/train.txt", "-c ../constraints.txt\ntransformers>=4.50\n")
    write(tmp_path, "constraints.txt", "transformers<4.53\n")
    target = resolve_target(tmp_path)
    assert target.transformers == SpecifierSet(">=4.50,<4.53")
    assert "(requirements/train.txt)" in target.reason and "(constraints.txt)" in target.reason


@pytest.mark.parametrize(
    "name",
    ["setup.py", "setup.cfg", "environment.yml", "Pipfile.lock", "requirements/base.txt", "constraints.txt"],
)
def test_each_source_makes_a_project(tmp_path: Path, name: str) -> None:
    assert not has_pin_files(tmp_path)
    write(tmp_path, name, "")
    assert has_pin_files(tmp_path)


@pytest.mark.parametrize(
    ("name", "text", "says"),
    [
        ("setup.py", "setup(install_requires=[\n", "setup.py: cannot read the versions it pins"),
        ("setup.cfg", "install_requires = x\n", "setup.cfg: cannot read the versions it pins"),
        ("environment.yml", "dependencies: [a, b\n", "environment.yml: cannot read the versions it pins"),
        ("environment.yml", "dependencies: transformers\n", "`dependencies` is not a list"),
        ("Pipfile.lock", "{not json", "Pipfile.lock: cannot read the versions it pins"),
        ("Pipfile.lock", '{"default": []}', "`default` is not an object"),
    ],
)
def test_broken_pin_files_name_the_file(tmp_path: Path, name: str, text: str, says: str) -> None:
    write(tmp_path, name, text)
    with pytest.raises(VersionError, match=says.replace("`", ".").replace("[", r"\[")):
        resolve_target(tmp_path)


def test_unknown_keys_are_ignored(tmp_path: Path) -> None:
    """Pin files carry far more than requirements; keys attnlint does not read change nothing."""
    environment = "name: x\nvariables: {A: 1}\nprefix: /opt/env\ndependencies:\n  - transformers=4.51\n"
    write(tmp_path, "environment.yml", environment)
    write(tmp_path, "setup.cfg", "[flake8]\nmax-line-length = 100\n[options]\nzip_safe = False\n")
    assert resolve_target(tmp_path).transformers == SpecifierSet("==4.51.*")


def test_a_conda_pin_decides_a_real_check(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, "environment.yml", "dependencies:\n  - transformers==4.51.0\n")
    write(tmp_path, "gen.py", 'from transformers import Llama4ForConditionalGeneration\n'
          'm = Llama4ForConditionalGeneration.from_pretrained("x", attn_implementation="flex_attention")\n'
          "m.generate(max_new_tokens=3)\n")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--select", "ATN101"]) == 1
    assert "`transformers==4.51.0` (environment.yml) allows" in capsys.readouterr().out
    write(tmp_path, "environment.yml", "dependencies: [transformers==4.51.0\n")
    assert main(["check"]) == 2
    assert "environment.yml: cannot read the versions it pins" in capsys.readouterr().err
