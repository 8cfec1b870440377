"""One parse per state of a TOML file, and a new parse when the file changes (a pin fix rewrites
`pyproject.toml` between the fixer's rounds)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from attnlint.toml_files import TOMLDecodeError, read_toml


def test_the_same_file_state_is_parsed_once(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[project]\ndependencies = ["transformers==4.51.0"]\n', encoding="utf-8")
    first = read_toml(path)
    assert first == {"project": {"dependencies": ["transformers==4.51.0"]}}
    assert read_toml(path) is first


def test_a_rewritten_file_is_read_again_even_at_the_same_size(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[project]\ndependencies = ["transformers==4.51.0"]\n', encoding="utf-8")
    before = read_toml(path)
    stamp = path.stat().st_mtime_ns
    path.write_text('[project]\ndependencies = ["transformers==4.52.4"]\n', encoding="utf-8")
    os.utime(path, ns=(stamp + 1_000_000, stamp + 1_000_000))  # a coarse clock could repeat the time
    after = read_toml(path)
    assert after["project"]["dependencies"] == ["transformers==4.52.4"]
    assert before["project"]["dependencies"] == ["transformers==4.51.0"]


def test_broken_toml_raises_every_time(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text("[project\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(TOMLDecodeError):
            read_toml(path)
