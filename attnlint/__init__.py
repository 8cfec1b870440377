"""attnlint: find, fix and guard broken attention x KV-cache configurations in transformers code."""

from __future__ import annotations

from attnlint.engine import check_source

__all__ = ["__version__", "check_source"]

__version__ = "0.1.0"

_RUNTIME = frozenset({"guard", "unguard", "guarded", "AttnlintError", "GuardConflictError", "GuardReport"})


def __getattr__(name: str) -> object:
    """Import the runtime guard (torch, transformers) only when it is asked for: check/fix never are."""
    if name in _RUNTIME:
        import attnlint.runtime as runtime

        return getattr(runtime, name)
    raise AttributeError(f"module 'attnlint' has no attribute {name!r}")
