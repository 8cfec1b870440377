"""The one error every pin reader raises, so that the target resolver reports them all alike."""

from __future__ import annotations

from pathlib import Path

__all__ = ["PinFileError"]


class PinFileError(ValueError):
    """A pin file that exists but cannot be read as its format; the message names the file."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"{path.name}: cannot read the versions it pins: {reason}")
