"""Every Python source the tests hold that attnlint should judge: the rules' VALID/INVALID examples,
the realistic scripts, the labelled real-world cases, the shipped examples and the golden inputs.
The shortcuts that skip work (the prefilter, the cold rows a walk passes by) are held to
changing no finding on it."""

from __future__ import annotations

import sys
from pathlib import Path

from attnlint.knowledge import rules

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

ROOT = Path(__file__).parent.parent


def _corpus() -> list[tuple[str, str]]:
    sources = [
        (f"{rule.code} example {n}", example.code)
        for rule in rules()
        for n, example in enumerate([*rule.invalid, *rule.valid])
    ]
    files = [
        *(ROOT / "tests" / "realistic").rglob("*.py"),
        *(ROOT / "examples").rglob("*.py"),
        *(ROOT / "tests" / "golden").rglob("*.py"),
        *(ROOT / "tests" / "fix" / "golden").glob("*.py"),
    ]
    for cases in sorted((ROOT / "tests" / "realworld").glob("cases_*.toml")):
        data = tomllib.loads(cases.read_text(encoding="utf-8"))
        sources += [(f"realworld {case['id']}", case["code"]) for case in data["case"]]
    sources += [
        (str(path.relative_to(ROOT)), path.read_text(encoding="utf-8", errors="replace")) for path in files
    ]
    return sources


#: (name, source text) pairs.
CORPUS = _corpus()
