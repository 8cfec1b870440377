"""Counting findings in words: "1 error and 2 warnings", and what a fix run did."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from attnlint.records import record

__all__ = ["FixSummary", "counted", "plural"]

_ORDER = ("error", "warning", "info")
_PLURALS = {"fix": "fixes", "hidden fix": "hidden fixes"}


def plural(count: int, word: str) -> str:
    return f"{count} {word if count == 1 else _PLURALS.get(word, word + 's')}"


def counted(severities: Iterable[str]) -> str:
    """Severities in words by kind ("1 error and 2 warnings"); "0 errors" when there are none."""
    counts = Counter(severities)
    parts = [plural(counts[s], s) for s in _ORDER if counts[s]]
    if not parts:
        return plural(0, "error")
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]


@record
class FixSummary:
    """What a fix run did: the severities of the findings it fixed (or would fix, with --diff)."""

    fixed: tuple[str, ...] = ()
    would: bool = False
