"""The rule-derived prefilter: it must pass every file that can produce a finding, and little else.

Soundness is checked against the checker itself: every source of the test corpus (rule examples,
realistic scripts, the labelled real-world corpus, shipped examples, golden inputs) that has a
finding on some release must pass.
"""

from __future__ import annotations

import pytest
from judged_sources import CORPUS

from attnlint.engine import check_source
from attnlint.knowledge import cache_class_values
from attnlint.prefilter import _cache_words, may_trigger, may_use_model, prefilter


def test_every_source_with_a_finding_passes() -> None:
    with_findings = 0
    for name, text in CORPUS:
        found = [d.code for d in check_source(text, name) if not d.code.startswith("ATN00")]
        if found:
            with_findings += 1
            assert may_trigger(text.encode()), f"{name} has {found} but the prefilter skips it"
    assert with_findings >= 30


def test_no_rule_leaves_every_file_to_parse() -> None:
    assert not prefilter().everything
    assert all(all(group for group in groups) for groups in prefilter().needs)


@pytest.mark.parametrize(
    "source",
    [
        'model = AutoModelForCausalLM.from_pretrained("bert-base-uncased")\nout = model.generate(ids)\n',
        "class A:\n    @staticmethod\n    def f(): return 'static analysis'\n",
        "pipe = pipeline('text-generation', model=path)\nkv = past_key_values\n",
        "use_flash = True  # flash attention elsewhere\n",
    ],
)
def test_generic_loading_words_are_not_enough(source: str) -> None:
    assert not may_trigger(source.encode())


@pytest.mark.parametrize(
    "source",
    [
        "m = AutoModel.from_pretrained(p, attn_implementation=ATTN)\n",
        'm.generate(ids, cache_implementation="hybrid")\n',
        "cache = StaticCache(config, max_cache_len=64)\n",
        'CACHE = "static"\n',
        '{"source": ["model.generate(ids, cache_implementation=\\"static\\")"]}',  # a notebook cell
        'MODEL = "Google/Gemma-2-9B-it"\n',  # model ids are matched ignoring case
        "from transformers import Gemma2ForCausalLM\n",
        "out = model(ids, output_attentions=True)\n",
        'ATTN = "flex_attention"\n',
    ],
)
def test_words_of_the_rules_pass(source: str) -> None:
    assert may_trigger(("from transformers import AutoModel\n" + source).encode())


def test_a_model_class_called_with_another_models_config_passes() -> None:
    """No `...Config` need be written for a model class to be called with a config: the call is
    found by the class's name (a defect: the prefilter once asked for the word "Config")."""
    source = (
        "import torch\nfrom transformers import LlamaForCausalLM as LM\n\n\n"
        "def half_copy(base):\n    return LM(base.config, dtype=torch.float16)\n"
    )
    assert "ATN140" in {d.code for d in check_source(source, "clone.py")}
    assert may_trigger(source.encode())


@pytest.mark.parametrize(
    "source",
    [
        "from transformers import AutoModel\n",
        "from transformers.models.llama import LlamaForCausalLM\n",
        "import os, transformers as tf\n",
        "try: from transformers import AutoModel\nexcept ImportError: pass\n",
        "x = 1\r\nimport transformers\r\n",
        "x = 1\rimport transformers\r",  # lone CR line ends
        '{"cells": [{"source": ["from transformers import AutoModel\\n", "m = 1"]}]}',  # a notebook
        '{"cells": [{"source": "import os\\nfrom transformers import AutoModel"}]}',
        "out = model.generate(ids)\n",  # a generate on a model loaded elsewhere
        "out = model .generate(ids, cache_implementation='static')\n",
        "gen = functools.partial(model.generate, max_new_tokens=8)\n",
        "from trl import SFTConfig\nargs = SFTConfig(model_init_kwargs={'attn_implementation': 'sdpa'})\n",
    ],
)
def test_a_way_to_use_a_model_passes(source: str) -> None:
    assert may_use_model(source.encode())


@pytest.mark.parametrize(
    "source",
    [
        # a library module of transformers itself: relative imports, the names only in comments and
        # doctests (modelled on transformers' modeling_llama.py)
        '# Copied from transformers.models.llama.modeling_llama.LlamaRMSNorm\n'
        'from ...modeling_utils import PreTrainedModel\n'
        'class LlamaForCausalLM(PreTrainedModel):\n'
        '    """\n'
        '    >>> from transformers import AutoTokenizer, LlamaForCausalLM\n'
        '    >>> model = LlamaForCausalLM.from_pretrained("meta-llama/Llama-2-7b-hf")\n'
        '    >>> generate_ids = model.generate(inputs.input_ids, max_length=30)\n'
        '    ... model.generate(x)\n'
        '    """\n'
        '    def forward(self, output_attentions=None, use_cache=None):\n'
        '        if self.config._attn_implementation != "eager": pass\n',
        "import transformers_stream_generator\nimport mytransformers\n",
        "import os  # transformers is imported elsewhere\n",
        "text = self.generate_text(prompt)\ndef generate(self): pass\n",
        "from trl import SFTConfig\nargs = SFTConfig(output_dir='out')\n",  # forwards nothing
    ],
)
def test_no_way_to_use_a_model_is_skipped(source: str) -> None:
    assert not may_use_model(source.encode())
    assert not may_trigger(source.encode())


def test_every_cache_class_is_a_word_of_its_cache() -> None:
    """A cache built as an object (`OffloadedStaticCache(...)`) names the value a rule tests."""
    for name, value in cache_class_values().items():
        assert any(word in name for word in _cache_words((value,)) if not word.startswith('"')), name
