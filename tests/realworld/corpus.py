"""The real-world corpus: cases written for attnlint after public patterns, labelled by hand.

Each case is one short script (`code`), the public pattern it models (`source`), a label (BAD, OK or
UNDECIDABLE), the reason, the transformers requirement it is checked under (`pins`; empty: no pins and
nothing installed) and the exact codes attnlint must report. Read by tests/realworld/test_corpus.py and
benchmarks/realworld.py.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from packaging.specifiers import SpecifierSet

from attnlint.diagnostic import Diagnostic
from attnlint.engine import check_source
from attnlint.facts import Target

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Case:
    id: str
    source: str
    label: Literal["BAD", "OK", "UNDECIDABLE"]
    pins: str
    codes: tuple[str, ...]
    reason: str
    code: str

    def target(self) -> Target:
        if not self.pins:
            return Target()
        reason = f"the case's pins `{self.pins}` allow"
        return Target(transformers=SpecifierSet(self.pins), reason=reason, source="requirement")

    def check(self) -> list[Diagnostic]:
        return check_source(self.code, f"{self.id}.py", target=self.target())


def cases() -> list[Case]:
    found: list[Case] = []
    for path in sorted(HERE.glob("cases_*.toml")):
        for raw in tomllib.loads(path.read_text(encoding="utf-8"))["case"]:
            found.append(Case(**{**raw, "codes": tuple(raw["codes"])}))
    return found
