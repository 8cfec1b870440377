"""Where a rule's documentation lives: the one builder of rule URLs and docs/rules.md anchors.

Diagnostics, `attnlint rule --output-format json` and the generated docs all take a rule's link
from here, and docs/rules.md gives each rule a heading whose anchor is `rule_anchor(code)`, so a
URL can never point to an anchor the docs do not have (tests/test_rules.py checks it).
"""

from __future__ import annotations

__all__ = ["DOCS_PAGE", "rule_anchor", "rule_heading", "rule_url"]

DOCS_PAGE = "https://github.com/attnlint/attnlint/blob/main/docs/rules.md"


def rule_anchor(code: str) -> str:
    """The fragment of a rule's section: its code in lower case, as a Markdown renderer slugs the
    heading `rule_heading(code)`."""
    return code.lower()


def rule_heading(code: str) -> str:
    """The Markdown heading of a rule's section in docs/rules.md."""
    return f"## {code}"


def rule_url(code: str) -> str:
    return f"{DOCS_PAGE}#{rule_anchor(code)}"
