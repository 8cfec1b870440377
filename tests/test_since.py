"""The "since" data of vocab.toml (model types, cache classes, keywords) against real transformers.

Two checks. Always: the installed transformers has exactly what the data says that release has.
With released wheels (`pip download --no-deps transformers==X -d DIR` for the minor releases 4.40-5.24,
then ATTNLINT_WHEELS=DIR): each entry is present in the first downloaded wheel its range allows and
absent from the last one below it, so every lower and upper bound sits where a release changed.
"""

from __future__ import annotations

import inspect
import itertools
import os
from pathlib import Path

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version
from wheel_facts import WheelFacts, wheels

from attnlint.knowledge import vocabulary
from attnlint.knowledge.schema import VocabEntry

transformers = pytest.importorskip("transformers")

INSTALLED = Version(transformers.__version__)
WHEELS = Path(os.environ.get("ATTNLINT_WHEELS", "/nonexistent"))


def _allows(entry: VocabEntry, version: Version) -> bool:
    return SpecifierSet(entry.transformers).contains(version, prereleases=True)


def _config_classes() -> dict[str, str]:
    from transformers.models.auto.configuration_auto import CONFIG_MAPPING_NAMES

    return dict(CONFIG_MAPPING_NAMES)


def test_installed_model_types_exist() -> None:
    mapping = _config_classes()
    for entry in vocabulary().models:
        assert _allows(entry, INSTALLED), entry
        assert entry.name in mapping, f"{entry.name} is not a model type of transformers {INSTALLED}"


def test_installed_cache_classes_match() -> None:
    for entry in vocabulary().cache_classes:
        assert hasattr(transformers, entry.name) == _allows(entry, INSTALLED), entry


def test_installed_from_pretrained_reads_dtype() -> None:
    source = inspect.getsource(transformers.PreTrainedModel.from_pretrained)
    entry = next(e for e in vocabulary().keywords if e.name == "dtype")
    assert ('kwargs.pop("dtype"' in source or "dtype:" in source) == _allows(entry, INSTALLED)


def _facts() -> list[WheelFacts]:
    if not WHEELS.is_dir():
        pytest.skip("set ATTNLINT_WHEELS to a folder of transformers wheels to check the bounds")
    found = wheels(WHEELS)
    if len(found) < 2:
        pytest.skip(f"{WHEELS} holds fewer than two transformers wheels")
    return found


def _bounds_hold(entry: VocabEntry, has: dict[Version, bool]) -> list[str]:
    """Where the data disagrees with a wheel: a wheel the range allows lacks it, or one it excludes has it."""
    versions = sorted(has)
    wrong = []
    for before, after in itertools.pairwise(versions):
        if _allows(entry, before) != _allows(entry, after):  # a bound lies between these two wheels
            for version in (before, after):
                if has[version] != _allows(entry, version):
                    wrong.append(f"{entry.name}: {version} {'has' if has[version] else 'lacks'} it")
    first = versions[0]
    if has[first] != _allows(entry, first):
        wrong.append(f"{entry.name}: {first} {'has' if has[first] else 'lacks'} it")
    return wrong


def test_wheel_bounds_of_model_types() -> None:
    found = _facts()
    newest = found[-1]
    wrong: list[str] = []
    for entry in vocabulary().models:
        config = _config_classes().get(entry.name)
        has = {f.version: config in f.config_classes for f in found}
        assert config is not None and has[newest.version], entry
        wrong += _bounds_hold(entry, has)
    assert wrong == []


def test_wheel_bounds_of_cache_classes_and_keywords() -> None:
    found = _facts()
    wrong: list[str] = []
    for entry in vocabulary().cache_classes:
        wrong += _bounds_hold(entry, {f.version: entry.name in f.cache_classes for f in found})
    dtype = next(e for e in vocabulary().keywords if e.name == "dtype")
    wrong += _bounds_hold(dtype, {f.version: f.dtype_keyword for f in found})
    assert wrong == []
