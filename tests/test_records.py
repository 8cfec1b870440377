"""`record` behaves as `dataclass(frozen=True)` does, and every frozen record of attnlint is one.

The differential cases define each class twice, once with `record` and once with the dataclass it
stands for, and compare what users of a record see: equality, hash, repr, frozenness, `replace`,
`fields`, copying (pickle's protocol) and `match` patterns. Pickling real records is what the
compiled rule base and the parallel workers do: tests/test_startup.py and tests/test_parallel*.py.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import FrozenInstanceError, dataclass, field, fields, replace
from typing import Any

import pytest

import attnlint
from attnlint.records import record


def _pair(
    body: Callable[[Callable[[type], type]], type], *, kw_only: bool = False
) -> tuple[type, type]:
    """The class `body` builds, decorated once by `record` and once by `dataclass(frozen=True)`."""
    return (
        body(record(kw_only=True) if kw_only else record),
        body(dataclass(frozen=True, kw_only=kw_only)),
    )


def _point(decorate: Callable[[type], type]) -> type:
    @decorate
    class Point:
        x: int
        y: int = 0
        label: str = field(default="", compare=False)
        hidden: tuple[int, ...] = field(default=(), repr=False)
        weight: float = field(default=1.0, hash=False)

    return Point


def _single(decorate: Callable[[type], type]) -> type:
    @decorate
    class Single:
        value: str

    return Single


def _empty(decorate: Callable[[type], type]) -> type:
    @decorate
    class Empty:
        pass

    return Empty


def _child(decorate: Callable[[type], type]) -> type:
    @decorate
    class Base:
        name: str
        items: tuple[str, ...] = ()

    @decorate
    class Child(Base):
        extra: list[int] = field(default_factory=list)

    return Child


CASES: list[tuple[str, tuple[type, type], list[dict[str, Any]]]] = [
    (
        "fields of every kind",
        _pair(_point),
        [
            {"x": 1},
            {"x": 1, "y": 2},
            {"x": 1, "label": "a"},
            {"x": 1, "label": "b"},
            {"x": 1, "hidden": (3,)},
            {"x": 1, "weight": 2.0},
        ],
    ),
    ("one field", _pair(_single), [{"value": "a"}, {"value": "b"}]),
    ("no field", _pair(_empty), [{}]),
    (
        "an inherited record, keyword-only",
        _pair(_child, kw_only=True),
        [{"name": "a"}, {"name": "a", "items": ("x",)}, {"name": "b", "extra": [1]}],
    ),
]


def _hash_or_error(instance: object) -> int | str:
    try:
        return hash(instance)
    except TypeError as exc:
        return type(exc).__name__


@pytest.mark.parametrize(("name", "classes", "arguments"), CASES, ids=[case[0] for case in CASES])
def test_a_record_behaves_as_its_frozen_dataclass(
    name: str, classes: tuple[type, type], arguments: list[dict[str, Any]]
) -> None:
    made, reference = classes
    assert [f.name for f in fields(made)] == [f.name for f in fields(reference)]
    ours = [made(**each) for each in arguments]
    theirs = [reference(**each) for each in arguments]
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert repr(a) == repr(b)
        assert _hash_or_error(a) == _hash_or_error(b)
        assert dataclasses.astuple(a) == dataclasses.astuple(b)
        for j in range(len(ours)):
            assert (a == ours[j]) == (b == theirs[j]), (i, j)
            assert (a != ours[j]) == (b != theirs[j]), (i, j)
        assert copy.deepcopy(a) == a  # pickle's protocol (local classes cannot be pickled by name)
        assert replace(a) == a
        if fields(a):
            with pytest.raises(FrozenInstanceError):
                setattr(a, fields(a)[0].name, None)
            with pytest.raises(FrozenInstanceError):
                delattr(a, fields(a)[0].name)
        # the same fields under another class are another value, as with dataclass
        assert (a == b) is False and (a != b) is True
    assert getattr(made, "__match_args__", None) == getattr(reference, "__match_args__", None)


def test_a_record_keeps_no_method_of_its_own_silently() -> None:
    with pytest.raises(TypeError, match="defines __eq__"):

        @record
        class Custom:
            value: int

            def __eq__(self, other: object) -> bool:
                return True


def _attnlint_modules() -> list[str]:
    """attnlint's modules a light install can import (the runtime and the probe need torch)."""
    names = []
    for module in pkgutil.walk_packages(attnlint.__path__, "attnlint."):
        if module.name.startswith(("attnlint.runtime", "attnlint.probe.worker", "attnlint.__main__")):
            continue
        names.append(module.name)
    return names


def test_every_frozen_dataclass_of_attnlint_is_a_record() -> None:
    """A frozen `@dataclass` would pay the compiled methods `record` exists to avoid on every start."""
    shared = record(type("Probe", (), {"__annotations__": {}})).__eq__.__code__
    found: list[str] = []
    plain: list[str] = []
    for name in _attnlint_modules():
        module = importlib.import_module(name)
        for value in vars(module).values():
            if not (isinstance(value, type) and dataclasses.is_dataclass(value)):
                continue
            if value.__module__ != name or not value.__dataclass_params__.frozen:  # type: ignore[attr-defined]
                continue
            found.append(value.__qualname__)
            if value.__eq__.__code__ is not shared:
                plain.append(f"{name}.{value.__qualname__}")
    assert len(found) > 60
    assert plain == []
