"""What a person at a terminal sees while a long check runs, and the line that sums it up.

Both go to stderr and only when stderr is a terminal, so the report on stdout (JSON, GitHub
annotations, text piped to a file) never holds them. The progress line appears only once a run has
taken a second, and is rewritten at most ten times a second.
"""

from __future__ import annotations

import time
from typing import TextIO

__all__ = ["Progress", "summary_line"]

_DELAY_S = 1.0
_EVERY_S = 0.1


class Progress:
    """A `done/total` line on `stream`, rewritten in place; `clear()` removes it."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.live = stream.isatty()
        self.started = time.perf_counter()
        self._shown_at = 0.0
        self._shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self.live:
            return
        now = time.perf_counter()
        if now - self.started < _DELAY_S or (now - self._shown_at < _EVERY_S and done < total):
            return
        self.stream.write(f"\rattnlint: checked {done}/{total} files")
        self.stream.flush()
        self._shown_at, self._shown = now, True

    def clear(self) -> None:
        """Remove the progress line (before the report is written)."""
        if self.live and self._shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
            self._shown = False

    def summary(self, line: str) -> None:
        """The run's summary line, on a terminal only."""
        if self.live:
            self.stream.write(line + "\n")
            self.stream.flush()

    def elapsed(self) -> float:
        return time.perf_counter() - self.started


def summary_line(seen: int, parsed: int, from_cache: int, findings: int, seconds: float) -> str:
    """`attnlint: 1077 files seen, 104 parsed, 0 from the cache, 2 findings in 3.2 s`."""
    return (
        f"attnlint: {seen} files seen, {parsed} parsed, {from_cache} from the cache, "
        f"{findings} finding{'' if findings == 1 else 's'} in {seconds:.1f} s"
    )
