"""The code after an early exit under a release check, and the releases that reach it.

`if not is_transformers_version(">=", "4.53"): raise ...` (or `return`, `continue`, `break`,
`sys.exit(...)`) lets the rest of its block run only on 4.53 and later, so a rule judged on a setting
or call there speaks only of those releases (`Setting.runs_on`, `Call.runs_on`): one that affects only
4.51 stays silent, one that affects 5.20 still fires. A test attnlint cannot read as one comparison
of the installed release with a literal one (a flag, `is_flash_attn_2_available()`, a string
compared as a string) guards the rest as a whole, as the branches of an `if` on the release are
(attnlint/extract/context.py): silent, a warning under `--strict`.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

from packaging.version import InvalidVersion, Version

__all__ = ["Region", "early_exit_regions", "negate", "test_range"]

#: (first row, last row, the releases the rows run on or "" when the test cannot be read, what).
Region = tuple[int, int, str, str]

_OPERATORS: dict[type[ast.cmpop], str] = {
    ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
}
_NEGATED = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}
#: `a < b` is `b > a`: the operator with the installed release on the right, turned to the left.
_MIRRORED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}
#: What turns a version string into a comparable version (`packaging.version.parse`, `Version`).
_PARSERS = frozenset({"parse", "Version", "parse_version", "LooseVersion"})
#: transformers.utils' own check: `is_transformers_version(">=", "4.53")`.
_OWN_CHECK = "is_transformers_version"


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _installed(node: ast.expr) -> bool:
    """`version.parse(transformers.__version__)`: the installed release, parsed."""
    if not (isinstance(node, ast.Call) and _name(node.func) in _PARSERS and len(node.args) == 1):
        return False
    inner = node.args[0]
    return (isinstance(inner, ast.Attribute) and inner.attr == "__version__"
            and isinstance(inner.value, ast.Name) and inner.value.id == "transformers")


def _release(node: ast.expr) -> str | None:
    """A literal release (`"4.53"`), the argument of a parse call when `parsed`."""
    if isinstance(node, ast.Call) and _name(node.func) in _PARSERS and len(node.args) == 1:
        node = node.args[0]
    else:
        return None
    return _valid(node.value) if isinstance(node, ast.Constant) else None


def _valid(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        Version(value)
    except InvalidVersion:
        return None
    return value


def negate(spec: str) -> str:
    """The releases one comparison (`<4.53`) leaves out (`>=4.53`)."""
    operator = spec[:2] if spec[:2] in _NEGATED else spec[:1]
    return _NEGATED[operator] + spec[len(operator):]


def test_range(test: ast.expr) -> str | None:
    """The releases on which `test` holds, as one comparison (">=4.53"); None when it is not one
    comparison of the installed transformers with a literal release, or the negation of one."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = test_range(test.operand)
        return None if inner is None else negate(inner)
    if isinstance(test, ast.Call) and _name(test.func) == _OWN_CHECK and len(test.args) == 2:
        operator, release = (a.value if isinstance(a, ast.Constant) else None for a in test.args)
        valid = _valid(release)
        return f"{operator}{valid}" if operator in _NEGATED and valid else None
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        operator = _OPERATORS.get(type(test.ops[0]))
        left, right = test.left, test.comparators[0]
        if operator is not None and _installed(left) and (release := _release(right)):
            return f"{operator}{release}"
        if operator is not None and _installed(right) and (release := _release(left)):
            return f"{_MIRRORED[operator]}{release}"
    return None


def _exits(body: list[ast.stmt]) -> bool:
    """Whether a block always leaves the one around it: it ends in return, raise, continue, break
    or `sys.exit(...)`."""
    if not body:
        return False
    last = body[-1]
    if isinstance(last, ast.Return | ast.Raise | ast.Continue | ast.Break):
        return True
    return (isinstance(last, ast.Expr) and isinstance(last.value, ast.Call)
            and isinstance(last.value.func, ast.Attribute) and last.value.func.attr == "exit"
            and _name(last.value.func.value) == "sys")


def early_exit_regions(node: ast.AST, is_check: Callable[[ast.If], bool]) -> Iterator[Region]:
    """The rest of each block of `node` after an `if` on the release (`is_check`: whether an `if`'s
    test names a release check) that leaves the block on one side only: the rest runs where that
    side does not."""
    for field in ("body", "orelse", "finalbody"):
        block = getattr(node, field, None)
        if not isinstance(block, list):
            continue
        for position, statement in enumerate(block[:-1]):
            if not isinstance(statement, ast.If) or not is_check(statement):
                continue
            body_exits, else_exits = _exits(statement.body), _exits(statement.orelse)
            if body_exits == else_exits:
                continue  # both leave (nothing after runs) or neither does (everything does)
            spec = test_range(statement.test)
            runs_on = "" if spec is None else negate(spec) if body_exits else spec
            first = block[position + 1].lineno
            last = block[-1].end_lineno or block[-1].lineno
            yield first, last, runs_on, f"the release check on line {statement.lineno}"
