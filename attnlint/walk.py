"""Which files a run looks at: the folder walk, `.gitignore`, exclude globs and explicit paths.

Kept apart from the checking so the rules of discovery (ruff's, where attnlint has an equivalent)
can be tested on their own. Inside a git work tree git itself answers what is ignored
(`git ls-files --cached --others --exclude-standard`), so nested `.gitignore` files,
`.git/info/exclude` and the global excludes file all count; elsewhere a small reader of
`.gitignore` patterns stands in (no `!` negation).
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

__all__ = ["CONFIG_NAMES", "DEFAULT_EXCLUDES", "Discovery", "MissingPathError", "discover"]

#: Folders nobody means to lint: tool caches, environments and build output (ruff's list, trimmed).
DEFAULT_EXCLUDES: tuple[str, ...] = (
    ".git",
    ".venv",
    "venv",
    "node_modules",
    "__pycache__",
    "build",
    "dist",
    ".tox",
    ".nox",
)
#: Files that make their folder a model folder for `extract_config_folder`.
CONFIG_NAMES = frozenset({"config.json", "generation_config.json"})
_SOURCE_SUFFIXES = frozenset({".py", ".ipynb"})


class MissingPathError(FileNotFoundError):
    """A path given on the command line does not exist (a usage error, exit code 2)."""


@dataclass
class Discovery:
    """What to check: source files and model folders, each once, in a stable order."""

    sources: list[Path] = field(default_factory=list)
    config_folders: list[Path] = field(default_factory=list)


@dataclass(frozen=True)
class _Pattern:
    """One exclude glob: a bare name matches any path component, a glob with `/` the whole path."""

    glob: str
    anchored: bool
    only_dirs: bool = False

    @classmethod
    def parse(cls, text: str) -> _Pattern:
        only_dirs = text.endswith("/")
        glob = text.strip("/") if only_dirs else text.rstrip("/")
        anchored = "/" in glob or text.startswith("/")
        return cls(glob.lstrip("/").removeprefix("./"), anchored, only_dirs)

    def matches(self, relative: PurePosixPath, is_dir: bool) -> bool:
        if self.anchored:
            return any(
                fnmatch.fnmatchcase(str(PurePosixPath(*relative.parts[:i])), self.glob)
                and (is_dir or i < len(relative.parts) or not self.only_dirs)
                for i in range(1, len(relative.parts) + 1)
            )
        parts = relative.parts if is_dir or not self.only_dirs else relative.parts[:-1]
        return any(fnmatch.fnmatchcase(part, self.glob) for part in parts)


class _Excluder:
    """Exclude globs relative to one base folder (the project root for settings, the folder of a
    `.gitignore` for its patterns).

    A bare name (`build`, `*.pyc`) is matched against the components below `start`, the folder
    being walked, so an excluded name above a folder the user named does not hide it (ruff does
    the same); a glob with `/` is matched against the path relative to `base`.
    """

    def __init__(self, base: Path, patterns: Iterable[str]) -> None:
        self.base = base
        self.patterns = [_Pattern.parse(p) for p in patterns if p]

    def excludes(self, path: Path, is_dir: bool, start: Path | None = None) -> bool:
        below = _relative(path, start or self.base)
        if below is None or not below.parts:
            return False
        anchored = _relative(path, self.base) or below
        return any(p.matches(anchored if p.anchored else below, is_dir) for p in self.patterns)


def _relative(path: Path, base: Path) -> PurePosixPath | None:
    try:
        return PurePosixPath(path.relative_to(base).as_posix())
    except ValueError:
        return None


def _read_gitignore(folder: Path) -> _Excluder | None:
    try:
        lines = (folder / ".gitignore").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    patterns = [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith(("#", "!"))]
    return _Excluder(folder, patterns) if patterns else None


def _git_files(folder: Path) -> list[Path] | None:
    """Files git would show under `folder` (tracked or untracked, not ignored); None outside git."""
    git = shutil.which("git")
    if git is None:
        return None
    try:
        done = subprocess.run(
            [git, "-C", str(folder), "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            capture_output=True,
            check=False,
            timeout=120,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    if not done.stdout and _ignored_by_git(git, folder):
        return None  # a folder the user named although git ignores it: walk it as plain files
    names = dict.fromkeys(n for n in done.stdout.decode("utf-8", "surrogateescape").split("\0") if n)
    return [folder / n for n in names]


def _ignored_by_git(git: str, folder: Path) -> bool:
    try:
        done = subprocess.run(
            [git, "-C", str(folder), "check-ignore", "-q", "."], capture_output=True, check=False, timeout=60
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def _walk_files(folder: Path, excluder: _Excluder, respect_gitignore: bool) -> list[Path]:
    """Plain `os.walk` with pruning, for folders outside a git work tree (or when gitignore is off)."""
    found: list[Path] = []
    ignores: dict[Path, list[_Excluder]] = {}
    for current, dirs, files in os.walk(folder):
        here = Path(current)
        inherited = ignores.get(here, [])
        own = _read_gitignore(here) if respect_gitignore else None
        active = [*inherited, own] if own else inherited

        def kept(path: Path, is_dir: bool, active: list[_Excluder] = active) -> bool:
            return not excluder.excludes(path, is_dir, folder) and not any(
                g.excludes(path, is_dir) for g in active
            )

        dirs[:] = sorted(d for d in dirs if kept(here / d, True))
        for d in dirs:
            ignores[here / d] = active
        found.extend(here / f for f in sorted(files) if kept(here / f, False))
    return found


def _wanted(path: Path) -> bool:
    return path.suffix in _SOURCE_SUFFIXES or path.name in CONFIG_NAMES


def discover(
    paths: Sequence[Path],
    *,
    root: Path,
    exclude: Sequence[str] = (),
    respect_gitignore: bool = True,
    force_exclude: bool = False,
) -> Discovery:
    """Expand command-line paths into the files and model folders to check.

    A folder is walked with the default excludes, `exclude` (globs relative to `root`) and, when
    `respect_gitignore`, git's ignore rules. A file named explicitly is always checked unless
    `force_exclude` is set and the excludes match it (what pre-commit needs, as with ruff).
    Raises `MissingPathError` for a path that does not exist.
    """
    root = root.resolve()
    files: list[Path] = []
    for given in paths:
        path = given.resolve()
        if not path.exists():
            raise MissingPathError(f"{given}: no such file or directory")
        base = root if path.is_relative_to(root) else (path if path.is_dir() else path.parent)
        excluder = _Excluder(base, [*DEFAULT_EXCLUDES, *exclude])
        if path.is_file():
            if not (force_exclude and excluder.excludes(path, False)):
                files.append(path)
            continue
        listed = _git_files(path) if respect_gitignore else None
        if listed is None:
            files.extend(_walk_files(path, excluder, respect_gitignore))
        else:
            files.extend(f for f in listed if f.is_file() and not excluder.excludes(f, False, path))
    result = Discovery()
    seen_sources: set[Path] = set()
    seen_folders: set[Path] = set()
    for f in files:
        if not _wanted(f):
            continue
        if f.name in CONFIG_NAMES:
            if f.parent not in seen_folders:
                seen_folders.add(f.parent)
                result.config_folders.append(f.parent)
        elif f not in seen_sources:
            seen_sources.add(f)
            result.sources.append(f)
    result.sources.sort()
    result.config_folders.sort()
    return result
