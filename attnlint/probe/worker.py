"""The probe's worker process: imports torch and transformers once, runs each case in a fork.

Protocol: one JSON case per stdin line, one JSON outcome per stdout line, in order. Each case runs
in a child forked from this process (import cost is paid once, a crash or hang costs one case) and
is killed after `--timeout` seconds. The child's stdout is redirected to stderr so that nothing
the libraries print can corrupt the protocol. Without `os.fork` the cases run in this process
and the runner's own deadline stands in for the per-case limit.

Each case is compared with eager attention and the default cache on the same weights, in the same
child: the reference is independent of the combination under test (models.py keeps eager right).
"""

from __future__ import annotations

import argparse
import json
import os
import select
import signal
import sys
import time
from typing import Any

from attnlint.probe.cases import Case, Outcome
from attnlint.probe.execute import execute

#: Exit status of a child that could not even report (the parent turns it into a FAIL).
_CHILD_FAILED = 3


def _in_child(case: Case, options: argparse.Namespace) -> Outcome:
    """Fork, run `case` in the child, return what it sends back (or why it sent nothing)."""
    read_end, write_end = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the forked child, measured through its pipe
        os.close(read_end)
        os.dup2(2, 1)
        status = 0
        try:
            payload = json.dumps(execute(case, options.device, options.dtype).to_json()).encode()
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(payload)
        except BaseException:
            status = _CHILD_FAILED
        os._exit(status)
    os.close(write_end)
    chunks: list[bytes] = []
    deadline = start + options.timeout
    timed_out = False
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select([pipe], [], [], left)
            if not ready:
                continue
            chunk = pipe.read(65536)
            if not chunk:
                break
            chunks.append(chunk)
    if timed_out:
        os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    seconds = time.monotonic() - start
    if timed_out:
        return Outcome(case, "FAIL", "Timeout", f"no result after {options.timeout:.0f} s", seconds=seconds)
    if not chunks:
        why = (f"killed by signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
               else f"exited with status {os.WEXITSTATUS(status)}")
        return Outcome(case, "FAIL", "ProcessDied", f"the case's process {why}", seconds=seconds)
    return Outcome.from_json(json.loads(b"".join(chunks)))


def _warm_up(cases: list[Case], options: argparse.Namespace) -> None:
    """Pay once, before forking, what every child would pay again: one thread (tiny models run
    several times faster on a shared machine, and no thread pool exists to be forked) and a first
    eager run per model type and one uncompiled flex call (lazy imports and first-call setup take
    seconds each). Before a CUDA probe the parent must not initialise CUDA, or no forked child can
    use it ("Cannot re-initialize CUDA in forked subprocess", seen on an H200): so the eager runs stay
    on the CPU, and the flex call is left out, since even uncompiled flex goes through dynamo, which
    reads the CUDA RNG state whenever CUDA is available."""
    import torch

    torch.set_num_threads(1)
    cuda = options.device.startswith("cuda")
    if not cuda and any(c.attn == "flex_attention" and c.kernel == "uncompiled" for c in cases):
        from torch.nn.attention.flex_attention import create_block_mask, flex_attention

        x = torch.zeros(1, 1, 4, 16)
        mask = create_block_mask(lambda b, h, q, k: k <= q, 1, 1, 4, 4, device="cpu", _compile=False)
        flex_attention(x, x, x, block_mask=mask)
    for model in dict.fromkeys(c.model for c in cases if c.mode != "kernel"):
        execute(Case(model, "eager", kernel="compiled", new_tokens=2), "cpu", options.dtype)


def _fork_can_use(device: str) -> bool:
    """Whether a child forked now can allocate on `device`. A library that touched CUDA while this
    process imported it (even a driver-level device count) leaves forked children with "CUDA error:
    initialization error" (seen with transformers 5.24.0 on an H200), so ask a child, not torch."""
    if not device.startswith("cuda"):
        return True
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the forked child
        os.dup2(2, 1)
        try:
            import torch

            torch.empty(1, device=device)
            os._exit(0)
        except BaseException:
            os._exit(_CHILD_FAILED)
    _, status = os.waitpid(pid, 0)
    return os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def serve(options: argparse.Namespace) -> None:
    """Answer every case read from stdin, one outcome line each."""
    import torch
    import transformers

    hello = {"transformers": transformers.__version__, "torch": torch.__version__}
    print(json.dumps(hello), flush=True)
    cases = [Case.from_json(json.loads(line)) for line in sys.stdin if line.strip()]
    forking = hasattr(os, "fork")
    if forking:
        _warm_up(cases, options)
    if forking and not _fork_can_use(options.device):
        print(f"probe worker: a forked child cannot use {options.device} here (CUDA was initialised "
              "before forking); running the cases in this process", file=sys.stderr, flush=True)
        forking = False
    for case in cases:
        outcome = _in_child(case, options) if forking else execute(case, options.device, options.dtype)
        print(json.dumps(outcome.to_json()), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m attnlint.probe.worker")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--dtype", default="float32")
    parser.add_argument("--timeout", type=float, default=300.0)
    options: Any = parser.parse_args(argv)
    os.environ.setdefault("TORCHINDUCTOR_COMPILE_THREADS", "1")
    serve(options)
    return 0


if __name__ == "__main__":
    sys.exit(main())
