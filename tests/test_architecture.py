"""The shape of the package, read from its source with `ast`: imports go one way, modules stay small.

Every import counts, including those inside functions (a lazy import is still a dependency), so a
cycle cannot hide behind one. A package's `__init__` is imported when one of its modules is, but
that implicit edge is not counted: only what a module names.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "attnlint"
MAX_LINES = 400


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _target(name: str) -> str | None:
    """The attnlint module an import names: `from a.b import c` names the module a.b.c if there
    is one, else a.b."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imports(module: str, path: Path) -> set[str]:
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found |= {t for n in names if n.startswith("attnlint") and (t := _target(n)) and t != module}
    return found


GRAPH = {module: _imports(module, path) for module, path in MODULES.items()}


def _cycle() -> list[str]:
    """One import cycle as a list of modules, or [] when there is none (depth-first search)."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(module: str) -> list[str]:
        state[module] = 1
        stack.append(module)
        for other in sorted(GRAPH[module]):
            if state.get(other) == 1:
                return [*stack[stack.index(other):], other]
            if other not in state and (found := visit(other)):
                return found
        stack.pop()
        state[module] = 2
        return []

    for module in sorted(GRAPH):
        if module not in state and (found := visit(module)):
            return found
    return []


def test_the_graph_is_read() -> None:
    assert "attnlint.engine" in GRAPH["attnlint.project"]
    assert "attnlint.edits" in GRAPH["attnlint.engine"]  # the lazy import of the edit planner counts


def test_no_import_cycle() -> None:
    assert _cycle() == []


def test_check_and_edits_never_import_the_fixer_or_the_cli() -> None:
    for module, imported in GRAPH.items():
        if module.startswith(("attnlint.engine", "attnlint.project", "attnlint.edits", "attnlint.report")):
            assert not {m for m in imported if m.startswith(("attnlint.fix", "attnlint.cli"))}, module
        if module.startswith("attnlint.fix"):
            assert "attnlint.cli" not in imported, module


def test_no_module_over_400_lines() -> None:
    sizes = {m: len(p.read_text(encoding="utf-8").splitlines()) for m, p in MODULES.items()}
    assert {m: n for m, n in sizes.items() if n > MAX_LINES} == {}
