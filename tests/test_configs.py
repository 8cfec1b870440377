"""Model folders: config.json + generation_config.json as one use, exact value spans, bad JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from attnlint.evaluate import _on_load, evaluate
from attnlint.extract.configs import (
    ConfigFileError,
    extract_config_folder,
    is_model_config_folder,
    reads_json_file,
)
from attnlint.facts import Setting, Span, Target

LLAMA4_CONFIG = """{
  "architectures": ["Llama4ForConditionalGeneration"],
  "model_type": "llama4",
  "text_config": {
    "model_type": "llama4_text",
    "hidden_size": 64,
    "rope_scaling": {"factor": 8.0, "rope_type": "llama3"},
    "attn_implementation": "flex_attention",
    "use_cache": true
  },
  "torch_dtype": "bfloat16",
  "vision_config": {"model_type": "llama4_vision_model", "attn_implementation": "sdpa"}
}
"""

GENERATION = """{
  "_from_model_config": true,
  "cache_implementation": "hybrid",
  "output_attentions": false
}
"""


def text_at(path: Path, span: Span) -> str:
    """The text a span covers, counting rows at "\\n" and columns in characters after a BOM."""
    lines = path.read_bytes().decode("utf-8-sig").split("\n")
    if span.row == span.end_row:
        return lines[span.row - 1][span.column - 1 : span.end_column - 1]
    middle = lines[span.row : span.end_row - 1]
    return "\n".join(
        [lines[span.row - 1][span.column - 1 :], *middle, lines[span.end_row - 1][: span.end_column - 1]]
    )


def only(settings: list[Setting]) -> Setting:
    assert len(settings) == 1, settings
    return settings[0]


def folder_with(
    tmp_path: Path, config: str | None = None, generation: str | None = None, **open_args: str
) -> Path:
    folder = tmp_path / "model"
    folder.mkdir(parents=True)
    for name, text in (("config.json", config), ("generation_config.json", generation)):
        if text is not None:
            with (folder / name).open(
                "w", encoding=open_args.get("encoding", "utf-8"), newline=open_args.get("newline")
            ) as f:
                f.write(text)
    return folder


def test_llama4_pair(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, LLAMA4_CONFIG, GENERATION)
    config, generation = folder / "config.json", folder / "generation_config.json"
    (use,) = extract_config_folder(folder)
    assert use.path == str(config)
    assert use.model_types >= {"llama4", "llama4_text"}
    assert use.model_span is not None and text_at(config, use.model_span) == '"llama4"'

    attn = only(use.attn)  # the vision tower's key is not the language model's implementation
    assert (attn.value, attn.origin, attn.keyword) == (
        "flex_attention",
        "json",
        "text_config.attn_implementation",
    )
    assert attn.span == Span(path=str(config), row=8, column=28, end_row=8, end_column=44)
    assert text_at(config, attn.span) == '"flex_attention"'

    cache = only(use.cache)
    assert (cache.value, cache.keyword) == ("hybrid", "cache_implementation")
    assert cache.span is not None and cache.span.path == str(generation)
    assert text_at(generation, cache.span) == '"hybrid"'

    dtype = only(use.flags["dtype"])
    assert (
        dtype.value == "bfloat16" and dtype.span is not None and text_at(config, dtype.span) == '"bfloat16"'
    )
    use_cache = only(use.flags["use_cache"])
    assert (
        use_cache.value is True and use_cache.span is not None and text_at(config, use_cache.span) == "true"
    )
    assert only(use.flags["output_attentions"]).value is False

    kinds = {site.kind: site.span for site in use.sites}
    assert text_at(config, kinds["config-file"]) == LLAMA4_CONFIG.rstrip("\n")
    assert text_at(generation, kinds["generation-file"]) == GENERATION.rstrip("\n")


def test_crlf_bom_and_non_ascii(tmp_path: Path) -> None:
    config = (
        '{"model_type": "llama4_text", "note": "größe ✓",\n  "_attn_implementation":  "flex_attention" }\n'
    )
    generation = '{\n\t"cache_implementation": "dynamic"\n}'
    folder = folder_with(tmp_path, config, generation, encoding="utf-8-sig", newline="\r\n")
    assert (folder / "config.json").read_bytes().startswith(b"\xef\xbb\xbf")
    (use,) = extract_config_folder(folder)
    assert use.model_span == Span(
        path=str(folder / "config.json"), row=1, column=16, end_row=1, end_column=29
    )
    attn = only(use.attn)
    assert attn.span == Span(path=str(folder / "config.json"), row=2, column=28, end_row=2, end_column=44)
    assert text_at(folder / "config.json", attn.span) == '"flex_attention"'
    cache = only(use.cache)
    assert cache.span is not None and text_at(folder / "generation_config.json", cache.span) == '"dynamic"'
    site = next(s for s in use.sites if s.kind == "config-file")
    assert (site.span.row, site.span.column, site.span.end_row) == (1, 1, 2)
    assert text_at(folder / "config.json", site.span).endswith('"flex_attention" }')


def test_non_ascii_keys_before_value(tmp_path: Path) -> None:
    config = json.dumps(
        {"名前": "ラマ", "model_type": "llama4_text", "attn_implementation": "sdpa"}, ensure_ascii=False
    )
    folder = folder_with(tmp_path, config)
    (use,) = extract_config_folder(folder)
    assert use.model_span is not None and text_at(folder / "config.json", use.model_span) == '"llama4_text"'
    attn = only(use.attn)
    assert attn.span is not None and text_at(folder / "config.json", attn.span) == '"sdpa"'


def test_stale_config_cache_only_without_generation_value(tmp_path: Path) -> None:
    config = (
        '{"model_type": "llama4", '
        '"text_config": {"model_type": "llama4_text", "cache_implementation": "hybrid"}}'
    )
    folder = folder_with(tmp_path, config, '{"do_sample": true}')
    cache = only(extract_config_folder(folder)[0].cache)
    assert (cache.value, cache.keyword) == ("hybrid", "text_config.cache_implementation")
    (folder / "generation_config.json").write_text('{"cache_implementation": "static"}', encoding="utf-8")
    assert only(extract_config_folder(folder)[0].cache).value == "static"


def test_null_means_unset(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, '{"model_type": "llama", "attn_implementation": null}')
    (use,) = extract_config_folder(folder)
    assert use.attn == [] and use.cache == []
    assert [s.kind for s in use.sites] == ["config-file"]


def test_broken_json_has_line_and_column(tmp_path: Path) -> None:
    folder = folder_with(
        tmp_path, '{\n  "model_type": "llama4",\n  "attn_implementation": "sdpa"\n  "x": 1\n}\n'
    )
    with pytest.raises(ConfigFileError) as caught:
        extract_config_folder(folder)
    error = caught.value
    assert (error.path, error.row, error.column) == (str(folder / "config.json"), 4, 3)
    assert error.reason == "invalid JSON: Expecting ',' delimiter"
    assert str(error) == f"{folder / 'config.json'}:4:3: invalid JSON: Expecting ',' delimiter"


def test_broken_generation_config(tmp_path: Path) -> None:
    folder = folder_with(tmp_path, '{"model_type": "llama"}', '{"cache_implementation": "static",}')
    with pytest.raises(ConfigFileError) as caught:
        extract_config_folder(folder)
    assert caught.value.path.endswith("generation_config.json") and caught.value.row == 1


def test_which_files_are_model_configs(tmp_path: Path) -> None:
    assert reads_json_file(Path("m/config.json")) and reads_json_file(Path("generation_config.json"))
    assert not reads_json_file(Path("m/tokenizer_config.json")) and not reads_json_file(
        Path("my_config.json")
    )
    tool = folder_with(tmp_path, '{"compilerOptions": {"strict": true}}')
    assert extract_config_folder(tool) == [] and not is_model_config_folder(tool)
    (tool / "config.json").write_text("{ // a JSONC file of another tool\n}", encoding="utf-8")
    assert extract_config_folder(tool) == []  # not reported as a broken model


def test_a_folders_attention_counts_only_where_from_pretrained_keeps_it(tmp_path: Path) -> None:
    """Up to 5.3 PretrainedConfig.from_dict replaces config.json's attn_implementation with the
    loader's keyword (None when not given), so on 4.51.0 the folder's flex never runs (seen on an
    H200: it loaded sdpa) and ATN101 would be a false error; from 5.4 the file's value holds."""
    folder = folder_with(tmp_path, LLAMA4_CONFIG, '{"do_sample": false}')
    assert is_model_config_folder(folder)
    old = Target(transformers=SpecifierSet("==4.51.0"), reason="the test allows")
    assert "ATN101" not in [f.code for f in evaluate(extract_config_folder(folder), old)]
    static = folder_with(tmp_path / "static", LLAMA4_CONFIG, '{"cache_implementation": "static"}')
    new = Target(transformers=SpecifierSet("==5.24.0"), reason="the test allows")
    (finding,) = [f for f in evaluate(extract_config_folder(static), new) if f.code == "ATN205"]
    assert finding.path == str(static / "generation_config.json")
    (attn,) = extract_config_folder(static)[0].attn
    assert [a.value for a in _on_load(attn, Version("5.3.0"))] == ["default"]
    assert _on_load(attn, Version("5.4.0")) == (attn,)
    assert [a.value for a in _on_load(attn, None)] == ["flex_attention", "default"]  # on some release


def test_a_folders_dropped_attention_meets_the_default_attentions_rules(tmp_path: Path) -> None:
    """The rules indexed under the default attention apply to a folder whose config.json asks for
    flex: up to 5.3 the model loads with the default (Llama4: sdpa), so flex + a static cache in the
    folder is ATN104's TypeError on 4.51.0 (the index once looked up flex only and said nothing)."""
    static = folder_with(tmp_path, LLAMA4_CONFIG, '{"cache_implementation": "static"}')
    old = Target(transformers=SpecifierSet("==4.51.0"), reason="the test allows")
    (finding,) = [f for f in evaluate(extract_config_folder(static), old) if f.code == "ATN104"]
    assert "the default attn_implementation" in finding.message
    assert "attn_implementation='flex_attention' is dropped on load" in finding.message
