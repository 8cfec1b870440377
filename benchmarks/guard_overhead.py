"""Guard overhead per generate call, as a ratio to a tiny model's generate time (goal: < 1%).

Run: python benchmarks/guard_overhead.py [--calls 30] [--new 8]
The tiny Llama4 uses sdpa, so the guard matches nothing and installs nothing: what remains is the
instance-level generate wrapper and its per-call check (cache_implementation= is passed so that the
check runs its lookup, not the fast path). Reports the wrapper's own cost (timed in isolation over
many calls) and the end-to-end medians of guarded vs unguarded generate.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "runtime"))

from cases import config, generate
from transformers import Llama4ForCausalLM

import attnlint
from attnlint.runtime.guard import guard_of


def _median_generate(model: object, calls: int, new: int) -> float:
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        generate(model, "single-long", new=new, cache_implementation="dynamic")
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--new", type=int, default=8)
    args = parser.parse_args()
    torch.manual_seed(0)
    model = Llama4ForCausalLM._from_config(config(8), attn_implementation="sdpa").eval()
    plain = _median_generate(model, args.calls, args.new)
    report = attnlint.guard(model)
    state = guard_of(model)
    assert state is not None
    kwargs = {"cache_implementation": "dynamic", "max_new_tokens": args.new}
    state.judge_call(kwargs)  # the first call evaluates the rules once per distinct setting
    loops = 20000
    start = time.perf_counter()
    for _ in range(loops):
        state.judge_call(kwargs)
    wrapper = (time.perf_counter() - start) / loops
    guarded = _median_generate(model, args.calls, args.new)
    attnlint.unguard(model)
    print(f"guard report: {'nothing installed' if report.installed_nothing else report.patched}")
    print(f"tiny Llama4 generate ({args.new} new tokens): median {plain * 1e3:.2f} ms unguarded, "
          f"{guarded * 1e3:.2f} ms guarded")
    print(f"per-call check: {wrapper * 1e6:.2f} us = {wrapper / plain:.4%} of one generate call (goal < 1%)")
    print(f"end-to-end median difference: {(guarded - plain) / plain:+.2%} (noise included)")


if __name__ == "__main__":
    main()
