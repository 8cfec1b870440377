"""How long `attnlint check` takes beside `ruff check --select E,F` on the same tree.

Not a test: run it by hand and read the numbers.

    python benchmarks/check_vs_ruff.py                 # a synthetic tree of ~360 files
    python benchmarks/check_vs_ruff.py PATH            # any tree, e.g. an installed package
    python benchmarks/check_vs_ruff.py "$(python -c 'import transformers as t; print(t.__path__[0])')"

Both tools run as fresh processes (start-up included), best of `--repeat` runs. The script also
times `ast.parse` against `libcst.parse_module` on the files that pass attnlint's bytes
prefilter, which is the design argument for prefilter + one parse per interesting file.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import random
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import libcst

from attnlint.extract.python import mentions_config

_PLAIN = '''
"""Module {n}: data handling for the {word} workflow."""

from __future__ import annotations

import dataclasses
import json
import logging
from pathlib import Path

logger = logging.getLogger(__name__)


@dataclasses.dataclass
class {cls}Record:
    name: str
    size: int = 0
    tags: list[str] = dataclasses.field(default_factory=list)

    def describe(self) -> str:
        return f"{{self.name}} ({{self.size}}): {{', '.join(self.tags)}}"


def load_{word}(path: Path) -> list[{cls}Record]:
    """Read records written by `save_{word}`."""
    with path.open(encoding="utf-8") as handle:
        raw = json.load(handle)
    records = [{cls}Record(**item) for item in raw]
    logger.info("loaded %d records from %s", len(records), path)
    return records


def save_{word}(path: Path, records: list[{cls}Record]) -> None:
    path.write_text(json.dumps([dataclasses.asdict(r) for r in records], indent=2), encoding="utf-8")


def summarise(records: list[{cls}Record], limit: int = {limit}) -> dict[str, int]:
    counts: dict[str, int] = {{}}
    for record in records[:limit]:
        for tag in record.tags:
            counts[tag] = counts.get(tag, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


class {cls}Index:
    def __init__(self, records: list[{cls}Record]) -> None:
        self._by_name = {{r.name: r for r in records}}

    def __len__(self) -> int:
        return len(self._by_name)

    def get(self, name: str) -> {cls}Record | None:
        return self._by_name.get(name)

    def largest(self, k: int = 3) -> list[{cls}Record]:
        return sorted(self._by_name.values(), key=lambda r: r.size, reverse=True)[:k]
'''

_MODEL = '''
"""Generation script {n} for the {word} experiment."""

from transformers import AutoModelForCausalLM, AutoTokenizer

MODEL_ID = "{model_id}"
ATTN = "{attn}"

tokenizer = AutoTokenizer.from_pretrained(MODEL_ID)
model = AutoModelForCausalLM.from_pretrained(MODEL_ID, attn_implementation=ATTN, torch_dtype="auto")


def run(prompt: str, max_new_tokens: int = {limit}) -> str:
    inputs = tokenizer(prompt, return_tensors="pt")
    out = model.generate(**inputs, max_new_tokens=max_new_tokens, cache_implementation="{cache}")
    return tokenizer.decode(out[0], skip_special_tokens=True)
'''

_WORDS = ["tokens", "shards", "batches", "prompts", "metrics", "samples", "vocab", "splits", "images"]
_MODELS = [
    "meta-llama/Llama-4-Scout-17B-16E-Instruct",
    "google/gemma-2-9b",
    "Qwen/Qwen2-7B",
    "mistralai/Mistral-7B-v0.1",
]


def synthetic_tree(folder: Path, files: int = 360, model_share: float = 0.08, seed: int = 0) -> Path:
    """Write `files` modules: mostly ordinary code, `model_share` of them loading a model."""
    rng = random.Random(seed)
    for n in range(files):
        word = rng.choice(_WORDS)
        fields = {"n": n, "word": word, "cls": word.capitalize(), "limit": rng.randint(8, 512)}
        if rng.random() < model_share:
            text = _MODEL.format(
                **fields,
                model_id=rng.choice(_MODELS),
                attn=rng.choice(["sdpa", "flex_attention", "flash_attention_2", "eager"]),
                cache=rng.choice(["static", "hybrid", "dynamic", "offloaded"]),
            )
        else:
            text = _PLAIN.format(**fields)
        target = folder / f"pkg{n % 12}" / f"{word}_{n}.py"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    (folder / "requirements.txt").write_text("transformers==4.51.0\n", encoding="utf-8")
    return folder


def best_of(repeat: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def run_quiet(command: list[str]) -> Callable[[], object]:
    return lambda: subprocess.run(command, capture_output=True, check=False)


def parse_times(tree: Path, repeat: int) -> tuple[int, int, float, float]:
    files = sorted(tree.rglob("*.py"))
    sources = [f.read_bytes() for f in files]
    passing = [s.decode("utf-8", "replace") for s in sources if mentions_config(s)]

    def parse_all(parse: Callable[[str], object]) -> Callable[[], object]:
        def go() -> None:
            for text in passing:
                with contextlib.suppress(SyntaxError, libcst.ParserSyntaxError, ValueError):
                    parse(text)

        return go

    return (
        len(files),
        len(passing),
        best_of(repeat, parse_all(ast.parse)),
        best_of(repeat, parse_all(libcst.parse_module)),
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("tree", nargs="?", type=Path, help="tree to check (default: a synthetic one)")
    parser.add_argument("--files", type=int, default=360, help="size of the synthetic tree")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    ruff = shutil.which("ruff")
    with tempfile.TemporaryDirectory(prefix="attnlint-bench-") as scratch:
        tree = args.tree.resolve() if args.tree else synthetic_tree(Path(scratch), args.files)
        attnlint_cmd = [sys.executable, "-m", "attnlint", "check", "--exit-zero", str(tree)]
        attnlint_s = best_of(args.repeat, run_quiet(attnlint_cmd))
        found = subprocess.run(
            [*attnlint_cmd, "--output-format", "json"], capture_output=True, text=True, check=False
        ).stdout.count('"code"')
        files, passing, ast_s, cst_s = parse_times(tree, args.repeat)
        print(f"tree: {tree} ({files} .py files, {passing} pass the prefilter, {found} findings)")
        print(f"attnlint check                  {attnlint_s * 1000:8.0f} ms")
        if ruff is None:
            print("ruff check --select E,F         (ruff not installed)")
        else:
            ruff_s = best_of(
                args.repeat,
                run_quiet([ruff, "check", "--no-cache", "--select", "E,F", "--exit-zero", str(tree)]),
            )
            print(f"ruff check --no-cache -s E,F    {ruff_s * 1000:8.0f} ms")
            print(f"ratio attnlint / ruff           {attnlint_s / ruff_s:8.1f} x")
        print(f"ast.parse on prefiltered files  {ast_s * 1000:8.1f} ms")
        print(f"libcst.parse_module, same files {cst_s * 1000:8.1f} ms ({cst_s / max(ast_s, 1e-9):.1f} x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
