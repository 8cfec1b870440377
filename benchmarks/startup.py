"""What one `attnlint` process costs before it has looked at anything: start-up beside ruff's.

Not a test: run it by hand and read the numbers (the ratios to ruff come last).

    python benchmarks/startup.py                      # 15 alternating rounds
    python benchmarks/startup.py --runs 5 --save NAME # also write benchmarks/results/startup-NAME.json
    python benchmarks/startup.py --source DIR         # measure another checkout (e.g. an older commit)
    python benchmarks/startup.py --importtime         # also the slowest imports of a one-file check
    python benchmarks/startup.py --baseline DIR       # and another checkout's commands, same rounds
    python benchmarks/startup.py --venv               # each checkout pip-installed in a fresh venv

Commands, each a fresh process, medians of wall and CPU (user + system) time over rounds whose
order alternates, with each command's peak RSS:

- `python -c pass` with the same interpreter and environment: what any Python tool pays here;
- `--version`: attnlint beside `ruff --version`;
- a one-file check of a file without findings (`examples/ok/generate.py`) and of a file with a
  fixable finding (`examples/seed/generate.py`, whose fix edits are computed with libcst), both
  with `--no-cache`, beside `ruff check --no-cache` of the same file;
- the same finding file with a warm result cache (what a pre-commit hook pays on an unchanged file);
- the first start of a new attnlint: `--version` is not enough to compile the rule base, so a clean
  check with an empty user cache folder (`XDG_CACHE_HOME`) measures the compile (pydantic validating
  the TOML) that every later start skips.

Python's bytecode cache is allowed (`PYTHONDONTWRITEBYTECODE` is dropped from the environment), as
an installed package has its `.pyc` files; one warm-up round fills it and the compiled rule base.
ruff is the binary the `ruff` package ships (`find_ruff_bin`), not a shim that starts a shell.

By default attnlint runs from the checkout on this interpreter's path; with `--venv` each checkout is
pip-installed (not editable) into a new virtual environment, as `pre-commit` installs the hook, so
the figures leave out whatever `.pth` hooks this interpreter's site-packages run on every start (on
the project's machine, an editable install's finder and a certificate hook cost about 50 ms).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from check_vs_ruff import REPO, Sample, bytecode_environment, ruff_binary, run

#: Where every command runs: not the checkout's root, whose `attnlint/` `python -m` would put first
#: on the path ahead of `--source`.
EXAMPLES = REPO / "examples"
CLEAN_FILE = EXAMPLES / "ok" / "generate.py"
FINDING_FILE = EXAMPLES / "seed" / "generate.py"


def environment(source: Path | None, cache_home: Path) -> dict[str, str]:
    """The environment of every attnlint command: `source` first on the path (None: an installed
    attnlint, nothing added), bytecode allowed, the user cache folder (for the compiled rule base)
    at `cache_home`."""
    env = {**bytecode_environment(), "XDG_CACHE_HOME": str(cache_home)}
    env.pop("PYTHONPATH", None)
    return env if source is None else {**env, "PYTHONPATH": str(source)}


@dataclass(frozen=True)
class Install:
    """Where a measured attnlint runs: an interpreter, and the checkout put on its path (None: the
    interpreter has attnlint installed, as a pre-commit hook's virtual environment has)."""

    python: str
    source: Path | None

    @property
    def attnlint(self) -> list[str]:
        return [self.python, "-m", "attnlint"]

    @property
    def home(self) -> Path:
        """Where its attnlint must be imported from: the checkout, else the virtual environment."""
        return self.source if self.source is not None else Path(self.python).parent.parent


def fresh_install(source: Path, folder: Path) -> Install:
    """`source` pip-installed (not editable, with its light dependencies from the package index) into
    a new virtual environment under `folder`: what `pre-commit` builds for the hook. Its start-up
    has none of the `.pth` hooks this interpreter's site-packages may run on every start."""
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    python = str(folder / "bin" / "python")
    subprocess.run([python, "-m", "pip", "install", "-q", str(source)], check=True)
    return Install(python, None)


def commands(install: Install, cache_home: Path) -> dict[str, tuple[list[str], dict[str, str]]]:
    """name -> (command, environment); attnlint names have a ruff counterpart where one exists."""
    attnlint = install.attnlint
    ruff = ruff_binary()
    env = environment(install.source, cache_home)
    no_cache = ["check", "--no-cache", "--exit-zero"]
    return {
        "python_bare": ([install.python, "-c", "pass"], env),  # the floor of any Python tool here
        "attnlint_version": ([*attnlint, "--version"], env),
        "ruff_version": ([ruff, "--version"], env),
        "attnlint_clean_file": ([*attnlint, *no_cache, str(CLEAN_FILE)], env),
        "ruff_clean_file": ([ruff, *no_cache, str(CLEAN_FILE)], env),
        "attnlint_finding_file": ([*attnlint, *no_cache, str(FINDING_FILE)], env),
        "ruff_finding_file": ([ruff, *no_cache, str(FINDING_FILE)], env),
        "attnlint_finding_file_warm": ([*attnlint, "check", "--exit-zero", str(FINDING_FILE)], env),
    }


def first_start(install: Install, runs: int) -> list[Sample]:
    """A clean one-file check with an empty user cache folder: the rule base is compiled."""
    samples = []
    command = [*install.attnlint, "check", "--no-cache", "--exit-zero", str(CLEAN_FILE)]
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as empty:
            samples.append(run(command, EXAMPLES, environment(install.source, Path(empty))))
    return samples


def imported_from(install: Install) -> Path:
    """The attnlint package the measured commands import (it must lie under `install.home`)."""
    with tempfile.TemporaryDirectory() as cache_home:
        done = subprocess.run(
            [install.python, "-c", "import attnlint; print(attnlint.__file__)"], cwd=EXAMPLES,
            env=environment(install.source, Path(cache_home)), capture_output=True, text=True, check=True,
        )
    package = Path(done.stdout.strip()).parent
    if not package.is_relative_to(install.home):
        raise SystemExit(f"the commands would import {package}, not the attnlint of {install.home}")
    return package


def measure(
    source: Install, runs: int, baseline: Install | None = None
) -> dict[str, dict[str, float]]:
    """Median wall and CPU milliseconds and peak RSS of every command over `runs` rounds; with a
    `baseline` install, its attnlint commands too (`baseline_...`), in the same alternating rounds,
    so that a shared machine's changing load weighs on both alike."""
    with tempfile.TemporaryDirectory() as cache_home, tempfile.TemporaryDirectory() as baseline_home:
        table = commands(source, Path(cache_home))
        if baseline is not None:
            theirs = commands(baseline, Path(baseline_home))
            table |= {f"baseline_{name}": theirs[name] for name in theirs if name.startswith("attnlint_")}
        for command, env in table.values():  # warm-up: bytecode, compiled rule base, result cache
            run(command, EXAMPLES, env)
        taken: dict[str, list[Sample]] = {name: [] for name in table}
        for round_ in range(runs):
            names = list(table) if round_ % 2 == 0 else list(reversed(table))
            for name in names:
                command, env = table[name]
                taken[name].append(run(command, EXAMPLES, env))
        taken["attnlint_first_start"] = first_start(source, max(1, runs // 3))
    return {
        name: {
            "wall_ms": statistics.median(s.seconds for s in samples) * 1000,
            "cpu_ms": statistics.median(s.cpu_seconds for s in samples) * 1000,
            "rss_mib": max(s.rss_mib for s in samples),
        }
        for name, samples in taken.items()
    }


def slowest_imports(install: Install, count: int) -> list[tuple[str, int]]:
    """The `count` imports of the finding file's check with the largest cumulative time (us)."""
    with tempfile.TemporaryDirectory() as cache_home:
        env = environment(install.source, Path(cache_home))
        check = ["check", "--no-cache", "--exit-zero", str(FINDING_FILE)]
        command = [install.python, "-X", "importtime", "-m", "attnlint", *check]
        subprocess.run(command, cwd=EXAMPLES, env=env, capture_output=True, check=False)  # compiles
        done = subprocess.run(command, cwd=EXAMPLES, env=env, capture_output=True, text=True, check=False)
    rows = []
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "cumulative" not in line:
            _, cumulative, name = line.removeprefix("import time:").split("|")
            rows.append((name.strip(), int(cumulative)))
    return sorted(rows, key=lambda row: -row[1])[:count]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=15, help="alternating rounds (median reported)")
    parser.add_argument("--source", type=Path, default=REPO, help="the checkout whose attnlint runs")
    parser.add_argument("--importtime", action="store_true", help="print the slowest imports too")
    parser.add_argument("--baseline", type=Path, help="another checkout measured in the same rounds")
    parser.add_argument("--save", metavar="NAME", help="write benchmarks/results/startup-NAME.json")
    parser.add_argument(
        "--venv", action="store_true",
        help="pip-install each checkout into a fresh virtual environment and measure it there",
    )
    args = parser.parse_args()
    source = args.source.resolve()
    baseline = args.baseline.resolve() if args.baseline else None
    with tempfile.TemporaryDirectory() as venvs:
        if args.venv:
            mine = fresh_install(source, Path(venvs) / "source")
            theirs = fresh_install(baseline, Path(venvs) / "baseline") if baseline else None
        else:
            mine = Install(sys.executable, source)
            theirs = Install(sys.executable, baseline) if baseline else None
        for install in (mine, theirs):
            if install is not None:
                imported_from(install)
        figures = measure(mine, args.runs, theirs)
        imports = slowest_imports(mine, 25) if args.importtime else []
        where = "fresh virtual environments" if args.venv else sys.executable
    print(f"start-up of {source} in {where} (median of {args.runs} rounds; first start: of "
          f"{max(1, args.runs // 3)})")
    for name, row in figures.items():
        wall, cpu, rss = row["wall_ms"], row["cpu_ms"], row["rss_mib"]
        print(f"  {name:36} {wall:7.0f} ms wall {cpu:7.0f} ms CPU {rss:6.0f} MiB")
    if imports:
        print("slowest imports of the finding file's check (cumulative, us; -X importtime):")
        for name, micros in imports:
            print(f"  {micros:9d}  {name}")
    print("ratios (attnlint / ruff, same run, wall):")
    for what in ("version", "clean_file", "finding_file"):
        ratio = figures[f"attnlint_{what}"]["wall_ms"] / figures[f"ruff_{what}"]["wall_ms"]
        print(f"  {what:28} {ratio:6.1f} x")
    if baseline is not None:
        print(f"against {baseline} (same rounds, CPU):")
        for name in (name for name in figures if name.startswith("baseline_")):
            mine = figures[name.removeprefix("baseline_")]["cpu_ms"]
            print(f"  {name.removeprefix('baseline_'):28} {mine / figures[name]['cpu_ms']:6.2f} x")
    if args.save:
        out = REPO / "benchmarks" / "results" / f"startup-{args.save}.json"
        record = {
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "source": str(source),
            "baseline": str(baseline) if baseline else None,
            "installed_in_fresh_venv": args.venv,
            "runs": args.runs,
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg(),
            "figures": figures,
            "slowest_imports_us": imports,
        }
        out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
