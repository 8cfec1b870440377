"""check_source's edges: noqa comments, select/ignore, and files that do not parse or decode."""

from __future__ import annotations

import pytest
from packaging.specifiers import SpecifierSet

from attnlint import check_source
from attnlint.engine import check_bytes, selected, suppressions
from attnlint.facts import Target

BAD = Target(transformers=SpecifierSet("==4.51.0"), reason="the test pins")
LOAD = (
    "from transformers import Llama4ForCausalLM\n"
    'model = Llama4ForCausalLM.from_pretrained("meta-llama/Llama-4-Scout-17B-16E", '
    'attn_implementation="flex_attention"){comment}\n'
)


def codes(comment: str = "", **options: object) -> list[str]:
    text = LOAD.format(comment=comment)
    return [d.code for d in check_source(text, target=BAD, **options)]  # type: ignore[arg-type]


def test_unsuppressed_case_reports() -> None:
    assert codes() == ["ATN101"]


@pytest.mark.parametrize(
    "comment",
    ["  # noqa", "  # NOQA", "  # noqa: ATN101", "  # noqa: E501, ATN101", "  # noqa:ATN1",
     "  # attnlint: ignore[ATN101]", "  # attnlint: ignore[ATN2, ATN101]", "  # type: ignore  # noqa: ATN"],
)
def test_comments_suppress(comment: str) -> None:
    assert codes(comment) == []


@pytest.mark.parametrize("comment", ["  # noqa: ATN201", "  # attnlint: ignore[ATN3]", "  # no qa"])
def test_comments_for_other_codes_do_not_suppress(comment: str) -> None:
    assert codes(comment) == ["ATN101"]


def test_noqa_inside_a_string_does_not_suppress() -> None:
    text = (
        "from transformers import Llama4ForCausalLM\n"
        'model = Llama4ForCausalLM.from_pretrained("meta-llama/Llama-4-Scout-17B-16E # noqa", '
        'attn_implementation="flex_attention")\n'
    )
    assert [d.code for d in check_source(text, target=BAD)] == ["ATN101"]
    assert suppressions('x = "# noqa"\ny = 1  # noqa: ATN101\n') == {2: frozenset({"ATN101"})}


def test_noqa_on_another_line_does_not_suppress() -> None:
    text = "# noqa\n" + LOAD.format(comment="")
    assert [d.code for d in check_source(text, target=BAD)] == ["ATN101"]


@pytest.mark.parametrize(
    ("select", "ignore", "expected"),
    [((), (), ["ATN101"]), (("ATN1",), (), ["ATN101"]), (("ATN2",), (), []), (("ALL",), ("ATN101",), []),
     ((), ("ATN",), []), (("ATN101",), ("ATN2",), ["ATN101"])],
)
def test_select_and_ignore_prefixes(
    select: tuple[str, ...], ignore: tuple[str, ...], expected: list[str]
) -> None:
    assert codes(select=select, ignore=ignore) == expected
    assert selected("ATN101", select, ignore) == bool(expected)


def test_syntax_error_is_one_diagnostic() -> None:
    [diagnostic] = check_source("model = AutoModel.from_pretrained(\n", "broken.py")
    assert (diagnostic.code, diagnostic.rule, diagnostic.severity) == ("ATN001", "syntax-error", "error")
    assert diagnostic.filename == "broken.py" and diagnostic.location.row == 1
    assert "was never closed" in diagnostic.message


def test_syntax_error_column_counts_characters() -> None:
    [diagnostic] = check_source('s = "éé"; x = (\n')
    assert diagnostic.location.column == 15


def test_too_deep_nesting_is_a_diagnostic_not_a_crash() -> None:
    chain = " if c else ".join(['"sdpa"'] * 3000)
    [diagnostic] = check_source(f"A = {chain}\n")
    assert diagnostic.code == "ATN001" and "nested too deeply" in diagnostic.message


def test_syntax_error_can_be_ignored_by_selection() -> None:
    assert check_source("def f(:\n", ignore=("ATN001",)) == []


def test_undecodable_bytes_are_one_diagnostic() -> None:
    [diagnostic] = check_bytes(b"x = 1\ny = '\xff\xfe'\n", "latin.py")
    assert (diagnostic.code, diagnostic.rule) == ("ATN002", "undecodable-file")
    assert diagnostic.location.row == 2 and "utf-8" in diagnostic.message and "byte 11" in diagnostic.message


def test_bad_coding_cookie_is_reported() -> None:
    [diagnostic] = check_bytes(b"# -*- coding: klingon -*-\nx = 1\n")
    assert diagnostic.code == "ATN002" and "klingon" in diagnostic.message


def test_declared_encoding_and_bom_are_honoured() -> None:
    latin = "# -*- coding: latin-1 -*-\n" + LOAD.format(comment="  # modèle")
    assert [d.code for d in check_bytes(latin.encode("latin-1"), target=BAD)] == ["ATN101"]
    assert [d.code for d in check_bytes(b"\xef\xbb\xbf" + LOAD.format(comment="").encode(), target=BAD)] == [
        "ATN101"
    ]


def test_empty_file_has_no_diagnostics() -> None:
    assert check_source("") == []
    assert check_bytes(b"") == []
