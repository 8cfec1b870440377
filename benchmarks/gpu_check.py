"""One-command CUDA check of the guard's Llama4 flex path (about 10 minutes at most on one GPU).

Run: python benchmarks/gpu_check.py            (needs CUDA; without it: prints "skipped", exit 0)
     python benchmarks/gpu_check.py --device cpu --sizes tiny   (smoke test of this script on CPU)

For a tiny and a medium random-weight Llama4 (float32, same weights for every run) it generates
greedily with eager attention (the reference) and with flex attention under `attnlint.guarded`, for
every cache_implementation the release can build for Llama4 (its default, "dynamic", "hybrid",
"static"), batch 2 with left padding, prompts shorter and longer than attention_chunk_size, decoding
past the chunk boundary. It compares tokens and the max logit difference, then times the guard's
block-mask build against transformers' own flex mask builder at 8k-128k keys (decode, q=1) and
prefill up to 32k. Writes benchmarks/results/gpu_check-<time>.json (or --out).

On 4.51.x eager is no reference (wrong past attention_chunk_size, and it crashes on batch 2 with
padding), so run a release whose eager is right first with `--save-reference DIR`, then the old
release with `--reference DIR`: same weights, the newer release's eager output on the same device.
benchmarks/gpu_session.sh does that for 5.24.0 and 4.51.0 on a GPU machine.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path
from typing import Any

import torch
import transformers
from packaging.version import Version
from transformers import Llama4ForCausalLM, Llama4TextConfig

import attnlint
from attnlint.runtime.masks.block import build_block_mask
from attnlint.runtime.masks.spec import spec_from_mask

RESULTS = Path(__file__).resolve().parent / "results"
BUDGET_S = 540.0
SIZES: dict[str, dict[str, Any]] = {
    "tiny": dict(vocab_size=128, hidden_size=64, intermediate_size=64, intermediate_size_mlp=128,
                 num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2, head_dim=16,
                 num_local_experts=1, attention_chunk_size=8, prompts=(5, 11), new=24),
    "medium": dict(vocab_size=4096, hidden_size=1024, intermediate_size=1024, intermediate_size_mlp=2048,
                   num_hidden_layers=8, num_attention_heads=16, num_key_value_heads=4, head_dim=64,
                   num_local_experts=1, attention_chunk_size=128, prompts=(100, 300), new=64),
}


def _config(size: dict[str, Any]) -> Any:
    fields = {k: v for k, v in size.items() if k not in ("prompts", "new")}
    return Llama4TextConfig(**fields, num_experts_per_tok=1, interleave_moe_layer_step=2,
                            max_position_embeddings=4096, pad_token_id=0, bos_token_id=1, eos_token_id=2,
                            attn_temperature_tuning=False)


def _inputs(lengths: tuple[int, ...], vocab: int, device: str) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(1)
    width = max(lengths)
    ids = torch.zeros(len(lengths), width, dtype=torch.long)
    mask = torch.zeros_like(ids)
    for row, n in enumerate(lengths):
        ids[row, width - n:] = torch.randint(3, vocab, (n,), generator=gen)
        mask[row, width - n:] = 1
    return ids.to(device), mask.to(device)


def _generate(
    model: Any, ids: torch.Tensor, mask: torch.Tensor, new: int, **kw: Any
) -> tuple[Any, torch.Tensor]:
    with torch.no_grad():
        out = model.generate(ids, attention_mask=mask, max_new_tokens=new, do_sample=False, eos_token_id=None,
                             pad_token_id=0, return_dict_in_generate=True, output_logits=True, **kw)
    return out.sequences[:, ids.shape[1]:].tolist(), torch.stack(out.logits, 1).float()


def _caches() -> tuple[str, ...]:
    """cache_implementation values this release can build for Llama4 ("" = its default)."""
    version = Version(transformers.__version__)
    if version < Version("4.54"):
        return ("", "dynamic", "hybrid", "static")
    if version < Version("5.0"):  # 4.54/4.55 cannot build a Llama4 "hybrid" cache in any attention
        return ("", "dynamic", "static")
    return ("", "static")


def _reference(
    name: str, size: dict[str, Any], cfg: Any, ids: torch.Tensor, mask: torch.Tensor, device: str,
    reference: Path | None,
) -> tuple[dict[str, torch.Tensor], list[list[int]], torch.Tensor, str]:
    """Weights and eager's output: built here, or loaded from `--reference` (saved by a release whose
    eager is right past attention_chunk_size; 4.51.0's own eager is not, and crashes on batch 2)."""
    if reference is not None:
        saved = torch.load(reference / f"{name}.pt", map_location=device)
        return saved["weights"], saved["tokens"], saved["logits"], saved["source"]
    torch.manual_seed(0)
    base = Llama4ForCausalLM(cfg).eval()
    with torch.no_grad():
        for pname, p in base.named_parameters():  # by hand: 4.51.x leaves the experts uninitialised
            p.copy_(torch.ones_like(p) if "norm" in pname else torch.randn_like(p) * 0.2)
    weights = base.state_dict()
    eager = Llama4ForCausalLM._from_config(cfg, attn_implementation="eager").eval()
    eager.load_state_dict(weights)
    tokens, logits = _generate(eager.to(device), ids, mask, size["new"])
    return weights, tokens, logits, f"eager on transformers {transformers.__version__}, {device}"


def check_generation(
    name: str, size: dict[str, Any], device: str, reference: Path | None, save: Path | None
) -> list[dict[str, Any]]:
    cfg = _config(size)
    ids, mask = _inputs(size["prompts"], cfg.vocab_size, device)
    weights, ref_tokens, ref_logits, source = _reference(name, size, cfg, ids, mask, device, reference)
    if save is not None:
        save.mkdir(parents=True, exist_ok=True)
        torch.save({"weights": weights, "tokens": ref_tokens, "logits": ref_logits, "source": source},
                   save / f"{name}.pt")
    rows = []
    for cache in _caches():
        kw = {"cache_implementation": cache} if cache else {}
        flex = Llama4ForCausalLM._from_config(cfg, attn_implementation="flex_attention").eval()
        flex.load_state_dict(weights)
        flex.to(device)
        start = time.perf_counter()
        try:
            with attnlint.guarded(flex) as report:
                tokens, logits = _generate(flex, ids, mask, size["new"], **kw)
            row = {"tokens_equal": tokens == ref_tokens,
                   "max_logit_delta": (logits - ref_logits).abs().max().item(),
                   "codes": [m.code for m in report.matched], "patched": report.patched}
        except Exception as exc:
            row = {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:300]}"}
        row.update(size=name, cache=cache or "default", reference=source,
                   seconds=time.perf_counter() - start)
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


def _timed(fn: Any, device: str, repeats: int = 3) -> float:
    fn()  # warm (compiles upstream's builder once per shape)
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        fn()
    if device == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / repeats


def mask_timings(device: str, lengths: list[int], chunk: int, deadline: float) -> list[dict[str, Any]]:
    from transformers.masking_utils import chunked_causal_mask_function, flex_attention_mask

    def upstream(q_len: int, kv_len: int) -> Any:
        kwargs: dict[str, Any] = dict(batch_size=1, kv_length=kv_len, kv_offset=0, attention_mask=None,
                                      mask_function=chunked_causal_mask_function(
                                          chunk, torch.zeros(1, dtype=torch.long, device=device)))
        if "q_length" in flex_attention_mask.__code__.co_varnames:
            kwargs.update(q_length=q_len, q_offset=kv_len - q_len, device=device)
        else:
            kwargs.update(cache_position=torch.arange(kv_len - q_len, kv_len, device=device))
        return flex_attention_mask(**kwargs)

    rows = []
    for kv_len in lengths:
        for label, q_len in (("decode", 1), ("prefill", kv_len)):
            if time.monotonic() > deadline or (label == "prefill" and kv_len > 32768):
                continue
            padding = torch.ones(1, kv_len, dtype=torch.long, device=device)
            ours = _timed(lambda q=q_len, k=kv_len, p=padding: build_block_mask(
                spec_from_mask(p, 1, k - q, q), q, k, chunk, device=device), device)
            try:
                theirs: float | None = _timed(lambda q=q_len, k=kv_len: upstream(q, k), device)
            except Exception as exc:
                theirs = None
                print(f"upstream builder failed at {label} kv={kv_len}: {type(exc).__name__}: {exc}")
            row = {"shape": label, "q": q_len, "kv": kv_len, "attnlint_ms": ours * 1e3,
                   "upstream_ms": None if theirs is None else theirs * 1e3}
            print(json.dumps(row), flush=True)
            rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--sizes", nargs="+", default=["tiny", "medium"], choices=sorted(SIZES))
    parser.add_argument("--mask-lengths", type=int, nargs="*", default=[8192, 32768, 131072],
                        help="kv lengths of the mask-build timing; none skips it (4.51/4.52 have no "
                        "standalone upstream builder to compare with)")
    parser.add_argument("--budget", type=float, default=BUDGET_S,
                        help=f"seconds after which no new size or mask length starts ({BUDGET_S:.0f})")
    parser.add_argument("--reference", type=Path,
                        help="weights and eager outputs saved by --save-reference (another release)")
    parser.add_argument("--save-reference", type=Path, help="save this run's weights and eager outputs here")
    parser.add_argument("--out", type=Path, help="result file (benchmarks/results/gpu_check-<time>.json)")
    args = parser.parse_args()
    if args.device == "cuda" and not torch.cuda.is_available():
        print("gpu_check: no CUDA device; skipped")
        return
    started = time.monotonic()
    deadline = started + args.budget
    result: dict[str, Any] = {
        "transformers": transformers.__version__, "torch": torch.__version__, "device": args.device,
        "gpu": torch.cuda.get_device_name() if args.device == "cuda" else platform.processor(),
        "generation": [], "mask_build": [],
    }
    for name in args.sizes:
        if time.monotonic() < deadline:
            result["generation"] += check_generation(name, SIZES[name], args.device, args.reference,
                                                     args.save_reference)
    if args.mask_lengths:
        result["mask_build"] = mask_timings(args.device, args.mask_lengths, 8192, deadline)
    result["seconds"] = time.monotonic() - started
    result["ok"] = all(r.get("tokens_equal") for r in result["generation"])
    path = args.out or RESULTS / f"gpu_check-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2))
    print(f"gpu_check: {'OK' if result['ok'] else 'FAILED'}; wrote {path}")


if __name__ == "__main__":
    main()
