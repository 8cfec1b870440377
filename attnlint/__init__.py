"""attnlint: find, fix and guard broken attention x KV-cache configurations in transformers code."""

from __future__ import annotations

from attnlint.engine import check_source

__all__ = ["__version__", "check_source"]

__version__ = "0.1.0"
