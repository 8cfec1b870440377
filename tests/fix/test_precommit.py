"""The pre-commit hooks, run by the real `pre-commit` against a snapshot of this checkout.

pre-commit installs hooks from a git revision, so the test commits a copy of the working tree
(tracked and untracked, not ignored, files) into a scratch repository and points a scratch project
at it. Installing the hook environment pip-installs attnlint's light core from PyPI, nothing else.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CHECKOUT = Path(__file__).resolve().parents[2]
BAD = """from transformers import Llama4ForConditionalGeneration

model = Llama4ForConditionalGeneration.from_pretrained(
    "meta-llama/Llama-4-Scout-17B-16E-Instruct", attn_implementation="flex_attention", device_map="cuda"
)
out = model.generate(**inputs, max_new_tokens=32)
"""
TRL_CONFIG = """# trl sft --config sft.yaml
model_name_or_path: meta-llama/Llama-4-Scout-17B-16E-Instruct
attn_implementation: flex_attention
cache_implementation: dynamic  # what generate builds anyway
"""
GIT = [
    "git",
    "-c",
    "user.name=attnlint tests",
    "-c",
    "user.email=tests@attnlint.invalid",
    "-c",
    "commit.gpgsign=false",
]


def _hooks() -> list[dict[str, object]]:
    import yaml  # pre-commit's own dependency

    loaded = yaml.safe_load((CHECKOUT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, list)
    return loaded


def test_hooks_are_declared_like_ruffs() -> None:
    from identify.identify import ALL_TAGS

    hooks = {hook["id"]: hook for hook in _hooks()}
    assert hooks["attnlint"]["entry"] == "attnlint check --force-exclude"
    assert hooks["attnlint-fix"]["entry"] == "attnlint fix --force-exclude"
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["require_serial"] is True
        assert hook["minimum_pre_commit_version"]
        tags = hook["types_or"]
        assert isinstance(tags, list)
        assert set(tags) == {"python", "json", "jupyter", "yaml", "shell"} <= ALL_TAGS


def test_hook_environment_installs_only_the_light_core() -> None:
    project = tomllib.loads((CHECKOUT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {canonicalize_name(Requirement(dep).name) for dep in project["dependencies"]}
    assert {"libcst", "pydantic", "packaging", "pyyaml"} <= names
    assert not names & {"torch", "transformers"}
    assert "torch" in " ".join(project["optional-dependencies"]["runtime"])


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run([*GIT, *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


def _snapshot(destination: Path) -> str:
    """Commit a copy of this checkout's working tree into a scratch repository; return its sha."""
    listed = _git("ls-files", "--cached", "--others", "--exclude-standard", "-z", cwd=CHECKOUT)
    for name in filter(None, listed.split("\0")):
        source = CHECKOUT / name
        if source.is_file() and not name.startswith(".helpers/"):
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    _git("init", "-q", cwd=destination)
    _git("add", "-A", cwd=destination)
    _git("commit", "-q", "-m", "snapshot", cwd=destination)
    return _git("rev-parse", "HEAD", cwd=destination).strip()


def _pre_commit(project: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pre_commit", "run", *args, "--all-files", "--color", "never"]
    env = {"PRE_COMMIT_HOME": str(home), "PATH": str(Path(sys.executable).parent) + ":/usr/bin:/bin"}
    return subprocess.run(command, cwd=project, capture_output=True, text=True, env=env, timeout=900)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_pre_commit_check_fails_fix_rewrites_and_the_next_run_passes(tmp_path: Path) -> None:
    hooks_repo, project, home = tmp_path / "hooks", tmp_path / "project", tmp_path / "home"
    hooks_repo.mkdir()
    project.mkdir()
    sha = _snapshot(hooks_repo)
    (project / "requirements.txt").write_text("transformers==4.51.0\n", encoding="utf-8")
    (project / "infer.py").write_text(BAD, encoding="utf-8")
    (project / "sft.yaml").write_text(TRL_CONFIG, encoding="utf-8")
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n- repo: {hooks_repo}\n  rev: {sha}\n  hooks:\n  - id: attnlint\n  - id: attnlint-fix\n",
        encoding="utf-8",
    )
    _git("init", "-q", cwd=project)
    _git("add", "-A", cwd=project)

    check = _pre_commit(project, home, "attnlint")
    assert check.returncode == 1, check.stdout + check.stderr
    assert "infer.py:4:70: ATN101" in check.stdout
    assert "sft.yaml:3:22: ATN101" in check.stdout

    fix = _pre_commit(project, home, "attnlint-fix")
    assert "files were modified by this hook" in fix.stdout, fix.stdout + fix.stderr
    assert (project / "infer.py").read_text(encoding="utf-8") == BAD.replace(
        "max_new_tokens=32)", 'max_new_tokens=32, cache_implementation="hybrid")'
    )
    fixed_config = TRL_CONFIG.replace(": dynamic  #", ": hybrid  #")
    assert (project / "sft.yaml").read_text(encoding="utf-8") == fixed_config

    _git("add", "-A", cwd=project)
    again = _pre_commit(project, home)
    assert again.returncode == 0, again.stdout + again.stderr
