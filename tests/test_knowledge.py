"""The knowledge files agree with each other and with the code and releases that use them.

Names, ranges and tables live in attnlint/knowledge/*.toml; these tests check that a name a rule or
extractor relies on resolves: every runtime repair a rule names has code behind it, every cache
class the installed transformers exports is known, and a knowledge file that contradicts another
is refused when it loads, naming the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import attnlint.knowledge as knowledge
import attnlint.knowledge.compiled as compiled
from attnlint.extract.live import cache_setting
from attnlint.extract.python import extract_python
from attnlint.extract.python.positions import hot_words
from attnlint.runtime.repairs import ROUTES, routes_for


def test_every_repair_name_resolves_to_a_runtime_repair() -> None:
    named_by_rules = {rule.runtime_repair for rule in knowledge.rules() if rule.runtime_repair}
    assert named_by_rules <= knowledge.repair_names()
    assert set(ROUTES) == knowledge.repair_names()
    for name in knowledge.repair_names():
        plain = routes_for(name, frozenset({"qwen2"}))
        guarded = routes_for(name, frozenset(knowledge.runtime_knowledge().guarded_mask_model_types))
        assert plain and all(callable(install) and callable(handle) for _, install, handle in plain)
        assert len(guarded) == 2  # the guarded attention and the guarded mask
    with pytest.raises(KeyError, match="unknown runtime repair"):
        routes_for("no-such-repair", frozenset())


def test_installed_cache_classes_are_known() -> None:
    """Every cache class transformers exports (but the base and the encoder-decoder wrapper) maps to
    a cache_implementation the installed release accepts, in the source and in the live reader."""
    transformers = pytest.importorskip("transformers")
    from transformers.generation.configuration_utils import ALL_CACHE_IMPLEMENTATIONS

    exported = {
        name for name in dir(transformers)
        if name.endswith("Cache") and isinstance(getattr(transformers, name), type)
        and issubclass(getattr(transformers, name), transformers.Cache)
    } - {"Cache", "EncoderDecoderCache"}
    table = knowledge.cache_class_values()
    assert exported and exported <= set(table)
    assert {table[name] for name in exported} <= set(ALL_CACHE_IMPLEMENTATIONS)
    config = transformers.LlamaConfig(num_hidden_layers=1, hidden_size=16, intermediate_size=16,
                                      num_attention_heads=2, num_key_value_heads=1, vocab_size=32)
    live = cache_setting(past_key_values=transformers.DynamicCache(config=config))
    assert live is not None and live.value == table["DynamicCache"]


@pytest.mark.parametrize(("source", "cache"), [
    ("DynamicCache()", "dynamic"),
    ("DynamicCache(offloading=True)", "offloaded"),
    ("HybridChunkedCache(config)", "hybrid_chunked"),
])
def test_source_cache_objects_read_through_the_table(source: str, cache: str) -> None:
    name = source.split("(")[0]
    text = f"from transformers import {name}\nmodel.generate(past_key_values={source})\n"
    (use,) = extract_python(text, "x.py")
    assert [(s.value, s.form) for s in use.cache] == [(cache, "object")]


@pytest.mark.parametrize(("keyword", "fact"), [
    ("_attn_implementation", "attn"), ("past_key_values", "cache"), ("torch_dtype", "dtype"),
    ("device_map", "device"), ("prompt_lookup_num_tokens", "assisted"),
])
def test_keyword_aliases_come_from_data(keyword: str, fact: str) -> None:
    assert knowledge.keyword_facts()[keyword] == fact


def _forget_loaded_knowledge() -> None:
    """Drop every per-process copy of the rule base, so the next call loads it again."""
    loaders = (compiled.knowledge, compiled.release_table, compiled.rule_base_hash, knowledge.repair_names,
               knowledge.keyword_facts, knowledge.cache_class_values, knowledge.configuration_rules,
               knowledge.rule_by_code, hot_words)
    for loader in loaders:
        loader.cache_clear()


@pytest.fixture
def knowledge_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A writable copy of the knowledge files that the loaders read instead of the shipped ones,
    compiled into a cache folder of the test's own."""
    shipped = compiled._FOLDER
    copy = tmp_path / "knowledge"
    (copy / "rules").mkdir(parents=True)
    for path in [*shipped.glob("*.toml"), *(shipped / "rules").glob("*.toml")]:
        (copy / path.relative_to(shipped)).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(compiled, "_FOLDER", copy)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    _forget_loaded_knowledge()
    yield copy
    monkeypatch.undo()
    _forget_loaded_knowledge()


@pytest.mark.parametrize(("file", "old", "new", "message"), [
    ("rules/ATN205.toml", 'runtime_repair = "flex-static-offset"', 'runtime_repair = "flex-static-ofset"',
     "unknown runtime repair ['flex-static-ofset']"),
    ("rules/ATN109.toml", 'when = { device = ["cpu"] }', 'when = { devise = ["cpu"] }',
     "unknown trigger(s) ['devise']"),
    ("codes.toml", "first = 200\nlast = 299", "first = 210\nlast = 299", "uses ATN210-ATN299"),
])
def test_contradicting_knowledge_is_refused_at_load(
    knowledge_copy: Path, file: str, old: str, new: str, message: str
) -> None:
    path = knowledge_copy / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(knowledge.KnowledgeError, match=re.escape(message)):
        knowledge.rules()


def test_unknown_keyword_fact_is_refused_at_load(knowledge_copy: Path) -> None:
    path = knowledge_copy / "sources.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("use_cache = [", "use_kache = ["), encoding="utf-8")
    with pytest.raises(knowledge.KnowledgeError, match=r"sources.toml \[keywords\]: unknown fact"):
        knowledge.source_names()


def test_a_keyword_added_to_the_data_is_read_by_the_extractor(knowledge_copy: Path) -> None:
    """The extractor has no keyword list of its own: an alias added to sources.toml is read."""
    source = (
        "from transformers import AutoModelForCausalLM\n"
        "model = AutoModelForCausalLM.from_pretrained('m', attention_backend='sdpa')\n"
        "model.generate(ids)\n"
    )
    assert extract_python(source, "x.py")[0].attn == []
    path = knowledge_copy / "sources.toml"
    text = path.read_text(encoding="utf-8")
    old = 'attn = ["attn_implementation",'
    added = text.replace(old, 'attn = ["attention_backend", "attn_implementation",')
    path.write_text(added, encoding="utf-8")
    _forget_loaded_knowledge()
    (use,) = extract_python(source, "x.py")
    assert [(s.value, s.keyword) for s in use.attn] == [("sdpa", "attention_backend")]
