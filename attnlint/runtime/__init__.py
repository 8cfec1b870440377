"""Runtime face of attnlint: guard a loaded model (imports torch and transformers)."""

from __future__ import annotations

from attnlint.runtime.errors import (
    AttnlintError,
    ConfigurationCrashError,
    GuardConflictError,
    WrongOutputError,
)
from attnlint.runtime.guard import guard, guarded, unguard
from attnlint.runtime.report import GuardReport

__all__ = [
    "AttnlintError",
    "ConfigurationCrashError",
    "GuardConflictError",
    "GuardReport",
    "WrongOutputError",
    "guard",
    "guarded",
    "unguard",
]
