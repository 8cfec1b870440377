"""Workers for a large tree: started as soon as the queue is large enough, findings in queue order,
and only as many as the load leaves CPUs idle unless `--jobs` says otherwise."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from attnlint import parallel
from attnlint.engine import CheckContext, Unit
from attnlint.facts import Target
from attnlint.finding import Finding
from attnlint.source import SourceText

SEED = "from transformers import AutoModelForCausalLM\nm = AutoModelForCausalLM.from_pretrained(\n"


def _job(name: str, text: str) -> parallel.Job:
    source = SourceText(name, text.encode(), text)
    return parallel.Job(Unit((source,)), CheckContext(target=Target(), root=None))


def test_workers_judge_while_the_rest_is_still_being_queued(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first unit that reaches PARALLEL_BYTES starts the workers, which judge it before any
    later unit is queued (they inherit the run as it is then, not the text of the whole tree); a
    unit queued later goes to them too; findings come back in queue order."""
    signs = tmp_path / "signs"
    signs.mkdir()
    check_unit = parallel.check_unit

    def check_and_sign(unit: Unit, context: CheckContext) -> list[Finding]:
        (signs / f"{os.getpid()}-{unit.sources[0].path}").touch()
        return check_unit(unit, context)

    monkeypatch.setattr(parallel, "check_unit", check_and_sign)
    big = _job("big.py", SEED + "    'meta-llama/Llama-3.1-8B', attn_implementation='flash_attn')\n")
    monkeypatch.setattr(parallel, "PARALLEL_BYTES", big.size)
    judge = parallel.Judge(2)
    judge.add(_job("small.py", "x = 1\n"))
    judge.add(big)
    deadline = time.monotonic() + 60
    while len(list(signs.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    judged_early = sorted(p.name.split("-", 1)[1] for p in signs.iterdir())
    assert judged_early == ["big.py", "small.py"]  # judged before results() was asked for
    judge.add(_job("late.py", "y = 2\n"))
    done: list[int] = []
    results = list(judge.results(lambda: done.append(1)))
    assert [job.unit.sources[0].path for job, _ in results] == ["small.py", "big.py", "late.py"]
    assert [[f.code for f in found] for _, found in results] == [[], ["ATN108"], []]
    assert len(done) == 3 and judge.queued == []
    workers = {int(p.name.split("-", 1)[0]) for p in signs.iterdir()}
    assert os.getpid() not in workers


def test_a_small_queue_is_judged_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    judge = parallel.Judge(4)
    judge.add(_job("a.py", SEED + "    'gpt2', attn_implementation='flash_attn')\n"))
    pids: list[int] = []
    check_unit = parallel.check_unit

    def check_here(unit: Unit, context: CheckContext) -> list[Finding]:
        pids.append(os.getpid())
        return check_unit(unit, context)

    monkeypatch.setattr(parallel, "check_unit", check_here)
    [(_, found)] = list(judge.results(lambda: None))
    assert [f.code for f in found] == ["ATN108"] and pids == [os.getpid()]


def test_workers_by_default_only_for_cpus_the_load_leaves_idle(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "available_cpus", lambda: 2)
    monkeypatch.setattr(os, "getloadavg", lambda: (0.3, 0.2, 0.1))
    assert parallel.processes(None) == 2
    monkeypatch.setattr(os, "getloadavg", lambda: (1.2, 1.0, 1.0))
    assert parallel.processes(None) == 1
    monkeypatch.setattr(os, "getloadavg", lambda: (5.0, 4.0, 4.0))
    assert parallel.processes(None) == 1
    assert (parallel.processes(0), parallel.processes(3), parallel.processes(1)) == (2, 3, 1)  # --jobs

    def no_load() -> tuple[float, float, float]:
        raise OSError("no load average here")

    monkeypatch.setattr(os, "getloadavg", no_load)
    assert parallel.processes(None) == 2
