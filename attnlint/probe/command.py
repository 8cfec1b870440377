"""`attnlint probe`: choose the cases, run them, print the matrix (or verify the rules).

Exit codes: 0 when the probe ran (whatever it found), 1 when `--verify-rules` finds a rule whose
prediction does not hold on this stack or `--verify-fixes` a fixed configuration that attnlint calls
clean but that fails or differs from eager, 2 when the probe cannot run (as for every command).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from typing import Literal

from attnlint.probe.cases import Case, Outcome, default_cases
from attnlint.probe.options import DEFAULT_MODELS, KNOWN_MODELS
from attnlint.probe.render import render_json, render_text
from attnlint.probe.runner import run_cases

__all__ = ["run"]


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
    if args.verify_fixes:
        from attnlint.probe.fixes import run_fix_verification

        return run_fix_verification(args, None if args.quiet else _progress)
    cases = select_cases(args)
    if args.list:
        sys.stdout.write("".join(f"{c.id}\n" for c in cases))
        return 0
    stack = run_cases(cases, device=args.device, dtype=args.dtype, timeout=args.timeout,
                      progress=None if args.quiet else _progress)
    sys.stdout.write(render_json(stack) if args.output_format == "json" else render_text(stack))
    return 0
