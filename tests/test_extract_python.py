"""The source extractor: the seed case in every syntactic form, spans, flags and model types."""

from __future__ import annotations

import json
from pathlib import Path
from textwrap import dedent

import pytest
from packaging.specifiers import SpecifierSet

from attnlint.engine import CheckContext, Unit, check_source, check_unit
from attnlint.extract.models import from_class_name, from_model_id, is_model_class
from attnlint.extract.python import extract_python
from attnlint.facts import ModelUse, Setting, Target
from attnlint.source import SourceText

BAD = Target(transformers=SpecifierSet("==4.51.0"), reason="the test pins")
FIXED = Target(transformers=SpecifierSet(">=4.53"), reason="the test allows")
#: These cases load without a device, so the models run on the CPU; where a model runs is
#: tests/test_device.py's concern, these tests read the attention and cache settings.
ON_CPU = ("ATN109", "ATN114", "ATN206")
SCOUT = '"meta-llama/Llama-4-Scout-17B-16E-Instruct"'

#: The seed case (Llama4 + flex_attention + the cache generate builds on 4.51.0), written every way
#: people write it. Each must give exactly ATN101 on 4.51.0 and nothing on >=4.53.
SEED_FORMS = {
    "keyword literal": f"""
        from transformers import Llama4ForConditionalGeneration
        model = Llama4ForConditionalGeneration.from_pretrained({SCOUT}, attn_implementation="flex_attention")
        model.generate(**inputs, max_new_tokens=32)
    """,
    "module constant": f"""
        from transformers import Llama4ForConditionalGeneration
        ATTN = "flex_attention"
        model = Llama4ForConditionalGeneration.from_pretrained({SCOUT}, attn_implementation=ATTN)
        model.generate(**inputs)
    """,
    "function constant": f"""
        from transformers import AutoModelForCausalLM
        def main():
            attn = "flex_attention"
            model = AutoModelForCausalLM.from_pretrained({SCOUT}, attn_implementation=attn)
            return model.generate(**inputs)
    """,
    "dict literal spread": f"""
        from transformers import AutoModelForCausalLM
        model_kwargs = {{"attn_implementation": "flex_attention", "torch_dtype": "bfloat16"}}
        model = AutoModelForCausalLM.from_pretrained({SCOUT}, **model_kwargs)
    """,
    "dict call spread": f"""
        import torch
        from transformers import AutoModelForCausalLM
        model_kwargs = dict(attn_implementation="flex_attention", torch_dtype=torch.bfloat16)
        model = AutoModelForCausalLM.from_pretrained({SCOUT}, **model_kwargs)
        out = model.generate(input_ids, max_new_tokens=8)
    """,
    "dict item assignment": f"""
        from transformers import AutoModelForCausalLM
        model_kwargs = {{}}
        model_kwargs["attn_implementation"] = "flex_attention"
        model = AutoModelForCausalLM.from_pretrained({SCOUT}, **model_kwargs)
    """,
    "dict update": f"""
        from transformers import AutoModelForCausalLM
        model_kwargs = dict(torch_dtype="auto")
        model_kwargs.update(attn_implementation="flex_attention")
        model = AutoModelForCausalLM.from_pretrained({SCOUT}, **model_kwargs)
    """,
    "conditional else branch": f"""
        import torch
        from transformers import AutoModelForCausalLM
        attn = "sdpa" if torch.cuda.is_available() else "flex_attention"
        model = AutoModelForCausalLM.from_pretrained({SCOUT}, attn_implementation=attn)
    """,
    "module alias": f"""
        import transformers as tf
        model = tf.Llama4ForCausalLM.from_pretrained({SCOUT}, attn_implementation="flex_attention")
        model.generate(input_ids)
    """,
    "name alias": f"""
        from transformers import AutoModelForCausalLM as AM
        model = AM.from_pretrained({SCOUT}, attn_implementation="flex_attention")
    """,
    "pipeline model_kwargs": f"""
        from transformers import pipeline
        pipe = pipeline(
            "text-generation", model={SCOUT}, model_kwargs={{"attn_implementation": "flex_attention"}}
        )
        pipe("Hello", max_new_tokens=20)
    """,
    "pipeline of a model": f"""
        from transformers import AutoModelForCausalLM, pipeline
        model = AutoModelForCausalLM.from_pretrained({SCOUT}, attn_implementation="flex_attention")
        pipe = pipeline("text-generation", model=model)
        pipe("Hello")
    """,
    "set_attn_implementation": f"""
        from transformers import AutoModelForCausalLM
        model = AutoModelForCausalLM.from_pretrained({SCOUT})
        model.set_attn_implementation("flex_attention")
        model.generate(input_ids)
    """,
    "config attribute": f"""
        from transformers import AutoModelForCausalLM
        model = AutoModelForCausalLM.from_pretrained({SCOUT})
        model.config._attn_implementation = "flex_attention"
        model.generate(input_ids)
    """,
    "explicit DynamicCache": f"""
        from transformers import AutoModelForCausalLM, DynamicCache
        model = AutoModelForCausalLM.from_pretrained({SCOUT}, attn_implementation="flex_attention")
        model.generate(input_ids, past_key_values=DynamicCache())
    """,
    "DynamicCache in a variable": f"""
        from transformers import AutoModelForCausalLM, DynamicCache
        model = AutoModelForCausalLM.from_pretrained({SCOUT}, attn_implementation="flex_attention")
        cache = DynamicCache()
        model.generate(input_ids, past_key_values=cache)
    """,
    "GenerationConfig variable": f"""
        from transformers import AutoModelForCausalLM, GenerationConfig
        model = AutoModelForCausalLM.from_pretrained({SCOUT}, attn_implementation="flex_attention")
        gen = GenerationConfig(max_new_tokens=16, cache_implementation="dynamic")
        model.generate(input_ids, generation_config=gen)
    """,
    "model.generation_config assigned": f"""
        from transformers import AutoModelForCausalLM, GenerationConfig
        model = AutoModelForCausalLM.from_pretrained({SCOUT}, attn_implementation="flex_attention")
        model.generation_config = GenerationConfig(cache_implementation="dynamic")
        model.generate(input_ids)
    """,
    "generation_config attribute": f"""
        from transformers import AutoModelForCausalLM
        model = AutoModelForCausalLM.from_pretrained({SCOUT}, attn_implementation="flex_attention")
        model.generation_config.cache_implementation = "dynamic"
        model.generate(input_ids)
    """,
    "generation_config update": f"""
        from transformers import AutoModelForCausalLM
        model = AutoModelForCausalLM.from_pretrained({SCOUT}, attn_implementation="flex_attention")
        model.generation_config.update(cache_implementation="dynamic", max_new_tokens=20)
        model.generate(input_ids)
    """,
    "GenerationConfig attribute": f"""
        from transformers import AutoModelForCausalLM, GenerationConfig
        model = AutoModelForCausalLM.from_pretrained({SCOUT}, attn_implementation="flex_attention")
        gen = GenerationConfig(max_new_tokens=20)
        gen.cache_implementation = "dynamic"
        model.generate(input_ids, generation_config=gen)
    """,
    "self attribute": f"""
        from transformers import AutoModelForCausalLM
        class Chat:
            def __init__(self):
                self.model = AutoModelForCausalLM.from_pretrained(
                    {SCOUT}, attn_implementation="flex_attention"
                )
            def reply(self, ids):
                return self.model.generate(ids, max_new_tokens=64)
    """,
    "loader function returning a tuple": f"""
        from transformers import AutoModelForCausalLM, AutoTokenizer
        def load(name={SCOUT}):
            model = AutoModelForCausalLM.from_pretrained({SCOUT}, attn_implementation="flex_attention")
            return model, AutoTokenizer.from_pretrained({SCOUT})
        model, tokenizer = load()
        model.generate(**tokenizer("hi", return_tensors="pt"))
    """,
    "subclass of a model class": f"""
        from transformers import Llama4ForCausalLM
        class Chat(Llama4ForCausalLM):
            pass
        model = Chat.from_pretrained({SCOUT}, attn_implementation="flex_attention")
    """,
    "from_config with a config class": """
        from transformers import AutoModelForCausalLM, Llama4TextConfig
        config = Llama4TextConfig(num_hidden_layers=2)
        model = AutoModelForCausalLM.from_config(config, attn_implementation="flex_attention")
        model.generate(input_ids)
    """,
    "AutoConfig with attribute": f"""
        from transformers import AutoConfig, AutoModelForCausalLM
        config = AutoConfig.from_pretrained({SCOUT})
        config._attn_implementation = "flex_attention"
        model = AutoModelForCausalLM.from_config(config)
    """,
    "chained to()": f"""
        from transformers import AutoModelForCausalLM
        model = AutoModelForCausalLM.from_pretrained({SCOUT}, attn_implementation="flex_attention").to("cuda")
        model.eval()
        print(model.generate(input_ids))
    """,
}


@pytest.mark.parametrize("source", SEED_FORMS.values(), ids=SEED_FORMS.keys())
def test_seed_case_in_every_form(source: str) -> None:
    text = dedent(source)
    assert [d.code for d in check_source(text, "seed.py", target=BAD, ignore=ON_CPU)] == ["ATN101"]
    assert check_source(text, "seed.py", target=FIXED, ignore=ON_CPU) == []


@pytest.mark.parametrize(
    ("form", "cache"),
    [("explicit DynamicCache", ("dynamic", "object")), ("DynamicCache in a variable", ("dynamic", "object")),
     ("GenerationConfig variable", ("dynamic", "name")),
     ("model.generation_config assigned", ("dynamic", "name")),
     ("generation_config attribute", ("dynamic", "name")), ("generation_config update", ("dynamic", "name")),
     ("GenerationConfig attribute", ("dynamic", "name"))],
)
def test_explicit_caches_are_read_not_defaulted(form: str, cache: tuple[str, str]) -> None:
    [use] = uses(SEED_FORMS[form])
    assert [(s.value, s.form) for s in use.cache] == [cache]
    assert use.cache[0].span is not None


def uses(source: str, path: str = "t.py", root: Path | None = None) -> list[ModelUse]:
    return extract_python(dedent(source), path, root)


def values(settings: list[Setting]) -> list[object]:
    return [s.value for s in settings]


def test_conditional_branch_names_the_bad_branch() -> None:
    [diagnostic] = check_source(dedent(SEED_FORMS["conditional else branch"]), target=BAD, ignore=ON_CPU)
    assert "(when the else branch of the conditional on line 4)" in diagnostic.message
    line = dedent(SEED_FORMS["conditional else branch"]).splitlines()[3]
    assert (diagnostic.location.row, diagnostic.location.column) == (4, line.index('"flex') + 1)


def test_conditional_through_a_constant_keeps_the_constant_name() -> None:
    [use] = uses(SEED_FORMS["conditional else branch"])
    assert [(s.value, s.constant) for s in use.attn] == [("sdpa", "attn"), ("flex_attention", "attn")]


def test_constant_span_points_at_the_assignment_literal() -> None:
    [use] = uses(SEED_FORMS["module constant"])
    [attn] = use.attn
    assert attn.constant == "ATTN" and attn.span is not None
    assert (attn.span.row, attn.span.column, attn.span.end_column) == (3, 8, 24)
    assert attn.site is not None and attn.site.row == 4


def test_columns_are_characters_not_bytes() -> None:
    source = (
        "from transformers import Llama4ForCausalLM\n"
        'm = Llama4ForCausalLM.from_pretrained("./modèle/ünï", attn_implementation="flex_attention")\n'
    )
    [diagnostic] = check_source(source, target=BAD)
    line = source.splitlines()[1]
    assert diagnostic.location.column == line.index('"flex_attention"') + 1
    assert diagnostic.end_location.column == line.index('"flex_attention"') + len('"flex_attention"') + 1


def test_sites_cover_load_generate_and_generation_config() -> None:
    [use] = uses(SEED_FORMS["GenerationConfig variable"])
    kinds = [(s.kind, s.span.row) for s in use.sites]
    assert kinds == [("load", 3), ("generate", 5), ("generation_config", 4)]
    assert use.cache[0].value == "dynamic" and use.cache[0].form == "name"


def test_one_diagnostic_per_place_whose_plan_reaches_every_generate_call() -> None:
    source = f"""
        from transformers import AutoModelForCausalLM
        model = AutoModelForCausalLM.from_pretrained({SCOUT}, attn_implementation="flex_attention")
        model.generate(first_ids)
        model.generate(second_ids, max_new_tokens=8)
    """
    text = dedent(source)
    context = CheckContext(target=BAD, ignore=ON_CPU)
    [finding] = check_unit(Unit((SourceText("<string>", text.encode(), text),)), context)
    assert finding.plan is not None
    sites = [(s.kind, s.span.row) for s in finding.plan.sites]
    assert sites == [("load", 3), ("generate", 4), ("generate", 5)]


def test_unreadable_values_never_trigger() -> None:
    source = f"""
        import os
        from transformers import AutoModelForCausalLM
        def load(attn):
            return AutoModelForCausalLM.from_pretrained({SCOUT}, attn_implementation=attn)
        m1 = AutoModelForCausalLM.from_pretrained({SCOUT}, attn_implementation=args.attn)
        m2 = AutoModelForCausalLM.from_pretrained({SCOUT}, attn_implementation=os.environ["ATTN"])
    """
    found = uses(source)
    assert len(found) == 3
    assert all(values(u.attn) == [None] for u in found)
    assert check_source(dedent(source), target=BAD) == []


def test_commented_out_code_and_strings_are_not_configuration() -> None:
    source = f"""
        from transformers import AutoModelForCausalLM
        # model = AutoModelForCausalLM.from_pretrained({SCOUT}, attn_implementation="flex_attention")
        doc = 'AutoModelForCausalLM.from_pretrained("x", attn_implementation="flex_attention")'
    """
    assert uses(source) == []


def test_flags_are_normalised() -> None:
    source = """
        import torch
        from transformers import AutoModelForCausalLM, StaticCache
        a = AutoModelForCausalLM.from_pretrained("gpt2", torch_dtype=torch.float, device_map="cpu",
                                                 output_attentions=True)
        b = AutoModelForCausalLM.from_pretrained("gpt2", dtype="bfloat16").cuda()
        c = AutoModelForCausalLM.from_pretrained("gpt2").to(torch.float16)
        c.generate(ids, past_key_values=StaticCache(config=c.config, max_cache_len=64), use_cache=True,
                   assistant_model=a, output_attentions=False)
        b.generate(ids, prompt_lookup_num_tokens=10)
    """
    a, b, c = sorted(uses(source), key=lambda u: u.sites[0].span.row)
    assert values(a.flags["dtype"]) == ["float32"]
    assert values(a.flags["device"]) == ["cpu"]
    assert values(a.flags["output_attentions"]) == [True]
    assert values(b.flags["dtype"]) == ["bfloat16"] and values(b.flags["device"]) == ["cuda"]
    assert values(b.flags["assisted"]) == [True]
    assert values(c.flags["dtype"]) == ["float16"]
    assert [(s.value, s.form) for s in c.cache] == [("static", "object")]
    assert values(c.flags["assisted"]) == [True] and values(c.flags["use_cache"]) == [True]
    assert values(c.flags["output_attentions"]) == [False]


def test_configs_module_attributes_and_devices() -> None:
    source = """
        import torch
        import transformers
        from transformers import AutoConfig, AutoModelForCausalLM, pipeline
        config = AutoConfig.from_pretrained("google/gemma-2-2b", output_attentions=True)
        config.attn_implementation = "eager"
        a = transformers.AutoModelForCausalLM.from_pretrained("google/gemma-2-2b", config=config)
        b = AutoModelForCausalLM.from_pretrained("gpt2").to(torch.device("cpu"))
        b.config.output_attentions = True
        pipe = pipeline("text-generation", "Qwen/Qwen2.5-0.5B", device=-1)
    """
    a, b, pipe = uses(source)
    assert a.model_types == {"gemma2"} and values(a.attn) == ["eager"]
    assert values(a.flags["output_attentions"]) == [True] and a.attn[0].origin == "attribute"
    assert values(b.flags["device"]) == ["cpu"] and values(b.flags["output_attentions"]) == [True]
    assert pipe.model_types == {"qwen2"} and values(pipe.flags["device"]) == ["cpu"]
    assert [s.kind for s in pipe.sites] == ["pipeline"]


@pytest.mark.parametrize(
    ("expression", "name"),
    [("DynamicCache()", "dynamic"), ("HybridCache(config, 1, 64)", "hybrid"),
     ("HybridChunkedCache(config)", "hybrid_chunked"), ("SlidingWindowCache(config)", "sliding_window"),
     ("OffloadedCache()", "offloaded"), ("OffloadedStaticCache(config)", "offloaded_static"),
     ("QuantizedCache(cfg)", "quantized"), ("SinkCache(window_length=256, num_sink_tokens=4)", "sink"),
     ("transformers.StaticCache(config)", "static"), ("DynamicCache(offloading=True)", "offloaded")],
)
def test_cache_objects_are_named(expression: str, name: str) -> None:
    source = f"""
        import transformers
        from transformers import *
        from transformers import DynamicCache, HybridCache, HybridChunkedCache, SlidingWindowCache
        from transformers import OffloadedCache, OffloadedStaticCache, QuantizedCache, SinkCache
        model.generate(ids, past_key_values={expression})
    """
    [use] = uses(source)
    assert [(s.value, s.form, s.keyword) for s in use.cache] == [(name, "object", "past_key_values")]
    assert use.model_types == frozenset() and [s.kind for s in use.sites] == ["generate"]


def test_untracked_generate_and_orphan_generation_config_are_uses() -> None:
    source = """
        from transformers import GenerationConfig
        config = GenerationConfig(cache_implementation="hybird")
        result = get_model().generate(ids, cache_implementation="static", output_attentions=True)
    """
    generate, orphan = uses(source)
    assert values(generate.cache) == ["static"] and values(generate.flags["output_attentions"]) == [True]
    assert values(orphan.cache) == ["hybird"] and [s.kind for s in orphan.sites] == ["generation_config"]


def test_tokenizers_and_processors_are_not_models() -> None:
    source = """
        from transformers import AutoTokenizer, AutoProcessor
        tok = AutoTokenizer.from_pretrained("meta-llama/Llama-3.1-8B", padding_side="left")
        proc = AutoProcessor.from_pretrained("meta-llama/Llama-4-Scout-17B-16E-Instruct")
    """
    assert uses(source) == []


def test_padding_side_and_autocast_apply_to_every_use_of_the_file() -> None:
    source = """
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer
        tokenizer = AutoTokenizer.from_pretrained("mistralai/Mistral-7B-v0.1", padding_side="right")
        model = AutoModelForCausalLM.from_pretrained(
            "mistralai/Mistral-7B-v0.1", attn_implementation="flash_attention_2"
        )
        tokenizer.padding_side = "left"
        with torch.autocast("cuda", dtype=torch.bfloat16):
            model.generate(**tokenizer(prompts, return_tensors="pt", padding=True))
    """
    [use] = uses(source)
    assert use.model_types == {"mistral"}
    assert values(use.flags["padding_side"]) == ["left"] and values(use.flags["autocast"]) == [True]


def test_a_loader_function_hands_its_model_to_the_caller() -> None:
    [use] = uses(SEED_FORMS["loader function returning a tuple"])
    assert [s.kind for s in use.sites] == ["load", "generate"]
    [subclass] = uses(SEED_FORMS["subclass of a model class"])
    assert subclass.model_type_reason == "class name Llama4ForCausalLM"


def test_later_generate_sees_the_attention_set_before_it() -> None:
    source = f"""
        from transformers import AutoModelForCausalLM
        model = AutoModelForCausalLM.from_pretrained({SCOUT}, attn_implementation="sdpa")
        model.generate(ids)
        model.set_attn_implementation("eager")
        model.generate(ids)
    """
    first, second = uses(source)
    assert values(first.attn) == ["sdpa"] and values(second.attn) == ["eager"]
    assert second.attn[0].origin == "call-argument"



@pytest.mark.parametrize(
    ("name", "types"),
    [("Llama4ForConditionalGeneration", {"llama4", "llama4_text"}), ("Llama4ForCausalLM", {"llama4_text"}),
     ("LlamaForCausalLM", {"llama"}), ("MistralForCausalLM", {"mistral"}),
     ("MixtralForCausalLM", {"mixtral"}), ("Qwen2ForCausalLM", {"qwen2"}), ("Qwen3ForCausalLM", {"qwen3"}),
     ("Qwen3MoeForCausalLM", {"qwen3_moe"}), ("GemmaForCausalLM", {"gemma"}),
     ("Gemma2ForCausalLM", {"gemma2"}), ("Gemma3ForCausalLM", {"gemma3_text"}),
     ("Gemma3ForConditionalGeneration", {"gemma3", "gemma3_text"}), ("Cohere2ForCausalLM", {"cohere2"}),
     ("MllamaForConditionalGeneration", {"mllama", "mllama_text_model"}), ("GptOssForCausalLM", {"gpt_oss"}),
     ("Phi3ForCausalLM", {"phi3"}), ("GPT2LMHeadModel", {"gpt2"})],
)
def test_model_type_from_class_name(name: str, types: set[str]) -> None:
    found = from_class_name(name)
    assert found is not None and found.types == types and found.reason == f"class name {name}"


def test_auto_classes_and_tokenizers_give_no_type() -> None:
    assert from_class_name("AutoModelForCausalLM") is None
    assert from_class_name("LlamaTokenizerFast") is None


MODEL_CLASSES = ["LlamaForCausalLM", "Llama4ForConditionalGeneration", "BertModel", "GPT2LMHeadModel",
                 "AutoModel", "AutoModelForCausalLM", "AutoModelWithLMHead", "InformerForPrediction",
                 "Wav2Vec2ForCTC", "Blip2QFormerModel", "ReformerModelWithLMHead"]
#: Classes of transformers 5.24 that merely hold "For" (Former, Forward, Format, Formula) or a
#: "Model" inside their name: none loads a model.
NOT_MODEL_CLASSES = ["Blip2QFormerAttention", "HubertFeedForward", "CsvPipelineDataFormat",
                     "PPFormulaNetAttention", "BailingHybridForgetGate", "LlamaTokenizerFast",
                     "LlamaConfig", "ModelOutput", "AutoTokenizer", "DataCollatorForSeq2Seq",
                     "DataCollatorForLanguageModeling", "VisionFuseAndPermuteForRope"]


def test_model_classes_are_told_by_their_names_shape() -> None:
    assert [name for name in MODEL_CLASSES if not is_model_class(name)] == []
    assert [name for name in NOT_MODEL_CLASSES if is_model_class(name)] == []


def test_a_data_collator_is_not_a_model_class_called_with_a_config() -> None:
    """Its name has a head's shape, but it takes a tokenizer (ATN140 once said "a model class
    called with a config does not take dtype=" of it)."""
    source = ("import torch\nfrom transformers import DataCollatorForSeq2Seq\n"
              "collate = DataCollatorForSeq2Seq(tok, pad_to_multiple_of=8, dtype=torch.float16)\n")
    assert check_source(source, "collate.py") == []


def test_every_generating_head_of_the_installed_transformers_is_a_model_class() -> None:
    """The heads `generate` runs on (causal LM, image-text-to-text, seq2seq), as the installed
    transformers' auto mappings name them."""
    from transformers.models.auto import modeling_auto as auto

    def names(mapping: dict[str, str | tuple[str, ...]]) -> set[str]:
        return {n for value in mapping.values() for n in ([value] if isinstance(value, str) else value)}

    heads = set().union(*(names(getattr(auto, m, {})) for m in (  # the second one is new in 4.5x
        "MODEL_FOR_CAUSAL_LM_MAPPING_NAMES", "MODEL_FOR_IMAGE_TEXT_TO_TEXT_MAPPING_NAMES",
        "MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING_NAMES")))
    assert len(heads) > 100  # 140 on 4.48.0, 336 on 5.24.0
    # heads named unlike any other (a gap: their loads are not tracked), as of transformers 5.24
    odd = {"BertGenerationDecoder", "NemotronH_Omni_Reasoning_V3"}
    assert {name for name in heads if not is_model_class(name)} <= odd


@pytest.mark.parametrize(
    ("model_id", "types"),
    [("meta-llama/Llama-4-Scout-17B-16E-Instruct", {"llama4", "llama4_text"}),
     ("meta-llama/Llama-4-Maverick-17B-128E", {"llama4", "llama4_text"}),
     ("meta-llama/Meta-Llama-3.1-8B-Instruct", {"llama"}), ("meta-llama/Llama-3.2-1B", {"llama"}),
     ("google/gemma-2-9b-it", {"gemma2"}), ("google/gemma-3-4b-it", {"gemma3", "gemma3_text"}),
     ("google/gemma-3-1b-it", {"gemma3_text"}), ("Qwen/Qwen2.5-7B-Instruct", {"qwen2"}),
     ("Qwen/Qwen3-8B", {"qwen3"}), ("Qwen/Qwen3-30B-A3B", {"qwen3_moe"}),
     ("mistralai/Mixtral-8x7B-Instruct-v0.1", {"mixtral"}), ("mistralai/Mistral-7B-v0.1", {"mistral"}),
     ("openai/gpt-oss-20b", {"gpt_oss"}), ("gpt2", {"gpt2"})],
)
def test_model_type_from_model_id(model_id: str, types: set[str]) -> None:
    found = from_model_id(model_id, [])
    assert found is not None and found.types == types


@pytest.mark.parametrize("model_id", ["my-org/secret-model", "", "x" * 5000, "a\x00b", "org/" + "y" * 300])
def test_unknown_or_odd_model_ids_give_no_type(model_id: str) -> None:
    assert from_model_id(model_id, [Path()]) is None


def test_model_type_from_local_config_folder(tmp_path: Path) -> None:
    folder = tmp_path / "checkpoints" / "scout"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(
        json.dumps({"model_type": "llama4", "text_config": {"model_type": "llama4_text"}})
    )
    script = tmp_path / "run.py"
    source = """
        from transformers import AutoModelForCausalLM
        model = AutoModelForCausalLM.from_pretrained("checkpoints/scout", attn_implementation="eager")
    """
    [use] = uses(source, str(script))
    assert use.model_types == {"llama4", "llama4_text"}
    assert "config.json" in use.model_type_reason
    [elsewhere] = uses(source, "<string>", root=tmp_path)
    assert elsewhere.model_types == {"llama4", "llama4_text"}


def test_model_type_from_local_hf_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    snapshot = tmp_path / "models--acme--tiny-chat" / "snapshots" / "0123abc"
    snapshot.mkdir(parents=True)
    (snapshot / "config.json").write_text(json.dumps({"model_type": "gemma2"}))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    found = from_model_id("acme/tiny-chat", [])
    assert found is not None and found.types == {"gemma2"}
    assert "local Hugging Face cache" in found.reason
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty"))
    assert from_model_id("acme/tiny-chat", []) is None


def test_concrete_class_beats_the_model_id() -> None:
    [use] = uses(f"""
        from transformers import Llama4ForCausalLM
        model = Llama4ForCausalLM.from_pretrained({SCOUT})
    """)
    assert use.model_types == {"llama4_text"} and use.model_type_reason == "class name Llama4ForCausalLM"


_STAGES = {
    "load": 'm = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B", output_attentions=True)\n'
            "m.generate(**x)",
    "load ": 'c = AutoConfig.from_pretrained("meta-llama/Llama-3.1-8B", output_attentions=True)\n'
             'm = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B", config=c)\nm(**x)',
    " load": 'c = LlamaConfig()\nc.output_attentions = True\nm = LlamaForCausalLM(c)\nm(**x)',
    "config": "c = LlamaConfig(output_attentions=True)\nm = LlamaForCausalLM(c)\nm(**x)",
    "model": 'm = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B")\n'
             "m.config.output_attentions = True\nm(**x)",
    "call": 'm = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B")\n'
            "m(**x, output_attentions=True)",
}


@pytest.mark.parametrize("stage", list(_STAGES))
def test_output_attentions_keeps_where_it_was_given(stage: str) -> None:
    """transformers treats output_attentions differently at a loader (the config setter), a config
    constructor, a loaded model's config and a call (ATN204/ATN130/ATN131/ATN210 tell them apart)."""
    header = "from transformers import AutoConfig, AutoModelForCausalLM, LlamaConfig, LlamaForCausalLM\n"
    found = uses(header + _STAGES[stage])
    flags = [s for use in found for s in use.flags.get("output_attentions", [])]
    assert [(s.value, s.stage) for s in flags] == [(True, stage.strip())]


@pytest.mark.parametrize(
    "line",
    [
        "lora = get_peft_model(Gemma2ForCausalLM(cfg).model, peft_cfg)",  # modelled on peft's README
        "base = wrap(Gemma2ForCausalLM(cfg).model)",
    ],
)
def test_a_model_loaded_inside_an_argument_on_a_cold_row_is_read(line: str) -> None:
    """No hot word on the row and no name holding a model yet: the load is found only by reading
    the arguments handed to the outer call (a defect: a shortcut once skipped that read until a
    model had been loaded, and Gemma 2's ATN202 went missing)."""
    uses = extract_python(f"from transformers import Gemma2ForCausalLM\n{line}\n", "train.py")
    assert [use.model_types for use in uses] == [frozenset({"gemma2"})]
