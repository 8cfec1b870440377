"""Facts from a live model: the same `ModelUse` the static checker builds, read from the objects.

The guard judges a loaded model with the one knowledge base, so it needs what `check` reads from
source (model types, attention, cache, flags) plus the exact versions installed, as a `Target`
that allows only those releases. Nothing is guessed: an unset `cache_implementation` stays unset
and the evaluator resolves the version's default.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Literal

from packaging.specifiers import SpecifierSet
from packaging.version import Version

from attnlint.facts import ModelUse, Setting, Target
from attnlint.knowledge import cache_class_values, vocabulary

PATH = "<live model>"


def _release(version: str) -> str:
    return Version(version).base_version


def unknown_release(version: str) -> bool:
    """True when the knowledge base does not list `version`'s release: no rule can judge it."""
    return _release(version) not in vocabulary().releases


def newest_known_release() -> str:
    return str(max(vocabulary().releases, key=Version))


def live_target() -> Target:
    """The installed transformers and torch, as a Target that allows exactly those releases."""
    import torch
    import transformers

    tf, th = _release(transformers.__version__), _release(torch.__version__)
    return Target(
        transformers=SpecifierSet(f"=={tf}"),
        torch=SpecifierSet(f"=={th}"),
        reason="is installed",
        requirement=f"transformers=={tf}, torch=={th}",
    )


def _runtime(value: Any, keyword: str, form: Literal["name", "object"] = "name") -> Setting:
    return Setting(value=value, origin="runtime", keyword=keyword, form=form)


def model_types(model: Any) -> frozenset[str]:
    config = model.config
    found = {getattr(config, "model_type", "")}
    get_text = getattr(config, "get_text_config", None)
    if callable(get_text):
        found.add(getattr(get_text(), "model_type", ""))
    return frozenset(t for t in found if t)


def cache_setting(cache_implementation: str | None = None, past_key_values: Any = None) -> Setting | None:
    """What one generate call (or the generation config) says about the cache, None when unset."""
    if past_key_values is not None:
        class_name = type(past_key_values).__name__
        name = cache_class_values().get(class_name, class_name)
        return _runtime(name, "past_key_values", "object")
    if cache_implementation:
        return _runtime(cache_implementation, "cache_implementation")
    return None


def live_use(model: Any, cache: Setting | None = None, output_attentions: bool | None = None) -> ModelUse:
    """The model as the evaluator sees it; `cache` and `output_attentions` override per call."""
    import torch

    config = model.config
    first = next(iter(model.parameters()), None)
    device = first.device.type if first is not None else "cpu"
    dtype = str(first.dtype if first is not None else torch.float32).removeprefix("torch.")
    if cache is None:
        generation = getattr(model, "generation_config", None)
        cache = cache_setting(getattr(generation, "cache_implementation", None))
    flags: dict[str, list[Setting]] = {
        "device": [_runtime(device, "device")],
        "dtype": [_runtime(dtype, "dtype")],
    }
    if output_attentions is not None:
        given = replace(_runtime(output_attentions, "output_attentions"), stage="call")
        flags["output_attentions"] = [given]
    attn = getattr(config, "_attn_implementation", None)
    return ModelUse(
        path=PATH,
        model_types=model_types(model),
        model_type_reason="the live model's config",
        attn=[_runtime(attn, "attn_implementation")] if attn else [],
        cache=[cache] if cache is not None else [],
        flags=flags,
    )
