"""Defects of the time when check, reported fixes and the fixer's re-check were separate paths.

Each test reproduces one reported disagreement (issue 8) through the real command line.
"""

from __future__ import annotations

import codecs
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from agreement import fix_then_check, records, run_cli

LOAD = (
    'model = Llama4ForConditionalGeneration.from_pretrained(\n'
    '    "meta-llama/Llama-4-Scout-17B-16E-Instruct", attn_implementation="flex_attention",'
    ' device_map="cuda"\n'
    ")\n"
)
IMPORT = "from transformers import Llama4ForConditionalGeneration\n"
SEED = IMPORT + LOAD + "out = model.generate(**inputs, max_new_tokens=32)\n"
FIXED = SEED.replace("max_new_tokens=32)", 'max_new_tokens=32, cache_implementation="hybrid")')
LLAMA = '{\n  "model_type": "llama",\n  "attn_implementation": "flex_attention"\n}\n'


def _project(root: Path, files: dict[str, str | bytes], pin: str = "transformers==4.51.0") -> Path:
    root.mkdir(exist_ok=True)
    (root / "requirements.txt").write_text(f"{pin}\n", encoding="utf-8")
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    return root


def _in(root: Path, *argv: str) -> tuple[int, str, str]:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        return run_cli(*argv)


# ---- 1. the fixer's re-check knows the project root ------------------------------------------------


def test_a_model_loaded_by_a_root_relative_path_is_recheck_with_the_root(tmp_path: Path) -> None:
    """A script loading `models/scout` (relative to the project root) was re-checked without the
    root, so `fix` called ATN103 gone while the next `check` still found it."""
    script = (
        "from transformers import AutoModelForCausalLM\n"
        'model = AutoModelForCausalLM.from_pretrained("models/scout", attn_implementation="flex_attention",'
        ' device_map="cuda")\n'
        "out = model.generate(**inputs, use_cache=False)\n"
    )
    root = _project(tmp_path / "p", {"models/scout/config.json": '{"model_type": "llama4"}\n',
                                     "scripts/train.py": script})
    fix_code, fixed, _ = _in(root, "fix", ".")
    check_code, checked, _ = _in(root, "check", ".")
    assert (fix_code, check_code) == (1, 1)
    assert "(1 remaining)" in fixed and "ATN103" in fixed and "ATN103" in checked
    remaining, found = fix_then_check(root)
    assert "ATN103" in {r["code"] for r in found}
    assert remaining == found


# ---- 2. config folders: check offers the fix that fix applies --------------------------------------


@pytest.mark.parametrize("bom", [b"", codecs.BOM_UTF8])
def test_check_offers_the_config_fix_that_fix_applies(tmp_path: Path, bom: bytes) -> None:
    """ATN205 on 5.24 (flex from config.json, a static cache from generation_config.json): the fix
    check shows is the edit fix makes, with or without a byte-order mark."""
    generation = b'{\n  "cache_implementation": "static"\n}\n'
    files: dict[str, str | bytes] = {
        "ckpt/config.json": bom + LLAMA.encode(), "ckpt/generation_config.json": bom + generation
    }
    root = _project(tmp_path / "p", files, pin="transformers==5.24.0")
    _, out, _ = _in(root, "check", ".", "--output-format", "json")
    (finding,) = [r for r in records(out) if r["code"] == "ATN205"]
    assert finding["filename"] == "ckpt/generation_config.json"
    (edit,) = finding["fix"]["edits"]
    assert edit.get("filename", finding["filename"]) == "ckpt/generation_config.json"
    assert edit["content"] == ""
    code, diff, _ = _in(root, "fix", "--diff", ".")
    assert code == 1 and '-  "cache_implementation": "static"' in diff
    remaining, found = fix_then_check(root)
    assert remaining == found and "ATN205" not in {r["code"] for r in found}
    assert (root / "ckpt/generation_config.json").read_bytes() == bom + b"{\n}\n"


# ---- 3. positions: one row/column conversion -------------------------------------------------------


def test_lone_cr_rows_agree_and_the_last_cr_is_kept(tmp_path: Path) -> None:
    text = SEED.replace("\n", "\r")
    root = _project(tmp_path / "p", {"cr.py": text})
    _, out, _ = _in(root, "check", ".", "--output-format", "json")
    (finding,) = records(out)
    (edit,) = finding["fix"]["edits"]
    assert (finding["location"]["row"], edit["location"]["row"]) == (3, 5)
    _in(root, "fix", ".")
    assert (root / "cr.py").read_bytes() == FIXED.replace("\n", "\r").encode()


def test_a_form_feed_at_the_start_of_a_line_survives_a_fix(tmp_path: Path) -> None:
    text = IMPORT + "\x0c\n" + LOAD + "\x0cout = model.generate(**inputs, max_new_tokens=32)\n"
    root = _project(tmp_path / "p", {"ff.py": text})
    assert _in(root, "fix", ".")[0] == 0
    assert (root / "ff.py").read_text(encoding="utf-8") == text.replace(
        "max_new_tokens=32)", 'max_new_tokens=32, cache_implementation="hybrid")'
    )


def _notebook(*cells: str) -> str:
    return json.dumps({
        "cells": [{"cell_type": "code", "source": cell.splitlines(True), "metadata": {}, "outputs": []}
                  for cell in cells],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
    }, indent=1)


def test_a_notebook_syntax_error_is_at_its_column_in_its_cell(tmp_path: Path) -> None:
    cells = _notebook("import transformers\n", "x = 1\ny = é + (f(attn_implementation='flex_attention')\n")
    root = _project(tmp_path / "p", {"nb.ipynb": cells})
    _, out, _ = _in(root, "check", ".", "--output-format", "json")
    (finding,) = records(out)
    assert finding["code"] == "ATN001"
    assert (finding["cell"], finding["location"]["row"]) == (2, 2)
    assert finding["location"]["column"] == 9  # the unclosed "(", counted in this cell's characters


def test_fix_names_the_notebook_cell_of_what_remains(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", {"nb.ipynb": _notebook(IMPORT, LOAD, "out = model.generate(**inputs)\n")})
    code, out, err = _in(root, "fix", ".")
    assert code == 1
    assert "nb.ipynb:cell 2:2:70: ATN101" in out
    assert "notebooks are checked but not rewritten" in err


@pytest.mark.parametrize("odd", ["\x0c", "\x85", "\u2028", "\u2029", "\x1c"])
def test_diff_is_a_patch_that_applies(tmp_path: Path, odd: str) -> None:
    """Characters `str.splitlines` treats as line ends are inside their lines for patch."""
    text = f"# a {odd} b\n" + SEED + f"x = 'keep {odd} this'\n"
    root = _project(tmp_path / "p", {"odd.py": text})
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    code, diff, err = _in(root, "fix", "--diff", ".")
    assert code == 1 and "Would fix 1 error (0 remaining)." in err and "Would fix" not in diff
    applied = subprocess.run(
        ["patch", "-p0"], input=diff.encode(), cwd=copy, capture_output=True, check=False
    )
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert (copy / "odd.py").read_text(encoding="utf-8") == text.replace(
        "max_new_tokens=32)", 'max_new_tokens=32, cache_implementation="hybrid")'
    )


def test_a_repinned_requirement_diff_applies_from_the_working_folder(tmp_path: Path) -> None:
    """`--fix-pins --diff` named the requirements file by its absolute path, which `patch -p0`
    refuses as a dangerous name; it is named as the code files are, from the working folder."""
    root = _project(tmp_path / "p", {"seed.py": SEED}, pin="transformers>=4.50")
    copy = tmp_path / "copy"
    shutil.copytree(root, copy)
    code, diff, _ = _in(root, "fix", "--diff", "--fix-pins", "--unsafe-fixes", ".")
    assert code == 1 and "--- requirements.txt\n" in diff and str(tmp_path) not in diff
    applied = subprocess.run(
        ["patch", "-p0"], input=diff.encode(), cwd=copy, capture_output=True, check=False
    )
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert (copy / "requirements.txt").read_text(encoding="utf-8") != "transformers>=4.50\n"


# ---- 3b. no fix next to a spread whose keys cannot be read -----------------------------------------


@pytest.mark.parametrize(
    "spread",
    [
        'gen_kwargs = json.load(open("gen.json"))\n',
        "def settings():\n    return {}\ngen_kwargs = settings()\n",
    ],
)
def test_no_keyword_is_added_next_to_an_unreadable_spread(tmp_path: Path, spread: str) -> None:
    text = "import json\n" + IMPORT + LOAD + spread + "out = model.generate(**inputs, **gen_kwargs)\n"
    root = _project(tmp_path / "p", {"spread.py": text})
    code, out, _ = _in(root, "check", ".")
    assert code == 1 and "[*]" not in out
    code, _, err = _in(root, "fix", ".")
    assert code == 1 and "**gen_kwargs, whose keys attnlint cannot read" in err
    assert (root / "spread.py").read_text(encoding="utf-8") == text


def test_a_keyword_is_still_added_next_to_tokenizer_inputs(tmp_path: Path) -> None:
    text = IMPORT + LOAD + 'inputs = tokenizer("hi", return_tensors="pt").to("cuda")\n'
    text += "out = model.generate(**inputs, max_new_tokens=32)\n"
    root = _project(tmp_path / "p", {"ok.py": text})
    assert _in(root, "fix", ".")[0] == 0
    assert 'cache_implementation="hybrid")' in (root / "ok.py").read_text(encoding="utf-8")


# ---- 4. a target newer than every known release is never silently clean ----------------------------


@pytest.mark.parametrize("command", ["check", "fix"])
def test_a_target_newer_than_the_knowledge_base_says_so(tmp_path: Path, command: str) -> None:
    root = _project(tmp_path / "p", {"seed.py": SEED})
    code, _, err = _in(root, command, ".", "--transformers-version", "==99.0.0")
    assert code == 0
    assert "newer than every release attnlint knows" in err
    assert _in(root, command, ".", "--transformers-version", "==4.51.0")[2] == ""


# ---- 5. output: every command renders through report/ ----------------------------------------------


def test_check_fix_prints_json_and_honours_exit_zero(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", {"seed.py": SEED}, pin="transformers>=4.50")
    code, out, _ = _in(root, "check", "--fix", ".", "--output-format", "json")
    (remaining,) = [r for r in json.loads(out) if r["code"] == "ATN101"]
    assert code == 1 and remaining["fix"]["applicability"] == "unsafe"
    assert _in(root, "fix", ".", "--exit-zero")[0] == 0
    code, out, _ = _in(root, "fix", ".", "--output-format", "github")
    assert code == 1 and out.startswith("::error title=attnlint (ATN101)")


def test_counts_name_warnings_and_fixes_in_words(tmp_path: Path) -> None:
    warning = (
        "from transformers import AutoModelForCausalLM\n"
        'm = AutoModelForCausalLM.from_pretrained("x", attn_implementation="sdpa")\n'
        "m(ids, output_attentions=True)\nm(ids, output_attentions=True)\n"
    )
    root = _project(tmp_path / "p", {"w.py": warning}, pin="transformers==4.53.0")
    _, out, _ = _in(root, "check", ".", "--select", "ATN204")
    assert out.endswith("Found 2 warnings.\nNo fixes available (2 hidden fixes can be enabled with the "
                        "`--unsafe-fixes` option).\n")
    (root / "seed.py").write_text(SEED, encoding="utf-8")
    (root / "requirements.txt").write_text("transformers>=4.51,<4.54\n", encoding="utf-8")
    _, out, _ = _in(root, "check", ".", "--select", "ATN101,ATN204")
    assert "Found 1 error and 2 warnings." in out


def test_a_repeated_pin_is_named_once(tmp_path: Path) -> None:
    root = tmp_path / "p"
    root.mkdir()
    (root / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "0"\ndependencies = ["transformers==4.51.0"]\n'
        '[project.optional-dependencies]\nserve = ["transformers==4.51.0"]\n',
        encoding="utf-8",
    )
    (root / "seed.py").write_text(SEED, encoding="utf-8")
    _, out, _ = _in(root, "check", ".")
    assert "your requirement `transformers==4.51.0` (pyproject.toml) allows" in out


def test_an_unset_attention_is_not_spelled_as_a_value(tmp_path: Path) -> None:
    scout = '"meta-llama/Llama-4-Scout-17B-16E-Instruct"'
    text = IMPORT + f"model = Llama4ForConditionalGeneration.from_pretrained({scout})\n"
    text += 'out = model.generate(**inputs, cache_implementation="static")\n'
    root = _project(tmp_path / "p", {"unset.py": text})
    _, out, _ = _in(root, "check", ".")
    assert "ATN104" in out
    assert "attn_implementation=the default" not in out and "the default attn_implementation" in out
