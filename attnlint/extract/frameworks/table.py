"""The framework table (knowledge/frameworks.toml): which keys of which framework mean which fact.

Kept as data so that supporting a new framework option is a data edit; the extractor only walks
the keys this table names, so every other key of a config (frameworks have hundreds) is ignored.
"""

from __future__ import annotations

from attnlint.knowledge.compiled import knowledge
from attnlint.knowledge.framework_table import Framework, KeyMeaning

__all__ = ["Framework", "KeyMeaning", "by_name", "frameworks"]


def frameworks() -> tuple[Framework, ...]:
    """Every framework of the table, in the order they are tried (validated with the rule base)."""
    return knowledge().frameworks


def by_name(name: str) -> Framework:
    """The framework of that name (a name of the table, or StopIteration)."""
    return next(f for f in frameworks() if f.name == name)
