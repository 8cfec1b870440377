"""`record` behaves as the dataclass it stands for does, and every dataclass of attnlint is one.

The differential cases define each class twice, once with `record` and once with the dataclass it
stands for, and compare what users of a record see: which calls build one and which are refused,
the values it then holds (in field order), equality, hash, repr, frozenness, `replace`, `fields`,
copying (pickle's protocol) and `match` patterns. Pickling real records is what the
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
import attnlint.records
from attnlint.records import record


def _pair(
    body: Callable[[Callable[[type], type]], type], *, kw_only: bool = False, frozen: bool = True
) -> tuple[type, type]:
    """The class `body` builds, decorated once by `record` and once by the dataclass it stands for."""
    return (
        body(record(kw_only=kw_only, frozen=frozen)),
        body(dataclass(frozen=frozen, kw_only=kw_only)),
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


def _derived(decorate: Callable[[type], type]) -> type:
    """Fields outside `__init__` (one with a default, one set by `__post_init__`) and a field-level
    keyword-only parameter among positional ones."""

    @decorate
    class Derived:
        text: str
        mark: str = field(default="-", kw_only=True)
        size: int = 0
        lines: int = field(init=False)
        seen: list[str] = field(init=False, default_factory=list)
        flag: bool = field(init=False, default=False)

        def __post_init__(self) -> None:
            object.__setattr__(self, "lines", self.text.count("\n") + self.size)

    return Derived


Call = tuple[tuple[Any, ...], dict[str, Any]]

CASES: list[tuple[str, tuple[type, type], list[Call]]] = [
    (
        "fields of every kind",
        _pair(_point),
        [
            ((1,), {}),
            ((1, 2), {}),
            ((1,), {"label": "a"}),
            ((), {"x": 1, "label": "b"}),
            ((1,), {"hidden": (3,)}),
            ((1, 2, "c", (4,), 2.0), {}),
            ((), {"weight": 2.0, "x": 1}),
            ((), {}),  # missing x
            ((1, 2, "c", (4,), 2.0, 9), {}),  # too many
            ((1,), {"x": 2}),  # x twice
            ((1,), {"z": 2}),  # unknown keyword
        ],
    ),
    ("one field", _pair(_single), [(("a",), {}), ((), {"value": "b"}), ((), {})]),
    ("no field", _pair(_empty), [((), {}), ((1,), {})]),
    (
        "an inherited record, keyword-only",
        _pair(_child, kw_only=True),
        [
            ((), {"name": "a"}),
            ((), {"name": "a", "items": ("x",)}),
            ((), {"extra": [1], "name": "b"}),
            (("a",), {}),  # keyword-only
        ],
    ),
    (
        "a mutable record",
        _pair(_point, frozen=False),
        [((1,), {}), ((1, 2), {"label": "a"}), ((), {"x": 1, "weight": 2.0}), ((), {})],
    ),
    (
        "fields outside __init__, __post_init__",
        _pair(_derived),
        [
            (("a\nb",), {}),
            (("a", 2), {"mark": "+"}),
            ((), {"text": "x", "size": 1}),
            (("a", "+"), {}),  # mark is keyword-only: "+" would be size, as dataclass binds it
            (("a",), {"lines": 3}),  # not a parameter
        ],
    ),
]


def _hash_or_error(instance: object) -> int | str:
    try:
        return hash(instance)
    except TypeError as exc:
        return type(exc).__name__


def _build(cls: type, call: Call) -> object:
    args, kwargs = call
    try:
        return cls(*args, **kwargs)
    except TypeError as exc:
        return TypeError(str(exc).split("() ", 1)[-1])


@pytest.mark.parametrize(("name", "classes", "calls"), CASES, ids=[case[0] for case in CASES])
def test_a_record_behaves_as_its_frozen_dataclass(
    name: str, classes: tuple[type, type], calls: list[Call]
) -> None:
    made, reference = classes
    assert [f.name for f in fields(made)] == [f.name for f in fields(reference)]
    built = [(_build(made, call), _build(reference, call)) for call in calls]
    for a, b in built:  # a call dataclass's __init__ refuses is refused alike
        assert isinstance(a, TypeError) == isinstance(b, TypeError), (a, b)
    ours = [a for a, _ in built if not isinstance(a, TypeError)]
    theirs = [b for _, b in built if not isinstance(b, TypeError)]
    for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
        assert list(vars(a).items()) == list(vars(b).items())  # the same values, in field order
        assert repr(a) == repr(b)
        assert _hash_or_error(a) == _hash_or_error(b)
        assert dataclasses.astuple(a) == dataclasses.astuple(b)
        for j in range(len(ours)):
            assert (a == ours[j]) == (b == theirs[j]), (i, j)
            assert (a != ours[j]) == (b != theirs[j]), (i, j)
        assert copy.deepcopy(a) == a  # pickle's protocol (local classes cannot be pickled by name)
        assert replace(a) == a
        if fields(a) and reference.__dataclass_params__.frozen:  # type: ignore[attr-defined]
            with pytest.raises(FrozenInstanceError):
                setattr(a, fields(a)[0].name, None)
            with pytest.raises(FrozenInstanceError):
                delattr(a, fields(a)[0].name)
            with pytest.raises(FrozenInstanceError):
                a.unknown = 1  # type: ignore[attr-defined]
        elif fields(a):  # a mutable record changes as its dataclass does
            for value in (a, b):
                setattr(value, fields(value)[0].name, 7)
                value.unknown = 1  # type: ignore[attr-defined]
            assert list(vars(a).items()) == list(vars(b).items())
            assert repr(a) == repr(b)
        # the same fields under another class are another value, as with dataclass
        assert (a == b) is False and (a != b) is True
    assert getattr(made, "__match_args__", None) == getattr(reference, "__match_args__", None)


def test_a_mutable_record_that_holds_itself_shows_as_its_dataclass_does() -> None:
    made, reference = _pair(_single, frozen=False)
    ours, theirs = made("a"), reference("a")
    ours.value, theirs.value = [ours], [theirs]
    assert repr(ours) == repr(theirs)
    assert repr(ours).endswith("Single(value=[...])")


def test_refused_calls_say_what_dataclass_says() -> None:
    """The messages name the class and the argument, in dataclass's words where they can be."""
    made, _ = _pair(_point)
    with pytest.raises(TypeError, match=r"Point.__init__\(\) missing required argument: 'x'"):
        made()
    with pytest.raises(TypeError, match=r"got multiple values for argument 'x'"):
        made(1, x=2)
    with pytest.raises(TypeError, match=r"got an unexpected keyword argument 'z'"):
        made(1, z=2)
    with pytest.raises(TypeError, match=r"takes 6 positional arguments but 7 were given"):
        made(1, 2, "c", (4,), 2.0, 9)


def test_a_record_keeps_no_method_of_its_own_silently() -> None:
    with pytest.raises(TypeError, match="defines __eq__"):

        @record
        class Custom:
            value: int

            def __eq__(self, other: object) -> bool:
                return True


def _attnlint_modules() -> list[str]:
    """attnlint's modules, but the runtime and the probe's worker (they import torch at once)."""
    names = []
    for module in pkgutil.walk_packages(attnlint.__path__, "attnlint."):
        if module.name.startswith(("attnlint.runtime", "attnlint.probe.worker", "attnlint.__main__")):
            continue
        names.append(module.name)
    return names


def test_every_dataclass_of_attnlint_is_a_record() -> None:
    """A plain `@dataclass` would pay the compiled methods `record` exists to avoid on every start
    (the runtime's, which needs torch and identity equality, is not imported here)."""
    shared = record(type("Probe", (), {"__annotations__": {}})).__repr__.__code__
    frozen: list[str] = []
    plain: list[str] = []
    for name in _attnlint_modules():
        module = importlib.import_module(name)
        for value in vars(module).values():
            if not (isinstance(value, type) and dataclasses.is_dataclass(value)):
                continue
            if value.__module__ != name:
                continue
            if value.__repr__.__code__ is not shared:
                plain.append(f"{name}.{value.__qualname__}")
            if not value.__doc__ or value.__doc__.startswith(f"{value.__name__}("):
                # without a docstring `dataclass` writes one from `inspect.signature`, whose first
                # call costs a start about 1.5 ms
                plain.append(f"{name}.{value.__qualname__} (no docstring)")
            elif value.__setattr__ is attnlint.records.__setattr__:
                frozen.append(value.__qualname__)
    assert len(frozen) > 60
    assert plain == []
