"""Frozen records: `dataclass(frozen=True)` whose equality, hash and repr are closures, not `exec`.

Python before 3.13 has `dataclass` write each generated method as source text and compile it with
`exec`, about 0.1 ms a method on this project's machines. attnlint holds its facts, values, rules
and findings in some seventy frozen dataclasses, and a one-file check (what a pre-commit hook pays
on every commit) imports most of them: their `__eq__`, `__hash__` and `__repr__` alone cost about
20 ms of a start of under 200. `record` lets `dataclass` write only what must be fast per instance
(`__init__`, and the frozen `__setattr__`/`__delattr__`, whose shared form would make every
instance about three times slower to build) and gives the other three as closures over the
class's fields, built without compiling anything. They behave as `dataclass` writes them: the same
fields are compared, hashed and shown, equality needs the same class, the repr reads the same.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import Field, dataclass, field, fields
from operator import attrgetter
from typing import TYPE_CHECKING, Any, TypeVar, overload

if sys.version_info >= (3, 11):
    from typing import dataclass_transform
elif TYPE_CHECKING:  # pragma: no cover - 3.10 type checks only
    from typing_extensions import dataclass_transform
else:  # pragma: no cover - exercised on 3.10 only; the marker only informs type checkers

    def dataclass_transform(**_: object) -> Callable[[Any], Any]:
        return lambda decorated: decorated


__all__ = ["record"]

_Class = TypeVar("_Class", bound=type)


def _values(names: tuple[str, ...]) -> Callable[[object], tuple[Any, ...]]:
    """A function reading `names` off an instance as a tuple (what the generated methods compare)."""
    if len(names) > 1:
        getter: Callable[[object], tuple[Any, ...]] = attrgetter(*names)
        return getter
    if names:
        (name,) = names
        return lambda instance: (getattr(instance, name),)
    return lambda instance: ()


def _share_methods(cls: type) -> None:
    """Give `cls` the `__eq__`, `__hash__` and `__repr__` that `dataclass(frozen=True)` would."""
    every = fields(cls)
    compared = _values(tuple(each.name for each in every if each.compare))
    hashed = _values(
        tuple(each.name for each in every if (each.compare if each.hash is None else each.hash))
    )
    shown = tuple(each.name for each in every if each.repr)
    shown_values = _values(shown)

    def __eq__(self: object, other: object) -> bool:
        if other.__class__ is self.__class__:
            return compared(self) == compared(other)
        return NotImplemented

    def __hash__(self: object) -> int:
        return hash(hashed(self))

    def __repr__(self: object) -> str:
        pairs = ", ".join(f"{name}={value!r}" for name, value in zip(shown, shown_values(self), strict=True))
        return f"{self.__class__.__qualname__}({pairs})"

    for method in (__eq__, __hash__, __repr__):
        if method.__name__ in cls.__dict__:  # as dataclass: a method the class writes is kept
            raise TypeError(f"{cls.__qualname__} defines {method.__name__}; a record writes its own")
        method.__qualname__ = f"{cls.__qualname__}.{method.__name__}"
        setattr(cls, method.__name__, method)


@overload
@dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
def record(cls: _Class, /) -> _Class: ...


@overload
def record(*, kw_only: bool = False) -> Callable[[_Class], _Class]: ...


def record(cls: _Class | None = None, /, *, kw_only: bool = False) -> Any:
    """`@record` or `@record(kw_only=True)`: a frozen dataclass (see the module docstring)."""

    def make(cls: _Class) -> _Class:
        dataclass(cls, frozen=True, eq=False, repr=False, kw_only=kw_only)  # in place: no slots
        _share_methods(cls)
        return cls

    return make if cls is None else make(cls)
