"""Read what a released transformers wheel defines, without installing it (for tests/test_since.py).

A wheel is a zip: a model type exists where its configuration class is defined in
models/*/configuration_*.py, the cache classes are the `class ...Cache` of cache_utils.py, and
from_pretrained reads `dtype=` where modeling_utils.py pops "dtype" from its kwargs. For calls.toml:
the constructor of each cache class as Python binds it (`cache_signatures`), the model types whose
configuration has a `cache_implementation` field (so from_pretrained hands that keyword to the
config), and whether `_from_config` reads `dtype=`.
Wheels come from `pip download --no-deps transformers==X -d DIR`; ATTNLINT_WHEELS names DIR.
"""

from __future__ import annotations

import ast
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version

_CONFIG_FILE = re.compile(r"^transformers/models/\w+/configuration_\w+\.py$")
_CONFIG_CLASS = re.compile(r"^class (\w+Config)\(", re.M)
_CACHE_CLASS = re.compile(r"^class (\w+Cache)\b", re.M)
_DTYPE_KEYWORD = re.compile(r'^\s+dtype = kwargs\.pop\("dtype", None\)', re.M)


@dataclass(frozen=True)
class WheelFacts:
    version: Version
    config_classes: frozenset[str]
    cache_classes: frozenset[str]
    dtype_keyword: bool
    signatures: dict[str, tuple[tuple[str, ...], int, bool, bool, tuple[str, ...]]]
    cache_field_types: frozenset[str]
    from_config_dtype: bool
    generate_refuses_unused: bool
    #: per cache class, the parameters of its own constructor annotated `bool` (calls.toml `flags`)
    flags: dict[str, tuple[str, ...]]


def _read(archive: zipfile.ZipFile, name: str) -> str:
    try:
        return archive.read(f"transformers/{name}").decode("utf-8")
    except KeyError:
        return ""


def read_wheel(path: Path) -> WheelFacts:
    with zipfile.ZipFile(path) as archive:
        configs = {
            name
            for member in archive.namelist()
            if _CONFIG_FILE.match(member)
            for name in _CONFIG_CLASS.findall(archive.read(member).decode("utf-8"))
        }
        classes = set(_CACHE_CLASS.findall(_read(archive, "cache_utils.py")))
        modeling = _read(archive, "modeling_utils.py")
        dtype = _DTYPE_KEYWORD.search(modeling) is not None
        fields = frozenset(
            model_type
            for member in archive.namelist()
            if _CONFIG_FILE.match(member)
            for model_type in _cache_field_types(archive.read(member).decode("utf-8"))
        )
        signatures = cache_signatures(_read(archive, "cache_utils.py"))
        refuses_unused = _UNUSED_MODEL_KWARGS in _read(archive, "generation/utils.py")
        flags = cache_flags(_read(archive, "cache_utils.py"))
    return WheelFacts(
        Version(path.name.split("-")[1]), frozenset(configs), frozenset(classes), dtype, signatures, fields,
        _FROM_CONFIG_DTYPE.search(modeling) is not None,
        refuses_unused, flags,
    )


#: What generate's `_validate_model_kwargs` raises for a keyword the model does not take.
_UNUSED_MODEL_KWARGS = "`model_kwargs` are not used by the model"
#: `_from_config` pops `dtype` from its kwargs (4.56 on); before, a `dtype=` reaches the model's __init__.
_FROM_CONFIG_DTYPE = re.compile(
    r'def _from_config\([^\n]*\n(?:(?!    def )[^\n]*\n)*?\s+dtype = kwargs\.pop\("dtype"'
)


def _cache_field_types(source: str) -> set[str]:
    """Model types whose configuration class has `cache_implementation` (an __init__ parameter, a
    class attribute or a `self.cache_implementation = ...` in __init__)."""
    if "cache_implementation" not in source:
        return set()
    found = set()
    for node in ast.parse(source).body:
        if not isinstance(node, ast.ClassDef):
            continue
        model_type = next(
            (item.value.value for item in node.body if isinstance(item, ast.Assign)
             and any(isinstance(t, ast.Name) and t.id == "model_type" for t in item.targets)
             and isinstance(item.value, ast.Constant)), None,
        )
        names = {a.arg for f in node.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"
                 for a in f.args.args + f.args.kwonlyargs}
        names |= {t.attr if isinstance(t, ast.Attribute) else getattr(t, "id", "")
                  for f in ast.walk(node) if isinstance(f, ast.Assign | ast.AnnAssign)
                  for t in (f.targets if isinstance(f, ast.Assign) else [f.target])}
        if "cache_implementation" in names and isinstance(model_type, str):
            found.add(model_type)
    return found


Signature = tuple[tuple[str, ...], int, bool, bool, tuple[str, ...]]


def _init(node: ast.ClassDef) -> ast.FunctionDef | None:
    return next((f for f in node.body if isinstance(f, ast.FunctionDef) and f.name == "__init__"), None)


def _forwarded(init: ast.FunctionDef) -> ast.Call | None:
    """The `super().__init__(...)` call of a constructor that is only `(self, *args, **kwargs)` and
    that call (a docstring aside), or None."""
    args = init.args
    if args.args[1:] or args.kwonlyargs or args.vararg is None or args.kwarg is None:
        return None
    body = [s for s in init.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if len(body) != 1 or not isinstance(body[0], ast.Expr) or not isinstance(body[0].value, ast.Call):
        return None
    call = body[0].value
    is_super = isinstance(call.func, ast.Attribute) and call.func.attr == "__init__" and \
        isinstance(call.func.value, ast.Call) and getattr(call.func.value.func, "id", "") == "super"
    plain = all(isinstance(a, ast.Starred) for a in call.args)
    return call if is_super and plain else None


def _signature(name: str, classes: dict[str, ast.ClassDef]) -> Signature | None:
    node = classes.get(name)
    if node is None:
        return None
    init = _init(node)
    bases = [b.id for b in node.bases if isinstance(b, ast.Name) and b.id in classes]
    if init is None:
        return _signature(bases[0], classes) if bases else ((), 0, False, False, ())
    call = _forwarded(init)
    if call is not None and bases:
        inner = _signature(bases[0], classes)
        if inner is not None:
            params, required, varargs, varkw, bound = inner
            given = tuple(k.arg for k in call.keywords if k.arg is not None)
            return params, required, varargs, varkw, tuple(sorted({*bound, *given}))
    args = init.args
    params = tuple(a.arg for a in [*args.posonlyargs, *args.args][1:])
    required = len(params) - len(args.defaults)
    renamed = tuple(
        str(d.args[0].value) for d in init.decorator_list
        if isinstance(d, ast.Call) and getattr(d.func, "id", "") == "deprecate_kwarg"
        and any(k.arg == "new_name" for k in d.keywords) and isinstance(d.args[0], ast.Constant)
    )
    varkw = args.kwarg is not None or bool(args.kwonlyargs)
    return params + renamed, required, args.vararg is not None, varkw, ()


def cache_signatures(source: str) -> dict[str, Signature]:
    """Every `...Cache` class of cache_utils.py -> its constructor as a call binds to it."""
    if not source:
        return {}
    tree = ast.parse(source)
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    found = {name: _signature(name, classes) for name in classes if name.endswith("Cache")}
    return {name: sig for name, sig in found.items() if sig is not None}


def cache_flags(source: str) -> dict[str, tuple[str, ...]]:
    """Every `...Cache` class of cache_utils.py whose own constructor has parameters annotated
    `bool` -> those parameters, in order."""
    found: dict[str, tuple[str, ...]] = {}
    for node in ast.parse(source).body if source else []:
        init = _init(node) if isinstance(node, ast.ClassDef) and node.name.endswith("Cache") else None
        if init is not None:
            named = [a.arg for a in init.args.args
                     if isinstance(a.annotation, ast.Name) and a.annotation.id == "bool"]
            if named:
                found[node.name] = tuple(named)
    return found


def wheels(folder: Path) -> list[WheelFacts]:
    """Every transformers wheel in `folder`, oldest first."""
    found = [read_wheel(p) for p in folder.glob("transformers-*-py3-none-any.whl")]
    return sorted(found, key=lambda facts: facts.version)
