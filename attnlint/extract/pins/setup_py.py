"""setup.py, read statically: `install_requires` and `extras_require` of the `setup(...)` call.

A setup.py is a program, and running it to learn its pins would run arbitrary code, so it is
parsed with `ast`. Literal lists and tuples of strings are read, also through a module-level name
(`REQUIRES = [...]` ... `install_requires=REQUIRES`); anything computed (a function that reads a
file) is skipped, which leaves the other pin sources or the installed release to decide.
"""

from __future__ import annotations

import ast
from pathlib import Path

from attnlint.extract.pins.errors import PinFileError

__all__ = ["read_setup_py"]

_KEYWORDS = ("install_requires", "extras_require", "tests_require")


def _strings(node: ast.expr | None, names: dict[str, ast.expr]) -> list[str]:
    if isinstance(node, ast.Name) and node.id in names:
        node = names[node.id]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    if isinstance(node, ast.Dict):
        return [line for value in node.values for line in _strings(value, names)]
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.splitlines()
    return []


def _is_setup(call: ast.Call) -> bool:
    func = call.func
    return (isinstance(func, ast.Name) and func.id == "setup") or (
        isinstance(func, ast.Attribute) and func.attr == "setup"
    )


def read_setup_py(path: Path) -> list[str]:
    """The requirement lines of the `setup()` call; raises `PinFileError` when the file does not parse."""
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (OSError, SyntaxError, ValueError) as exc:
        raise PinFileError(path, str(exc)) from exc
    names = {
        target.id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    lines: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _is_setup(node):
            for keyword in node.keywords:
                if keyword.arg in _KEYWORDS:
                    lines += _strings(keyword.value, names)
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
