"""The machine format: a JSON list with ruff's field names, plus `severity` and `rule`.

Tools that already read `ruff check --output-format json` (code, message, filename, location,
end_location, fix{applicability, message, edits}, url, noqa_row) can read attnlint unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from attnlint.diagnostic import Diagnostic

__all__ = ["diagnostic_record", "render_json"]


def diagnostic_record(diagnostic: Diagnostic) -> dict[str, Any]:
    """One finding as a plain JSON-ready dict. An edit names its file only when it is not the
    finding's own (a model folder's fix may add a key to the other JSON file)."""
    record = diagnostic.to_json()
    for edit in (record["fix"] or {}).get("edits", []):
        if edit["filename"] is None:
            del edit["filename"]
    return record


def render_json(diagnostics: Sequence[Diagnostic]) -> str:
    """A JSON array, indented, ending with a newline."""
    return json.dumps([diagnostic_record(d) for d in diagnostics], indent=2, ensure_ascii=False) + "\n"
