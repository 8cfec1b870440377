"""`[tool.attnlint]`: valid tables, clear one-line errors, and where pyproject.toml is looked for."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from runtime.envs import root as matrix_root  # tests/ is the rootdir-inserted path of this module

from attnlint.report import FORMATS
from attnlint.settings import Settings, SettingsError, find_project_root, load_settings

REPO = Path(__file__).resolve().parent.parent


def write_pyproject(folder: Path, table: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "pyproject.toml"
    path.write_text(f'[project]\nname = "demo"\n\n[tool.attnlint]\n{table}', encoding="utf-8")
    return path


def test_valid_settings(tmp_path: Path) -> None:
    write_pyproject(
        tmp_path,
        'select = ["ATN1", "ATN201"]\nignore = ["ATN3"]\nextend-select = ["ATN2"]\n'
        'exclude = ["build/**"]\nextend-exclude = ["notebooks/*"]\nrespect-gitignore = false\n'
        'force-exclude = true\ntransformers-version = ">=4.50"\n'
        'unsafe-fixes = true\noutput-format = "json"\n',
    )
    settings = load_settings(tmp_path)
    assert settings.select == ["ATN1", "ATN201"]
    assert settings.ignore == ["ATN3"]
    assert settings.extend_select == ["ATN2"]
    assert settings.exclude == ["build/**"] and settings.extend_exclude == ["notebooks/*"]
    assert settings.respect_gitignore is False and settings.force_exclude is True
    assert settings.transformers_version == ">=4.50"
    assert settings.unsafe_fixes is True and settings.output_format == "json"


def test_defaults_without_table_or_file(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    assert load_settings(tmp_path) == Settings()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "demo"\n', encoding="utf-8")
    assert load_settings(tmp_path).respect_gitignore is True


def test_unknown_key_is_named(tmp_path: Path) -> None:
    path = write_pyproject(tmp_path, 'selekt = ["ATN1"]\n')
    with pytest.raises(SettingsError) as caught:
        load_settings(tmp_path)
    assert str(caught.value) == f"{path}: [tool.attnlint] unknown key 'selekt' (did you mean 'select'?)"


def test_snake_case_key_is_unknown(tmp_path: Path) -> None:
    write_pyproject(tmp_path, "respect_gitignore = false\n")
    with pytest.raises(SettingsError, match="unknown key 'respect-gitignore'"):
        load_settings(tmp_path)


def test_wrong_types_one_line_each(tmp_path: Path) -> None:
    path = write_pyproject(tmp_path, 'respect-gitignore = "yes"\nselect = "ATN1"\noutput-format = "xml"\n')
    with pytest.raises(SettingsError) as caught:
        load_settings(tmp_path)
    lines = str(caught.value).splitlines()
    assert len(lines) == 3
    assert all(line.startswith(f"{path}: [tool.attnlint] ") for line in lines)
    assert any("'respect-gitignore': input should be a valid boolean, got 'yes'" in line for line in lines)
    assert any("'select'" in line and "list" in line for line in lines)
    assert any("'output-format'" in line and "'xml'" in line for line in lines)


def test_broken_toml_names_file_and_line(tmp_path: Path) -> None:
    path = write_pyproject(tmp_path, "ignore = []\nselect = ATN1\n")
    with pytest.raises(SettingsError) as caught:
        load_settings(tmp_path)
    assert str(caught.value).startswith(f"{path}: invalid TOML: ")
    assert "line 6" in str(caught.value)


def test_upward_search_stops_at_git(tmp_path: Path) -> None:
    write_pyproject(tmp_path, 'select = ["ATN1"]\n')  # above the repository: not ours
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    nested = repo / "src" / "pkg"
    nested.mkdir(parents=True)
    assert load_settings(nested) == Settings()
    assert find_project_root(nested) == repo.resolve()
    write_pyproject(repo, 'ignore = ["ATN3"]\n')
    assert load_settings(nested).ignore == ["ATN3"]
    assert find_project_root(nested) == repo.resolve()


def test_explicit_file(tmp_path: Path) -> None:
    path = write_pyproject(tmp_path / "configs", 'select = ["ATN2"]\n')
    assert load_settings(path).select == ["ATN2"]


@pytest.mark.parametrize("output_format", FORMATS)
def test_every_report_format_is_a_valid_setting(tmp_path: Path, output_format: str) -> None:
    write_pyproject(tmp_path, f'output-format = "{output_format}"\n')
    assert load_settings(tmp_path).output_format == output_format


def _declared_pydantic_floor() -> str:
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    found = re.search(r'"pydantic>=([0-9.]+)"', text)
    assert found is not None, "pyproject.toml declares no pydantic floor"
    return found.group(1)


#: What `pip install --target` needs for each declared floor: the floor release itself and the
#: pydantic-core it pins exactly (from pydantic's own metadata).
_FLOOR_PINS = {"2.6": ("pydantic==2.6.0", "pydantic-core==2.16.1")}


@pytest.mark.matrix
def test_settings_and_check_run_on_the_declared_pydantic_floor(tmp_path: Path) -> None:
    """pyproject.toml promises `pydantic>=2.6`: load settings, report and check on 2.6.0 itself.

    The floor is installed next to the venv's packages (`pip install --target --no-deps`, cached in
    the matrix's environment folder, tests/runtime/envs.py) and put first on PYTHONPATH; `-W error`
    turns pydantic's warnings into failures."""
    floor = _declared_pydantic_floor()
    env_dir = matrix_root() / f"pydantic-{floor}"
    if not (env_dir / ".complete").exists():
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target",
                        str(env_dir), *_FLOOR_PINS[floor]], check=True)
        (env_dir / ".complete").write_text(" ".join(_FLOOR_PINS[floor]) + "\n", encoding="utf-8")
    write_pyproject(tmp_path, 'output-format = "github"\ntransformers-version = "==4.51.0"\n')
    (tmp_path / "seed.py").write_text(
        "from transformers import Llama4ForCausalLM\n"
        'model = Llama4ForCausalLM.from_pretrained("m", attn_implementation="flex_attention")\n'
        "model.generate(ids)\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(env_dir), str(REPO)]),
           "XDG_CACHE_HOME": str(tmp_path / "cache")}  # the rule base is compiled on the floor too
    probe = "import pydantic; print(pydantic.VERSION)"
    version = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True,
                             check=True)
    assert version.stdout.strip() == f"{floor}.0", version.stdout
    done = subprocess.run(
        [sys.executable, "-W", "error", "-m", "attnlint", "check", "."],
        cwd=tmp_path, env=env, capture_output=True, text=True,
    )
    assert done.returncode == 1, done.stderr
    assert done.stdout.startswith("::error title=attnlint (ATN101),file=seed.py,line=2"), done.stdout
    assert done.stderr == ""
    write_pyproject(tmp_path, "respect_gitignore = false\n")
    refused = subprocess.run(
        [sys.executable, "-W", "error", "-m", "attnlint", "check", "."],
        cwd=tmp_path, env=env, capture_output=True, text=True,
    )
    assert refused.returncode == 2 and "unknown key 'respect-gitignore'" in refused.stderr, refused.stderr
