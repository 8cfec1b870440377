"""Writing fixed files: encodings, BOMs, line endings, modes, and every refusal loses nothing."""

from __future__ import annotations

import codecs
import os
import stat
import sys
from pathlib import Path

import pytest
from conftest import fix_file, fix_text

from attnlint.fix.io import WriteRefused, read_source, write_source

GOLDEN = Path(__file__).parent / "golden"
SEED = (GOLDEN / "multiline_comments.in.py").read_text(encoding="utf-8")
FIXED = (GOLDEN / "multiline_comments.out.py").read_text(encoding="utf-8")
TARGET = "==4.51.0"


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_crlf_stays_crlf(tmp_path: Path) -> None:
    path = _write(tmp_path / "crlf.py", SEED.replace("\n", "\r\n").encode())
    outcome = fix_file(path, TARGET)
    assert outcome.fixed
    assert path.read_bytes() == FIXED.replace("\n", "\r\n").encode()


def test_bom_is_kept(tmp_path: Path) -> None:
    path = _write(tmp_path / "bom.py", codecs.BOM_UTF8 + SEED.encode())
    fix_file(path, TARGET)
    assert path.read_bytes() == codecs.BOM_UTF8 + FIXED.encode()


def test_pep263_encoding_is_kept(tmp_path: Path) -> None:
    header = "# -*- coding: latin-1 -*-\n# caf\u00e9\n"
    path = _write(tmp_path / "latin.py", (header + SEED).encode("latin-1"))
    fix_file(path, TARGET)
    assert path.read_bytes() == (header + FIXED).encode("latin-1")


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_mode_is_kept_and_fixing_twice_changes_nothing(tmp_path: Path) -> None:
    path = _write(tmp_path / "script.py", SEED.encode())
    path.chmod(0o751)
    fix_file(path, TARGET)
    once = path.read_bytes()
    assert stat.S_IMODE(path.stat().st_mode) == 0o751
    fix_file(path, TARGET)
    assert path.read_bytes() == once == FIXED.encode()


def test_a_file_without_fixes_is_not_touched(tmp_path: Path) -> None:
    path = _write(tmp_path / "clean.py", FIXED.encode())
    before = path.stat().st_mtime_ns
    os.utime(path, ns=(before - 10**9, before - 10**9))
    stamp = path.stat().st_mtime_ns
    fix_file(path, TARGET)
    assert path.stat().st_mtime_ns == stamp
    assert not list(tmp_path.glob(".*tmp"))


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root writes read-only files")
def test_read_only_file_is_refused_with_a_message(tmp_path: Path) -> None:
    path = _write(tmp_path / "ro.py", SEED.encode())
    path.chmod(0o444)
    with pytest.raises(WriteRefused, match="read-only"):
        fix_file(path, TARGET)
    assert path.read_bytes() == SEED.encode()


def test_read_only_file_is_refused_even_for_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / "ro.py", SEED.encode())
    path.chmod(0o444)
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if mode == os.W_OK else real_access(p, mode))
    with pytest.raises(WriteRefused, match=r"ro\.py: the file is read-only; not fixed"):
        fix_file(path, TARGET)
    assert path.read_bytes() == SEED.encode()


def test_a_file_changed_between_check_and_write_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "race.py", SEED.encode())
    source = read_source(path, tmp_path)
    outcome = fix_text(source.text, TARGET, path=str(path))
    edited = SEED + "# edited by someone else\n"
    path.write_text(edited, encoding="utf-8")
    with pytest.raises(WriteRefused, match="changed since it was checked"):
        write_source(source, outcome.text)
    assert path.read_text(encoding="utf-8") == edited
    assert not list(tmp_path.glob(".*tmp"))


def test_a_symlink_out_of_the_tree_is_refused(tmp_path: Path) -> None:
    outside = _write(tmp_path / "outside.py", SEED.encode())
    project = tmp_path / "project"
    project.mkdir()
    link = project / "link.py"
    link.symlink_to(outside)
    with pytest.raises(WriteRefused, match="outside the project"):
        fix_file(link, TARGET, root=project)
    assert outside.read_bytes() == SEED.encode() and link.is_symlink()


def test_a_symlink_inside_the_tree_fixes_its_target_and_stays_a_link(tmp_path: Path) -> None:
    real = _write(tmp_path / "real.py", SEED.encode())
    link = tmp_path / "link.py"
    link.symlink_to(real)
    fix_file(link, TARGET, root=tmp_path)
    assert link.is_symlink() and real.read_bytes() == FIXED.encode()


def test_a_syntax_error_is_left_alone(tmp_path: Path) -> None:
    broken = SEED.replace("def run(inputs):", "def run(inputs)")
    path = _write(tmp_path / "broken.py", broken.encode())
    outcome = fix_file(path, TARGET)
    assert [d.code for d in outcome.remaining] == ["ATN001"]
    assert not outcome.fixed
    assert path.read_bytes() == broken.encode()


def test_an_undecodable_file_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.py", b"x = '\xff\xfe'\n")
    with pytest.raises(WriteRefused, match="cannot decode"):
        read_source(path, tmp_path)
    assert path.read_bytes() == b"x = '\xff\xfe'\n"
