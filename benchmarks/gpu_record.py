"""Record a GPU session's results in the repo: what benchmarks/gpu_session.sh brought back.

Usage: python benchmarks/gpu_record.py DIR [DIR ...]   (unpacked `r/` folders of results.tgz; for a
file present in several, the last DIR wins, so a rerun's results replace an earlier try's)

Writes under benchmarks/results/gpu/: gpu_check-<release>.json as they came, probe-<release>.json
(the per-model-type probe runs merged) with its matrix as probe-<release>.md, verify-<release>.json
(the verdicts merged), and a `[[reproduced]]` record with device "cuda" into each rule whose probes
all held there (attnlint.probe.record, the same writer as `probe --verify-rules --record`).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

from attnlint.probe.cases import Outcome, Verdict
from attnlint.probe.record import record
from attnlint.probe.render import render_json, render_text
from attnlint.probe.runner import Stack

OUT = Path(__file__).resolve().parent / "results" / "gpu"


def _latest(dirs: list[Path], pattern: str) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for folder in dirs:
        for path in sorted(folder.glob(pattern)):
            if path.stat().st_size:
                found[path.name] = path
    return found


def _by_release(files: dict[str, Path]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for path in files.values():
        data = json.loads(path.read_text())
        grouped.setdefault(data["transformers"], []).append(data)
    return grouped


def main(argv: list[str]) -> int:
    dirs = [Path(a) for a in argv]
    OUT.mkdir(parents=True, exist_ok=True)
    for folder in dirs:  # a check that ran no generation (its release was not installed) is skipped
        for path in sorted(folder.glob("gpu_check-*.json")):
            data = json.loads(path.read_text())
            if data["generation"]:
                shutil.copy(path, OUT / f"gpu_check-{data['transformers']}.json")
    machine = _latest(dirs, "machine.txt")
    if machine:
        shutil.copy(machine["machine.txt"], OUT / "machine.txt")
    for release, runs in _by_release(_latest(dirs, "probe-*.json")).items():
        first = runs[0]
        stack = Stack(release, first["torch"], first["device"], first["dtype"],
                      [Outcome.from_json(o) for run in runs for o in run["outcomes"]])
        (OUT / f"probe-{release}.json").write_text(render_json(stack))
        title = f"# `attnlint probe --device cuda` on transformers {release}"
        (OUT / f"probe-{release}.md").write_text(f"{title}\n\n```text\n{render_text(stack)}```\n")
    for release, runs in _by_release(_latest(dirs, "verify-*.json")).items():
        first = runs[0]
        verdicts = [Verdict(**v) for run in runs for v in run["verdicts"]]
        (OUT / f"verify-{release}.json").write_text(json.dumps(
            {"transformers": release, "torch": first["torch"], "device": first["device"],
             "verdicts": [v.__dict__ for v in verdicts]}, indent=2) + "\n")
        written = record(Stack(release, first["torch"], first["device"]), verdicts)
        print(f"{release}: {len(verdicts)} verdicts; reproduction recorded in {', '.join(written)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
