"""The checker's engine: one source in, its diagnostics out, with selection and suppression.

`check_source` is what every face of `attnlint check` runs per file: extract facts, evaluate them
against the target, keep the selected codes, and drop those a real `# noqa` / `# attnlint:
ignore[...]` comment suppresses. A file that does not parse or decode yields one diagnostic
(ATN001 / ATN002) instead of an exception, so a bad file never hides the rest of a run.
"""

from __future__ import annotations

import io
import re
import sys
import tokenize
from collections.abc import Sequence
from pathlib import Path
from typing import TypedDict

from attnlint.diagnostic import Diagnostic, Location
from attnlint.evaluate import evaluate
from attnlint.extract.python import extract_python
from attnlint.facts import Target
from attnlint.knowledge import rule_by_code

if sys.version_info >= (3, 11):
    from typing import Unpack
else:  # pragma: no cover - exercised on 3.10 only
    from typing_extensions import Unpack

__all__ = [
    "CheckOptions", "check_bytes", "check_source", "decode_source", "file_problem", "selected", "suppressions"
]

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z0-9]+(?:[\s,]+[A-Z0-9]+)*))?", re.IGNORECASE)
_IGNORE = re.compile(r"#\s*attnlint:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)

class CheckOptions(TypedDict, total=False):
    """The keyword options of `check_source`, shared by `check_bytes`."""

    target: Target | None
    select: Sequence[str]
    ignore: Sequence[str]
    root: Path | None


#: Suppression of a row: None means every code, else the code prefixes the comment names.
Suppressions = dict[int, frozenset[str] | None]


def file_problem(code: str, reason: str, path: str, row: int, column: int) -> Diagnostic:
    """A diagnostic of a file-level rule (ATN001-ATN004: unparsable, undecodable, invalid JSON,
    unreadable) at one point, so a broken file is reported like any finding instead of raising."""
    rule = rule_by_code()[code]
    where = Location(row=row, column=column)
    return Diagnostic(
        code=code, rule=rule.name, message=rule.message.format(reason=reason), severity=rule.severity,
        filename=path, location=where, end_location=where, url=rule.url, noqa_row=row,
    )


def _codes(text: str | None) -> frozenset[str] | None:
    if text is None:
        return None
    return frozenset(code.upper() for code in re.split(r"[\s,]+", text) if code)


def suppressions(text: str) -> Suppressions:
    """Rows whose real comments (read with `tokenize`, never inside strings) suppress codes."""
    found: Suppressions = {}
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type != tokenize.COMMENT:
                continue
            match = _NOQA.search(token.string) or _IGNORE.search(token.string)
            if match is not None:
                row = token.start[0]
                codes = _codes(match.group("codes"))
                earlier = found.get(row, frozenset())
                found[row] = None if codes is None or earlier is None else earlier | codes
    except (tokenize.TokenError, SyntaxError):
        return found
    return found


def _suppressed(diagnostic: Diagnostic, rows: Suppressions) -> bool:
    row = diagnostic.noqa_row or diagnostic.location.row
    if row not in rows:
        return False
    codes = rows[row]
    return codes is None or any(diagnostic.code.startswith(code) for code in codes)


def selected(code: str, select: Sequence[str], ignore: Sequence[str]) -> bool:
    """ruff-style selection: `select` prefixes (empty or "ALL" = all), minus `ignore` prefixes."""
    chosen = not select or any(p == "ALL" or code.startswith(p) for p in select)
    return chosen and not any(p == "ALL" or code.startswith(p) for p in ignore)


def check_source(
    text: str,
    path: str = "<string>",
    *,
    target: Target | None = None,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    root: Path | None = None,
    strict: bool = False,
) -> list[Diagnostic]:
    """Diagnostics for one Python source under `target` (default: every known release); `strict`
    also reports, as warnings, what holds only if an unknown context does (README, --strict)."""
    try:
        uses = extract_python(text, path, root)
    except SyntaxError as exc:
        found = [
            file_problem("ATN001", exc.msg, path, exc.lineno or 1, exc.offset or 1)
        ]
    except ValueError as exc:
        found = [file_problem("ATN001", str(exc), path, 1, 1)]
    except (RecursionError, MemoryError):
        found = [file_problem("ATN001", "the code is nested too deeply for Python's parser", path, 1, 1)]
    else:
        found = _unique(evaluate(uses, target or Target(), strict=strict))
    found = [d for d in found if selected(d.code, select, ignore)]
    rows = suppressions(text) if found else {}
    return [d for d in found if not _suppressed(d, rows)]


def _unique(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """One diagnostic per code and place. Two generate calls of one model share the load's span;
    the kept diagnostic's fix plan gathers every call's sites so that a fix reaches them all."""
    kept: dict[tuple[str, int, int, int, int], Diagnostic] = {}
    for d in diagnostics:
        key = (d.code, d.location.row, d.location.column, d.end_location.row, d.end_location.column)
        first = kept.setdefault(key, d)
        if first is not d and first.plan is not None and d.plan is not None:
            first.plan.sites += [site for site in d.plan.sites if site not in first.plan.sites]
    return list(kept.values())


def check_bytes(data: bytes, path: str = "<string>", **options: Unpack[CheckOptions]) -> list[Diagnostic]:
    """`check_source` for raw file bytes: honours a BOM and a PEP 263 coding cookie.

    Bytes that cannot be decoded give one ATN002 diagnostic that names the encoding and the row.
    """
    decoded = decode_source(data, path)
    if isinstance(decoded, str):
        return check_source(decoded, path, **options)
    return [decoded] if selected(decoded.code, options.get("select", ()), options.get("ignore", ())) else []


def decode_source(data: bytes, path: str) -> str | Diagnostic:
    """The text of a Python file (BOM and PEP 263 aware), or the ATN002 diagnostic that says why it
    has none. Checking and fixing must read the same text, or fix positions drift."""
    declared = ""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:  # a bad coding cookie, or first lines that are not UTF-8
        encoding, declared = "utf-8", exc.msg
    try:
        text = data.decode(encoding)
    except LookupError as exc:
        return file_problem("ATN002", str(exc), path, 1, 1)
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        reason = f"{exc.reason} at byte {exc.start} as {exc.encoding}; save the file as UTF-8"
        return file_problem("ATN002", reason, path, row, 1)
    if declared:
        return file_problem("ATN002", declared, path, 1, 1)
    return text
