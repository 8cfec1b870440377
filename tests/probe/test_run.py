"""A real probe run on the installed transformers and torch (CPU): tiny Llama, forked cases."""

from __future__ import annotations

import json

import pytest

from attnlint.cli import main
from attnlint.probe.cases import Case
from attnlint.probe.runner import Stack, run_cases

CASES = [
    Case("llama", "eager"),
    Case("llama", "sdpa", "static"),
    Case("llama", "no_such_attention"),
    Case("llama", "sdpa", mode="attentions"),
    Case("llama", "sdpa", "object:DynamicCache(config=config)"),  # 4.56+ builds layers from the config
    Case("llama", "sdpa", "object:StaticCache(config,max_batch_size=1)"),  # 4.56+ needs max_cache_len
    Case("gemma2", "eager", "hybrid", mode="load-cache"),  # from_pretrained(cache_implementation=)
]


@pytest.fixture(scope="module")
def stack() -> Stack:
    seen: list[str] = []
    result = run_cases(CASES, timeout=8, progress=lambda done, total, o: seen.append(f"{done}/{total}"))
    assert seen == [f"{i}/{len(CASES)}" for i in range(1, len(CASES) + 1)]
    return result


def test_each_case_has_an_outcome_in_order(stack: Stack) -> None:
    assert [o.case for o in stack.outcomes] == CASES
    assert stack.transformers and stack.torch


def test_eager_equals_its_reference_and_sdpa_static_matches(stack: Stack) -> None:
    eager, sdpa_static = stack.outcomes[0], stack.outcomes[1]
    assert eager.status == "OK" and eager.max_diff == 0.0 and eager.impl == "eager"
    assert sdpa_static.status == "OK" and sdpa_static.max_diff is not None and sdpa_static.max_diff < 1e-3
    assert sdpa_static.cache_class.startswith("StaticCache")
    assert sdpa_static.ref_cache_class.startswith("DynamicCache")


def test_a_crash_is_a_fail_with_its_first_line(stack: Stack) -> None:
    outcome = stack.outcomes[2]
    assert outcome.status == "FAIL" and outcome.error_type in ("ValueError", "KeyError")
    assert "no_such_attention" in outcome.message


def test_missing_attentions_are_a_mismatch(stack: Stack) -> None:
    outcome = stack.outcomes[3]
    assert outcome.status == "MISMATCH"
    assert "eager: attentions of shape (1, 4, 12, 12)" in outcome.message


def test_a_cache_object_is_built_with_the_cases_arguments(stack: Stack) -> None:
    built, unbound = stack.outcomes[4], stack.outcomes[5]
    assert built.status == "OK" and built.cache_class.startswith("DynamicCache"), built
    assert (unbound.status, unbound.error_type) == ("FAIL", "TypeError"), unbound
    assert "max_cache_len" in unbound.message


def test_load_cache_gives_the_cache_to_from_pretrained(stack: Stack) -> None:
    refused = stack.outcomes[6]  # Gemma2's config has no cache_implementation field from 4.53
    assert (refused.status, refused.error_type) == ("FAIL", "TypeError"), refused
    assert "unexpected keyword argument 'cache_implementation'" in refused.message


def test_a_case_over_its_time_limit_is_killed() -> None:
    # Building the model and tracing compiled flex takes well over half a second even when
    # inductor's on-disk cache is warm (a later run on the same machine), so the limit always bites.
    slow = Case("llama", "flex_attention", kernel="compiled")
    outcome = run_cases([slow], timeout=0.5).outcomes[0]
    assert (outcome.status, outcome.error_type) == ("FAIL", "Timeout")


def test_cli_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["probe", "--models", "llama", "--attn", "eager", "--cache", "default", "--forms", "kwarg",
                 "--output-format", "json", "--quiet"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert [o["id"] for o in data["outcomes"]] == ["llama/eager/default/kwarg"]
    assert data["outcomes"][0]["status"] == "OK" and data["device"] == "cpu"


def test_a_model_the_release_cannot_run_even_with_eager_is_a_skip() -> None:
    """5.24.0's Llama4ForConditionalGeneration reads `image_outputs` from its text model's output in
    every forward, so eager with the default cache fails too: that is the release, not the case."""
    import transformers

    if transformers.__version__ != "5.24.0":
        pytest.skip("the broken Llama4 multimodal forward is 5.24.0's")
    outcome = run_cases([Case("llama4", "sdpa", "static")], timeout=120).outcomes[0]
    assert outcome.status == "SKIP"
    assert outcome.message.startswith("the eager reference fails here too (AttributeError:")
    assert "image_outputs" in outcome.message
