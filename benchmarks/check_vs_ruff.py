"""How long `attnlint check` takes beside `ruff check --no-cache` on real trees, cold and warm.

Not a test: run it by hand and read the numbers (the ratios to ruff come last).

    python benchmarks/check_vs_ruff.py                  # every tree below, 3 alternating runs each
    python benchmarks/check_vs_ruff.py --quick          # trl + axolotl and start-up only, 1 run
    python benchmarks/check_vs_ruff.py --tree PATH      # any other tree
    python benchmarks/check_vs_ruff.py --save           # also write benchmarks/results/<date>.json

The trees are released packages from the package index (`pip download --no-deps`), unpacked once
under `--cache-dir` (default `~/.cache/attnlint-bench`, outside any git work tree, so attnlint's own
`.gitignore` reader is what walks them):

- trl + axolotl: the trl 1.16.0 and axolotl 0.19.0 sdists side by side (about 1,100 `.py` files);
- unsloth: the unsloth 2026.10.9 wheel (2,257 files: 1,103 `.py`, the rest web assets of its studio);
- transformers: the transformers 5.24.0 sdist (2,935 `.py` files).

Every command runs as a fresh process from the tree's root (start-up included). One round runs ruff,
attnlint cold (its result cache deleted first; one process, `--jobs 1`), attnlint warm (the cache
of the previous run kept) and attnlint cold with one worker per CPU (`--no-cache --jobs 0`), in an order
that alternates between rounds so a busy neighbour does not always hit the same tool; the figure
reported is the median over rounds. Peak RSS is the largest of a command's processes, from GNU time
(`/usr/bin/time`). Cold, warm and parallel output are compared: they must be identical. A plain
`attnlint check` runs one worker per CPU that the load average leaves idle: one of the two cold runs.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
#: name -> (requirement, "sdist" | "wheel") archives unpacked side by side into one tree.
TREES: dict[str, list[tuple[str, str]]] = {
    "trl+axolotl": [("trl==1.16.0", "sdist"), ("axolotl==0.19.0", "sdist")],
    "unsloth": [("unsloth==2026.10.9", "wheel")],
    "transformers": [("transformers==5.24.0", "sdist")],
}
ONE_FILE = REPO / "examples" / "seed" / "generate.py"
CACHE_FOLDER = ".attnlint_cache"
#: GNU time, for the peak RSS of each command (`apt-get install time` where it is missing).
TIME = "/usr/bin/time"


@dataclass
class Sample:
    """One process run: wall and CPU (user + system) seconds, peak RSS in MiB, exit status, output."""

    seconds: float
    cpu_seconds: float
    rss_mib: float
    returncode: int
    stdout: str = field(repr=False)


def ruff_binary() -> str:
    """The ruff executable itself (the pip package's binary), else whatever `ruff` is on PATH (which
    may be a shim that starts a shell first, as pyenv's does: 0.1 s on every ruff figure)."""
    try:
        from ruff.__main__ import find_ruff_bin

        return os.fsdecode(find_ruff_bin())
    except (ImportError, FileNotFoundError):
        return shutil.which("ruff") or "ruff"


def bytecode_environment() -> dict[str, str]:
    """This process's environment with Python's bytecode cache allowed: an installed attnlint has its
    `.pyc` files, and a `PYTHONDONTWRITEBYTECODE=1` left in the environment would make every
    measured process compile its ~100 modules from source again."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> Sample:
    """Run `command` to completion (in `env`, default `bytecode_environment()`) and read its own
    peak RSS.

    The RSS comes from GNU time's `%M`, not from `wait4` here: Linux carries the parent's
    high-water mark into a forked child, so a large benchmark process would inflate every figure.
    """
    with tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        start = time.perf_counter()
        done = subprocess.run(
            [TIME, "-q", "-f", "%M %U %S", "-o", rss.name, *command],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=bytecode_environment() if env is None else env,
            check=False,
        )
        seconds = time.perf_counter() - start
        kib, user, system = rss.read().split()[-3:]
    return Sample(
        seconds, float(user) + float(system), int(kib) / 1024, done.returncode, done.stdout.decode()
    )


def fetch_tree(name: str, cache: Path) -> Path:
    """The unpacked tree `name`, downloaded and unpacked on first use."""
    tree = cache / "trees" / name
    stamp = tree / ".complete"
    if stamp.exists():
        return tree
    downloads = cache / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(tree, ignore_errors=True)
    tree.mkdir(parents=True)
    for requirement, kind in TREES[name]:
        form = (
            ["--no-binary", ":all:", "--no-build-isolation"]
            if kind == "sdist"
            else ["--only-binary", ":all:"]
        )
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", *form, requirement, "-d", str(downloads)],
            check=True,
            capture_output=True,
        )
        project, version = requirement.split("==")
        pattern = f"{project}-{version}-*.whl" if kind == "wheel" else f"{project}-{version}.tar.gz"
        archive = next(downloads.glob(pattern))
        target = tree / archive.name.removesuffix(".tar.gz").removesuffix(".whl")
        if archive.name.endswith(".whl"):
            with zipfile.ZipFile(archive) as wheel:
                wheel.extractall(target)
        else:
            with tarfile.open(archive) as sdist:
                sdist.extractall(target, filter="data")
    stamp.write_text("", encoding="utf-8")
    return tree


def py_files(tree: Path) -> tuple[int, int]:
    """(all files, `.py` files) below `tree`."""
    files = [p for p in tree.rglob("*") if p.is_file() and CACHE_FOLDER not in p.parts]
    return len(files), sum(1 for p in files if p.suffix == ".py")


def parsed_files(tree: Path) -> list[Path]:
    """The Python files of `tree` that attnlint parses: its own walk, then its prefilter."""
    from attnlint.prefilter import worth_parsing
    from attnlint.walk import discover

    found = discover([tree], root=tree).sources
    return [p for p in found if p.suffix == ".py" and worth_parsing(str(p), p.read_bytes())]


def measure_tree(tree: Path, runs: int) -> dict[str, object]:
    """Median wall time and peak RSS of ruff, attnlint cold and warm, and the parse floor on one tree."""
    ruff = [ruff_binary(), "check", "--no-cache", "--exit-zero", "."]
    attnlint = [sys.executable, "-m", "attnlint", "check", "--exit-zero", "--output-format", "json", "."]
    samples: dict[str, list[Sample]] = {"ruff": [], "cold": [], "warm": [], "parallel": [], "floor": []}
    parsed = parsed_files(tree)
    handle, listing = tempfile.mkstemp(suffix=".txt")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write("".join(f"{p}\n" for p in parsed))

    def cold() -> Sample:
        shutil.rmtree(tree / CACHE_FOLDER, ignore_errors=True)
        return run([*attnlint, "--jobs", "1"], tree)

    steps = {
        "ruff": lambda: run(ruff, tree),
        "cold": cold,
        "warm": lambda: run(attnlint, tree),
        "parallel": lambda: run([*attnlint, "--no-cache", "--jobs", "0"], tree),
        "floor": lambda: run([sys.executable, str(REPO / "benchmarks" / "parse_floor.py"), listing], tree),
    }
    try:
        for round_ in range(runs):
            order = ["ruff", "cold", "warm", "parallel", "floor"]
            if round_ % 2:
                order.reverse()
            for name in order:
                samples[name].append(steps[name]())
    finally:
        Path(listing).unlink()
    shutil.rmtree(tree / CACHE_FOLDER, ignore_errors=True)
    outputs = {s.stdout for s in samples["cold"] + samples["warm"] + samples["parallel"]}
    findings = len(json.loads(samples["cold"][0].stdout))
    total, python = py_files(tree)
    result: dict[str, object] = {
        "files": total,
        "py_files": python,
        "py_files_parsed": len(parsed),
        "py_bytes_parsed": sum(p.stat().st_size for p in parsed),
        "findings": findings,
        "cold_warm_parallel_identical": len(outputs) == 1,
    }
    for name, taken in samples.items():
        result[f"{name}_s"] = statistics.median(s.seconds for s in taken)
        result[f"{name}_cpu_s"] = statistics.median(s.cpu_seconds for s in taken)
        result[f"{name}_rss_mib"] = max(s.rss_mib for s in taken)
    return result


def measure_startup(runs: int) -> dict[str, float]:
    """`--version` and a one-file check, attnlint beside ruff, median of `runs` fresh processes."""
    ruff = ruff_binary()
    attnlint = [sys.executable, "-m", "attnlint"]
    commands = {
        "attnlint_version_s": [*attnlint, "--version"],
        "ruff_version_s": [ruff, "--version"],
        "attnlint_one_file_s": [*attnlint, "check", "--exit-zero", str(ONE_FILE)],
        "ruff_one_file_s": [ruff, "check", "--no-cache", "--exit-zero", str(ONE_FILE)],
    }
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            times[name].append(run(command, REPO).seconds)
    return {name: statistics.median(taken) for name, taken in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tree", type=Path, action="append", default=[], help="an extra tree to measure")
    parser.add_argument("--only", choices=sorted(TREES), action="append", help="measure only these trees")
    parser.add_argument("--runs", type=int, default=3, help="alternating rounds per tree (median reported)")
    parser.add_argument("--quick", action="store_true", help="trl+axolotl and start-up only, one round")
    parser.add_argument("--cache-dir", type=Path, default=Path.home() / ".cache" / "attnlint-bench")
    parser.add_argument("--save", action="store_true", help="write the figures to benchmarks/results/")
    parser.add_argument("--label", default="", help="suffix of the results file name (`-LABEL`)")
    args = parser.parse_args()
    runs = 1 if args.quick else args.runs
    names = ["trl+axolotl"] if args.quick else (args.only or list(TREES))
    trees = {name: fetch_tree(name, args.cache_dir) for name in names}
    trees.update({str(p): p.resolve() for p in args.tree})

    startup = measure_startup(5 if args.quick else 15)
    print(f"start-up (median of {5 if args.quick else 15}):")
    for name, seconds in startup.items():
        print(f"  {name.removesuffix('_s'):22} {seconds * 1000:8.0f} ms")
    results: dict[str, dict[str, object]] = {}
    for name, tree in trees.items():
        result = results[name] = measure_tree(tree, runs)
        print(
            f"{name}: {result['files']} files ({result['py_files']} .py), {result['findings']} findings, "
            f"median of {runs}"
        )
        megabytes = int(str(result["py_bytes_parsed"])) / 1e6
        print(f"  {result['py_files_parsed']} .py files ({megabytes:.1f} MB) pass the prefilter")
        for tool in ("ruff", "cold", "warm", "parallel", "floor"):
            label = {
                "ruff": "ruff check --no-cache", "cold": "attnlint cold", "warm": "attnlint warm",
                "parallel": "attnlint cold --jobs 0", "floor": "parse floor (all CPUs)",
            }[tool]
            print(
                f"  {label:22} {result[f'{tool}_s']:8.2f} s wall {result[f'{tool}_cpu_s']:8.2f} s CPU"
                f"  {result[f'{tool}_rss_mib']:6.0f} MiB peak RSS"
            )
        print(f"  cold, warm and --jobs 0 output identical: {result['cold_warm_parallel_identical']}")

    print("ratios (attnlint / ruff, same run):")
    print(f"  --version                  {startup['attnlint_version_s'] / startup['ruff_version_s']:6.1f} x")
    print(
        f"  one-file check             {startup['attnlint_one_file_s'] / startup['ruff_one_file_s']:6.1f} x"
    )
    for name, result in results.items():
        cold, warm, ruff, cold_cpu, ruff_cpu, parallel, floor = (
            float(str(result[k]))
            for k in ("cold_s", "warm_s", "ruff_s", "cold_cpu_s", "ruff_cpu_s", "parallel_s", "floor_s")
        )
        print(
            f"  {name:14} cold {cold / ruff:5.2f} x (CPU {cold_cpu / ruff_cpu:5.2f} x)"
            f"  warm {warm / ruff:5.2f} x  warm/cold {warm / cold:4.2f}  --jobs 0/cold {parallel / cold:4.2f}"
            f"  --jobs 0 {parallel / ruff:5.2f} x  parse floor {floor / ruff:5.2f} x"
        )
    if args.save:
        label = f"-{args.label}" if args.label else ""
        name = f"check_vs_ruff-{datetime.date.today().isoformat()}{label}.json"
        out = REPO / "benchmarks" / "results" / name
        out.parent.mkdir(exist_ok=True)
        record = {
            "runs": runs,
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg(),
            "startup": startup,
            "trees": results,
        }
        out.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {out.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
