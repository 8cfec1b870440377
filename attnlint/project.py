"""Checking a project: the files `walk.discover` finds, each through the right extractor.

One target per project (resolved once from the pins of the nearest folder that has any). Python
sources go through the cheap bytes prefilter and then `engine.check_source`, notebooks through
`notebook.read_notebook`, model folders through `extract_config_folder` and the evaluator. A file
that cannot be read or parsed becomes a diagnostic of its own (ATN001-ATN004) and the run goes
on: one broken file never hides the findings in the others, and nothing is printed from here.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from attnlint.diagnostic import Diagnostic
from attnlint.engine import check_source, decode_source, file_problem, selected
from attnlint.evaluate import evaluate
from attnlint.extract.configs import ConfigFileError, extract_config_folder
from attnlint.extract.versions import has_pin_files, resolve_target
from attnlint.facts import Target
from attnlint.notebook import NotebookError, read_notebook
from attnlint.prefilter import may_trigger
from attnlint.settings import Settings, find_project_root
from attnlint.walk import discover

__all__ = ["CheckResult", "check_paths", "display_path"]


@dataclass
class CheckResult:
    """The findings of one run, sorted, and how many files and model folders were found."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    files_checked: int = 0
    #: The target of the run's project root; `targets` maps each reported filename to the target
    #: it was judged on (a nested project with its own pins has its own).
    target: Target = field(default_factory=Target)
    targets: dict[str, Target] = field(default_factory=dict)

    def target_for(self, filename: str) -> Target:
        """The target a reported file was judged on (for re-checking after a fix)."""
        return self.targets.get(filename, self.target)


def display_path(path: Path) -> str:
    """The name a finding carries: relative to the working folder when below it (as ruff prints)."""
    try:
        return path.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _order(diagnostic: Diagnostic) -> tuple[str, int, int, int, str]:
    where = diagnostic.location
    return (diagnostic.filename, diagnostic.cell or 0, where.row, where.column, diagnostic.code)


def _unreadable(path: str, exc: OSError) -> Diagnostic:
    return file_problem("ATN004", exc.strerror or str(exc), path, 1, 1)


def _attach_fixes(text: str, found: list[Diagnostic]) -> None:
    """Fill in every finding's fix, safe and unsafe (the report decides what to show). The fix
    machinery (libcst) is imported here, on the first finding, so a clean check never loads it."""
    from attnlint.fix.edits import attach_fixes

    attach_fixes(text, found, True)


@dataclass(frozen=True)
class _Job:
    """One prefiltered Python source and what it is checked with (self-contained, so a process
    pool could take it)."""

    name: str
    data: bytes
    root: Path
    target: Target
    select: tuple[str, ...]
    ignore: tuple[str, ...]
    strict: bool = False


def _check_python(job: _Job) -> list[Diagnostic]:
    """Decode once, so that the fixes are computed on exactly the text that was checked."""
    text = decode_source(job.data, job.name)
    if not isinstance(text, str):
        return [text] if selected(text.code, job.select, job.ignore) else []
    found = check_source(
        text, job.name, target=job.target, select=job.select, ignore=job.ignore, root=job.root,
        strict=job.strict,
    )
    if found:
        _attach_fixes(text, found)
    return found


class _Run:
    """State of one `check_paths` call: the selection and one target per project found.

    A file is judged against the pins of the nearest folder at or above it (up to the run's root)
    that has a pin file, so `attnlint check examples/` judges each example by its own
    requirements; each target is resolved once.
    """

    def __init__(self, settings: Settings, override: str | None, root: Path) -> None:
        self.settings = settings
        self.override = override
        self.root = root
        self.diagnostics: list[Diagnostic] = []
        self.targets: dict[str, Target] = {}
        self._roots: dict[Path, Path] = {}
        self._by_root: dict[Path, Target] = {}

    def project_of(self, folder: Path) -> Path:
        """The nearest folder at or above `folder` with a pin file, stopping at the run's root."""
        if folder not in self._roots:
            if folder == self.root or folder.parent == folder:
                self._roots[folder] = self.root
            else:
                self._roots[folder] = folder if has_pin_files(folder) else self.project_of(folder.parent)
        return self._roots[folder]

    def target_of(self, root: Path) -> Target:
        if root not in self._by_root:
            self._by_root[root] = resolve_target(root, self.override, self.settings.transformers_version)
        return self._by_root[root]

    def keep(self, found: Sequence[Diagnostic]) -> list[Diagnostic]:
        return [d for d in found if selected(d.code, self.settings.select, self.settings.ignore)]

    def add(self, found: Sequence[Diagnostic], target: Target) -> None:
        for d in found:
            self.targets[d.filename] = target
        self.diagnostics.extend(found)

    def source(self, path: Path) -> _Job | None:
        """Read and prefilter one source; the job to check it, or None when there is nothing to do."""
        name = display_path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.diagnostics.extend(self.keep([_unreadable(name, exc)]))
            return None
        if not may_trigger(data):
            return None
        root = self.project_of(path.parent)
        target = self.target_of(root)
        if path.suffix == ".ipynb":
            self.notebook(name, data, root, target)
            return None
        return _Job(
            name, data, root, target, tuple(self.settings.select), tuple(self.settings.ignore),
            self.settings.strict,
        )

    def python(self, jobs: list[_Job]) -> None:
        """Check the prefiltered sources, in order (a process pool measured no faster on 2 cores)."""
        for job in jobs:
            self.add(_check_python(job), job.target)

    def notebook(self, name: str, data: bytes, root: Path, target: Target) -> None:
        try:
            notebook = read_notebook(data)
        except NotebookError as exc:
            found = [file_problem("ATN003", exc.reason, name, exc.row, exc.column)]
            self.diagnostics.extend(self.keep(found))
            return
        checked = check_source(
            notebook.text,
            name,
            target=target,
            select=self.settings.select,
            ignore=self.settings.ignore,
            root=root,
            strict=self.settings.strict,
        )
        self.add([notebook.locate(d) for d in checked], target)

    def config_folder(self, folder: Path) -> None:
        try:
            uses = extract_config_folder(Path(display_path(folder)))
        except ConfigFileError as exc:
            found = [file_problem("ATN003", exc.reason, exc.path, exc.row, exc.column)]
            self.diagnostics.extend(self.keep(found))
            return
        except OSError as exc:
            name = display_path(Path(exc.filename) if exc.filename else folder)
            self.diagnostics.extend(self.keep([_unreadable(name, exc)]))
            return
        target = self.target_of(self.project_of(folder))
        found = self.keep(evaluate(uses, target, strict=self.settings.strict))
        for filename in dict.fromkeys(d.filename for d in found):
            mine = [d for d in found if d.filename == filename]
            _attach_fixes(Path(filename).read_text(encoding="utf-8"), mine)
        self.add(found, target)


def check_paths(
    paths: Sequence[str | os.PathLike[str]],
    settings: Settings,
    target_override: str | None = None,
    *,
    root: Path | None = None,
    force_exclude: bool = False,
) -> CheckResult:
    """Check every Python file and model folder under `paths` against the rule base.

    `root` is the project root (where `[tool.attnlint]` lives; found from the working folder when
    omitted); a folder below it with its own pin file is judged on its own pins.
    `target_override` is a `--transformers-version` specifier and wins over the settings and the
    pins. Raises `walk.MissingPathError` for a path that does not exist and `VersionError` for a
    specifier or pin file that cannot be read; everything wrong with a single file is a
    diagnostic instead.
    """
    project_root = (root if root is not None else find_project_root(Path.cwd())).resolve()
    run = _Run(settings, target_override, project_root)
    target = run.target_of(project_root)
    found = discover(
        [Path(p) for p in paths],
        root=project_root,
        exclude=[*settings.exclude, *settings.extend_exclude],
        respect_gitignore=settings.respect_gitignore,
        force_exclude=force_exclude or settings.force_exclude,
    )
    run.python([job for job in map(run.source, found.sources) if job is not None])
    for folder in found.config_folders:
        run.config_folder(folder)
    return CheckResult(
        diagnostics=sorted(run.diagnostics, key=_order),
        files_checked=len(found.sources) + len(found.config_folders),
        target=target,
        targets=run.targets,
    )
