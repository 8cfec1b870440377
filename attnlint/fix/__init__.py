"""`attnlint fix`: turn each diagnostic's planned fix into edits, apply them, and prove them.

One code path serves both faces: `python_edits` / `json_edits` compute ruff-style edits from a
diagnostic's FixPlan; `attach_fixes` reports them in `check --output-format json`, and the fixer
(`fix_source`, `fix_config_folder`) applies the very same edits in rounds, re-checks the result
and rolls back any fix that does not remove its diagnostic. `io` writes files atomically.
"""

from __future__ import annotations

from attnlint.fix.edits import attach_fixes
from attnlint.fix.outcome import FixOutcome, FixRefused, Refusal
from attnlint.fix.python import fix_source

__all__ = ["FixOutcome", "FixRefused", "Refusal", "attach_fixes", "fix_source"]
