"""attnlint's vocab.toml against the REAL installed transformers (no mocks).

The version vocabulary is hand-written data; for the installed release it must agree with what
transformers itself accepts and rejects, or every unknown-name diagnostic would be wrong.
"""

from __future__ import annotations

import pytest
from packaging.version import Version

from attnlint.evaluate import resolve_default, valid_names

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM  # noqa: E402
from transformers.generation import configuration_utils  # noqa: E402
from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS  # noqa: E402

INSTALLED = Version(transformers.__version__)


def test_installed_version_is_known() -> None:
    from attnlint.knowledge import vocabulary

    assert str(INSTALLED) in vocabulary().releases


def test_cache_names_match_transformers() -> None:
    # GenerationConfig.validate accepts ALL_CACHE_IMPLEMENTATIONS + ("paged",) on 5.x.
    real = set(configuration_utils.ALL_CACHE_IMPLEMENTATIONS) | {"paged"}
    assert set(valid_names("cache", INSTALLED)) == real


def test_attn_names_match_transformers() -> None:
    real = {"eager", *ALL_ATTENTION_FUNCTIONS.valid_keys()}
    known = set(valid_names("attn", INSTALLED)) - {"<kernels-hub>"}
    # from 5.19 a "paged|" prefix is stripped before the name is checked (FutureWarning)
    stripped = {name for name in known - real if name.startswith("paged|")}
    assert known - stripped == real
    assert {name.removeprefix("paged|") for name in stripped} <= real


def test_paged_prefix_is_stripped_not_refused() -> None:
    """ATN108 used to call `paged|sdpa` unknown on 5.24 (the 2026-11-30 audit): it loads as sdpa."""
    assert "paged|sdpa" in valid_names("attn", INSTALLED)
    config = LlamaConfig(
        vocab_size=32, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
        num_attention_heads=2, num_key_value_heads=1,
    )
    with pytest.warns(FutureWarning):
        model = LlamaForCausalLM._from_config(config, attn_implementation="paged|sdpa")  # type: ignore[no-untyped-call]
    assert model.config._attn_implementation == "sdpa"


@pytest.mark.parametrize("name", ["statc", "dynamic_full", "mamba"])
def test_unknown_cache_name_really_raises(name: str) -> None:
    assert name not in valid_names("cache", INSTALLED)
    with pytest.raises(ValueError, match="Invalid `cache_implementation`"):
        GenerationConfig(cache_implementation=name)  # type: ignore[no-untyped-call]


def test_every_known_cache_name_is_accepted() -> None:
    for name in valid_names("cache", INSTALLED):
        assert GenerationConfig(cache_implementation=name).cache_implementation == name  # type: ignore[no-untyped-call]


def test_unknown_attn_name_really_raises() -> None:
    config = LlamaConfig(
        vocab_size=32, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
        num_attention_heads=2, num_key_value_heads=1,
    )
    assert "sdpa_paged" not in valid_names("attn", INSTALLED)
    with pytest.raises(ValueError, match="sdpa_paged"):
        LlamaForCausalLM._from_config(config, attn_implementation="sdpa_paged")  # type: ignore[no-untyped-call]


def test_default_dtype_and_attn_match_from_config() -> None:
    config = LlamaConfig(
        vocab_size=32, hidden_size=16, intermediate_size=32, num_hidden_layers=1,
        num_attention_heads=2, num_key_value_heads=1,
    )
    model = LlamaForCausalLM(config)
    assert model.config._attn_implementation == resolve_default("attn", frozenset({"llama"}), INSTALLED)
    # 5.x resolves an unset dtype to "auto", i.e. the config's dtype, which a fresh config leaves at float32.
    assert resolve_default("dtype", frozenset({"llama"}), INSTALLED) == "auto"
    assert model.dtype == torch.float32
