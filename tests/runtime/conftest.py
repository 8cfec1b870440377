"""Markers for the runtime tests: `matrix` runs per-version subprocesses (minutes, may install)."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "matrix: per-transformers-version subprocess cases (creates .matrix/<version> if missing)"
    )
