"""attnlint: find, fix and guard broken attention x KV-cache configurations in transformers code."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from attnlint.offered import check_bytes, check_source

__all__ = ["__version__", "check_bytes", "check_source"]

__version__ = "0.1.0"

_RUNTIME = frozenset({"guard", "unguard", "guarded", "AttnlintError", "GuardConflictError", "GuardReport"})


def __getattr__(name: str) -> object:
    """Import on first use: the checker (the rule base, the extractors) so that `attnlint --version`
    and the cache's version key stay light, and the runtime guard (torch, transformers), which check
    and fix never ask for."""
    if name in ("check_source", "check_bytes"):  # with the fixes `attnlint fix` keeps, as the CLI reports
        import attnlint.offered as offered

        return getattr(offered, name)
    if name in _RUNTIME:
        import attnlint.runtime as runtime

        return getattr(runtime, name)
    raise AttributeError(f"module 'attnlint' has no attribute {name!r}")
