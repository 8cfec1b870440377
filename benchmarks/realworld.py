"""Precision and recall of attnlint on the real-world corpus (tests/realworld/cases_*.toml), per rule.

Not a test (tests/realworld/test_corpus.py asserts the exact codes); run it by hand:

    PYTHONPATH=. python benchmarks/realworld.py

For every rule: true findings (a code a case expects and gets), false findings (a code it gets but
does not expect) and misses (expected, not found), with precision and recall; then the label
figures issue 7 asks for: BAD cases found with the right code, errors on OK and UNDECIDABLE cases.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "realworld"))

from corpus import Case, cases


def _ratio(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "-"


def table(corpus: list[Case]) -> str:
    true: Counter[str] = Counter()
    false: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    bad_found = ok_errors = undecidable_errors = 0
    for case in corpus:
        found = case.check()
        got = {d.code for d in found}
        expected = set(case.codes)
        true.update(got & expected)
        false.update(got - expected)
        missed.update(expected - got)
        errors = {d.code for d in found if d.severity == "error"}
        if case.label == "BAD":
            bad_found += bool(expected) and expected <= got
        elif case.label == "OK":
            ok_errors += bool(errors)
        else:
            undecidable_errors += bool(errors)
    rows = ["| rule | true | false | missed | precision | recall |", "|---|---|---|---|---|---|"]
    for code in sorted(set(true) | set(false) | set(missed)):
        t, f, m = true[code], false[code], missed[code]
        rows.append(f"| {code} | {t} | {f} | {m} | {_ratio(t, t + f)} | {_ratio(t, t + m)} |")
    labels = Counter(case.label for case in corpus)
    rows += [
        "",
        f"cases: {len(corpus)} ({labels['BAD']} BAD, {labels['OK']} OK, {labels['UNDECIDABLE']} UNDECIDABLE)",
        f"BAD found with the right code: {bad_found}/{labels['BAD']} ({_ratio(bad_found, labels['BAD'])})",
        f"OK cases with an error: {ok_errors}",
        f"UNDECIDABLE cases with an error: {undecidable_errors}",
    ]
    return "\n".join(rows)


if __name__ == "__main__":
    print(table(cases()))
