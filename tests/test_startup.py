"""Start-up: a check reads the compiled rule base and imports nothing heavy it does not need.

A pre-commit hook pays attnlint's start-up on every commit, so a plain `check` must not import
pydantic (only compiling the rule base and reading a `[tool.attnlint]` table do), libcst (only a
fix does) or torch and transformers (only the runtime guard and the probe worker do). The compiled
rule base is kept in the user's cache folder; these tests hold it to the TOML it was compiled from.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import attnlint.knowledge as knowledge_package
import attnlint.knowledge.compiled as compiled
from attnlint.extract.frameworks.table import frameworks
from attnlint.knowledge.compiled import Knowledge, compile_knowledge, knowledge
from attnlint.settings import Settings, SettingsError, load_settings

REPO = Path(__file__).resolve().parent.parent
#: Modules a check must not import unless it needs them (see the module docstring).
HEAVY = (
    "pydantic", "pydantic_core", "libcst", "torch", "transformers", "yaml", "attnlint.probe.cases",
    "attnlint.probe.command", "attnlint.probe.runner", "attnlint.probe.worker", "attnlint.runtime",
    "attnlint.fix", "attnlint.edits", "multiprocessing", "importlib.metadata", "email", "pathspec",
    "tempfile", "packaging.requirements", "packaging.tags",
)
#: What a warm check must not import besides: the checker. A file with findings in the result cache
#: is reported from there; one that never passed the prefilter has no entry and meets it again.
WARM_HEAVY = (
    *HEAVY, "attnlint.engine", "attnlint.evaluate", "attnlint.extract.python", "attnlint.extract.configs",
    "attnlint.extract.frameworks", "attnlint.parallel", "attnlint.report.full",
)
#: ... and when every file named has an entry, not even the prefilter, the extractor's values or the
#: rule base's records (the known releases, for the notice of a too new target, are read alone).
CACHED_HEAVY = (
    *WARM_HEAVY, "attnlint.prefilter", "attnlint.extract.values", "attnlint.extract.context",
    "attnlint.knowledge.schema", "attnlint.knowledge.call_schema", "attnlint.knowledge.framework_table",
)
CLEAN = "import os\n\nprint(os.getcwd())\n"
SEED = (
    "from transformers import Llama4ForCausalLM\n"
    'model = Llama4ForCausalLM.from_pretrained("m", attn_implementation="flex_attention")\n'
    "out = model.generate(ids, max_new_tokens=8)\n"
)
#: What `--version` must not import either (beyond what the interpreter had when it started).
VERSION_HEAVY = (
    *HEAVY, "dataclasses", "inspect", "json", "packaging", "pathspec", "tomllib", "attnlint.knowledge",
    "attnlint.engine", "attnlint.project", "attnlint.settings",
)
_PROBE = (
    "import sys\nbefore = set(sys.modules)\nfrom attnlint.cli import main\n"
    "code = main(sys.argv[2:])\n"
    "new = set(sys.modules) - before\n"
    "heavy = sorted({m for m in new for h in sys.argv[1].split(',') if m == h or m.startswith(h + '.')})\n"
    "import json\nprint(json.dumps([code, heavy]), file=sys.stderr)\n"
)


@pytest.fixture
def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty user cache folder for this test, in this process and in its subprocesses."""
    folder = tmp_path / "user-cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    compiled.knowledge.cache_clear()
    compiled.release_table.cache_clear()
    yield folder / "attnlint"
    monkeypatch.undo()
    compiled.knowledge.cache_clear()
    compiled.release_table.cache_clear()


def _check(folder: Path, *args: str, heavy: tuple[str, ...] = HEAVY) -> tuple[int, list[str]]:
    """Run the command line in a fresh process in `folder`: its exit code and the modules of
    `heavy` it imported."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", _PROBE, ",".join(heavy), *args], cwd=folder, env=env,
                          capture_output=True, text=True, check=False)
    code, heavy = json.loads(done.stderr.splitlines()[-1])
    return code, heavy


def test_a_check_imports_nothing_heavy_it_does_not_need(fresh_cache: Path, tmp_path: Path) -> None:
    for name, text in {"clean.py": CLEAN, "seed.py": SEED}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    first = _check(tmp_path, "check", "--no-cache", "clean.py")
    assert first[0] == 0 and "pydantic" in first[1], "the first start compiles the rule base"
    assert list(fresh_cache.glob("knowledge-*.pickle"))
    assert _check(tmp_path, "check", "--no-cache", "clean.py") == (0, [])
    assert _check(tmp_path, "--version", heavy=VERSION_HEAVY) == (0, [])
    code, heavy = _check(tmp_path, "check", "--no-cache", "--transformers-version", "==4.51.0", "seed.py")
    assert code == 1 and "libcst" in heavy and not {"pydantic", "torch", "transformers"} & set(heavy)


def test_a_pinned_project_is_checked_without_packaging_parsers(fresh_cache: Path, tmp_path: Path) -> None:
    """A requirements file of plain `name<clauses>` lines and an installed torch: the target is read
    without packaging's PEP 508 parser and without importlib.metadata."""
    (tmp_path / "requirements.txt").write_text("numpy>=1.26\ntransformers>=4.53\n", encoding="utf-8")
    (tmp_path / "clean.py").write_text(CLEAN, encoding="utf-8")
    _check(tmp_path, "check", "--no-cache", "clean.py")  # compiles the rule base
    assert _check(tmp_path, "check", "--no-cache", "clean.py") == (0, [])


def test_a_warm_check_imports_no_checker(fresh_cache: Path, tmp_path: Path) -> None:
    """Files whose findings are in the result cache are reported from it: a warm run (a pre-commit
    hook on unchanged files) imports neither the extractors nor the evaluator, nor the prefilter."""
    for name, text in {"clean.py": CLEAN, "seed.py": SEED}.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    spec = ("--transformers-version", "==4.51.0")
    cold = _check(tmp_path, "check", *spec, "seed.py", "clean.py", heavy=WARM_HEAVY)
    assert cold[0] == 1 and "attnlint.engine" in cold[1]
    assert _check(tmp_path, "check", *spec, "seed.py", "clean.py", heavy=WARM_HEAVY) == (1, [])
    assert _check(tmp_path, "check", *spec, "seed.py", heavy=CACHED_HEAVY) == (1, [])


def test_a_settings_table_is_validated_once(fresh_cache: Path, tmp_path: Path) -> None:
    """pydantic validates a `[tool.attnlint]` table the first time it is read; the same table later
    becomes the same settings without it, and a changed table is validated again."""
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.attnlint]\nselect = ["ATN1"]\nrespect-gitignore = false\n', encoding="utf-8")
    (tmp_path / "clean.py").write_text(CLEAN, encoding="utf-8")
    code, heavy = _check(tmp_path, "check", "--no-cache", "clean.py")
    assert code == 0 and "pydantic" in heavy
    assert _check(tmp_path, "check", "--no-cache", "clean.py") == (0, [])
    assert load_settings(tmp_path) == Settings(select=["ATN1"], respect_gitignore=False)
    pyproject.write_text('[tool.attnlint]\nselect = ["ATN1"]\nrespect-gitignore = "no"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="'respect-gitignore': input should be a valid boolean"):
        load_settings(tmp_path)


def test_the_compiled_form_is_what_validation_gives(fresh_cache: Path) -> None:
    """The stored records equal a fresh validation of the TOML, and a later start reads them back."""
    validated = compile_knowledge()
    assert knowledge() == validated  # compiled now, and stored
    (stored,) = fresh_cache.glob("knowledge-*.pickle")
    assert stored.name == f"knowledge-{compiled.knowledge_key()}.pickle"
    compiled.knowledge.cache_clear()
    read_back = knowledge()
    assert read_back == validated and read_back is not validated
    with stored.open("rb") as entry:  # the release table, readable alone, then the records
        assert pickle.load(entry) == validated.releases and pickle.load(entry) == validated
    assert compiled.release_table() == validated.releases
    assert knowledge_package.rules() == validated.rules and frameworks() == validated.frameworks


def test_a_broken_entry_is_compiled_again(fresh_cache: Path) -> None:
    fresh_cache.mkdir(parents=True)
    entry = fresh_cache / f"knowledge-{compiled.knowledge_key()}.pickle"
    entry.write_bytes(b"not a pickle")
    assert knowledge() == compile_knowledge()
    assert isinstance(compiled._load(entry), Knowledge)


def test_other_installs_keep_their_entries_for_a_week(fresh_cache: Path) -> None:
    """Installs with other knowledge (another checkout, another version) share the folder: a store
    keeps their recent entries, so they do not compile again on every alternate start."""
    fresh_cache.mkdir(parents=True)
    recent, old = fresh_cache / "knowledge-recent.pickle", fresh_cache / "knowledge-old.pickle"
    recent.write_bytes(b"")
    old.write_bytes(b"")
    week_ago = old.stat().st_mtime - 8 * 24 * 3600
    os.utime(old, (week_ago, week_ago))
    knowledge()
    assert sorted(p.name for p in fresh_cache.iterdir()) == sorted(
        ["knowledge-recent.pickle", f"knowledge-{compiled.knowledge_key()}.pickle"]
    )


def test_an_unwritable_cache_folder_costs_only_the_compile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cache location that cannot be a folder (here a file) is no error: the rule base is compiled
    in memory and nothing is written."""
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    compiled.knowledge.cache_clear()
    try:
        assert knowledge() == compile_knowledge()
    finally:
        monkeypatch.undo()
        compiled.knowledge.cache_clear()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["not-a-folder"]


def test_a_changed_knowledge_file_is_a_new_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Editing a rule (here through a copy of the knowledge folder) changes the key, so a stale
    compiled form is never read."""
    before = compiled.knowledge_key()
    shipped = compiled._FOLDER
    copy = tmp_path / "knowledge"
    for path in shipped.rglob("*.toml"):
        (copy / path.relative_to(shipped)).parent.mkdir(parents=True, exist_ok=True)
        (copy / path.relative_to(shipped)).write_bytes(path.read_bytes())
    monkeypatch.setattr(compiled, "_FOLDER", copy)
    compiled.rule_base_hash.cache_clear()
    try:
        assert compiled.knowledge_key() == before
        rule = copy / "rules" / "ATN101.toml"
        rule.write_text(rule.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
        compiled.rule_base_hash.cache_clear()
        assert compiled.knowledge_key() != before
    finally:
        monkeypatch.undo()
        compiled.rule_base_hash.cache_clear()


def test_a_wheel_install_checks_without_writing_next_to_its_package(tmp_path: Path) -> None:
    """`pip install .` then `attnlint check examples/`: the wheel ships the knowledge TOML, the first
    start compiles it into the user cache folder, and nothing is written into the installed package
    (a site-packages the user cannot write to works the same)."""
    source = tmp_path / "source"
    shutil.copytree(REPO / "attnlint", source / "attnlint", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", str(source), "-w", str(tmp_path)],
                   check=True, capture_output=True)
    (wheel,) = tmp_path.glob("attnlint-*.whl")
    site = tmp_path / "site"
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True,
                   capture_output=True)
    installed = sorted(p for p in site.rglob("*") if p.is_file())
    assert site / "attnlint" / "knowledge" / "rules" / "ATN101.toml" in installed
    project = tmp_path / "project"
    shutil.copytree(REPO / "examples", project / "examples")
    env = {**os.environ, "PYTHONPATH": str(site), "XDG_CACHE_HOME": str(tmp_path / "user-cache"),
           "PYTHONDONTWRITEBYTECODE": "1"}
    where = subprocess.run([sys.executable, "-c", "import attnlint; print(attnlint.__file__)"], cwd=project,
                           env=env, capture_output=True, text=True, check=True)
    assert Path(where.stdout.strip()) == site / "attnlint" / "__init__.py"
    command = [sys.executable, "-m", "attnlint", "check", "--output-format", "json", "examples/"]
    runs = [subprocess.run(command, cwd=project, env=env, capture_output=True, text=True) for _ in range(2)]
    for done in runs:
        assert done.returncode == 1, done.stderr
        found = json.loads(done.stdout)
        assert {d["code"] for d in found} == {"ATN101", "ATN114"}  # README's first command
        assert all(Path(d["filename"]).parts[0] == "examples" for d in found)
    assert runs[0].stdout == runs[1].stdout  # compiled, then read back: the same findings
    assert sorted(p for p in site.rglob("*") if p.is_file()) == installed
    assert len(list((tmp_path / "user-cache" / "attnlint").glob("knowledge-*.pickle"))) == 1
