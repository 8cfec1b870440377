"""Run knowledge/calls.toml on the imported transformers, and say where its predictions fail.

Every keyword of every [[refused]] row is given to its call on a tiny Llama (and, for from_pretrained,
on a tiny Gemma2, whose configuration takes cache_implementation on some releases), and every call of
CONSTRUCTOR_CALLS builds a cache; each outcome is compared with what attnlint predicts for this
release (`attnlint.signatures`). Used by tests/test_call_tables.py on the installed transformers and,
as `python tests/call_tables_run.py` under another release's PYTHONPATH, by the matrix test.
Prints a JSON list of the disagreements (empty when the data holds).
"""

from __future__ import annotations

import json
import tempfile
import warnings
from typing import Any

from packaging.version import Version

from attnlint.facts import Call, Span
from attnlint.knowledge import call_tables
from attnlint.signatures import binding_error, misbinding, refusals

#: (cache class, number of positional arguments, keywords): shapes found in public code.
CONSTRUCTOR_CALLS: list[tuple[str, int, tuple[str, ...]]] = [
    ("DynamicCache", 0, ()),
    ("DynamicCache", 0, ("config",)),
    ("StaticCache", 3, ()),
    ("StaticCache", 0, ("config", "max_batch_size", "max_cache_len")),
    ("StaticCache", 0, ("config", "max_batch_size", "max_cache_len", "device")),
    ("StaticCache", 0, ("config", "max_cache_len")),
    ("StaticCache", 0, ("config", "batch_size", "max_cache_len")),
    ("HybridChunkedCache", 1, ("max_cache_len",)),
    ("HybridChunkedCache", 1, ("max_batch_size", "max_cache_len")),
]
_SPAN = Span(path="run.py", row=1, column=1, end_row=1, end_column=2)


def _call(callee: str, positional: int, keywords: tuple[str, ...], literals: tuple[str, ...] = ()) -> Call:
    return Call(callee=callee, span=_SPAN, positional=positional, keywords=dict.fromkeys(keywords, _SPAN),
                positional_literals=literals)


def _outcome(run: Any) -> str:
    try:
        run()
    except Exception as exc:
        return type(exc).__name__
    return "ok"


def disagreements() -> list[str]:
    import torch
    import transformers
    from transformers import AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM

    warnings.filterwarnings("ignore")
    version = Version(transformers.__version__)
    small = {"vocab_size": 64, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1,
             "num_attention_heads": 2, "num_key_value_heads": 2, "max_position_embeddings": 64}
    configs = {"llama": LlamaConfig(**small)}
    if hasattr(transformers, "Gemma2Config"):  # 4.42 on
        configs["gemma2"] = transformers.Gemma2Config(head_dim=16, **small)
    folders = {}
    for kind, config in configs.items():
        folders[kind] = tempfile.mkdtemp()
        AutoModelForCausalLM.from_config(config).save_pretrained(folders[kind])
    model = LlamaForCausalLM(configs["llama"])
    ids = torch.tensor([[1, 2, 3]])
    values = {"attn_implementation": "sdpa", "cache_implementation": "static", "torch_dtype": torch.float32,
              "dtype": torch.float32, "device_map": "cpu"}
    calls = {
        "generate": lambda kind, kw: model.generate(ids, max_new_tokens=1, pad_token_id=0, **kw),
        "model": lambda kind, kw: LlamaForCausalLM(configs[kind], **kw),
        "from_pretrained": lambda kind, kw: AutoModelForCausalLM.from_pretrained(folders[kind], **kw),
        "from_config": lambda kind, kw: AutoModelForCausalLM.from_config(configs[kind], **kw),
    }
    wrong = []
    for row in call_tables().refused:
        kinds = [kind for kind in configs if kind == "llama" or row.call == "from_pretrained"]
        for kind in kinds:
            for keyword in row.keywords:
                predicted = bool(refusals(_call(row.call, 0, (keyword,)), frozenset({kind}), version))
                got = _outcome(lambda: calls[row.call](kind, {keyword: values[keyword]}))  # noqa: B023
                if predicted != (got == row.error.split(":")[0]) or (not predicted and got != "ok"):
                    wrong.append(f"{row.call}({keyword}=) on {kind}: predicted {predicted}, got {got}")
    arguments = {"config": configs["llama"], "max_batch_size": 1, "batch_size": 1, "max_cache_len": 32,
                 "device": "cpu"}
    for name, positional, keywords in CONSTRUCTOR_CALLS:
        cls = getattr(transformers, name, None)
        if cls is None:
            continue
        args = [configs["llama"], 1, 32][:positional]
        built: list[Any] = []
        got = _outcome(lambda: built.append(cls(*args, **{k: arguments[k] for k in keywords})))  # noqa: B023
        literals = ("", "1", "32")[:positional]
        error = binding_error(_call(name, positional, keywords), version)
        given = f"{positional} positional, {', '.join(keywords)}"
        if bool(error) != (got == "TypeError"):
            wrong.append(f"{name}({given}): predicted {error!r}, got {got}")
        # a number landing on a flag: the built cache holds it (4.56+: offloading=32)
        misbound = misbinding(_call(name, positional, keywords, literals), version)
        offloading = getattr(built[0], "offloading", False) if built else False
        if built and bool(misbound) != (offloading not in (False, None)):
            wrong.append(f"{name}({given}): predicted {misbound!r}, built with offloading={offloading!r}")
    return wrong


if __name__ == "__main__":
    print(json.dumps(disagreements()))
