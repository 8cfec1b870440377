"""Discovery: which files a run reads, inside and outside a git work tree, with gitignore and excludes.

Outside git, `.gitignore` files are compiled with pathspec and must agree with what git itself
answers inside a work tree; the same tree is walked both ways and compared.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from pathspec import GitIgnoreSpec

from attnlint.walk import _Gitignore, discover

TREE = {
    ".gitignore": "*.log\ngenerated/\n/top_only.py\nnotes/*.py\n!keep_generated.py\n",
    "app.py": "",
    "top_only.py": "",
    "pkg/top_only.py": "",  # `/top_only.py` is anchored at the root
    "pkg/run.log": "",
    "notes/a.py": "",
    "notes/deep/b.py": "",  # `notes/*.py` does not reach below notes/
    "generated/x.py": "",
    "pkg/keep_generated.py": "",
    "pkg/.gitignore": "local_*.py\n!local_keep.py\n",
    "pkg/local_x.py": "",
    "pkg/local_keep.py": "",  # re-included by the deeper file's `!`
    "pkg/sub/local_y.py": "",
    "pkg/sub/.gitignore": "!local_y.py\n",  # the deepest file with a matching pattern decides
    "img/logo.png": "",
    "web/app.ts": "",
    "ckpt/config.json": "{}",
    "nb/analysis.ipynb": "{}",
    "node_modules/dep/index.py": "",
    ".venv/lib/site.py": "",
}
EXPECTED = {
    "app.py",
    "pkg/top_only.py",
    "notes/deep/b.py",
    "pkg/keep_generated.py",
    "pkg/local_keep.py",
    "pkg/sub/local_y.py",
    "nb/analysis.ipynb",
}


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _found(root: Path, *paths: Path, **options: object) -> tuple[set[str], set[str]]:
    found = discover(list(paths) or [root], root=root, **options)  # type: ignore[arg-type]
    return (
        {p.relative_to(root).as_posix() for p in found.sources},
        {p.relative_to(root).as_posix() for p in found.config_folders},
    )


@pytest.mark.parametrize("use_git", [False, True])
def test_gitignore_semantics_match_git(tmp_path: Path, use_git: bool) -> None:
    _write(tmp_path, TREE)
    if use_git:
        if shutil.which("git") is None:
            pytest.skip("git is not installed")
        subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    sources, folders = _found(tmp_path)
    assert sources == EXPECTED
    assert folders == {"ckpt"}


def test_gitignore_off_keeps_only_the_default_excludes(tmp_path: Path) -> None:
    _write(tmp_path, TREE)
    sources, _ = _found(tmp_path, respect_gitignore=False)
    every_source = {n for n in TREE if n.endswith((".py", ".ipynb"))}
    assert sources == every_source - {"node_modules/dep/index.py", ".venv/lib/site.py"}


@pytest.mark.parametrize("use_git", [False, True])
def test_excludes_bare_anchored_and_above_the_named_folder(tmp_path: Path, use_git: bool) -> None:
    _write(tmp_path, {"legacy/a.py": "", "src/legacy/b.py": "", "src/c.py": "", "src/d/e.py": ""})
    if use_git:
        if shutil.which("git") is None:
            pytest.skip("git is not installed")
        subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    assert _found(tmp_path, exclude=["legacy"])[0] == {"src/c.py", "src/d/e.py"}
    # a glob with `/` is anchored at the root; `*` does not cross a folder, as in git
    assert _found(tmp_path, exclude=["src/*.py"])[0] == {"legacy/a.py", "src/legacy/b.py", "src/d/e.py"}
    assert _found(tmp_path, exclude=["./legacy/"])[0] == {"src/legacy/b.py", "src/c.py", "src/d/e.py"}
    # a name with a trailing `/` matches folders only
    every = {"legacy/a.py", "src/legacy/b.py", "src/c.py", "src/d/e.py"}
    assert _found(tmp_path, exclude=["e.py/"])[0] == every
    assert _found(tmp_path, exclude=["e.py"])[0] == every - {"src/d/e.py"}
    # a bare name above the folder the user named does not hide it (as in ruff)
    named = tmp_path / "src" / "legacy"
    assert _found(tmp_path, named, exclude=["legacy"])[0] == {"src/legacy/b.py"}


def test_explicit_file_only_excluded_with_force_exclude(tmp_path: Path) -> None:
    _write(tmp_path, {"legacy/a.py": ""})
    file = tmp_path / "legacy" / "a.py"
    assert _found(tmp_path, file, exclude=["legacy"])[0] == {"legacy/a.py"}
    assert _found(tmp_path, file, exclude=["legacy"], force_exclude=True)[0] == set()


GITIGNORE = """
# Byte-compiled / optimized
__pycache__/
*.py[cod]
*$py.class
.Python
build/
develop-eggs/
/dist/
lib64/
*.egg-info/
.installed.cfg
pip-log.txt
htmlcov/
.tox/
cover/
*.mo
docs/_build/
.ipynb_checkpoints
**/scratch/**
out_*/
configs/local/*.py
\\#notes.py
"""
PATHS = [
    "a.py", "x.pyc", "pkg/x.pyo", "build/", "src/build/", "build.py", "dist/", "src/dist/", "cover/",
    "docs/_build/", "docs/_build/x.py", "pkg/docs/_build/", "a/scratch/b/c.py", "scratch/", "out_1/",
    "configs/local/a.py", "configs/local/sub/a.py", "x/configs/local/a.py", "#notes.py", "z.egg-info/",
    "n/.ipynb_checkpoints", "n/.ipynb_checkpoints/", "lib64/", "a$py.class",
]


def test_one_regex_per_gitignore_agrees_with_pathspec() -> None:
    spec = GitIgnoreSpec.from_lines(GITIGNORE.splitlines())
    compiled = _Gitignore.compile("", spec)
    assert compiled.union is not None
    for path in PATHS:
        assert compiled.verdict(path) == spec.check_file(path).include, path
    negated = _Gitignore.compile("", GitIgnoreSpec.from_lines(["*.py", "!keep.py"]))
    assert negated.union is None and negated.verdict("keep.py") is False
