"""Judging the units of a large tree in several processes, with the same result as one.

Parsing and extracting is CPU work on independent files, so a tree whose files that pass the
prefilter hold enough source is split among forked workers: each inherits the loaded rule base
(nothing to load or validate again), judges whole units with `engine.check_unit` and sends back the
findings, which are kept in queue order, so the output never depends on which worker finished
first. Workers never print: the findings are the only thing they return. Below `PARALLEL_BYTES`
of source, or where `fork` does not exist (Windows; macOS's `fork` is not safe with its system
libraries), starting processes costs more than it saves, and the units are judged here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from attnlint.engine import CheckContext, Unit, check_unit
from attnlint.finding import Finding
from attnlint.records import record

if TYPE_CHECKING:
    from multiprocessing.pool import AsyncResult, Pool

__all__ = ["PARALLEL_BYTES", "Job", "Judge", "available_cpus", "idle_cpus", "processes"]

#: Source bytes to judge below which one process is faster than starting workers (measured on the
#: benchmark trees: a fork and its first unit cost tens of milliseconds).
PARALLEL_BYTES = 2_000_000


@record
class Job:
    """One unit to judge, the context it is judged in, and its result-cache key (None: not cached)."""

    unit: Unit
    context: CheckContext
    key: str | None = None

    @property
    def size(self) -> int:
        return sum(len(source.data) for source in self.unit.sources)


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity where the platform says, else all)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def idle_cpus() -> int:
    """The CPUs no other process keeps busy: the available ones less the load average of the last
    minute, at least one. Workers pay only on idle cores: on the project's two cores, one worker per
    CPU took 0.59-0.65 of one process's wall time on unsloth and trl + axolotl when idle (the
    issue's run of 20:17, 2026-11-30) and 0.83-1.18 under a load of 4-5 (README, Benchmarks)."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # no load average (Windows): assume the CPUs are free
        load = 0.0
    return max(1, min(available_cpus(), round(available_cpus() - load)))


def processes(jobs: int | None) -> int:
    """`--jobs` as a number of processes: None (not given) one per idle CPU, 0 one per CPU."""
    if jobs is None:
        return idle_cpus()
    return jobs or available_cpus()


def _judge(job: tuple[Unit, CheckContext]) -> list[Finding]:
    return check_unit(*job)


class Judge:
    """Judges the units a run queues and gives back their findings in queue order.

    With one process, `results` judges them here. With more, the workers are forked as soon as the
    queued units hold `PARALLEL_BYTES` of source and are handed each later unit as it is queued, so
    they judge while the rest of the tree is read, and each inherits only the run as it was when
    the pool started (forking after every file was read made each worker hold a copy of all their
    text: 215 MiB on unsloth). A run that never queues that much is judged here."""

    def __init__(self, jobs: int | None) -> None:
        self.processes = processes(jobs)
        self.queued: list[Job] = []
        self._size = 0
        self._pool: Pool | None = None
        self._pending: list[AsyncResult[list[Finding]]] = []  # one per queued unit once workers run

    def add(self, job: Job) -> None:
        """Queue one unit; start the workers once the queue is large enough, then hand it to them."""
        self.queued.append(job)
        self._size += job.size
        if self._pool is None:
            if self.processes > 1 and self._size >= PARALLEL_BYTES and _can_fork():
                import multiprocessing  # only a run that forks workers pays for it

                self._pool = multiprocessing.get_context("fork").Pool(self.processes)
                self._pending = [self._pool.apply_async(_judge, ((q.unit, q.context),)) for q in self.queued]
            return
        self._pending.append(self._pool.apply_async(_judge, ((job.unit, job.context),)))

    def results(self, done: Callable[[], None]) -> Iterator[tuple[Job, list[Finding]]]:
        """Each queued unit with its findings, in queue order (`done()` after each); the queue is
        empty afterwards and the workers, if any, are gone."""
        queued, pending, pool = self.queued, self._pending, self._pool
        self.queued, self._pending, self._pool, self._size = [], [], None, 0
        try:
            for position, job in enumerate(queued):
                findings = pending[position].get() if pool is not None else check_unit(job.unit, job.context)
                done()
                yield job, findings
        finally:
            if pool is not None:
                pool.terminate()


def _can_fork() -> bool:
    import multiprocessing

    return sys.platform != "darwin" and "fork" in multiprocessing.get_all_start_methods()
