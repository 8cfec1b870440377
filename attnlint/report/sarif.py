"""SARIF 2.1.0, the format GitHub code scanning and most review tools import.

One run whose driver lists every rule (help text and URL from the same rule data as
`attnlint rule`), and one result per finding with its physical location and, where attnlint has
a fix, a `fixes` entry whose `artifactChanges` carry the very edits `attnlint fix` applies.
Columns are 1-based character counts, declared with `columnKind: unicodeCodePoints`. Paths are
relative to the working folder (`%SRCROOT%`), as code scanning expects for files in the checkout.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from attnlint import __version__
from attnlint.diagnostic import Diagnostic, Edit, Fix
from attnlint.knowledge import rules
from attnlint.knowledge.schema import Rule

__all__ = ["SCHEMA_URI", "render_sarif", "sarif_log"]

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
_HOME = "https://github.com/attnlint/attnlint"
_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
_ROOT = "%SRCROOT%"


def _artifact(filename: str) -> dict[str, str]:
    path = Path(filename)
    if path.is_absolute():
        return {"uri": path.as_uri()}
    return {"uri": quote(path.as_posix()), "uriBaseId": _ROOT}


def _rule_descriptor(rule: Rule) -> dict[str, Any]:
    from attnlint.report.rule_docs import render_rule

    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.explanation.strip()},
        "help": {"text": f"{rule.summary}. See {rule.url}", "markdown": render_rule(rule)},
        "helpUri": rule.url,
        "defaultConfiguration": {"level": _LEVEL[rule.severity]},
        "properties": {"tags": ["attnlint", rule.category], "precision": "high"},
    }


def _file_rule(d: Diagnostic) -> dict[str, Any]:
    """A descriptor for the file-problem codes (ATN001-ATN004), which are not rules of the knowledge."""
    text = f"attnlint could not read this file ({d.rule})"
    return {
        "id": d.code,
        "name": d.rule,
        "shortDescription": {"text": text},
        "fullDescription": {"text": f"{text}; the other files are still checked."},
        "help": {"text": f"{text}. See {d.url}"},
        "helpUri": d.url,
        "defaultConfiguration": {"level": _LEVEL[d.severity]},
    }


def _region(start_row: int, start_column: int, end_row: int, end_column: int) -> dict[str, int]:
    return {"startLine": start_row, "startColumn": start_column, "endLine": end_row, "endColumn": end_column}


def _replacement(edit: Edit) -> dict[str, Any]:
    where, end = edit.location, edit.end_location
    return {
        "deletedRegion": _region(where.row, where.column, end.row, end.column),
        "insertedContent": {"text": edit.content},
    }


def _fix(filename: str, fix: Fix) -> dict[str, Any]:
    return {
        "description": {"text": f"{fix.message} ({fix.applicability} fix)"},
        "artifactChanges": [
            {"artifactLocation": _artifact(filename), "replacements": [_replacement(e) for e in fix.edits]}
        ],
    }


def _result(d: Diagnostic, index: int) -> dict[str, Any]:
    message = f"cell {d.cell}: {d.message}" if d.cell is not None else d.message
    where, end = d.location, d.end_location
    result: dict[str, Any] = {
        "ruleId": d.code,
        "ruleIndex": index,
        "level": _LEVEL[d.severity],
        "message": {"text": message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": _artifact(d.filename),
                    "region": _region(where.row, where.column, end.row, end.column),
                }
            }
        ],
    }
    if d.cell is not None:
        result["properties"] = {"cell": d.cell}
    elif d.fix is not None and d.fix.edits:
        result["fixes"] = [_fix(d.filename, d.fix)]
    return result


def sarif_log(diagnostics: Sequence[Diagnostic]) -> dict[str, Any]:
    """The SARIF log object of one run (validated against the OASIS schema in the tests)."""
    descriptors = [_rule_descriptor(rule) for rule in rules()]
    index = {descriptor["id"]: i for i, descriptor in enumerate(descriptors)}
    for d in diagnostics:
        if d.code not in index:
            index[d.code] = len(descriptors)
            descriptors.append(_file_rule(d))
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "attnlint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": _HOME,
                        "rules": descriptors,
                    }
                },
                "originalUriBaseIds": {_ROOT: {"uri": Path.cwd().resolve().as_uri() + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": [_result(d, index[d.code]) for d in diagnostics],
            }
        ],
    }


def render_sarif(diagnostics: Sequence[Diagnostic]) -> str:
    """The SARIF log as indented JSON, ending with a newline."""
    return json.dumps(sarif_log(diagnostics), indent=2, ensure_ascii=False) + "\n"
