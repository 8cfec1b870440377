"""`functools.partial` forms (issue 7 item 4): a partial of a loader or of `generate`, called later,
reads as the load or generate it forwards to. Each form as an INVALID case (the finding it must
give) and a VALID one (the same code made right, which must give nothing).

Modelled on public patterns found with the `search` tool: `load_model = partial(AutoModelForCausalLM
.from_pretrained, MODEL_NAME, token=TOKEN)` (training scripts), `generate_fn = partial(model.generate,
max_length=..., ...)` (mamba/watermark benchmark scripts), `model.generate = partial(model.generate,
use_cache=True)` (a SpeechT5 fine-tuning script) and `AutoModelForCausalLM.from_pretrained =
partial(AutoModelForCausalLM.from_pretrained, **kwargs)` (ipex-llm's harness).
"""

from __future__ import annotations

from textwrap import dedent

import pytest
from packaging.specifiers import SpecifierSet

from attnlint.engine import check_source
from attnlint.facts import Target

ON_451 = Target(transformers=SpecifierSet("==4.51.0"), reason="the test pins")
#: The forms load without a device, so the models run on the CPU; where a model runs is
#: tests/test_device.py's concern, these tests read the settings a partial forwards.
ON_CPU = ("ATN109", "ATN114", "ATN206")
SCOUT = '"meta-llama/Llama-4-Scout-17B-16E-Instruct"'
LLAMA = '"meta-llama/Llama-3.1-8B"'

#: (INVALID source, VALID source, the code the INVALID one must give on 4.51.0).
FORMS = {
    "partial of from_pretrained": (
        f"""
        import functools
        from transformers import Llama4ForConditionalGeneration
        load = functools.partial(
            Llama4ForConditionalGeneration.from_pretrained, attn_implementation="flex_attention"
        )
        model = load({SCOUT})
        model.generate(**inputs)
        """,
        f"""
        import functools
        from transformers import Llama4ForConditionalGeneration
        load = functools.partial(Llama4ForConditionalGeneration.from_pretrained, attn_implementation="sdpa")
        model = load({SCOUT})
        model.generate(**inputs)
        """,
        "ATN101",
    ),
    "bound model id, aliased import": (
        f"""
        from functools import partial as bind
        from transformers import AutoModelForCausalLM
        load_model = bind(AutoModelForCausalLM.from_pretrained, {SCOUT}, attn_implementation="flex_attention")
        model = load_model(device_map="auto")
        model.generate(**inputs)
        """,
        f"""
        from functools import partial as bind
        from transformers import AutoModelForCausalLM
        load_model = bind(AutoModelForCausalLM.from_pretrained, {SCOUT}, attn_implementation="flex_attention")
        model = load_model(device_map="auto", attn_implementation="sdpa")
        model.generate(**inputs)
        """,
        "ATN101",
    ),
    "partial of a partial": (
        f"""
        from functools import partial
        from transformers import AutoModelForCausalLM
        base = partial(AutoModelForCausalLM.from_pretrained, torch_dtype="auto")
        load = partial(base, attn_implementation="flex_attention")
        model = load({SCOUT})
        model.generate(**inputs)
        """,
        f"""
        from functools import partial
        from transformers import AutoModelForCausalLM
        base = partial(AutoModelForCausalLM.from_pretrained, torch_dtype="auto")
        load = partial(base, attn_implementation="eager")
        model = load({SCOUT})
        model.generate(**inputs)
        """,
        "ATN101",
    ),
    "patched from_pretrained": (
        f"""
        from functools import partial
        from transformers import AutoModelForCausalLM
        AutoModelForCausalLM.from_pretrained = partial(
            AutoModelForCausalLM.from_pretrained, attn_implementation="flex_attention"
        )
        model = AutoModelForCausalLM.from_pretrained({SCOUT})
        model.generate(**inputs)
        """,
        f"""
        from functools import partial
        from transformers import AutoModelForCausalLM
        AutoModelForCausalLM.from_pretrained = partial(
            AutoModelForCausalLM.from_pretrained, attn_implementation="sdpa"
        )
        model = AutoModelForCausalLM.from_pretrained({SCOUT})
        model.generate(**inputs)
        """,
        "ATN101",
    ),
    "partial of generate": (
        f"""
        import torch
        from functools import partial
        from transformers import AutoModelForCausalLM
        model = AutoModelForCausalLM.from_pretrained(
            {LLAMA}, attn_implementation="flash_attention_2", torch_dtype=torch.bfloat16
        )
        generate_fn = partial(model.generate, cache_implementation="static", max_new_tokens=64)
        out = generate_fn(**inputs)
        """,
        f"""
        import torch
        from functools import partial
        from transformers import AutoModelForCausalLM
        model = AutoModelForCausalLM.from_pretrained(
            {LLAMA}, attn_implementation="sdpa", torch_dtype=torch.bfloat16
        )
        generate_fn = partial(model.generate, cache_implementation="static", max_new_tokens=64)
        out = generate_fn(**inputs)
        """,
        "ATN201",
    ),
    "generate replaced by its partial": (
        f"""
        import torch
        from functools import partial
        from transformers import AutoModelForCausalLM
        model = AutoModelForCausalLM.from_pretrained(
            {LLAMA}, attn_implementation="flash_attention_2", torch_dtype=torch.bfloat16
        )
        model.generate = partial(model.generate, cache_implementation="static")
        out = model.generate(**inputs)
        """,
        f"""
        import torch
        from functools import partial
        from transformers import AutoModelForCausalLM
        model = AutoModelForCausalLM.from_pretrained(
            {LLAMA}, attn_implementation="flash_attention_2", torch_dtype=torch.bfloat16
        )
        model.generate = partial(model.generate, cache_implementation="dynamic")
        out = model.generate(**inputs)
        """,
        "ATN201",
    ),
}


@pytest.mark.parametrize("form", FORMS, ids=FORMS.keys())
def test_invalid_form_gives_its_code(form: str) -> None:
    invalid, _, code = FORMS[form]
    found = check_source(dedent(invalid), "form.py", target=ON_451, ignore=ON_CPU)
    assert [d.code for d in found] == [code], [d.message for d in found]


@pytest.mark.parametrize("form", FORMS, ids=FORMS.keys())
def test_valid_form_gives_nothing(form: str) -> None:
    _, valid, _ = FORMS[form]
    assert [d.code for d in check_source(dedent(valid), "form.py", target=ON_451, ignore=ON_CPU)] == []


def test_the_setting_is_placed_where_the_partial_wrote_it() -> None:
    invalid, _, _ = FORMS["partial of from_pretrained"]
    (found,) = check_source(dedent(invalid), "form.py", target=ON_451, ignore=ON_CPU)
    lines = dedent(invalid).splitlines()
    assert lines[found.location.row - 2].endswith("functools.partial(")  # inside the partial, not the load
    assert lines[found.location.row - 1][found.location.column - 1 :].startswith('"flex_attention"')


def test_a_partial_that_is_not_functools_is_not_read() -> None:
    source = f"""
        from transformers import AutoModelForCausalLM
        from mylib import partial
        load = partial(AutoModelForCausalLM.from_pretrained, attn_implementation="flex_attention")
        model = load({SCOUT})
        model.generate(**inputs)
    """
    assert check_source(dedent(source), "form.py", target=ON_451, ignore=ON_CPU) == []


def test_a_partial_never_called_loads_nothing() -> None:
    source = f"""
        from functools import partial
        from transformers import AutoModelForCausalLM
        load = partial(AutoModelForCausalLM.from_pretrained, {SCOUT}, attn_implementation="flex_attention")
    """
    assert check_source(dedent(source), "form.py", target=ON_451, ignore=ON_CPU) == []
