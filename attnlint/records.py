"""Records: dataclasses whose generated methods are closures, not code compiled with `exec`.

Python before 3.13 has `dataclass` write each generated method as source text and compile it with
`exec`: six methods for a frozen class, about 0.8 ms a class on this project's machines. attnlint
holds its facts, values, rules and findings in some eighty records, most of them frozen, and a
one-file check (what a pre-commit hook pays on every commit) imports most of them, so the compiles
were about a third of its start. `record` has `dataclass` read the fields (and give `fields()`,
`replace()`, pickling and pydantic what they expect) but write no method, and gives every record
the same closures over its fields instead: `__init__`, the frozen `__setattr__`/`__delattr__`,
`__eq__`, `__hash__` and `__repr__` (a mutable record, `frozen=False`, has no setters and no hash,
as with `dataclass`). They behave as `dataclass` writes them (tests/test_records.py compares the
two): the same parameters, defaults, factories and `__post_init__`, the same fields compared,
hashed and shown, equality only within a class, assignment and deletion of a frozen record
refused. Building an instance through the closure costs about what the compiled frozen `__init__`
does when it is given keywords, and half a microsecond more when given positional arguments.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import MISSING, Field, FrozenInstanceError, dataclass, field, fields
from operator import attrgetter
from reprlib import recursive_repr
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


def _initialiser(cls: type, every: tuple[Field[Any], ...]) -> Callable[..., None]:
    """`cls.__init__` as `dataclass` would write it for the fields `every`: positional parameters in
    field order, then the keyword-only ones; defaults and factories; fields outside `__init__` set
    from their factory; then `__post_init__`. Values go straight into the instance's `__dict__`, in
    field order."""
    parameters = tuple(each.name for each in every if each.init)
    positional = tuple(each.name for each in every if each.init and not each.kw_only)
    defaults = {each.name: each.default for each in every if each.init and each.default is not MISSING}
    factories = {
        each.name: each.default_factory
        for each in every
        if each.init and each.default_factory is not MISSING
    }
    # a field outside __init__ with a plain default reads it from the class, as with dataclass
    derived = tuple(
        (each.name, each.default_factory)
        for each in every
        if not each.init and each.default_factory is not MISSING
    )
    known = frozenset(parameters)
    post_init = hasattr(cls, "__post_init__")
    name = f"{cls.__qualname__}.__init__()"

    def __init__(self: object, *args: object, **kwargs: object) -> None:
        if args:
            if len(args) > len(positional):
                given, takes = len(args) + 1, len(positional) + 1
                raise TypeError(f"{name} takes {takes} positional arguments but {given} were given")
            for parameter, value in zip(positional, args, strict=False):  # fewer args: defaults
                if parameter in kwargs:
                    raise TypeError(f"{name} got multiple values for argument {parameter!r}")
                kwargs[parameter] = value
        if not known.issuperset(kwargs):
            unexpected = next(key for key in kwargs if key not in known)
            raise TypeError(f"{name} got an unexpected keyword argument {unexpected!r}")
        state = self.__dict__
        for parameter in parameters:
            if parameter in kwargs:
                state[parameter] = kwargs[parameter]
            elif parameter in defaults:
                state[parameter] = defaults[parameter]
            elif parameter in factories:
                state[parameter] = factories[parameter]()
            else:
                raise TypeError(f"{name} missing required argument: {parameter!r}")
        for derived_name, factory in derived:
            state[derived_name] = factory()
        if post_init:
            self.__post_init__()  # type: ignore[attr-defined]

    return __init__


def __setattr__(self: object, name: str, value: object) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def __delattr__(self: object, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


def _share_methods(cls: type, frozen: bool) -> None:
    """Give `cls` the methods `dataclass(frozen=frozen)` would, as closures (see the module docstring)."""
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

    @recursive_repr()  # as dataclass's: a mutable record that holds itself shows "..." there
    def __repr__(self: object) -> str:
        pairs = ", ".join(f"{name}={value!r}" for name, value in zip(shown, shown_values(self), strict=True))
        return f"{self.__class__.__qualname__}({pairs})"

    methods: tuple[Callable[..., Any], ...] = (_initialiser(cls, every), __eq__, __repr__)
    if frozen:
        methods += (__setattr__, __delattr__, __hash__)
    for method in (*methods, __hash__):
        if method.__name__ in cls.__dict__:  # dataclass keeps a method the class writes: refuse it
            raise TypeError(f"{cls.__qualname__} defines {method.__name__}; a record writes its own")
    for method in methods:
        if method.__qualname__.startswith(("_share_methods.", "_initialiser.")):
            method.__qualname__ = f"{cls.__qualname__}.{method.__name__}"
        setattr(cls, method.__name__, method)
    if not frozen:  # as dataclass: a value that compares by its fields and can change has no hash
        cls.__hash__ = None  # type: ignore[assignment]


@overload
@dataclass_transform(frozen_default=True, field_specifiers=(field, Field))
def record(cls: _Class, /) -> _Class: ...


@overload
def record(*, kw_only: bool = False, frozen: bool = True) -> Callable[[_Class], _Class]: ...


def record(cls: _Class | None = None, /, *, kw_only: bool = False, frozen: bool = True) -> Any:
    """`@record`, `@record(kw_only=True)`: a frozen dataclass; `@record(frozen=False)`: a mutable one
    (the extractor's values, which it completes as it reads on). See the module docstring."""

    def make(cls: _Class) -> _Class:
        # the fields, `fields()` and `__match_args__`, and no method: `_share_methods` gives them
        dataclass(cls, init=False, repr=False, eq=False, kw_only=kw_only)  # in place: no slots
        _share_methods(cls, frozen)
        return cls

    return make if cls is None else make(cls)
