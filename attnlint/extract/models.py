"""Offline model-type inference: which `model_type` a class name, model id or local folder means.

Model-specific rules key on `model_type`, but a script names a class (`Llama4ForCausalLM`), a Hub id
(`meta-llama/Llama-4-Scout-17B-16E-Instruct`) or a folder. attnlint answers from data shipped in
knowledge/models.toml, a `config.json` on disk, or the local Hugging Face cache, and never from the
network: an unknown model keeps model-specific rules silent instead of guessing.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
from functools import cache
from pathlib import Path
from typing import Any

from attnlint.knowledge import model_tables
from attnlint.records import record

__all__ = [
    "MODEL_CLASS_SHAPES", "ModelType", "from_class_name", "from_config_class", "from_model_id",
    "is_model_class", "spellings", "with_text_types",
]


@record
class ModelType:
    """The model types a use may have, and the words that say how attnlint knows."""

    types: frozenset[str]
    reason: str


def with_text_types(types: set[str]) -> frozenset[str]:
    """Add each composite model's text model type: rules about the language model key on it."""
    text = model_tables().text
    return frozenset(types | {text[t] for t in types if t in text})


def spellings(model_types: frozenset[str]) -> frozenset[str]:
    """Lower-case text of which a file that names one of `model_types` holds at least one: the
    type itself, the class-name prefixes and listed classes of it (or of a composite model whose
    text model it is), and the longest literal part of each model-id pattern. The prefilter's
    words for model-specific rules (a model found only through a local `config.json` names none).
    """
    tables = model_tables()
    types = set(model_types) | {whole for whole, text in tables.text.items() if text in model_types}
    found = set(types)
    found.update(prefix for prefix, kind in tables.prefixes.items() if kind in types)
    found.update(name for name, kinds in tables.classes.items() if types & set(kinds))
    for pattern, kind in tables.ids.items():
        if kind in types:
            found.add(max(re.split(r"[*?\[\]]", pattern), key=len))
    return frozenset(text.lower() for text in found if text)


#: How a model class is named, one shape per pattern: `<Model>For<Task>` with the task capitalised
#: (`LlamaForCausalLM`, not `Blip2QFormerAttention`, `HubertFeedForward` or `CsvPipelineDataFormat`),
#: a name ending in `Model` or `WithLMHead` (`ReformerModelWithLMHead`), or an `AutoModel...`.
#: Searched in a class name here and in a file's bytes by the prefilter, which so finds every file
#: that may call one; each pattern starts with a literal, which `re` scans for fast (one
#: alternation of them all took 16 times as long on a tree's files).
MODEL_CLASS_SHAPES = (r"For[A-Z]", r"Model(?![A-Za-z0-9_])", r"WithLMHead(?![A-Za-z0-9_])", r"AutoModel")
_MODEL_CLASS = re.compile("|".join(MODEL_CLASS_SHAPES))


@cache
def _not_model() -> re.Pattern[str]:
    """models.toml's `not_model_names` as one pattern."""
    return re.compile("|".join(fnmatch.translate(name) for name in model_tables().not_model_names))


def is_model_class(name: str) -> bool:
    """Whether a transformers class name loads a model (not a tokenizer, processor, config or collator)."""
    return _MODEL_CLASS.search(name) is not None and _not_model().match(name) is None


def _longest_prefix(name: str) -> str | None:
    prefixes = model_tables().prefixes
    for end in range(len(name), 0, -1):
        found = prefixes.get(name[:end])
        if found is not None:
            return found
    return None


def from_class_name(name: str) -> ModelType | None:
    """`Llama4ForConditionalGeneration` -> llama4 (+ llama4_text); Auto* classes say nothing."""
    if name.startswith("Auto") or not is_model_class(name):
        return None
    listed = model_tables().classes.get(name)
    types = set(listed) if listed else {found} if (found := _longest_prefix(name)) else set()
    return ModelType(with_text_types(types), f"class name {name}") if types else None


def from_config_class(name: str) -> ModelType | None:
    """`Llama4TextConfig` -> llama4_text: the configuration class names its model type exactly."""
    if not name.endswith("Config") or name.startswith("Auto"):
        return None
    found = model_tables().prefixes.get(name[: -len("Config")])
    return ModelType(with_text_types({found}), f"config class {name}") if found else None


def _read_config(path: Path) -> frozenset[str]:
    try:  # a missing file, a name too long for the OS and bad JSON all mean "no answer here"
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return frozenset()
    if not isinstance(data, dict):
        return frozenset()
    types = {data.get("model_type")}
    text_config = data.get("text_config")
    if isinstance(text_config, dict):
        types.add(text_config.get("model_type"))
    return with_text_types({t for t in types if isinstance(t, str) and t})


def _hub_cache() -> Path:
    if os.environ.get("HF_HUB_CACHE"):
        return Path(os.environ["HF_HUB_CACHE"])
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]) / "hub"
    return Path.home() / ".cache" / "huggingface" / "hub"


def _from_local(model_id: str, folders: list[Path]) -> ModelType | None:
    candidate = Path(model_id).expanduser()
    places = [candidate] if candidate.is_absolute() else [folder / candidate for folder in folders]
    for place in places:
        config = place / "config.json"
        types = _read_config(config)
        if types:
            return ModelType(types, f"model path {model_id} ({config})")
    return None


def _from_hub_cache(model_id: str) -> ModelType | None:
    if model_id.count("/") != 1:
        return None
    snapshots = _hub_cache() / f"models--{model_id.replace('/', '--')}" / "snapshots"
    try:
        configs = sorted(snapshots.glob("*/config.json"))
    except (OSError, ValueError):
        return None
    for config in configs:
        types = _read_config(config)
        if types:
            return ModelType(types, f"model id {model_id} (config.json in the local Hugging Face cache)")
    return None


def _from_patterns(model_id: str) -> ModelType | None:
    lowered = model_id.lower()
    for pattern, kind in model_tables().ids.items():
        if fnmatch.fnmatchcase(lowered, pattern):
            return ModelType(with_text_types({kind}), f"model id {model_id}")
    return None


def from_model_id(model_id: str, folders: list[Path]) -> ModelType | None:
    """A model id or path: a local `config.json` first, then the local HF cache, then id patterns.

    `folders` are the places a relative path may be relative to (the file's folder, the project
    root). Nothing is downloaded.
    """
    if not model_id.strip():
        return None
    return _from_local(model_id, folders) or _from_hub_cache(model_id) or _from_patterns(model_id)
