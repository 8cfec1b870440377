"""knowledge/calls.toml against real transformers: the installed release runs every row, and the
released wheels (ATTNLINT_WHEELS, as in tests/test_since.py) hold the constructors and fields it says.

The matrix releases run the same rows in tests/runtime/test_call_tables_matrix.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from call_tables_run import disagreements
from packaging.specifiers import SpecifierSet
from packaging.version import Version
from wheel_facts import WheelFacts, wheels

from attnlint.engine import check_source
from attnlint.facts import Call, Span, Target
from attnlint.knowledge import cache_class_values, call_tables
from attnlint.signatures import binding_error, first_binding, misbinding, refusals, signature

WHEELS = Path(os.environ.get("ATTNLINT_WHEELS", "/nonexistent"))
SPAN = Span(path="x.py", row=1, column=1, end_row=1, end_column=2)


def _call(
    callee: str, positional: int = 0, *keywords: str, spread: bool = False, literals: tuple[str, ...] = ()
) -> Call:
    given = dict.fromkeys(keywords, SPAN)
    return Call(callee=callee, span=SPAN, positional=positional, keywords=given, spread=spread,
                positional_literals=literals)


def test_installed_release_behaves_as_the_tables_say() -> None:
    pytest.importorskip("transformers")
    assert disagreements() == []


def test_binding_follows_python() -> None:
    v451, v454, v456 = Version("4.51.0"), Version("4.54.0"), Version("4.56.0")
    assert "unexpected keyword argument 'config'" in binding_error(_call("DynamicCache", 0, "config"), v451)
    assert "unexpected keyword argument 'config'" in binding_error(_call("DynamicCache", 0, "config"), v454)
    assert binding_error(_call("DynamicCache", 0, "config"), v456) == ""
    assert "multiple values for argument 'layer_classes'" in binding_error(_call("StaticCache", 3), v454)
    assert "missing required argument 'max_batch_size' or 'batch_size'" in binding_error(
        _call("StaticCache", 0, "config", "max_cache_len"), v454)
    assert "'max_batch_size'" in binding_error(_call("StaticCache", 0, "config", "max_cache_len"), v451)
    # a `**` spread may hold what is missing: only names given explicitly are judged
    assert binding_error(_call("StaticCache", 0, "config", spread=True), v451) == ""
    # a class a release does not have is an ImportError there, not a binding problem
    assert binding_error(_call("HybridCache", 0, "config"), Version("5.0.0")) == ""


def test_a_number_landing_on_a_flag_of_the_release_is_a_misbinding() -> None:
    """StaticCache(config, 1, 1024), the 4.45-4.53 order, is max_cache_len=1, offloading=1024 on 4.56+."""
    old_order = _call("StaticCache", 3, literals=("", "1", "1024"))
    assert misbinding(old_order, Version("4.51.0")) == ""  # (config, max_batch_size, max_cache_len) there
    assert binding_error(old_order, Version("4.56.0")) == ""  # Python binds it: no TypeError
    found = misbinding(old_order, Version("4.56.0"))
    assert "max_cache_len=1, offloading=1024" in found and "'offloading'" in found
    assert misbinding(old_order, Version("5.24.0")) == found
    # the 4.56 order, a real flag, and arguments attnlint cannot read are not misbindings
    assert misbinding(_call("StaticCache", 2, literals=("", "1024")), Version("4.56.0")) == ""
    assert misbinding(_call("StaticCache", 3, literals=("", "1024", "True")), Version("4.56.0")) == ""
    assert misbinding(_call("StaticCache", 3, literals=("", "", "")), Version("4.56.0")) == ""
    assert misbinding(_call("StaticCache", 1, "max_batch_size", "max_cache_len", literals=("",)),
                      Version("4.56.0")) == ""


WINDOW_SOURCE = """\
from transformers import AutoModelForCausalLM, StaticCache

model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.2-1B")
cache = {call}
"""


def _messages(call: str, pins: str) -> list[str]:
    target = Target(transformers=SpecifierSet(pins), reason="the override allows", source="override")
    found = check_source(WINDOW_SOURCE.format(call=call), "cache.py", target=target)
    return [f"{d.code} {d.message}" for d in found]


def test_positional_arguments_are_judged_by_each_release_of_the_window() -> None:
    old_order = "StaticCache(model.config, 1, 1024)"
    assert _messages(old_order, ">=4.45,<4.54") == []  # the order they were written for
    after = _messages(old_order, ">=4.56")
    assert len(after) == 1 and "max_cache_len=1, offloading=1024" in after[0] and "TypeError" not in after[0]
    assert "4.56.0-5.24.0" in after[0]
    # spanning three constructors: each release's own error, never the first one's for all
    [spanning] = _messages(old_order, ">=4.40")
    assert "on 4.40.0-4.44.2 raises TypeError: missing required argument(s) 'device'" in spanning
    assert "on 4.54.0-4.55.4 raises TypeError: got multiple values for argument 'layer_classes'" in spanning
    assert "on 4.56.0-5.24.0 binds its positional arguments as" in spanning
    # the keyword spelling binds every parameter by name on every release from 4.45
    keywords = "StaticCache(config=model.config, max_batch_size=1, max_cache_len=1024)"
    assert _messages(keywords, ">=4.45") == []
    # the 4.56 order is right from 4.56, and variables there may hold anything: silent
    assert _messages("StaticCache(model.config, 1024)", ">=4.56") == []
    assert _messages("StaticCache(model.config, batch, length)", ">=4.56") == []


def test_a_constructor_keyword_dates_the_code_only_when_older_releases_all_refuse_it() -> None:
    assert first_binding(_call("DynamicCache", 0, "config")) == Version("4.56.0")
    assert first_binding(_call("DynamicCache")) is None
    assert first_binding(_call("StaticCache", 3)) is None  # binds on 4.40-4.53, not on 4.54-4.55


def test_from_pretrained_hands_cache_implementation_to_configs_that_have_it() -> None:
    call = _call("from_pretrained", 1, "cache_implementation")
    assert refusals(call, frozenset({"gemma2"}), Version("4.51.0")) == []
    refused = ["cache_implementation"]
    assert [k for k, _ in refusals(call, frozenset({"gemma2"}), Version("4.53.0"))] == refused
    assert [k for k, _ in refusals(call, frozenset({"llama"}), Version("4.51.0"))] == refused
    # an unknown model may be one whose configuration takes it: refused only where none does
    assert refusals(call, frozenset(), Version("4.51.0")) == []
    assert refusals(call, frozenset(), Version("5.24.0")) != []


def _wheels() -> list[WheelFacts]:
    if not WHEELS.is_dir():
        pytest.skip("set ATTNLINT_WHEELS to a folder of transformers wheels to check calls.toml")
    return wheels(WHEELS)


def test_wheel_constructors_match_the_signatures() -> None:
    wrong = []
    for facts in _wheels():
        for name in cache_class_values():
            data = signature(name, facts.version)
            shown = data and (data.params, data.required, data.varargs, data.varkw, data.bound)
            if shown != facts.signatures.get(name):
                wrong.append(f"{name} on {facts.version}: data {shown}, wheel {facts.signatures.get(name)}")
    assert wrong == []


def test_wheel_flags_are_the_bool_parameters() -> None:
    """calls.toml `flags` are what each wheel's own constructor annotates `bool`."""
    wrong = []
    for facts in _wheels():
        for name in cache_class_values():
            data = signature(name, facts.version)
            if data is not None and data.flags != facts.flags.get(name, ()):
                read = facts.flags.get(name, ())
                wrong.append(f"{name} on {facts.version}: data {data.flags}, wheel {read}")
    assert wrong == []


def test_wheel_generate_refuses_unused_model_kwargs() -> None:
    """The generate row holds on every release: each wheel's generate raises for unused model_kwargs."""
    rows = [r for r in call_tables().refused if r.call == "generate"]
    for facts in _wheels():
        refused = any(r.specifier.contains(facts.version, prereleases=True) for r in rows)
        assert refused == facts.generate_refuses_unused, facts.version


def test_wheel_config_fields_and_from_config_dtype() -> None:
    fields = call_tables().config_fields
    dtype_row = next(r for r in call_tables().refused if r.call == "from_config" and "dtype" in r.keywords)
    wrong = []
    for facts in _wheels():
        version = facts.version
        listed = {t for f in fields if f.specifier.contains(version, prereleases=True) for t in f.model_types}
        if listed != set(facts.cache_field_types):
            wrong.append(f"{version}: data {sorted(listed)}, wheel {sorted(facts.cache_field_types)}")
        refused = dtype_row.specifier.contains(version, prereleases=True)
        if refused == facts.from_config_dtype:
            wrong.append(f"{version}: from_config dtype= refused {refused}, read {facts.from_config_dtype}")
    assert wrong == []


PEFT_LIKE = '''\
import packaging.version
import transformers
from transformers import DynamicCache, HybridCache

transformers_lt_4_56 = packaging.version.parse(transformers.__version__) < packaging.version.parse("4.56")


def prefix_cache(config, batch_size, max_cache_len):
    if transformers_lt_4_56:
        cache = HybridCache(config=config, max_batch_size=batch_size, max_cache_len=max_cache_len)
    else:
        cache = DynamicCache(config=config)
    return cache
'''


def test_a_call_under_a_flag_holding_a_release_check_is_guarded() -> None:
    """peft's pattern: the release check is assigned to a name, and the `if` tests the name."""
    target = Target(transformers=SpecifierSet(">=4.40"), reason="the override allows", source="override")
    assert [d.code for d in check_source(PEFT_LIKE, "peft_like.py", target=target)] == []
    strict = check_source(PEFT_LIKE, "peft_like.py", target=target, strict=True)
    assert [(d.code, d.severity) for d in strict] == [("ATN141", "warning")]
    unguarded = PEFT_LIKE.replace("if transformers_lt_4_56:", "if batch_size > 1:")
    assert [d.code for d in check_source(unguarded, "peft_like.py", target=target)] == ["ATN141"]
