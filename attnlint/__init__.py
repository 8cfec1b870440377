"""attnlint: find, fix and guard broken attention x KV-cache configurations in transformers code."""

from __future__ import annotations

__version__ = "0.1.0"
