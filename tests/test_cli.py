"""The command line end to end: folder-level golden outputs, exit codes, discovery and options.

Golden cases live in tests/golden/<case>/: `input/` is copied to a temporary folder that becomes
the working folder (so paths in the output are short and stable), `args` holds extra options (one
per line), `expected.txt` / `expected.json` the outputs and `exit_code` the status. Regenerate
with `ATTNLINT_UPDATE_GOLDEN=1 python -m pytest tests/test_cli.py` and review the diff.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from attnlint.cli import main
from attnlint.knowledge import rules

GOLDEN = Path(__file__).parent / "golden"
REPO = Path(__file__).parent.parent
UPDATE = os.environ.get("ATTNLINT_UPDATE_GOLDEN") == "1"

SEED = """from transformers import Llama4ForConditionalGeneration

model = Llama4ForConditionalGeneration.from_pretrained(
    "meta-llama/Llama-4-Scout-17B-16E-Instruct", attn_implementation="flex_attention", device_map="cuda"
)
out = model.generate(**inputs, max_new_tokens=32)
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty project pinned to transformers 4.51.0, as the working folder."""
    root = tmp_path / "project"
    write(root, {"requirements.txt": "transformers==4.51.0\n"})
    monkeypatch.chdir(root)
    return root


# ---- golden cases ---------------------------------------------------------------------------------

CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "input").is_dir()) if GOLDEN.is_dir() else []


def _check_golden(expected: Path, actual: str) -> None:
    if UPDATE:
        expected.write_text(actual, encoding="utf-8")
    assert actual == expected.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", CASES)
def test_golden(
    case: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    source = GOLDEN / case
    shutil.copytree(source / "input", tmp_path / case)
    monkeypatch.chdir(tmp_path / case)
    args_file = source / "args"
    args = args_file.read_text(encoding="utf-8").split() if args_file.exists() else []

    code, text, _ = run(capsys, "check", ".", *args)
    json_code, raw, _ = run(capsys, "check", ".", "--output-format", "json", *args)

    _check_golden(source / "expected.txt", text)
    _check_golden(source / "expected.json", json.dumps(json.loads(raw), indent=2) + "\n")
    _check_golden(source / "exit_code", f"{code}\n")
    assert json_code == code


def test_golden_cases_exist() -> None:
    assert {"seed", "clean", "broken_files", "model_folder"} <= set(CASES)


# ---- exit codes and options -------------------------------------------------------------------------


def test_findings_exit_1_and_clean_exit_0(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"seed.py": SEED})
    code, out, _ = run(capsys, "check")
    assert code == 1
    assert "seed.py:4:70: ATN101" in out
    assert out.endswith("Found 1 error.\n[*] 1 fixable with the `--fix` option.\n")

    code, out, _ = run(capsys, "check", "--exit-zero")
    assert code == 0 and "ATN101" in out

    code, out, _ = run(capsys, "check", "--transformers-version", ">=4.53")
    assert (code, out) == (0, "All checks passed!\n")


@pytest.mark.parametrize(
    ("options", "found"),
    [
        (["--select", "ATN101"], True),
        (["--select", "ATN1"], True),
        (["--select", "ATN2"], False),
        (["--ignore", "ATN101"], False),
        (["--ignore", "atn1"], False),
        (["--select", "ATN2", "--extend-select", "ATN10"], True),
    ],
)
def test_select_and_ignore(
    project: Path, capsys: pytest.CaptureFixture[str], options: list[str], found: bool
) -> None:
    write(project, {"seed.py": SEED})
    code, out, _ = run(capsys, "check", *options)
    assert ("ATN101" in out) is found
    assert code == int(found)


def test_settings_select_and_ignore_from_pyproject(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"seed.py": SEED, "pyproject.toml": '[tool.attnlint]\nignore = ["ATN101"]\n'})
    assert run(capsys, "check")[0] == 0
    code, out, _ = run(capsys, "check", "--select", "ATN101")
    assert code == 0, "--select does not undo a configured ignore, as in ruff"
    assert "All checks passed!" in out


def test_unknown_setting_key_exits_2_naming_the_key(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project, {"seed.py": SEED, "pyproject.toml": "[tool.attnlint]\nselekt = ['ATN1']\n"})
    code, out, err = run(capsys, "check")
    assert code == 2
    assert out == ""
    assert "selekt" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_bad_transformers_version_exits_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "check", "--transformers-version", "four point fifty")
    assert code == 2
    assert "four point fifty" in err


def test_missing_path_exits_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "check", "no/such/dir")
    assert code == 2
    assert "no/such/dir" in err


def test_bad_option_exits_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "check", "--output-format", "xml")[0] == 2
    assert run(capsys, "--version")[0] == 0


def test_config_option_reads_that_pyproject(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project, {"seed.py": SEED})
    other = write(tmp_path / "elsewhere", {"pyproject.toml": '[tool.attnlint]\nignore = ["ATN1"]\n'})
    assert run(capsys, "check")[0] == 1
    assert run(capsys, "check", "--config", str(other / "pyproject.toml"))[0] == 0
    code, _, err = run(capsys, "check", "--config", str(other / "missing.toml"))
    assert code == 2 and "missing.toml" in err


def test_syntax_error_is_reported_and_other_files_still_checked(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = 'import transformers\nmodel = f(attn_implementation="sdpa"\n'
    write(project, {"a_broken.py": broken, "b_seed.py": SEED})
    code, out, _ = run(capsys, "check")
    assert code == 1
    assert "a_broken.py:" in out and "ATN001" in out
    assert "b_seed.py:4:70: ATN101" in out


def test_non_utf8_and_empty_files(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(
        project,
        {
            "empty.py": "",
            "latin1.py": b'# \xe9t\xe9\nimport transformers\nattn_implementation = "\xff"\n',
            "seed.py": SEED,
        },
    )
    code, out, _ = run(capsys, "check", "--output-format", "json")
    found = {(d["filename"], d["code"]) for d in json.loads(out)}
    assert ("seed.py", "ATN101") in found
    assert ("latin1.py", "ATN002") in found
    assert not any(name == "empty.py" for name, _ in found)
    assert code == 1


def test_unreadable_file_is_a_finding(
    project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(project, {"locked.py": SEED, "seed.py": SEED})
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "locked.py":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    code, out, _ = run(capsys, "check")
    assert code == 1
    assert "locked.py:1:1: ATN004 cannot read file: Permission denied" in out
    assert "seed.py:4:70: ATN101" in out


def test_broken_config_json_is_a_finding(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"ckpt/config.json": '{"model_type": "llama4",\n  "attn_implementation": }\n'})
    code, out, _ = run(capsys, "check")
    assert code == 1
    assert out.startswith("ckpt/config.json:2:")
    assert "ATN003" in out


# ---- discovery ------------------------------------------------------------------------------------


def _filenames(capsys: pytest.CaptureFixture[str], *argv: str) -> set[str]:
    code, out, err = run(capsys, "check", "--output-format", "json", *argv)
    assert code in (0, 1), err
    return {d["filename"] for d in json.loads(out)}


@pytest.mark.parametrize("use_git", [False, True])
def test_gitignore_and_default_excludes(
    project: Path, capsys: pytest.CaptureFixture[str], use_git: bool
) -> None:
    write(
        project,
        {
            ".gitignore": "ignored.py\ngenerated/\n",
            "kept.py": SEED,
            "ignored.py": SEED,
            "generated/seed.py": SEED,
            "sub/.gitignore": "local_*.py\n",
            "sub/local_x.py": SEED,
            "sub/kept.py": SEED,
            ".venv/lib/seed.py": SEED,
            "node_modules/x/seed.py": SEED,
            "build/seed.py": SEED,
        },
    )
    if use_git:
        if shutil.which("git") is None:
            pytest.skip("git is not installed")
        subprocess.run(["git", "init", "-q", str(project)], check=True)
    assert _filenames(capsys) == {"kept.py", "sub/kept.py"}
    everything = _filenames(
        capsys,
        "--config",
        str(
            write(project, {"cfg/pyproject.toml": "[tool.attnlint]\nrespect-gitignore = false\n"})
            / "cfg/pyproject.toml"
        ),
    )
    assert everything == {"kept.py", "sub/kept.py", "ignored.py", "generated/seed.py", "sub/local_x.py"}


def test_exclude_and_force_exclude(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"legacy/seed.py": SEED, "app/seed.py": SEED})
    assert _filenames(capsys, "--exclude", "legacy") == {"app/seed.py"}
    assert _filenames(capsys, "--exclude", "legacy/*.py") == {"app/seed.py"}
    # A file named on the command line is checked unless --force-exclude (pre-commit passes names).
    assert _filenames(capsys, "--exclude", "legacy", "legacy/seed.py") == {"legacy/seed.py"}
    assert _filenames(capsys, "--exclude", "legacy", "--force-exclude", "legacy/seed.py") == set()


def test_explicit_files_and_folders_are_checked_once(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(project, {"pkg/seed.py": SEED})
    code, out, _ = run(capsys, "check", "pkg", "pkg/seed.py", ".")
    assert code == 1 and out.count("ATN101") == 1


# ---- output formats ---------------------------------------------------------------------------------


def test_json_fields_follow_ruff(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"seed.py": SEED})
    _, out, _ = run(capsys, "check", "--output-format", "json")
    [record] = json.loads(out)
    assert set(record) == {
        "code",
        "rule",
        "message",
        "severity",
        "filename",
        "location",
        "end_location",
        "fix",
        "url",
        "noqa_row",
        "cell",
    }
    assert record["location"] == {"row": 4, "column": 70}
    assert record["fix"]["applicability"] == "safe"
    assert {"content", "location", "end_location"} == set(record["fix"]["edits"][0])


def test_github_format(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"seed.py": SEED})
    code, out, _ = run(capsys, "check", "--output-format", "github")
    assert code == 1
    assert out.startswith(
        "::error title=attnlint (ATN101),file=seed.py,line=4,col=70,endLine=4,endColumn=86::"
    )


# ---- rule docs ----------------------------------------------------------------------------------------


def test_rule_prints_its_sections(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rule", "ATN101")
    assert code == 0
    assert "llama4-flex-dynamic-pad" in out
    for section in ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety", "References"):
        assert section in out


def test_rule_all_json_lists_every_rule(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "rule", "--all", "--output-format", "json")
    assert code == 0
    assert [r["code"] for r in json.loads(out)] == [r.code for r in rules()]
    code, _, err = run(capsys, "rule", "ATN999")
    assert code == 2 and "ATN999" in err


# ---- entry points -------------------------------------------------------------------------------------


def test_python_dash_m_and_console_script(project: Path) -> None:
    write(project, {"seed.py": SEED})
    done = subprocess.run([sys.executable, "-m", "attnlint", "check", "."], capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    assert "seed.py:4:70: ATN101" in done.stdout
    script = Path(sys.executable).parent / "attnlint"
    if not script.exists():
        pytest.skip("console script not installed next to this interpreter")
    done = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.startswith("attnlint ")


def test_a_clean_check_loads_neither_the_fixer_nor_the_libraries_it_checks(project: Path) -> None:
    """`check` pays for libcst only when there is something to fix, and never imports torch or
    transformers (start-up time of the pre-commit hook)."""
    write(project, {"clean.py": "import os\n\nprint(os.getcwd())\n", "seed.py": SEED})
    probe = (
        "import sys\nfrom attnlint.cli import main\n"
        "assert main(['check', 'clean.py']) == 0\n"
        "print(sorted({'libcst', 'torch', 'transformers'} & set(sys.modules)))\n"
        "assert main(['check', 'seed.py']) == 1\n"
        "print(sorted({'libcst', 'torch', 'transformers'} & set(sys.modules)))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("All checks passed!\n[]\n") and done.stdout.endswith("['libcst']\n")


def test_version_and_help_load_neither_pydantic_nor_the_rule_base() -> None:
    """`attnlint --version` costs a bare Python start: the checker is imported by `check` itself."""
    probe = (
        "import sys\nfrom attnlint.cli import main\n"
        "assert main(['--version']) == 0 and main(['check', '--help']) == 0\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'libcst', 'packaging')"
        " or m.startswith(('attnlint.knowledge', 'attnlint.engine', 'attnlint.project'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.endswith("\n[]\n")


def test_notebook_findings_point_into_cells(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def cell(kind: str, source: str) -> dict[str, object]:
        return {"cell_type": kind, "metadata": {}, "source": source.splitlines(keepends=True)}

    load, generate = SEED.split("out = ")
    notebook = {
        "cells": [
            cell("markdown", "# Llama 4\n"),
            cell("code", "%pip install transformers==4.51.0\n" + load),
            cell("code", "!nvidia-smi\nout = " + generate),
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    broken = '{"cells": ["import transformers",\n"attn_implementation"'
    write(project, {"demo.ipynb": json.dumps(notebook), "broken.ipynb": broken})
    code, out, _ = run(capsys, "check")
    assert code == 1
    assert "broken.ipynb:2:22: ATN003 " in out
    assert "demo.ipynb:cell 1:5:70: ATN101 " in out, "row 5 of the first code cell, after the %pip line"
    _, raw, _ = run(capsys, "check", "--output-format", "json", "demo.ipynb")
    [record] = json.loads(raw)
    assert (record["cell"], record["location"], record["fix"]) == (1, {"row": 5, "column": 70}, None)


def test_check_fix_and_diff_delegate_to_the_fixer(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(project, {"seed.py": SEED})
    code, out, _ = run(capsys, "check", "--diff")
    assert code == 1
    assert '+out = model.generate(**inputs, max_new_tokens=32, cache_implementation="hybrid")' in out
    assert (project / "seed.py").read_text(encoding="utf-8") == SEED
    assert run(capsys, "check", "--fix")[0] == 0
    assert 'cache_implementation="hybrid"' in (project / "seed.py").read_text(encoding="utf-8")
    assert run(capsys, "check") == (0, "All checks passed!\n", "")


def test_each_folder_with_pins_is_judged_on_its_own_pins(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        project,
        {"old/seed.py": SEED, "new/seed.py": SEED, "new/requirements.txt": "transformers>=4.53\n"},
    )
    code, out, _ = run(capsys, "check")
    assert code == 1
    assert "old/seed.py:4:70: ATN101" in out and "new/seed.py" not in out
    code, out, _ = run(capsys, "check", "--transformers-version", "==4.51.0")
    assert "new/seed.py:4:70: ATN101" in out, "--transformers-version wins over every pin"


@pytest.mark.parametrize(
    ("table", "options", "found"),
    [
        ('select = ["ATN2"]\nextend-select = ["ATN10"]\n', [], True),
        ('select = ["ATN2"]\n', ["--extend-select", "ATN10"], True),
        ('select = ["ATN2"]\nextend-select = ["ATN3"]\n', [], False),
        ('extend-select = ["ATN2"]\n', [], True),
        ("", ["--extend-select", "ATN2"], True),
    ],
)
def test_extend_select_adds_to_a_selection_and_leaves_all_rules_alone(
    project: Path, capsys: pytest.CaptureFixture[str], table: str, options: list[str], found: bool
) -> None:
    """`extend-select` (setting or option) widens a non-empty `select`; with no `select` every rule
    already runs, so it must not narrow the run to the extended codes."""
    write(project, {"seed.py": SEED, "pyproject.toml": f"[tool.attnlint]\n{table}"})
    code, out, _ = run(capsys, "check", *options)
    assert ("ATN101" in out) is found
    assert code == int(found)


@pytest.mark.parametrize("prefix", [b"", b"\xef\xbb\xbf"], ids=["latin-1-cookie", "bom"])
def test_json_fix_edits_are_computed_on_the_checked_text(
    project: Path, capsys: pytest.CaptureFixture[str], prefix: bytes
) -> None:
    """A non-UTF-8 file (coding cookie) or a BOM file: the fix lands where `attnlint fix` puts it."""
    if prefix:
        source = prefix + (
            'from transformers import Llama4ForCausalLM\n'
            'm = Llama4ForCausalLM.from_pretrained("x", attn_implementation="flex_attention",'
            ' device_map="cuda")  # café\n'
            "m.generate(ids)\n"
        ).encode()
    else:
        source = (
            b"# -*- coding: latin-1 -*-\n"
            b"from transformers import Llama4ForCausalLM\n"
            b'm = Llama4ForCausalLM.from_pretrained("x", attn_implementation="flex_attention",'
            b' device_map="cuda")  # caf\xe9\n'
            b"m.generate(ids)\n"
        )
    write(project, {"a.py": source})
    code, raw, _ = run(capsys, "check", "a.py", "--output-format", "json")
    (finding,) = json.loads(raw)
    assert code == 1 and finding["code"] == "ATN101"
    (edit,) = finding["fix"]["edits"]
    last_row = source.count(b"\n")
    assert edit == {
        "content": ', cache_implementation="hybrid"',
        "location": {"row": last_row, "column": 15},
        "end_location": {"row": last_row, "column": 15},
    }
    assert main(["fix", "a.py"]) == 0
    fixed = (project / "a.py").read_bytes()
    assert fixed.startswith(prefix) and b'm.generate(ids, cache_implementation="hybrid")\n' in fixed
    assert b"caf\xe9" in fixed if not prefix else "café".encode() in fixed


def test_finding_paths_are_relative_to_the_working_folder_only_below_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from attnlint.project import display_path

    (tmp_path / "work" / "src").mkdir(parents=True)
    (tmp_path / "workshop").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "work")
    monkeypatch.chdir(tmp_path / "link")  # the working folder is resolved: paths arrive resolved
    work = (tmp_path / "work").resolve()
    assert display_path(work / "src" / "a.py") == "src/a.py"
    assert display_path(work) == "."
    sibling = (tmp_path / "workshop" / "b.py").resolve()  # shares the folder's name as a prefix
    assert display_path(sibling) == sibling.as_posix()
    assert display_path(Path("relative/c.py")) == "relative/c.py"
    monkeypatch.chdir(tmp_path / "workshop")  # a later working folder is resolved again
    assert display_path(sibling) == "b.py"
