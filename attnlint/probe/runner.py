"""Start the probe worker, feed it cases, collect outcomes; survive a worker that dies or hangs.

This side never imports torch or transformers. The worker is `python -m attnlint.probe.worker`
under the same interpreter and environment (so `PYTHONPATH=<other transformers>` probes that
release). If the worker stops answering (a crash that killed more than one case's child, or a
hang the fork could not bound), the case in flight is a FAIL and a fresh worker takes the rest.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import field
from typing import IO, Any

from attnlint.probe.cases import Case, Outcome
from attnlint.records import record

#: Seconds the worker may take to import torch and transformers before the probe gives up.
STARTUP_TIMEOUT = 600.0

Progress = Callable[[int, int, Outcome], None]


class ProbeError(RuntimeError):
    """The worker could not start (e.g. torch or transformers is not installed)."""


@record(frozen=False)
class Stack:
    """What the worker found installed, and the options every case ran with."""

    transformers: str = ""
    torch: str = ""
    device: str = "cpu"
    dtype: str = "float32"
    outcomes: list[Outcome] = field(default_factory=list)


class _Lines:
    """Lines from the worker's stdout with a deadline each. It reads the raw descriptor, because a
    buffered reader can hold a whole line that `select` then never reports as readable."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.fd, self.buffer = stream.fileno(), b""

    def next(self, deadline: float) -> bytes | None:
        """The next line before `deadline`, or None on timeout or end of stream."""
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                return None
            chunk = os.read(self.fd, 65536)
            if not chunk:
                return None
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line


class _Worker:
    def __init__(self, options: Sequence[str], env: dict[str, str] | None) -> None:
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the worker; close() ends it
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "attnlint.probe.worker", *options],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log, env=env,
        )
        assert self.proc.stdout is not None
        self.lines = _Lines(self.proc.stdout)
        line = self.lines.next(time.monotonic() + STARTUP_TIMEOUT)
        if line is None:
            why = self.stderr_tail()  # read before close() drops the log
            self.close()
            raise ProbeError(f"the probe worker did not start: {why}")
        self.hello: dict[str, Any] = json.loads(line)

    def send(self, cases: Sequence[Case]) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"".join(json.dumps(c.to_json()).encode() + b"\n" for c in cases))
        self.proc.stdin.close()

    def stderr_tail(self) -> str:
        self.log.seek(0)
        lines = self.log.read().decode(errors="replace").strip().splitlines()
        return lines[-1][:300] if lines else "no output"

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.log.close()


def run_cases(
    cases: Sequence[Case],
    *,
    device: str = "cpu",
    dtype: str = "float32",
    timeout: float = 300.0,
    env: dict[str, str] | None = None,
    progress: Progress | None = None,
) -> Stack:
    """Run every case in the worker (each in its own forked process, `timeout` seconds each)."""
    options = ["--device", device, "--dtype", dtype, "--timeout", str(timeout)]
    environment = dict(os.environ if env is None else env)
    # torch's CUDA availability check through NVML leaves the driver untouched, so the worker's
    # forked cases can still initialise CUDA themselves
    environment.setdefault("PYTORCH_NVML_BASED_CUDA_CHECK", "1")
    stack = Stack(device=device, dtype=dtype)
    todo = list(cases)
    while todo:
        worker = _Worker(options, environment)
        stack.transformers, stack.torch = worker.hello["transformers"], worker.hello["torch"]
        worker.send(todo)
        try:
            while todo:
                line = worker.lines.next(time.monotonic() + timeout + 30)
                if line is None:
                    why = f"the probe worker stopped answering ({worker.stderr_tail()})"
                    outcome = Outcome(todo[0], "FAIL", "ProcessDied", why)
                else:
                    outcome = Outcome.from_json(json.loads(line))
                stack.outcomes.append(outcome)
                todo.pop(0)
                if progress is not None:
                    progress(len(stack.outcomes), len(cases), outcome)
                if line is None:
                    break
        finally:
            worker.close()
    return stack
