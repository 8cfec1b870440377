"""The result cache on its own: keys, atomic entries, concurrent writers, an unwritable folder."""

from __future__ import annotations

import contextlib
import io
import json
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

import pytest

from attnlint import parallel, project, result_cache
from attnlint.cli import main
from attnlint.engine import CheckContext, Unit
from attnlint.finding import Finding
from attnlint.result_cache import CACHE_FOLDER, ResultCache

TARGET = ("==4.51.0", "", "`transformers==4.51.0` (requirements.txt)")
RECORDS = [{"code": "ATN101", "location": {"row": 3, "column": 5}}]


def test_a_key_changes_with_everything_a_finding_depends_on(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path, ["select=ATN1"])
    key = cache.key("a.py", b"x = 1\n", TARGET)
    assert key == ResultCache(tmp_path, ["select=ATN1"]).key("a.py", b"x = 1\n", TARGET)
    others = {
        cache.key("b.py", b"x = 1\n", TARGET),
        cache.key("a.py", b"x = 2\n", TARGET),
        cache.key("a.py", b"x = 1\n", ("==5.0.0", "", TARGET[2])),
        cache.key("a.py", b"x = 1\n", (TARGET[0], "==2.6", TARGET[2])),
        cache.key("a.py", b"x = 1\n", (TARGET[0], "", "the installed transformers 4.51.0")),
        ResultCache(tmp_path, ["select=ATN2"]).key("a.py", b"x = 1\n", TARGET),
    }
    assert key not in others and len(others) == 6


def test_a_key_changes_with_what_a_record_means(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Records written before fixes were offered only when `fix` makes them good (the seed's "1
    hidden fix") are not reused by a run of the same version that offers them so."""
    key = ResultCache(tmp_path, []).key("a.py", b"x = 1\n", TARGET)
    monkeypatch.setattr(result_cache, "RECORDS", "1")
    assert ResultCache(tmp_path, []).key("a.py", b"x = 1\n", TARGET) != key


def test_entries_round_trip_and_the_folder_ignores_itself(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path, [])
    key = cache.key("a.py", b"data", TARGET)
    assert cache.get(key) is None
    cache.put(key, RECORDS)
    assert cache.get(key) == RECORDS
    assert (tmp_path / CACHE_FOLDER / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    assert not [p for p in (tmp_path / CACHE_FOLDER).rglob(".tmp-*")]


def test_a_damaged_entry_is_a_miss(tmp_path: Path) -> None:
    cache = ResultCache(tmp_path, [])
    key = cache.key("a.py", b"data", TARGET)
    cache.put(key, RECORDS)
    [entry] = (tmp_path / CACHE_FOLDER).rglob("*.json")
    entry.write_text('[{"code": "ATN1', encoding="utf-8")
    assert cache.get(key) is None
    entry.write_text('{"code": "ATN101"}', encoding="utf-8")
    assert cache.get(key) is None


def test_a_cache_that_cannot_be_written_is_not_an_error(tmp_path: Path) -> None:
    (tmp_path / CACHE_FOLDER).write_text("a file where the folder should be\n", encoding="utf-8")
    cache = ResultCache(tmp_path, [])
    key = cache.key("a.py", b"data", TARGET)
    cache.put(key, RECORDS)
    assert cache.get(key) is None


def _write_many(root: str, records: list[dict[str, object]]) -> None:
    cache = ResultCache(Path(root), [])
    key = cache.key("a.py", b"data", TARGET)
    for _ in range(200):
        cache.put(key, records)


def test_concurrent_writers_never_leave_half_an_entry(tmp_path: Path) -> None:
    """Two processes rewrite the same entry while this one reads it: every read is whole (a write
    in place would let a read see a truncated file, which is a miss)."""
    big = [{"code": f"ATN{n:03d}", "message": "x" * 2000} for n in range(50)]
    context = multiprocessing.get_context("fork")
    writers = [
        context.Process(target=_write_many, args=(str(tmp_path), records)) for records in (big, RECORDS)
    ]
    for writer in writers:
        writer.start()
    cache = ResultCache(tmp_path, [])
    key = cache.key("a.py", b"data", TARGET)
    seen: list[object] = []
    while any(w.is_alive() for w in writers):
        found = cache.get(key)
        if found is not None or seen:  # once the entry exists, no read may miss it
            seen.append(found)
    for writer in writers:
        writer.join()
        assert writer.exitcode == 0
    assert all(found in (big, RECORDS) for found in seen)
    assert cache.get(key) in (big, RECORDS)


# ---- the cache in `attnlint check` -------------------------------------------------------------------

SEED = """from transformers import Llama4ForConditionalGeneration

model = Llama4ForConditionalGeneration.from_pretrained(
    "meta-llama/Llama-4-Scout-17B-16E-Instruct", attn_implementation="flex_attention", device_map="cuda"
)
out = model.generate(**inputs, max_new_tokens=32)
"""
CLEAN = (
    "from transformers import AutoModel\n\n"
    "m = AutoModel.from_pretrained('x', attn_implementation='sdpa')\n"
)
NOTEBOOK = json.dumps(
    {
        "cells": [{"cell_type": "code", "metadata": {}, "source": SEED.splitlines(keepends=True)}],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
)
MIXED = {
    "requirements.txt": "transformers==4.51.0\n",
    "seed.py": SEED,
    "clean.py": CLEAN,
    "plain.py": "print('nothing to see')\n",
    "nb/demo.ipynb": NOTEBOOK,
    "ckpt/config.json": '{"model_type": "llama4", "attn_implementation": "flex_attention"}\n',
    "broken.py": 'm.generate(ids, cache_implementation="static"\n',
    # an axolotl config (modelled on axolotl's examples/llama-4 configs)
    "train/llama4.yaml": "base_model: meta-llama/Llama-4-Scout-17B-16E-Instruct\nflex_attention: true\n",
    "ci.yml": "on: push\njobs: {}\n",
}


def _mixed_tree(root: Path) -> Path:
    for name, text in MIXED.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _check(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["check", "--output-format", "json", *argv])
    return code, out.getvalue()


def test_cold_warm_and_uncached_runs_report_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(_mixed_tree(tmp_path))
    uncached = _check("--no-cache")
    assert not (tmp_path / CACHE_FOLDER).exists()
    cold = _check()
    entries = list((tmp_path / CACHE_FOLDER).rglob("*.json"))
    assert len(entries) == 5  # seed, clean, the notebook, the file that does not parse, the YAML config
    checked_anew = parallel.check_unit

    def only_model_folders(unit: Unit, context: CheckContext) -> list[Finding]:
        assert unit.folder is not None, f"{unit.sources[0].path} was checked again, not read from the cache"
        return checked_anew(unit, context)

    monkeypatch.setattr(parallel, "check_unit", only_model_folders)
    warm = _check()
    assert cold == warm == uncached
    codes = sorted(d["code"] for d in json.loads(cold[1]))
    # seed, notebook, YAML config; the model folder asks for flex in config.json, which 4.51.0 drops on load
    assert codes == ["ATN001", "ATN101", "ATN101", "ATN101"]


def test_a_tree_meets_the_prefilter_before_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A few files are looked up in the result cache first (a cached one then needs no prefilter);
    in a tree, files that cannot trigger a rule cost no cache key (no hash, no folder pins). Both
    orders report the same."""
    root = _mixed_tree(tmp_path)
    for i in range(project.CACHE_FIRST_FILES):
        (root / f"plain_{i}.py").write_text(f"print({i})\n", encoding="utf-8")
    monkeypatch.chdir(root)
    keyed: list[str] = []
    key = ResultCache.key
    monkeypatch.setattr(
        ResultCache, "key", lambda self, name, *rest: keyed.append(name) or key(self, name, *rest)
    )
    tree = _check(".")
    assert not any(name.startswith("plain_") for name in keyed) and "seed.py" in keyed
    keyed.clear()
    few = _check("seed.py", "plain_0.py")
    assert sorted(keyed) == ["plain_0.py", "seed.py"]
    assert few[1] == _check("--no-cache", "seed.py", "plain_0.py")[1]
    assert tree == _check(".") == _check("--no-cache", ".")


def test_parallel_runs_report_what_one_process_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cold, warm and parallel runs of a mixed tree (Python, notebook, model folder, YAML config, a
    file that does not parse) print the same report; the parallel one really judged in workers."""
    monkeypatch.chdir(_mixed_tree(tmp_path / "tree"))
    serial = _check("--no-cache", "--jobs", "1")
    pids = tmp_path / "pids"
    pids.mkdir()
    check_unit = parallel.check_unit

    def check_and_sign(unit: Unit, context: CheckContext) -> list[Finding]:
        (pids / str(os.getpid())).touch()  # a forked worker runs this copy of the module
        return check_unit(unit, context)

    monkeypatch.setattr(parallel, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(parallel, "check_unit", check_and_sign)
    cold = _check("--jobs", "2")
    warm = _check("--jobs", "2")
    again = _check("--no-cache", "--jobs", "3")
    assert serial == cold == warm == again and serial[0] == 1
    workers = {int(p.name) for p in pids.iterdir()}
    assert workers - {os.getpid()}  # a warm run judges only the model folder, here: one unit needs no worker


def test_a_changed_file_or_target_is_checked_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(_mixed_tree(tmp_path))
    first = json.loads(_check()[1])
    (tmp_path / "seed.py").write_text(SEED.replace("flex_attention", "sdpa"), encoding="utf-8")
    second = json.loads(_check()[1])
    assert {d["filename"] for d in first} - {d["filename"] for d in second} == {"seed.py"}
    later = json.loads(_check("--transformers-version", "==5.24.0")[1])
    assert [d["code"] for d in later] == ["ATN001"]


def test_concurrent_runs_agree(tmp_path: Path) -> None:
    """Two processes check the same tree at once, with an empty cache: both report what one run does."""
    _mixed_tree(tmp_path)
    command = [sys.executable, "-m", "attnlint", "check", "--output-format", "json", "."]
    runs = [subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = {run.communicate(timeout=300)[0] for run in runs}
    reference = subprocess.run([*command, "--no-cache"], cwd=tmp_path, capture_output=True, text=True)
    assert outputs == {reference.stdout}
    assert json.loads(reference.stdout)
