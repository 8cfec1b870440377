"""Which files a run looks at: the folder walk, `.gitignore`, exclude globs and explicit paths.

Kept apart from the checking so the rules of discovery (ruff's, where attnlint has an equivalent)
can be tested on their own. Inside a git work tree git itself answers what is ignored
(`git ls-files --cached --others --exclude-standard`), so nested `.gitignore` files,
`.git/info/exclude` and the global excludes file all count, from one `git ls-files` per folder
named; elsewhere each `.gitignore` is compiled once with `pathspec` (git's own pattern semantics,
`!` included). Either way a file's name is tested before any pattern, so the images and web assets
of a large tree cost one suffix test each.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING

from attnlint.records import record
from attnlint.source import FRAMEWORK_SUFFIXES

if TYPE_CHECKING:
    from pathspec import GitIgnoreSpec

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
    ".attnlint_cache",
)
#: Files that make their folder a model folder for `extract_config_folder`.
CONFIG_NAMES = frozenset({"config.json", "generation_config.json"})
#: Python sources, notebooks, and training-framework YAML configs and launch scripts.
_SOURCE_SUFFIXES = (".py", ".ipynb", *FRAMEWORK_SUFFIXES)
_UNNAMED = re.compile(r"\(\?P<\w+>")
_GLOB = re.compile(r"[*?\[\]!\\/]")


class MissingPathError(FileNotFoundError):
    """A path given on the command line does not exist (a usage error, exit code 2)."""


@record(frozen=False)
class Discovery:
    """What to check: source files and model folders, each once, in a stable order."""

    sources: list[Path] = field(default_factory=list)
    config_folders: list[Path] = field(default_factory=list)


class _Excluder:
    """Exclude globs relative to one base folder (the project root, or the folder named on the
    command line when it lies outside the root), compiled once with gitignore semantics.

    A bare name (`build`, `*.pyc`) matches any path component below `start`, the folder being
    walked, so an excluded name above a folder the user named does not hide it (ruff does the
    same); a glob with `/` is anchored at `base`. A folder that matches excludes everything below it.
    """

    def __init__(self, base: Path, patterns: Iterable[str]) -> None:
        self.base = base
        anchored: list[str] = []
        bare: list[str] = []
        #: plain names (`node_modules`, `build/`): a set lookup per path component, no pattern
        self._names: set[str] = set()
        self._folder_names: set[str] = set()
        for text in patterns:
            if text.startswith("./"):
                text = "/" + text[2:]
            name = text.removesuffix("/")
            if name and not _GLOB.search(name):
                (self._folder_names if text.endswith("/") else self._names).add(name)
            elif text:
                (anchored if "/" in name else bare).append(text)
        self._anchored = _compiled(anchored) if anchored else None
        self._bare = _compiled(bare) if bare else None

    def excludes(self, path: Path, is_dir: bool, start: Path | None = None) -> bool:
        below = _relative(path, start or self.base)
        if not below:
            return False
        return self.excludes_relative(_relative(path, self.base) or below, below, is_dir)

    def excludes_relative(
        self, from_base: str, from_start: str, is_dir: bool, *, last_only: bool = False
    ) -> bool:
        """The same test on POSIX paths already made relative to `base` and to the walked folder.

        `last_only`: the folders above were tested already (a walk that prunes), so of the plain
        names only the last component needs a look."""
        parts = [from_start.rpartition("/")[2]] if last_only else from_start.split("/")
        if self._names.intersection(parts):
            return True
        if self._folder_names and self._folder_names.intersection(parts if is_dir else parts[:-1]):
            return True
        slash = "/" if is_dir else ""
        return bool(
            (self._bare and self._bare.match_file(from_start + slash))
            or (self._anchored and self._anchored.match_file(from_base + slash))
        )


def _relative(path: Path, base: Path) -> str:
    """`path` below `base` as a POSIX string; "" when it is `base` itself or not below it."""
    try:
        below = path.relative_to(base).as_posix()
    except ValueError:
        return ""
    return "" if below == "." else below


def _compiled(lines: Iterable[str]) -> GitIgnoreSpec:
    """Patterns with git's semantics. pathspec is imported by the first exclude glob or `.gitignore`
    a run meets, not by every start: the default excludes are plain names, and a one-file check
    (a pre-commit hook) names its files."""
    from pathspec import GitIgnoreSpec

    return GitIgnoreSpec.from_lines(lines)


def _read_gitignore(folder: Path) -> GitIgnoreSpec | None:
    """The compiled `.gitignore` of `folder`, `!` negation included; None when it has none."""
    try:
        lines = (folder / ".gitignore").read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    spec = _compiled(lines)
    return spec if len(spec) else None


def _git_files(folder: Path) -> list[str] | None:
    """Files git would show under `folder` (tracked or untracked, not ignored), as POSIX paths
    relative to it, from one `git ls-files`; None outside git."""
    git = shutil.which("git")
    if git is None:
        return None
    import subprocess  # a folder to walk, not a named file, asks git

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
    return list(dict.fromkeys(n for n in done.stdout.decode("utf-8", "surrogateescape").split("\0") if n))


def _ignored_by_git(git: str, folder: Path) -> bool:
    import subprocess

    try:
        done = subprocess.run(
            [git, "-C", str(folder), "check-ignore", "-q", "."], capture_output=True, check=False, timeout=60
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


@record
class _Gitignore:
    """A compiled `.gitignore` and where its folder sits below the walked folder ("" or "a/b/").

    `union` is all its patterns as one regex when none is a `!` (a long `.gitignore` then costs
    one match per path, not one per pattern); with `!`, pathspec finds the last matching pattern.
    """

    prefix: str
    spec: GitIgnoreSpec
    union: re.Pattern[str] | None

    @classmethod
    def compile(cls, prefix: str, spec: GitIgnoreSpec) -> _Gitignore:
        patterns = [p for p in spec.patterns if p.include is not None]
        regexes = [getattr(p, "regex", None) for p in patterns]
        if any(not p.include for p in patterns) or not all(isinstance(r, re.Pattern) for r in regexes):
            return cls(prefix, spec, None)
        union = "|".join(f"(?:{_UNNAMED.sub('(?:', r.pattern)})" for r in regexes if r is not None)
        return cls(prefix, spec, re.compile(union))

    def verdict(self, below_start: str) -> bool | None:
        """True (ignored), False (re-included by `!`) or None (no pattern of this file speaks)."""
        path = below_start[len(self.prefix) :]
        if self.union is not None:
            return True if self.union.match(path) else None
        return self.spec.check_file(path).include


def _walk_files(folder: Path, excluder: _Excluder, respect_gitignore: bool) -> list[Path]:
    """A scandir walk with pruning, for folders outside a git work tree (or with gitignore off).

    Each `.gitignore` is compiled once, for its folder; a file is tested only when its name says
    attnlint reads it, and the deepest `.gitignore` with a matching pattern decides, as in git.
    """
    found: list[Path] = []
    above = _relative(folder, excluder.base)
    pending: list[tuple[Path, str, tuple[_Gitignore, ...]]] = [(folder, "", ())]
    while pending:
        here, prefix, inherited = pending.pop()
        own = _read_gitignore(here) if respect_gitignore else None
        active = (*inherited, _Gitignore.compile(prefix, own)) if own else inherited

        def ignored(below: str, is_dir: bool, active: tuple[_Gitignore, ...] = active) -> bool:
            from_base = f"{above}/{below}" if above else below
            if excluder.excludes_relative(from_base, below, is_dir, last_only=True):
                return True
            tested = below + "/" if is_dir else below
            for gitignore in reversed(active):
                verdict = gitignore.verdict(tested)
                if verdict is not None:
                    return verdict
            return False

        try:
            entries = sorted(os.scandir(here), key=lambda e: e.name, reverse=True)
        except OSError:
            continue
        for entry in entries:
            below = prefix + entry.name
            if entry.is_dir(follow_symlinks=False):
                if not ignored(below, True):
                    pending.append((Path(entry.path), below + "/", active))
            elif _wanted_name(entry.name) and entry.is_file() and not ignored(below, False):
                found.append(Path(entry.path))
    return found


def _wanted_name(name: str) -> bool:
    return name.endswith(_SOURCE_SUFFIXES) or name in CONFIG_NAMES


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
            above = _relative(path, excluder.base)
            files.extend(
                path / name
                for name in listed
                if _wanted_name(name.rpartition("/")[2])
                and not excluder.excludes_relative(f"{above}/{name}" if above else name, name, False)
                and (path / name).is_file()
            )
    result = Discovery()
    seen_sources: set[Path] = set()
    seen_folders: set[Path] = set()
    for f in files:
        if not _wanted_name(f.name):
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
