"""attnlint as a flake8 plugin: the `ATN` codes for teams whose lint step is flake8.

flake8 hands the plugin one Python file at a time; the plugin checks it exactly as
`attnlint check FILE` would (same project settings, same per-project transformers target, same
rules and suppression comments), so both report the same codes at the same places. flake8 then
applies its own `--select`, `--extend-ignore` and `# noqa` on top. Registered in pyproject.toml
under the `flake8.extension` entry-point group as `ATN`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from attnlint import __version__
from attnlint.diagnostic import Diagnostic
from attnlint.engine import check_source
from attnlint.extract.versions import resolve_target
from attnlint.project import check_paths
from attnlint.settings import find_project_root, load_settings

__all__ = ["AttnlintChecker"]

#: flake8's names for a source read from standard input.
_STDIN = frozenset({"stdin", "-", "(none)"})


class AttnlintChecker:
    """The flake8 `tree` plugin: flake8 passes the parsed tree, the file name and its lines."""

    name = "attnlint"
    version = __version__

    def __init__(self, tree: ast.AST, filename: str, lines: list[str]) -> None:
        self.filename = filename
        self.lines = lines

    def _diagnostics(self) -> list[Diagnostic]:
        root = find_project_root(Path.cwd())
        settings = load_settings(root)
        path = Path(self.filename)
        if self.filename in _STDIN or not path.is_file():
            target = resolve_target(root, None, settings.transformers_version)
            return check_source(
                "".join(self.lines), self.filename, target=target,
                select=settings.select, ignore=settings.ignore, root=root,
            )
        return check_paths([path], settings, root=root).diagnostics

    def run(self) -> Iterator[tuple[int, int, str, type[AttnlintChecker]]]:
        """(row, 0-based column, "ATNxxx message", plugin class) per finding, as flake8 expects."""
        for d in self._diagnostics():
            yield d.location.row, d.location.column - 1, f"{d.code} {d.message}", type(self)
