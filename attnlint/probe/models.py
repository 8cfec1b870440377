"""Tiny random-weight models built from the real config classes of the installed transformers.

Runs only inside the probe worker (imports torch and transformers). Dimensions are the smallest
that still exercise what the rules talk about: grouped-query attention (4 query / 2 key-value
heads), sliding windows shorter than the prompt, Llama4 chunks longer than prompt plus new tokens
(so eager, the reference, is right on every release), softcapping on Gemma2. The configs are
modelled on the shapes of public repro scripts for these bugs, not copied code.
"""

from __future__ import annotations

import copy
import zlib
from typing import Any

import torch
import transformers

from attnlint.records import record

#: Shared dimensions of the text models.
_TEXT = {
    "vocab_size": 128, "hidden_size": 64, "intermediate_size": 128, "num_attention_heads": 4,
    "num_key_value_heads": 2, "head_dim": 16, "max_position_embeddings": 256,
    "pad_token_id": 127, "bos_token_id": 1, "eos_token_id": 2,
}
_LLAMA4_TEXT = {
    **_TEXT, "intermediate_size": 64, "intermediate_size_mlp": 128, "num_hidden_layers": 4,
    "num_local_experts": 2, "num_experts_per_tok": 1, "interleave_moe_layer_step": 2,
    "attention_chunk_size": 64,
}
_GEMMA = {**_TEXT, "num_hidden_layers": 4, "query_pre_attn_scalar": 16, "sliding_window": 4}


@record
class ModelSpec:
    """A model type: its config and model class names and the tiny config's fields."""

    config_class: str
    model_class: str
    fields: dict[str, Any]


SPECS: dict[str, ModelSpec] = {
    "llama": ModelSpec("LlamaConfig", "LlamaForCausalLM", {**_TEXT, "num_hidden_layers": 2}),
    "llama4_text": ModelSpec("Llama4TextConfig", "Llama4ForCausalLM", _LLAMA4_TEXT),
    "llama4": ModelSpec("Llama4Config", "Llama4ForConditionalGeneration", {
        "text_config": _LLAMA4_TEXT,
        "vision_config": {"hidden_size": 32, "num_hidden_layers": 1, "num_attention_heads": 2,
                          "intermediate_size": 64, "vision_output_dim": 64, "image_size": 28,
                          "patch_size": 14, "projector_input_dim": 64, "projector_output_dim": 64},
        "pad_token_id": 127, "boi_token_index": 120, "eoi_token_index": 121, "image_token_index": 122,
    }),
    "gemma2": ModelSpec("Gemma2Config", "Gemma2ForCausalLM", {
        **_GEMMA, "attn_logit_softcapping": 50.0, "final_logit_softcapping": 30.0}),
    "gemma3": ModelSpec("Gemma3TextConfig", "Gemma3ForCausalLM", {**_GEMMA, "sliding_window_pattern": 2}),
    "qwen2": ModelSpec("Qwen2Config", "Qwen2ForCausalLM", {
        **_TEXT, "num_hidden_layers": 2, "use_sliding_window": True, "sliding_window": 4,
        "max_window_layers": 1}),
    "mistral": ModelSpec("MistralConfig", "MistralForCausalLM", {
        **_TEXT, "num_hidden_layers": 2, "sliding_window": 4}),
    "mixtral": ModelSpec("MixtralConfig", "MixtralForCausalLM", {
        **_TEXT, "num_hidden_layers": 2, "num_local_experts": 2, "num_experts_per_tok": 1,
        "sliding_window": None}),
    "gpt_oss": ModelSpec("GptOssConfig", "GptOssForCausalLM", {
        **_TEXT, "intermediate_size": 64, "num_hidden_layers": 2, "num_local_experts": 2,
        "num_experts_per_tok": 1, "sliding_window": 4,
        "layer_types": ["sliding_attention", "full_attention"]}),
}


class Unavailable(Exception):
    """The installed transformers cannot build this model type (a SKIP, not a failure)."""


def classes(model: str) -> tuple[Any, Any]:
    """The config and model classes of `model` on this release, or Unavailable."""
    spec = SPECS[model]
    config_cls = getattr(transformers, spec.config_class, None)
    model_cls = getattr(transformers, spec.model_class, None)
    if config_cls is None or model_cls is None:
        raise Unavailable(f"transformers {transformers.__version__} has no {spec.model_class}")
    return config_cls, model_cls


def make_config(model: str, overrides: dict[str, Any], **extra: Any) -> Any:
    """The tiny config; `extra` goes to the config class (e.g. attn_implementation)."""
    config_cls, _ = classes(model)
    fields = copy.deepcopy(SPECS[model].fields)
    fields.update(overrides)
    if model == "gemma3" and "layer_types" in _init_names(config_cls):
        # 4.53+ reads layer_types; older releases read sliding_window_pattern
        layers = fields["num_hidden_layers"]
        kinds = ("sliding_attention", "full_attention")
        fields["layer_types"] = [kinds[i % 2] for i in range(layers)]
    return config_cls(**fields, **extra)


def _init_names(cls: Any) -> set[str]:
    import inspect

    return set(inspect.signature(cls.__init__).parameters)


def fill_(model: torch.nn.Module) -> None:
    """Fill every parameter by hand, each from its own name's seed: some releases leave expert
    weights uninitialised, and the eager reference and the probed model must get equal weights."""
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "norm" in name:
                param.fill_(1.0)
                continue
            gen = torch.Generator().manual_seed(zlib.crc32(name.encode()))
            param.copy_(torch.randn(param.shape, generator=gen, dtype=torch.float32).to(param.dtype) * 0.2)


def prompt(length: int = 12) -> tuple[torch.Tensor, torch.Tensor]:
    """A fixed unpadded prompt of ordinary tokens and its all-ones attention mask."""
    gen = torch.Generator().manual_seed(0)
    ids = torch.randint(3, 120, (1, length), generator=gen)
    return ids, torch.ones_like(ids)
