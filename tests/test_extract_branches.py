"""Names chosen by `if` / `match` statements: each branch starts from the same names, and a name the
branches leave holding different literals is read as alternatives naming each branch.

The branches are undone by the names they wrote (not by copying the scope), so these cases pin what
a name holds after nested, partial and empty branches."""

from __future__ import annotations

from textwrap import dedent

from attnlint.extract.python import extract_python

LOAD = "AutoModelForCausalLM.from_pretrained('meta-llama/Llama-3.1-8B', attn_implementation=attn)"


def _attn(body: str) -> list[tuple[object, str | None]]:
    source = f"from transformers import AutoModelForCausalLM\n{dedent(body)}model = {LOAD}\n"
    (use,) = extract_python(source, "a.py")
    return [(s.value, s.branch) for s in use.attn]


def test_each_branch_that_sets_a_literal_is_an_alternative() -> None:
    assert _attn(
        """\
        attn = "sdpa"
        if fast:
            attn = "flash_attention_2"
        """
    ) == [("flash_attention_2", "the if branch of the `if` on line 3"),
          ("sdpa", "the else branch of the `if` on line 3")]


def test_a_name_set_in_one_branch_only_has_that_branch_s_value() -> None:
    assert _attn(
        """\
        if fast:
            attn = "flash_attention_2"
        """
    ) == [("flash_attention_2", None)]


def test_branches_start_from_the_same_names() -> None:
    """The else branch does not see what the if branch wrote: `attn` there is the earlier literal."""
    assert _attn(
        """\
        attn = "eager"
        if fast:
            attn = "sdpa"
        else:
            other = attn
            attn = other
        """
    ) == [("sdpa", "the if branch of the `if` on line 3"), ("eager", "the else branch of the `if` on line 3")]


def test_nested_branches_name_the_inner_and_outer_statements() -> None:
    outer = "the if branch of the `if` on line 3"
    assert _attn(
        """\
        attn = "eager"
        if gpu:
            if new:
                attn = "flash_attention_3"
            else:
                attn = "flash_attention_2"
        """
    ) == [
        ("flash_attention_3", f"the if branch of the `if` on line 4, within {outer}"),
        ("flash_attention_2", f"the else branch of the `if` on line 4, within {outer}"),
        ("eager", "the else branch of the `if` on line 3"),
    ]


def test_a_name_no_branch_writes_is_no_alternative() -> None:
    assert _attn(
        """\
        attn = "sdpa"
        if fast:
            other = "eager"
        else:
            pass
        """
    ) == [("sdpa", None)]


def test_a_value_that_is_not_a_literal_keeps_the_last_branch_s() -> None:
    assert _attn(
        """\
        attn = "sdpa"
        if fast:
            attn = pick()
        else:
            attn = "eager"
        """
    ) == [("eager", None)]


def test_match_cases_are_alternatives_and_names_written_in_a_function_stay_there() -> None:
    assert _attn(
        """\
        attn = "eager"
        match mode:
            case "fast":
                attn = "sdpa"
                def helper():
                    attn = "flex_attention"
                    return attn
            case _:
                pass
        """
    ) == [("sdpa", "the case on line 4"), ("eager", "the case on line 9")]
