"""Run one probe case against its eager reference (inside the worker's forked child).

The reference is eager attention with the release's default cache, built from the same tiny
config and given the same weights (state dict copy, or the saved folder for the folder form).
A case is OK when its greedy tokens are equal and every step's logits are within the dtype's
tolerance, MISMATCH otherwise, FAIL when loading or running raises, SKIP when this release
cannot build the model. The `kernel` mode checks torch's compiled CPU flex decode directly.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import torch

from attnlint.probe import models
from attnlint.probe.cases import DEFAULT, MODEL_CONFIG, OBJECT, CacheCall, Case, Outcome, cache_constructor

#: Largest |logit difference| still counted as equal, per dtype (float32 noise here is ~1e-5).
TOLERANCE = {"float32": 1e-3, "bfloat16": 0.1, "float16": 0.05}


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [""])[0][:300]


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage().strip().split("\n")[0][:200])


@contextmanager
def _warnings_seen() -> Iterator[list[str]]:
    """Collect the first lines of transformers log warnings and Python warnings in the block."""
    import transformers.utils.logging as hf_logging

    for once in ("warning_once", "info_once"):  # lru-cached: clear so each case shows its own warnings
        cached: Any = getattr(hf_logging, once, None)
        if hasattr(cached, "cache_clear"):
            cached.cache_clear()
    handler, seen = _Collect(), list[str]()
    logger = logging.getLogger("transformers")
    logger.addHandler(handler)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield seen
    finally:
        logger.removeHandler(handler)
        lines = handler.lines + [f"{w.category.__name__}: {str(w.message).strip().splitlines()[0][:200]}"
                                 for w in caught if str(w.message).strip()]
        for line in lines:
            if line not in seen and "TypedStorage" not in line:
                seen.append(line)


def uncompiled_flex() -> None:
    """Run transformers' flex forward with the uncompiled kernel and uncompiled block masks, so the
    release's own mask code is reached on CPU, where 4.51-4.55's compiled kernel fails first
    (`return_lse`). The mask-building code of the release is left as it is."""
    from torch.nn.attention import flex_attention as torch_flex

    def kernel(query: Any, key: Any, value: Any, training: bool = False, **kwargs: Any) -> Any:
        return torch_flex.flex_attention(query, key, value, **kwargs)

    def block_mask(*args: Any, **kwargs: Any) -> Any:
        kwargs["_compile"] = False
        return torch_flex.create_block_mask(*args, **kwargs)

    import importlib

    for name in ("transformers.integrations.flex_attention", "transformers.masking_utils"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        if hasattr(module, "compile_friendly_flex_attention"):
            setattr(module, "compile_friendly_flex_attention", kernel)  # noqa: B010 - typed as Any
        for attribute, value in list(vars(module).items()):  # 4.51 imports it under another name
            if value is torch_flex.create_block_mask:
                setattr(module, attribute, block_mask)


def _cache_desc(cache: Any) -> str:
    if cache is None:
        return "None"
    kinds: list[str] = []
    for layer in getattr(cache, "layers", None) or ():
        if type(layer).__name__ not in kinds:
            kinds.append(type(layer).__name__)
    return type(cache).__name__ + (f"[{','.join(kinds)}]" if kinds else "")


class _Run:
    """Builds the reference and the case's model for one case, on one device and dtype."""

    def __init__(self, case: Case, device: str, dtype: str) -> None:
        self.case, self.device, self.dtype = case, device, getattr(torch, dtype)
        self.overrides = dict(case.overrides)
        self.ids, self.mask = (t.to(device) for t in models.prompt())
        _, self.model_cls = models.classes(case.model)
        self.reference = self._place(self.model_cls._from_config(
            models.make_config(case.model, self.overrides), attn_implementation="eager"))
        models.fill_(self.reference)

    def _place(self, model: Any) -> Any:
        return model.to(device=self.device, dtype=self.dtype).eval()

    def load(self, folder: Path) -> Any:
        """The case's model, with attention asked for the way the case says."""
        case, attn = self.case, ({} if self.case.attn == DEFAULT else {"attn_implementation": self.case.attn})
        if case.form == "folder" or case.mode in ("load-attentions", "load-cache"):
            self.reference.save_pretrained(folder)
            config = json.loads((folder / "config.json").read_text())
            if case.form == "folder":
                config.update(attn)
            (folder / "config.json").write_text(json.dumps(config))
            if case.cache != DEFAULT and not case.cache.startswith(OBJECT) and case.mode != "load-cache":
                generation = folder / "generation_config.json"
                data = json.loads(generation.read_text()) if generation.exists() else {}
                generation.write_text(json.dumps({**data, "cache_implementation": case.cache}))
            # load-attentions: `from_pretrained(folder, attn_implementation=..., output_attentions=True)`;
            # load-cache: `from_pretrained(folder, cache_implementation=...)`, not given to generate
            extra: dict[str, Any] = {"output_attentions": True} if case.mode == "load-attentions" else {}
            if case.mode == "load-cache":
                extra["cache_implementation"] = case.cache
            given = {} if case.form == "folder" else attn
            loaded = self.model_cls.from_pretrained(folder, **extra, **given)
            return self._place(loaded)
        if case.mode == "config-attentions":  # `XConfig(..., output_attentions=True)`, then the model
            config = models.make_config(case.model, self.overrides, output_attentions=True, **attn)
            model = self.model_cls._from_config(config)
        elif case.form == "config":
            model = self.model_cls._from_config(models.make_config(case.model, self.overrides, **attn))
        else:
            model = self.model_cls._from_config(models.make_config(case.model, self.overrides), **attn)
        model = self._place(model)
        model.load_state_dict(self.reference.state_dict())
        if case.mode == "model-attentions":  # set on the loaded model's config
            model.config.output_attentions = True
        return model

    def generate(self, model: Any, cache: str) -> tuple[list[int], torch.Tensor, str]:
        kwargs: dict[str, Any] = {}
        built = cache_constructor(cache)
        if built is not None:
            kwargs["past_key_values"] = _build_cache(built, model.config)
        elif cache != DEFAULT and self.case.form != "folder" and self.case.mode != "load-cache":
            kwargs["cache_implementation"] = cache
        if self.case.mode == "no-cache":
            kwargs["use_cache"] = False
        with torch.no_grad():
            out = model.generate(
                self.ids, attention_mask=self.mask, max_new_tokens=self.case.new_tokens, do_sample=False,
                eos_token_id=None, pad_token_id=127, return_dict_in_generate=True, output_logits=True,
                **kwargs,
            )
        cache_obj = out.get("past_key_values")
        tokens = out.sequences[0, self.ids.shape[1]:].tolist()
        return tokens, torch.stack(out.logits, 1)[0].float(), _cache_desc(cache_obj)

    def attentions(self, model: Any, flag: bool) -> tuple[Any, torch.Tensor]:
        with torch.no_grad():
            out = model(self.ids, attention_mask=self.mask, use_cache=False,
                        **({"output_attentions": True} if flag else {}))
        return out.attentions, out.logits[0].float()


def _build_cache(call: CacheCall, config: Any) -> Any:
    """The release's cache class called as the case says (a TypeError here is ATN141's symptom)."""
    import transformers

    def value(given: str | int) -> Any:
        return config if given == MODEL_CONFIG else given

    cls = getattr(transformers, call.name)
    return cls(*map(value, call.positional), **{key: value(given) for key, given in call.keywords})


def _reference(compute: Callable[[], Any]) -> Any:
    """The eager reference's result; when eager with the default cache fails too, the release cannot
    run the model at all (5.24.0's Llama4ForConditionalGeneration reads `image_outputs` from a text
    output), which says nothing about the attention x cache case: SKIP, with the reason."""
    try:
        return compute()
    except Exception as exc:
        reason = f"the eager reference fails here too ({type(exc).__name__}: {_first_line(exc)[:160]})"
        raise models.Unavailable(reason) from exc


def _compare_generate(run: _Run, model: Any, outcome: dict[str, Any], tol: float) -> None:
    reference = _reference(lambda: run.generate(run.reference, DEFAULT))
    ref_tokens, ref_logits, outcome["ref_cache_class"] = reference
    tokens, logits, outcome["cache_class"] = run.generate(model, run.case.cache)
    steps = min(len(ref_logits), len(logits))
    per_step = [(logits[i] - ref_logits[i]).abs().max().item() for i in range(steps)]
    outcome["max_diff"] = max(per_step, default=0.0)
    bad = [i for i in range(steps) if per_step[i] > tol or tokens[i] != ref_tokens[i]]
    if bad or len(tokens) != len(ref_tokens):
        outcome["status"], outcome["first_diff"] = "MISMATCH", bad[0] if bad else steps


def _describe(attentions: Any) -> str:
    if attentions is None:
        return "attentions is None"
    if len(attentions) == 0:
        return "attentions is empty"
    if any(a is None for a in attentions):
        return "attentions holds None"
    return f"attentions of shape {tuple(attentions[0].shape)}"


def _compare_attentions(run: _Run, model: Any, outcome: dict[str, Any], tol: float) -> None:
    ref_attn, ref_logits = _reference(lambda: run.attentions(run.reference, True))
    attn, logits = run.attentions(model, run.case.mode == "attentions")
    outcome["max_diff"] = (logits - ref_logits).abs().max().item()
    usable = attn is not None and len(attn) == len(ref_attn) and all(
        a is not None and a.shape == r.shape for a, r in zip(attn, ref_attn, strict=True))
    if not usable:
        message = f"{_describe(attn)} (eager: {_describe(ref_attn)})"
        outcome.update(status="MISMATCH", first_diff=0, message=message)
        return
    worst = max((a.float() - r.float()).abs().max().item() for a, r in zip(attn, ref_attn, strict=True))
    if worst > tol or outcome["max_diff"] > tol:
        outcome.update(status="MISMATCH", first_diff=0, message=f"attention weights differ by {worst:.3g}")


def _kernel(case: Case) -> dict[str, Any]:
    """torch alone: compiled flex_attention vs uncompiled for one query (decode), kv lengths that are
    8 mod 16 and one that is not; `gqa=True` uses 2 key/value heads for 4 query heads."""
    from torch.nn.attention.flex_attention import create_block_mask, flex_attention

    gqa = bool(dict(case.overrides).get("gqa", False))
    compiled = torch.compile(flex_attention, dynamic=True)
    gen = torch.Generator().manual_seed(0)
    worst, first = 0.0, None
    for kv_len in (12, 8, 24, 40):
        q = torch.randn(1, 4, 1, 16, generator=gen)
        k, v = (torch.randn(1, 2 if gqa else 4, kv_len, 16, generator=gen) for _ in range(2))
        mask = create_block_mask(lambda b, h, qi, ki: ki >= 0, 1, None, 1, kv_len, device="cpu",
                                 _compile=False)
        got = compiled(q, k, v, block_mask=mask, enable_gqa=gqa)
        want = flex_attention(q, k, v, block_mask=mask, enable_gqa=gqa)
        error = (got - want).abs().max().nan_to_num(float("inf")).item()
        worst = max(worst, error)
        if error > 1e-4 and first is None:
            first = kv_len
    result: dict[str, Any] = {"status": "OK" if first is None else "MISMATCH", "max_diff": worst}
    if first is not None:
        result.update(first_diff=first, message=f"compiled flex wrong at kv length {first}")
    return result


def _attempt(case: Case, device: str, dtype: str, outcome: dict[str, Any]) -> None:
    if case.mode == "kernel":
        outcome.update(_kernel(case))
        return
    if case.kernel == "uncompiled":
        uncompiled_flex()
    run = _Run(case, device, dtype)
    tol = TOLERANCE.get(dtype, 1e-3)
    with tempfile.TemporaryDirectory(prefix="attnlint-probe-") as folder:
        model = run.load(Path(folder))
        outcome["impl"] = str(getattr(model.config, "_attn_implementation", ""))
        compare: Callable[[_Run, Any, dict[str, Any], float], None] = (
            _compare_generate if case.mode in ("generate", "no-cache", "load-cache") else _compare_attentions)
        compare(run, model, outcome, tol)


def execute(case: Case, device: str = "cpu", dtype: str = "float32") -> Outcome:
    """Run `case` here (the caller isolates it in a process) and say what happened."""
    start = time.monotonic()
    outcome: dict[str, Any] = {"status": "OK"}
    with _warnings_seen() as seen:
        try:
            _attempt(case, device, dtype, outcome)
        except models.Unavailable as exc:
            outcome = {"status": "SKIP", "message": str(exc)}
        except Exception as exc:
            outcome = {**outcome, "status": "FAIL", "error_type": type(exc).__name__,
                       "message": _first_line(exc)}
    return Outcome(case, seconds=round(time.monotonic() - start, 2), warnings=tuple(seen[:5]), **outcome)
