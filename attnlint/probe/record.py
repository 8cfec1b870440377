"""`attnlint probe --verify-rules --record`: write what the run showed into the rule data.

Each rule whose probes all held on this stack gets (or has replaced) one `[[reproduced]]` table in
its knowledge/rules/CODE.toml: the stack and whether the rule was in range there (affected). Rules
that failed, or whose probes could not run, are left as they are. This edits the source tree the
package was loaded from, which is what a maintainer re-verifying the knowledge wants.
"""

from __future__ import annotations

import re
from pathlib import Path

from attnlint.probe.cases import Verdict
from attnlint.probe.runner import Stack

__all__ = ["record"]

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
