"""The evaluator's indexes give what a scan of the rule base and the vocabulary would give."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from attnlint.knowledge import configuration_rules, vocabulary
from attnlint.rule_index import model_releases, rule_index

RULE_TYPES = sorted({t for rule in configuration_rules() for t in rule.model_types})
VOCAB_TYPES = sorted(m.name for m in vocabulary().models)
SOME_TYPES = st.frozensets(st.sampled_from([*RULE_TYPES, *VOCAB_TYPES[:40], "no_such_model"]), max_size=4)


@settings(max_examples=200, deadline=None)
@given(SOME_TYPES)
def test_a_use_meets_exactly_the_rules_that_can_match_its_types(types: frozenset[str]) -> None:
    scanned = [r for r in configuration_rules() if not r.model_types or types & set(r.model_types)]
    assert rule_index().for_types(types) == scanned


@settings(max_examples=100, deadline=None)
@given(SOME_TYPES)
def test_model_releases_match_a_scan_of_the_vocabulary(types: frozenset[str]) -> None:
    known = [SpecifierSet(m.transformers) for m in vocabulary().models if m.name in types]
    found = model_releases(types)
    if not known:
        assert found is None
        return
    assert found is not None
    for release in map(Version, vocabulary().releases):
        assert (release in found) == any(s.contains(release, prereleases=True) for s in known)


def test_the_index_skips_model_specific_rules_for_other_models() -> None:
    codes = {r.code for r in rule_index().for_types(frozenset({"bert"}))}
    assert "ATN101" not in codes and "ATN202" not in codes
    assert "ATN108" in codes  # an unknown attention name is wrong for every model
