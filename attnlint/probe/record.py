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


def _with_release(block: str, release: str, proven: bool) -> str:
    """A `[[fixes]]` table whose `verified` list holds `release` exactly when it was `proven` there
    (kept in release order; an empty list is dropped)."""
    found = _VERIFIED.search(block)
    have = set(re.findall(r'"([^"]+)"', found.group(1))) if found else set()
    have = have | {release} if proven else have - {release}
    releases = sorted(have, key=lambda v: tuple(int(p) for p in re.findall(r"\d+", v)))
    line = "verified = [" + ", ".join(f'"{v}"' for v in releases) + "]\n" if releases else ""
    if found:
        return block[: found.start()] + line + block[found.end():]
    if not line:
        return block
    return block.rstrip("\n") + "\n" + line + ("\n" if block.endswith("\n\n") else "")


def record_fixes(
    stack: Stack, verdicts: list[FixVerdict], folder: Path = RULES_DIR, codes: tuple[str, ...] = ()
) -> list[str]:
    """Set this release in the `verified` list of every fix of the rules run (`codes`, else those
    with verdicts): present when all its runs here were proven or left findings the fixer reports
    (none failed, at least one proven), absent otherwise; returns the codes whose file changed."""
    written: list[str] = []
    for code in codes or tuple(dict.fromkeys(v.code for v in verdicts)):
        path = folder / f"{code}.toml"
        before = path.read_text(encoding="utf-8")
        parts = re.split(r"(?m)^(?=\[\[)", before)
        fix_tables = [i for i, part in enumerate(parts) if part.startswith("[[fixes]]")]
        for index, part_index in enumerate(fix_tables):
            mine = [v for v in verdicts if v.code == code and v.index == index]
            proven = any(v.result == "proven" for v in mine) and not any(v.result == "fails" for v in mine)
            parts[part_index] = _with_release(parts[part_index], stack.transformers, proven)
        if "".join(parts) != before:
            path.write_text("".join(parts), encoding="utf-8")
            written.append(code)
    return written
