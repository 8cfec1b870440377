"""`attnlint probe --verify-rules --record`: write what the run showed into the rule data.

Each rule whose probes all held on this stack gets (or has replaced) one `[[reproduced]]` table in
its knowledge/rules/CODE.toml: the stack and whether the rule was in range there (affected). Rules
that failed, or whose probes could not run, are left as they are. This edits the source tree the
package was loaded from, which is what a maintainer re-verifying the knowledge wants.
"""

from __future__ import annotations

import re
from pathlib import Path

from attnlint.probe.cases import FixVerdict, Verdict
from attnlint.probe.runner import Stack

__all__ = ["record", "record_fixes"]

RULES_DIR = Path(__file__).resolve().parents[1] / "knowledge" / "rules"


def _table(stack: Stack, affected: bool) -> str:
    return (f'[[reproduced]]\ntransformers = "{stack.transformers}"\ntorch = "{stack.torch}"\n'
            f'device = "{stack.device.split(":")[0]}"\naffected = {"true" if affected else "false"}\n')


def record(stack: Stack, verdicts: list[Verdict], folder: Path = RULES_DIR) -> list[str]:
    """Write one reproduction record per rule whose probes all held; returns the codes written."""
    written: list[str] = []
    for code in dict.fromkeys(v.code for v in verdicts):
        mine = [v for v in verdicts if v.code == code and v.result != "not run"]
        if not mine or any(v.result == "fails" for v in mine):
            continue
        path = folder / f"{code}.toml"
        same_stack = re.compile(
            r'\n\[\[reproduced\]\]\ntransformers = "' + re.escape(stack.transformers) + r'"\ntorch = "'
            + re.escape(stack.torch) + r'"\ndevice = "' + re.escape(stack.device.split(":")[0])
            + r'"\naffected = (true|false)\n')
        text = same_stack.sub("\n", path.read_text(encoding="utf-8")).rstrip("\n")
        affected = any(v.in_range and v.expect != "fine" for v in mine)
        path.write_text(f"{text}\n\n{_table(stack, affected)}", encoding="utf-8")
        written.append(code)
    return written


_VERIFIED = re.compile(r"^verified = \[(.*)\]\n", re.MULTILINE)


def _with_release(block: str, release: str) -> str:
    """A `[[fixes]]` table with `release` in its `verified` list (kept in release order)."""
    found = _VERIFIED.search(block)
    have = re.findall(r'"([^"]+)"', found.group(1)) if found else []
    releases = sorted({*have, release}, key=lambda v: tuple(int(p) for p in re.findall(r"\d+", v)))
    line = "verified = [" + ", ".join(f'"{v}"' for v in releases) + "]\n"
    if found:
        return block[: found.start()] + line + block[found.end():]
    return block.rstrip("\n") + "\n" + line + ("\n" if block.endswith("\n\n") else "")


def record_fixes(stack: Stack, verdicts: list[FixVerdict], folder: Path = RULES_DIR) -> list[str]:
    """Add this release to the `verified` list of every fix all of whose runs here were proven or
    left findings the fixer reports (none failed, at least one proven); returns the codes written."""
    written: list[str] = []
    for code in dict.fromkeys(v.code for v in verdicts):
        path = folder / f"{code}.toml"
        parts = re.split(r"(?m)^(?=\[\[)", path.read_text(encoding="utf-8"))
        fix_tables = [i for i, part in enumerate(parts) if part.startswith("[[fixes]]")]
        changed = False
        for index, part_index in enumerate(fix_tables):
            mine = [v for v in verdicts if v.code == code and v.index == index]
            if any(v.result == "proven" for v in mine) and not any(v.result == "fails" for v in mine):
                parts[part_index] = _with_release(parts[part_index], stack.transformers)
                changed = True
        if changed:
            path.write_text("".join(parts), encoding="utf-8")
            written.append(code)
    return written
