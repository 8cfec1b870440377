"""The probe's matrix as text (one grid per model type, with numbered notes) or JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence

from attnlint.probe.cases import Outcome
from attnlint.probe.runner import Stack

__all__ = ["render_json", "render_text"]


def _row_label(outcome: Outcome) -> str:
    case = outcome.case
    parts = [case.attn, f"({case.form})"]
    if case.attn == "flex_attention" or case.mode == "kernel":
        parts.append(case.kernel)
    if case.mode != "generate":
        parts.append(case.mode)
    parts += [f"{key}={value}" for key, value in case.overrides]
    return " ".join(parts)


def _grid(model: str, outcomes: Sequence[Outcome]) -> list[str]:
    columns = list(dict.fromkeys(o.case.cache for o in outcomes))
    rows = list(dict.fromkeys(_row_label(o) for o in outcomes))
    notes: dict[str, int] = {}
    cells: dict[tuple[str, str], str] = {}
    for outcome in outcomes:
        text: str = outcome.status
        if outcome.status != "OK":
            note = f"{outcome.status} {outcome.detail}"
            text += f" [{notes.setdefault(note, len(notes) + 1)}]"
        cells[(_row_label(outcome), outcome.case.cache)] = text
    header = ["attention (load form)", *(f"cache {c}" for c in columns)]
    table = [header, *([row, *(cells.get((row, c), "-") for c in columns)] for row in rows)]
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    lines = [f"{model}:"]
    for line in table:
        lines.append("  " + "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
    lines += [f"  [{n}] {note}" for note, n in notes.items()]
    return lines


def render_text(stack: Stack) -> str:
    """Every model's grid; cells are OK / FAIL / MISMATCH / SKIP with a note number."""
    lines = [f"transformers {stack.transformers}, torch {stack.torch}, {stack.device}, {stack.dtype}"]
    for model in dict.fromkeys(o.case.model for o in stack.outcomes):
        lines.append("")
        lines += _grid(model, [o for o in stack.outcomes if o.case.model == model])
    counts = {s: sum(o.status == s for o in stack.outcomes) for s in ("OK", "FAIL", "MISMATCH", "SKIP")}
    lines += ["", f"{len(stack.outcomes)} cases: " + ", ".join(f"{n} {s}" for s, n in counts.items())]
    return "\n".join(lines) + "\n"


def render_json(stack: Stack) -> str:
    data = {
        "transformers": stack.transformers, "torch": stack.torch, "device": stack.device,
        "dtype": stack.dtype, "outcomes": [o.to_json() for o in stack.outcomes],
    }
    return json.dumps(data, indent=2) + "\n"
