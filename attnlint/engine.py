"""The checker's engine: the one per-file check, and the report edge where findings become diagnostics.

`check_unit` is what every face runs for one file: `attnlint check`, the fixes it reports, and the
fixer's re-check of each candidate text. A unit is one Python file, one notebook, one
training-framework YAML config or launch script, or one model folder's JSON pair; a `CheckContext`
holds everything it is judged with (project root, target versions, selection). Because there is
only this one path, a fix that the fixer calls done is exactly what the next `attnlint check` finds
gone. A file that does not parse yields one finding
(ATN001; ATN005 for YAML) instead of an exception, so a bad file never hides the rest of a run.
"""

from __future__ import annotations

import io
import re
import sys
import tokenize
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import field, replace
from pathlib import Path
from typing import TypedDict

from attnlint.diagnostic import Diagnostic, Fix, Location
from attnlint.evaluate import evaluate
from attnlint.extract.configs import ConfigFileError, extract_config_folder
from attnlint.extract.python import extract_python
from attnlint.facts import Target
from attnlint.finding import Finding, file_problem
from attnlint.knowledge.schema import Rule
from attnlint.records import record
from attnlint.source import SourceError, SourceText, decode, is_framework_file, split_lines

if sys.version_info >= (3, 11):
    from typing import Unpack
else:  # pragma: no cover - exercised on 3.10 only
    from typing_extensions import Unpack

__all__ = [
    "CheckContext",
    "CheckOptions",
    "ReportEdge",
    "Unit",
    "check_bytes",
    "check_source",
    "check_unit",
    "diagnostics",
    "reported_by",
    "selected",
    "suppressions",
]

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z0-9]+(?:[\s,]+[A-Z0-9]+)*))?", re.IGNORECASE)
_IGNORE = re.compile(r"#\s*attnlint:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)
_HASH_COMMENT = re.compile(r"(?:^|\s)(#.*)$")


def selected(code: str, select: Sequence[str], ignore: Sequence[str]) -> bool:
    """ruff-style selection: `select` prefixes (empty or "ALL" = all), minus `ignore` prefixes."""
    chosen = not select or any(p == "ALL" or code.startswith(p) for p in select)
    return chosen and not any(p == "ALL" or code.startswith(p) for p in ignore)


@record
class CheckContext:
    """What a unit is judged with: the project root (model paths in code are relative to it), the
    transformers/torch versions it can run, and the rule selection."""

    target: Target = field(default_factory=Target)
    root: Path | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    #: The rules to evaluate (None: the whole rule base); tests judge with rules of their own.
    rules: tuple[Rule, ...] | None = None
    #: Also report, as warnings, findings whose context is not known to hold (`--strict`).
    strict: bool = False

    def selected(self, code: str) -> bool:
        return selected(code, self.select, self.ignore)


@record
class Unit:
    """What one check judges together: one Python file or notebook (one source), or a model
    folder's config.json and generation_config.json (`folder` set, one or two sources)."""

    sources: tuple[SourceText, ...]
    folder: str | None = None

    def with_text(self, path: str, text: str) -> Unit:
        """The unit with one file holding a candidate text (a fix not yet written)."""
        return replace(self, sources=tuple(s.with_text(text) if s.path == path else s for s in self.sources))

    def source(self, path: str) -> SourceText:
        return next(s for s in self.sources if s.path == path)


#: Suppression of a row: None means every code, else the code prefixes the comment names.
Suppressions = dict[int, frozenset[str] | None]


def _codes(text: str | None) -> frozenset[str] | None:
    if text is None:
        return None
    return frozenset(code.upper() for code in re.split(r"[\s,]+", text) if code)


def _comment_suppressions(comments: Iterable[tuple[int, str]]) -> Suppressions:
    """Rows whose comments (row, comment text) suppress codes: `# noqa[: codes]` or
    `# attnlint: ignore[codes]`. Python, YAML and shell files differ only in how comments are found."""
    found: Suppressions = {}
    for row, comment in comments:
        match = _NOQA.search(comment) or _IGNORE.search(comment)
        if match is not None:
            codes = _codes(match.group("codes"))
            earlier = found.get(row, frozenset())
            found[row] = None if codes is None or earlier is None else earlier | codes
    return found


def _python_comments(text: str) -> Iterator[tuple[int, str]]:
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.COMMENT:
                yield token.start[0], token.string
    except (tokenize.TokenError, SyntaxError):
        return


def _hash_comments(text: str) -> Iterator[tuple[int, str]]:
    """YAML and shell comments: `#` at a line's start or after whitespace (not inside a word or URL)."""
    for row, line in enumerate(split_lines(text), start=1):
        match = _HASH_COMMENT.search(line.rstrip("\r\n"))
        if match is not None:
            yield row, match.group(1)


def suppressions(text: str) -> Suppressions:
    """Rows whose real comments (read with `tokenize`, never inside strings) suppress codes."""
    return _comment_suppressions(_python_comments(text))


def _suppressed(finding: Finding, rows: Suppressions) -> bool:
    row = finding.span.row
    if row not in rows:
        return False
    codes = rows[row]
    return codes is None or any(finding.code.startswith(code) for code in codes)


def _unique(findings: list[Finding]) -> list[Finding]:
    """One finding per code and place. Two generate calls of one model share the load's span;
    the kept finding's fix plan gathers every call's sites so that a fix reaches them all."""
    kept: dict[tuple[str, int, int, int, int], Finding] = {}
    for f in findings:
        first = kept.setdefault(f.key(), f)
        if first is not f and first.plan is not None and f.plan is not None:
            extra = tuple(site for site in f.plan.sites if site not in first.plan.sites)
            kept[f.key()] = first.with_sites(first.plan.sites + extra)
    return list(kept.values())


def _python(source: SourceText, context: CheckContext) -> list[Finding]:
    path = source.path
    try:
        uses = extract_python(source.text, path, context.root)
    except SyntaxError as exc:
        found = [file_problem("ATN001", exc.msg, path, exc.lineno or 1, exc.offset or 1)]
    except ValueError as exc:
        found = [file_problem("ATN001", str(exc), path)]
    except (RecursionError, MemoryError):
        found = [file_problem("ATN001", "the code is nested too deeply for Python's parser", path)]
    else:
        found = _unique(evaluate(uses, context.target, context.rules, strict=context.strict))
    found = [f for f in found if context.selected(f.code)]
    rows = suppressions(source.text) if found else {}
    return [f for f in found if not _suppressed(f, rows)]


def _folder(unit: Unit, context: CheckContext) -> list[Finding]:
    assert unit.folder is not None
    texts = {Path(s.path).name: s.text for s in unit.sources}
    try:
        uses = extract_config_folder(Path(unit.folder), texts)
    except ConfigFileError as exc:
        found = [file_problem("ATN003", exc.reason, exc.path, exc.row, exc.column)]
    else:
        found = evaluate(uses, context.target, context.rules, strict=context.strict)
    return [f for f in found if context.selected(f.code)]


def _framework(source: SourceText, context: CheckContext) -> list[Finding]:
    """A training-framework YAML config or launch script; YAML that does not parse is one ATN005."""
    from attnlint.extract.frameworks import FrameworkFileError, extract_framework_file

    try:
        uses = extract_framework_file(source.text, source.path, context.root)
    except FrameworkFileError as exc:
        found = [file_problem("ATN005", exc.reason, source.path, exc.row, exc.column)]
    else:
        found = _unique(evaluate(uses, context.target, context.rules, strict=context.strict))
    found = [f for f in found if context.selected(f.code)]
    rows = _comment_suppressions(_hash_comments(source.text)) if found else {}
    return [f for f in found if not _suppressed(f, rows)]


def check_unit(unit: Unit, context: CheckContext) -> list[Finding]:
    """The findings of one unit (a Python file, a notebook, a training-framework YAML config or
    launch script, or a model folder) under `context`."""
    if unit.folder is not None:
        return _folder(unit, context)
    if is_framework_file(unit.sources[0].path):
        return _framework(unit.sources[0], context)
    return _python(unit.sources[0], context)


def _location(source: SourceText | None, row: int, column: int) -> tuple[int | None, Location]:
    if source is None or source.cells is None:
        return None, Location(row=row, column=column)
    cell, row_in_cell = source.cell_of(row)
    return cell, Location(row=row_in_cell, column=column)


def diagnostics(unit: Unit, findings: Sequence[Finding], *, fixes: bool = True) -> list[Diagnostic]:
    """The report edge: each finding as an immutable diagnostic, with its fix edits (computed by
    `attnlint.edits`, the code the fixer applies) and, for a notebook, its cell."""
    found_fixes: Sequence[Fix | None] = _fixes(unit, findings) if fixes else [None] * len(findings)
    by_path = {s.path: s for s in unit.sources}
    made = []
    for finding, fix in zip(findings, found_fixes, strict=True):
        where = finding.span
        source = by_path.get(where.path)
        cell, start = _location(source, where.row, where.column)
        _, end = _location(source, where.end_row, where.end_column)
        made.append(
            Diagnostic(
                code=finding.code, rule=finding.rule, message=finding.message, severity=finding.severity,
                filename=finding.path, location=start, end_location=end, fix=fix, url=finding.url,
                noqa_row=start.row, cell=cell,
            )
        )
    return made


def _fixes(unit: Unit, findings: Sequence[Finding]) -> Sequence[Fix | None]:
    if not any(f.plan is not None and f.plan.spec is not None for f in findings):
        return [None] * len(findings)
    from attnlint.edits import fixes_of  # libcst is loaded only when there is a fix to compute

    return fixes_of(unit.sources, findings)


class CheckOptions(TypedDict, total=False):
    """The keyword options of `check_source`, shared by `check_bytes`."""

    target: Target | None
    select: Sequence[str]
    ignore: Sequence[str]
    root: Path | None
    strict: bool


def _context(options: CheckOptions) -> CheckContext:
    return CheckContext(
        target=options.get("target") or Target(),
        root=options.get("root"),
        select=tuple(options.get("select", ())),
        ignore=tuple(options.get("ignore", ())),
        strict=options.get("strict", False),
    )


#: A report edge: a unit's findings (in the context they were judged in) as diagnostics. None:
#: `diagnostics`, every planned fix attached; `attnlint.offered.reported`: only those `fix` keeps.
ReportEdge = Callable[[Unit, Sequence[Finding], CheckContext], list[Diagnostic]]


def reported_by(
    report: ReportEdge | None, unit: Unit, findings: Sequence[Finding], context: CheckContext
) -> list[Diagnostic]:
    """`findings` as diagnostics through `report` (None: `diagnostics`)."""
    return diagnostics(unit, findings) if report is None else report(unit, findings, context)


def check_source(
    text: str, path: str = "<string>", *, report: ReportEdge | None = None, **options: Unpack[CheckOptions]
) -> list[Diagnostic]:
    """Diagnostics for one Python source under `target` (default: every known release)."""
    source = SourceText(path, text.encode("utf-8", "surrogatepass"), text.removeprefix("\ufeff"))
    unit = Unit((source,))
    context = _context(options)
    return reported_by(report, unit, check_unit(unit, context), context)


def check_bytes(
    data: bytes, path: str = "<string>", *, report: ReportEdge | None = None, **options: Unpack[CheckOptions]
) -> list[Diagnostic]:
    """`check_source` for raw file bytes: honours a BOM and a PEP 263 coding cookie (a notebook's
    bytes are read as a notebook). Bytes that cannot be decoded give one ATN002/ATN003 diagnostic."""
    context = _context(options)
    try:
        source = decode(path, data)
    except SourceError as exc:
        problem = file_problem(exc.code, exc.reason, path, exc.row, exc.column)
        return diagnostics(Unit(()), [problem] if context.selected(exc.code) else [])
    unit = Unit((source,))
    return reported_by(report, unit, check_unit(unit, context), context)
