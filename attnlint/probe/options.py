"""The options of `attnlint probe`, apart from the command so that building the command line
(every `attnlint` start, `--version` and `check` included) imports none of the probe machinery."""

from __future__ import annotations

import argparse

__all__ = ["DEFAULT_MODELS", "KNOWN_MODELS", "add_arguments"]

#: Model types of the default probe set, in the order the matrix prints them.
DEFAULT_MODELS = ("llama", "llama4_text", "llama4", "gemma2", "gemma3", "qwen2", "mistral", "gpt_oss")
#: Every model type the worker can build (`models.py` holds their configs).
KNOWN_MODELS = (*DEFAULT_MODELS, "mixtral", "torch_flex")


def _names(text: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in text.split(",") if n.strip())


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--device", default="cpu", help="device the models run on: cpu (default) or cuda")
    parser.add_argument("--dtype", default="float32", choices=("float32", "bfloat16", "float16"))
    parser.add_argument("--models", type=_names, metavar="TYPES",
                        help=f"comma-separated model types (default: {','.join(DEFAULT_MODELS)})")
    parser.add_argument("--attn", type=_names, metavar="NAMES",
                        help="only these attentions ('default' = unset)")
    parser.add_argument("--cache", type=_names, metavar="NAMES", help="only these caches ('default' = unset)")
    parser.add_argument("--forms", type=_names, metavar="FORMS",
                        help="only these load forms: kwarg,config,folder")
    parser.add_argument(
        "--flex-kernel", choices=("compiled", "uncompiled"),
        help="run flex compiled (as user code does; default on cuda) or uncompiled (default on cpu: "
        "reaches the release's mask code where the compiled CPU kernel of 4.51-4.55 fails first)",
    )
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per case (default 300)")
    parser.add_argument("--output-format", choices=("text", "json"), default="text")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    parser.add_argument("--list", action="store_true", help="print the cases that would run, run nothing")
    parser.add_argument("--verify-rules", action="store_true",
                        help="run every rule's probe cases and report rules whose prediction fails here")
    parser.add_argument("--verify-fixes", action="store_true",
                        help="run every fix of the rule data (and the fixes the fixer chains after it) and "
                        "report a fixed configuration that attnlint calls clean but that fails or differs "
                        "from eager")
    parser.add_argument("--rules", type=_names, metavar="CODES",
                        help="with --verify-rules/--verify-fixes: only these rules")
    parser.add_argument("--record", action="store_true",
                        help="with --verify-rules: write a [[reproduced]] record into each rule that held; "
                        "with --verify-fixes: add this release to the `verified` list of each fix "
                        "proven here")
