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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from attnlint.engine import CheckContext, Unit, check_unit
from attnlint.finding import Finding

__all__ = ["PARALLEL_BYTES", "Job", "available_cpus", "judged"]

#: Source bytes to judge below which one process is faster than starting workers (measured on the
#: benchmark trees: a fork and its first unit cost tens of milliseconds).
PARALLEL_BYTES = 2_000_000


@dataclass(frozen=True)
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


def _judge(job: tuple[Unit, CheckContext]) -> list[Finding]:
    return check_unit(*job)


def judged(jobs: Sequence[Job], processes: int, done: Callable[[], None]) -> Iterator[list[Finding]]:
    """Each job's findings, in the order of `jobs`; `done()` after each one is judged."""
    workers = min(processes, len(jobs))
    parallel = workers > 1 and sum(job.size for job in jobs) >= PARALLEL_BYTES and _can_fork()
    if not parallel:
        for job in jobs:
            findings = check_unit(job.unit, job.context)
            done()
            yield findings
        return
    # largest first, so that one big file does not start last and leave the other workers idle
    order = sorted(range(len(jobs)), key=lambda i: jobs[i].size, reverse=True)
    by_position: dict[int, list[Finding]] = {}
    import multiprocessing  # only a run that forks workers pays for it

    with multiprocessing.get_context("fork").Pool(workers) as pool:
        work = [(jobs[i].unit, jobs[i].context) for i in order]
        for position, findings in zip(order, pool.imap(_judge, work), strict=True):
            by_position[position] = findings
            done()
    yield from (by_position[i] for i in range(len(jobs)))


def _can_fork() -> bool:
    import multiprocessing

    return sys.platform != "darwin" and "fork" in multiprocessing.get_all_start_methods()
