"""Training and evaluation framework configs: axolotl, TRL, LLaMA-Factory and lm-evaluation-harness.

Most training code never writes `attn_implementation="..."` in Python: it reads it from a YAML
config or a launcher's `--model_args`. This package turns those files into the same `ModelUse`
facts the Python and config.json extractors produce, so every rule applies unchanged. Which key
means what is data (knowledge/frameworks.toml); a YAML document belongs to the first framework
whose keys it has, and YAML files of other tools are skipped.
"""

from __future__ import annotations

from pathlib import Path

from attnlint.extract.frameworks.args import shell_runs
from attnlint.extract.frameworks.table import by_name, frameworks
from attnlint.extract.frameworks.uses import Positions, from_document, from_shell_run
from attnlint.extract.frameworks.yaml_doc import FrameworkFileError, compose_documents
from attnlint.facts import ModelUse

__all__ = ["FrameworkFileError", "extract_framework_file", "is_shell", "mentions_framework"]
#: Bytes every config attnlint reads contains: a cheap test before any YAML is parsed.
_MARKERS = (b"base_model", b"model_name_or_path", b"model_args")


def mentions_framework(data: bytes) -> bool:
    """Whether a YAML or shell file may hold a framework config (names a model the way they do)."""
    return any(marker in data for marker in _MARKERS)


def is_shell(path: str) -> bool:
    return path.endswith(".sh")


def extract_framework_file(text: str, path: str, root: Path | None = None) -> list[ModelUse]:
    """The model uses of one YAML config or shell script (`path` is the name findings carry).

    Model ids are resolved offline; a relative model path is looked up from the file's folder and
    from `root`. Raises `FrameworkFileError` for a YAML file that does not parse.
    """
    folders = [Path(path).parent, *([root] if root is not None else [])]
    positions = Positions(text, path)
    if is_shell(path):
        lm_eval = by_name("lm_eval")
        return [from_shell_run(lm_eval, run, positions, folders) for run in shell_runs(text)]
    uses = []
    for document in compose_documents(text, path):
        top = set(document.members)
        framework = next((f for f in frameworks() if f.claims(top)), None)
        if framework is not None:
            uses.append(from_document(framework, document, text, positions, folders))
    return uses
