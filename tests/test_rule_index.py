"""The evaluator's indexes give what a scan of the rule base and the vocabulary would give."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from attnlint.evaluate import _judge
from attnlint.extract.python import extract_python
from attnlint.facts import ModelUse, Setting, Target
from attnlint.knowledge import configuration_rules, vocabulary
from attnlint.rule_index import model_releases, possible_values, rule_index
from attnlint.window import narrow

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


def _example_uses() -> list[tuple[ModelUse, Target]]:
    """The model uses of every rule's VALID and INVALID examples, each with its example's target."""
    found = []
    for rule in configuration_rules():
        for example in (*rule.invalid, *rule.valid):
            target = Target(transformers=SpecifierSet(example.target), reason="the example")
            found += [(use, target) for use in extract_python(example.code, "example.py")]
    return found


def test_the_attention_and_cache_index_keeps_every_rule_that_matches() -> None:
    """Judged without the index, a use matches only rules the index hands it, on every example of
    the rule base (in strict mode too, where uncertain contexts match)."""
    uses = _example_uses()
    matched = 0
    for use, target in uses:
        kept = {rule.code for rule in rule_index().for_use(use)}
        for strict in (False, True):
            hits = {r.code for r in configuration_rules() if _judge(r, use, narrow(target, [use]), strict)}
            assert hits <= kept, (use, hits - kept)
            matched += len(hits)
    assert matched >= 30
    skipped = sum(len(configuration_rules()) - len(rule_index().for_use(use)) for use, _ in uses)
    assert skipped > len(uses)  # the index does cut rules beyond the model types


def test_possible_values_of_an_unset_setting_include_the_defaults() -> None:
    values = possible_values("attn", [], frozenset({"gemma2"}))
    assert {"default", "sdpa", "eager"} <= values
    assert possible_values("attn", [Setting(value="flex_attention", origin="keyword")], frozenset()) == {
        "flex_attention"
    }
