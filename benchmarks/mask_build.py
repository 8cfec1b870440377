"""Mask-build time and peak memory: attnlint's block-arithmetic builder vs the upstream builder.

Run: python benchmarks/mask_build.py [--lengths 1024 4096 8192] [--chunk 8192]
Each measurement runs in a fresh subprocess, so peak memory (ru_maxrss growth over a warm baseline)
belongs to that one build. Upstream is transformers' own `flex_attention_mask` (the venv's 5.24.0:
`create_block_mask`, compiled on torch>=2.6; the first call includes the compile, so two calls are
timed and the second is reported as "warm"). Shapes are Llama4's chunked layer: prefill (q = kv = L)
and one decode step (q = 1, kv = L), batch 1, no padding.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import torch


def _peak_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _attnlint(q_len: int, kv_len: int, chunk: int) -> object:
    from attnlint.runtime.masks.block import build_block_mask
    from attnlint.runtime.masks.spec import spec_from_mask

    spec = spec_from_mask(None, 1, kv_len - q_len, q_len)
    return build_block_mask(spec, q_len, kv_len, chunk)


def _upstream(q_len: int, kv_len: int, chunk: int) -> object:
    from transformers.masking_utils import chunked_causal_mask_function, flex_attention_mask

    return flex_attention_mask(
        batch_size=1, q_length=q_len, kv_length=kv_len, q_offset=kv_len - q_len, kv_offset=0,
        mask_function=chunked_causal_mask_function(chunk, torch.zeros(1, dtype=torch.long)),
        attention_mask=None, device="cpu",
    )


def measure(builder: str, q_len: int, kv_len: int, chunk: int) -> dict[str, float]:
    build = _attnlint if builder == "attnlint" else _upstream
    build(1, 16, chunk)  # import and warm the code paths on a trivial shape
    base = _peak_kib()
    start = time.perf_counter()
    build(q_len, kv_len, chunk)
    first = time.perf_counter() - start
    start = time.perf_counter()
    build(q_len, kv_len, chunk)
    warm = time.perf_counter() - start
    return {"first_s": first, "warm_s": warm, "peak_mib": (_peak_kib() - base) / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lengths", type=int, nargs="+", default=[1024, 4096, 8192])
    parser.add_argument("--chunk", type=int, default=8192)
    parser.add_argument("--one", nargs=4, metavar=("BUILDER", "Q", "KV", "CHUNK"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        builder, q_len, kv_len, chunk = args.one
        print(json.dumps(measure(builder, int(q_len), int(kv_len), int(chunk))))
        return
    print(f"{'shape':>22} | {'attnlint warm':>13} {'peak':>9} | {'upstream 1st':>12} {'warm':>9} {'peak':>9}")
    for length in args.lengths:
        for label, q_len in (("prefill", length), ("decode", 1)):
            row = {}
            for builder in ("attnlint", "upstream"):
                proc = subprocess.run(
                    [sys.executable, __file__, "--one", builder, str(q_len), str(length), str(args.chunk)],
                    capture_output=True, text=True, timeout=900,
                )
                lines = proc.stdout.strip().splitlines()
                row[builder] = json.loads(lines[-1]) if proc.returncode == 0 and lines else None
            a, u = row["attnlint"], row["upstream"]
            shape = f"{label} q={q_len} kv={length}"
            left = f"{a['warm_s'] * 1e3:>10.2f} ms {a['peak_mib']:>6.1f} MiB" if a else f"{'failed':>24}"
            right = (f"{u['first_s'] * 1e3:>9.1f} ms {u['warm_s'] * 1e3:>6.2f} ms {u['peak_mib']:>6.1f} MiB"
                     if u else f"{'failed':>34}")
            print(f"{shape:>22} | {left} | {right}", flush=True)


if __name__ == "__main__":
    main()
