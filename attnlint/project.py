"""Checking a project: the files `walk.discover` finds, each read once and judged by `engine.check_unit`.

One context per project (root and target, resolved once from the pins of the nearest folder that
has any). Python sources and notebooks go through the cheap bytes prefilter, then are decoded into
one `SourceText` each; a model folder's JSON pair is one unit. A file that cannot be read or
decoded becomes a finding of its own (ATN002-ATN004) and the run goes on: one broken file never
hides the findings in the others, and nothing is printed from here.

The checker (engine, extractors, evaluator), the prefilter and the model-folder reader are imported
by the first file that needs them. A run of a few files (a pre-commit hook names the files of a
commit) looks each one up in the result cache before the prefilter, so a warm run of them reads its
files, its pins and the cache and imports none of those; a tree's files meet the prefilter first, so
that the many that cannot trigger a rule cost neither a hash nor their folder's pins.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from attnlint.diagnostic import Diagnostic
from attnlint.extract.versions import has_pin_files, resolve_target
from attnlint.facts import Target
from attnlint.records import record
from attnlint.releases import beyond_knowledge
from attnlint.result_cache import ResultCache
from attnlint.settings import Settings, find_project_root
from attnlint.source import SourceError, SourceText, decode
from attnlint.walk import Discovery, discover

if TYPE_CHECKING:
    from attnlint.engine import CheckContext, ReportEdge, Unit
    from attnlint.finding import Finding
    from attnlint.parallel import Judge

__all__ = ["CheckResult", "Checked", "check_paths", "discover_paths", "display_path", "project_targets"]

#: Up to this many sources, a run looks each up in the result cache before the prefilter (see above).
CACHE_FIRST_FILES = 32


@record
class Checked:
    """One unit with findings, and the context it was judged in: what the fixer starts from, so
    that its re-check is the very check that found them."""

    unit: Unit
    context: CheckContext
    findings: tuple[Finding, ...]


@record(frozen=False)
class CheckResult:
    """The findings of one run: reported diagnostics (sorted), the units they came from, how many
    files and model folders were checked, and notices about the run itself (a target newer than
    every release attnlint knows)."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    checked: list[Checked] = field(default_factory=list)
    files_checked: int = 0
    notices: list[str] = field(default_factory=list)
    #: Files and model folders parsed and judged in this run, and files whose findings came from
    #: the result cache (the rest did not pass the prefilter).
    files_parsed: int = 0
    files_from_cache: int = 0


def display_path(path: Path) -> str:
    """The name a finding carries: relative to the working folder when below it (as ruff prints).

    Every file a run reads gets one, so the working folder is resolved once per folder (not per
    file: `resolve` is a `realpath` of every component) and a path under it is cut as a string."""
    base = _resolved(os.getcwd())
    text = str(path)
    if os.sep == "/" and text.startswith(base) and text[len(base) : len(base) + 1] == "/" and base != "/":
        return text[len(base) + 1 :]
    try:
        return path.relative_to(base).as_posix()
    except ValueError:
        return path.as_posix()


@cache
def _resolved(folder: str) -> str:
    return str(Path(folder).resolve())


def _worth_parsing(path: str, data: bytes) -> bool:
    from attnlint.prefilter import worth_parsing  # its words come from the rule base's records

    return worth_parsing(path, data)


def _unreadable(path: str, exc: OSError) -> Finding:
    from attnlint.finding import file_problem

    return file_problem("ATN004", exc.strerror or str(exc), path)


def _undecodable(path: str, exc: SourceError) -> Finding:
    from attnlint.finding import file_problem

    return file_problem(exc.code, exc.reason, path, exc.row, exc.column)


class _Run:
    """State of one `check_paths` call: the selection and one context per project found.

    A file is judged against the pins of the nearest folder at or above it (up to the run's root)
    that has a pin file, so `attnlint check examples/` judges each example by its own
    requirements; each target is resolved once.
    """

    def __init__(self, settings: Settings, override: str | None, root: Path, cache: bool) -> None:
        self.settings = settings
        self.override = override
        self.root = root
        self.checked: list[Checked] = []
        #: Diagnostics taken from the result cache: reported, but with no finding for the fixer.
        self.reused: list[Diagnostic] = []
        self.parsed = 0
        self.from_cache = 0
        #: the units to judge (made by the first one: a warm run imports no checker), `--jobs` (the
        #: processes that may judge them; None: as many as CPUs are idle), and what to call as each
        #: unit is done (progress)
        self.judge: Judge | None = None
        self.jobs: int | None = 1
        #: whether a source is looked up in the result cache before the prefilter (a few files)
        self.cache_first = False
        self.advance: Callable[[], None] = lambda: None
        #: `check_paths`'s `report` (None: `engine.diagnostics`, every planned fix reported)
        self.report: ReportEdge | None = None
        self.results = ResultCache(root, ()) if cache else None
        self._roots: dict[Path, Path] = {}
        self._targets: dict[Path, Target] = {}
        self._contexts: dict[Path, CheckContext] = {}

    def project_of(self, folder: Path) -> Path:
        """The nearest folder at or above `folder` with a pin file, stopping at the run's root."""
        if folder not in self._roots:
            if folder == self.root or folder.parent == folder:
                self._roots[folder] = self.root
            else:
                self._roots[folder] = folder if has_pin_files(folder) else self.project_of(folder.parent)
        return self._roots[folder]

    def target_of(self, folder: Path) -> Target:
        """The target of a file or model folder in `folder`: its project's, resolved once."""
        root = self.project_of(folder)
        if root not in self._targets:
            self._targets[root] = resolve_target(root, self.override, self.settings.transformers_version)
        return self._targets[root]

    def context_of(self, folder: Path) -> CheckContext:
        """The context of a file or model folder in `folder`: its project's root and target."""
        from attnlint.engine import CheckContext

        root = self.project_of(folder)
        if root not in self._contexts:
            select, ignore = tuple(self.settings.select), tuple(self.settings.ignore)
            self._contexts[root] = CheckContext(
                target=self.target_of(folder), root=root, select=select, ignore=ignore,
                strict=self.settings.strict,
            )
        return self._contexts[root]

    def problem(self, finding: Finding) -> None:
        """A file that could not be read or decoded: reported on its own, nothing to fix."""
        from attnlint.engine import Unit

        context = self.context_of(self.root)
        if context.selected(finding.code):
            self.checked.append(Checked(Unit(()), context, (finding,)))

    def check(self, unit: Unit, folder: Path, key: str | None = None) -> None:
        """Queue a unit for judging (`judge_queued`), with its result-cache key when it has one. A
        run of one process judges it at once, so that only one file's text and tree are held."""
        from attnlint.parallel import Job, Judge

        if self.judge is None:
            self.judge = Judge(self.jobs)
        self.judge.add(Job(unit, self.context_of(folder), key))
        if self.judge.processes <= 1:
            self.judge_queued()

    def diagnostics(self, unit: Unit, findings: Sequence[Finding], context: CheckContext) -> list[Diagnostic]:
        """A unit's findings as reported (and kept in the result cache), through the run's edge."""
        from attnlint.engine import reported_by

        return reported_by(self.report, unit, findings, context)

    @property
    def waiting(self) -> int:
        """How many queued units are not judged yet."""
        return len(self.judge.queued) if self.judge is not None else 0

    def judge_queued(self) -> None:
        """Judge the queued units (in worker processes once there are enough of them: `Judge`) and
        record each one's findings in queue order, whatever order the workers finish in."""
        if self.judge is None or not self.judge.queued:
            return
        for job, found in self.judge.results(self.advance):
            self.parsed += 1
            if found:
                self.checked.append(Checked(job.unit, job.context, tuple(found)))
            if job.key is not None and self.results is not None:
                made = self.diagnostics(job.unit, found, job.context)
                self.results.put(job.key, [d.to_json() for d in made])

    def cache_key(self, name: str, data: bytes, folder: Path) -> str | None:
        """The result-cache key of one source, None when the run does not use the cache."""
        if self.results is None:
            return None
        # everything a file's findings depend on besides its bytes (what its context holds): target,
        # root (model paths are relative to it), selection and strictness
        settings = self.settings
        judged_with = (self.target_of(folder), self.project_of(folder), settings.select, settings.ignore)
        return self.results.key(name, data, (repr((*judged_with, settings.strict)),))

    def reuse(self, key: str | None) -> bool:
        """Report the findings the result cache holds under `key`, if it holds any."""
        records = self.results.get(key) if key is not None and self.results is not None else None
        if records is None:
            return False
        self.from_cache += 1
        self.reused.extend(Diagnostic.from_json(r) for r in records)
        return True

    def source(self, path: Path) -> None:
        """Read and check one Python file, notebook, or training-framework YAML config or launch
        script: through the prefilter and the result cache, in the order `cache_first` says (a
        cached file passed the prefilter of the same rule base, so both orders agree)."""
        name = display_path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            self.problem(_unreadable(name, exc))
            return
        if not self.cache_first and not _worth_parsing(name, data):
            return
        key = self.cache_key(name, data, path.parent)
        if self.reuse(key) or (self.cache_first and not _worth_parsing(name, data)):
            return
        try:
            source = decode(name, data)
        except SourceError as exc:
            self.problem(_undecodable(name, exc))
            return
        from attnlint.engine import Unit

        self.check(Unit((source,)), path.parent, key)

    def config_folder(self, folder: Path) -> None:
        """Read and check a model folder's config.json and generation_config.json as one unit."""
        from attnlint.engine import Unit
        from attnlint.extract.configs import CONFIG_FILE, GENERATION_FILE

        shown = display_path(folder)
        sources: list[SourceText] = []
        for name in (CONFIG_FILE, GENERATION_FILE):
            path = folder / name
            if not path.is_file():
                continue
            where = str(Path(shown) / name)
            try:
                data = path.read_bytes()
                sources.append(decode(where, data))
            except OSError as exc:
                self.problem(_unreadable(where, exc))
                return
            except SourceError as exc:
                if name == CONFIG_FILE and b'"model_type"' not in data:
                    continue  # another tool's config.json, not a model's
                self.problem(_undecodable(where, exc))
                return
        self.check(Unit(tuple(sources), folder=shown), folder)

    def notices(self) -> list[str]:
        return list(dict.fromkeys(n for t in self._targets.values() if (n := beyond_knowledge(t))))


def discover_paths(
    paths: Sequence[str | os.PathLike[str]], settings: Settings, root: Path, force_exclude: bool = False
) -> Discovery:
    """The files and model folders a run under `settings` checks (`walk.discover` with the excludes)."""
    return discover(
        [Path(p) for p in paths],
        root=root,
        exclude=[*settings.exclude, *settings.extend_exclude],
        respect_gitignore=settings.respect_gitignore,
        force_exclude=force_exclude or settings.force_exclude,
    )


def project_targets(
    paths: Sequence[Path], settings: Settings, target_override: str | None, root: Path
) -> list[tuple[Path, Target]]:
    """For each file or model folder, the project folder whose pins judge it and that target, as a
    check run resolves them (for `check --show-settings`)."""
    run = _Run(settings, target_override, root.resolve(), cache=False)
    found = []
    for path in paths:
        folder = path if path.is_dir() else path.parent
        found.append((run.project_of(folder), run.target_of(folder)))
    return found


def check_paths(
    paths: Sequence[str | os.PathLike[str]],
    settings: Settings,
    target_override: str | None = None,
    *,
    root: Path | None = None,
    force_exclude: bool = False,
    cache: bool = False,
    progress: Callable[[int, int], None] | None = None,
    jobs: int | None = 1,
    report: ReportEdge | None = None,
) -> CheckResult:
    """Check every Python file, notebook, training-framework YAML config or launch script, and model
    folder under `paths` against the rule base.

    `root` is the project root (where `[tool.attnlint]` lives; found from the working folder when
    omitted); a folder below it with its own pin file is judged on its own pins.
    `target_override` is a `--transformers-version` specifier and wins over the settings and the
    pins. Raises `walk.MissingPathError` for a path that does not exist and `VersionError` for a
    specifier or pin file that cannot be read; everything wrong with a single file is a
    diagnostic instead. With `cache`, a source file (not a model folder) whose findings are in the result
    cache (`attnlint.result_cache`) is not checked again; its diagnostics are reported but it has
    no `Checked` entry, so the fixer never runs with the cache. `progress(done, total)` is called
    after each file or model folder. `jobs` is how many processes may judge the files that pass the
    prefilter (`attnlint.parallel.processes`: 0 one per CPU, None one per idle CPU); the result does
    not depend on it. `report` makes each unit's diagnostics (default `engine.diagnostics`): `check`
    passes the one that reports only the fixes `fix` would keep, which this module cannot import;
    the result cache keeps what it returns, so every run with `cache` passes the same one.
    """
    project_root = (root if root is not None else find_project_root(Path.cwd())).resolve()
    run = _Run(settings, target_override, project_root, cache)
    run.target_of(project_root)
    found = discover_paths(paths, settings, project_root, force_exclude)
    total = len(found.sources) + len(found.config_folders)
    done = 0

    def advance() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    run.jobs, run.advance, run.report = jobs, advance, report
    run.cache_first = len(found.sources) <= CACHE_FIRST_FILES
    for path in found.sources:
        judged_before = run.parsed + run.waiting
        run.source(path)
        if run.parsed + run.waiting == judged_before:  # not parsed: done once read
            advance()
    for folder in found.config_folders:
        run.config_folder(folder)
    run.judge_queued()
    reported = [d for c in run.checked for d in run.diagnostics(c.unit, c.findings, c.context)]
    reported += run.reused
    return CheckResult(
        diagnostics=sorted(reported, key=Diagnostic.sort_key),
        checked=run.checked,
        files_checked=total,
        notices=run.notices(),
        files_parsed=run.parsed,
        files_from_cache=run.from_cache,
    )
