"""`attnlint probe`: choose the cases, run them, print the matrix (or verify the rules).

Exit codes: 0 when the probe ran (whatever it found), 1 when `--verify-rules` finds a rule whose
prediction does not hold on this stack, 2 when the probe cannot run (as for every command).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from typing import Literal

from attnlint.probe.cases import DEFAULT_MODELS, KNOWN_MODELS, Case, Outcome, default_cases
from attnlint.probe.render import render_json, render_text
from attnlint.probe.runner import run_cases

__all__ = ["add_arguments", "run"]


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
    parser.add_argument("--rules", type=_names, metavar="CODES", help="with --verify-rules: only these rules")
    parser.add_argument("--record", action="store_true",
                        help="with --verify-rules: write a [[reproduced]] record into each rule that held")


def select_cases(args: argparse.Namespace) -> list[Case]:
    """The default matrix for `--models`, narrowed by `--attn/--cache/--forms`, flex kernel applied."""
    models = args.models or DEFAULT_MODELS
    unknown = set(models) - set(KNOWN_MODELS)
    if unknown:
        raise ValueError(f"unknown model type(s) {sorted(unknown)}; known: {', '.join(KNOWN_MODELS)}")
    kernel: Literal["compiled", "uncompiled"] = args.flex_kernel or (
        "compiled" if args.device.startswith("cuda") else "uncompiled")
    cases = [replace(c, kernel=kernel) for c in default_cases(models)]
    return [
        c for c in cases
        if (args.attn is None or c.attn in args.attn)
        and (args.cache is None or c.cache in args.cache)
        and (args.forms is None or c.form in args.forms)
    ]


def _progress(done: int, total: int, outcome: Outcome) -> None:
    print(f"[{done}/{total}] {outcome.case.id}: {outcome.status} ({outcome.seconds:.1f}s)",
          file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    if args.verify_rules:
        from attnlint.probe.verify import run_verification

        return run_verification(args, None if args.quiet else _progress)
    cases = select_cases(args)
    if args.list:
        sys.stdout.write("".join(f"{c.id}\n" for c in cases))
        return 0
    stack = run_cases(cases, device=args.device, dtype=args.dtype, timeout=args.timeout,
                      progress=None if args.quiet else _progress)
    sys.stdout.write(render_json(stack) if args.output_format == "json" else render_text(stack))
    return 0
