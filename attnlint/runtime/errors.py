"""Errors the guard raises in `mode="raise"`: each carries the rule code and the fix to apply."""

from __future__ import annotations


class AttnlintError(RuntimeError):
    """A configuration attnlint knows to fail; `code` is the rule, `fix` what to change."""

    def __init__(self, code: str, message: str, fix: str) -> None:
        super().__init__(f"{code}: {message}" + (f" (fix: {fix})" if fix else ""))
        self.code = code
        self.fix = fix


class ConfigurationCrashError(AttnlintError):
    """The configuration raises inside transformers or torch (ATN1xx)."""


class WrongOutputError(AttnlintError):
    """The configuration runs but computes wrong outputs (ATN2xx)."""


def error_for(code: str, message: str, fix: str) -> AttnlintError:
    kind = ConfigurationCrashError if code.startswith("ATN1") else (
        WrongOutputError if code.startswith("ATN2") else AttnlintError
    )
    return kind(code, message, fix)


class GuardConflictError(RuntimeError):
    """`guard` was asked to guard a guarded model in another mode or with other rules."""
