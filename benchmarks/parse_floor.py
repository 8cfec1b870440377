"""The least a run of any analyser built on CPython's `ast` costs on a tree: start Python, read
the Python files that attnlint must parse (those that pass its prefilter, listed one per line in the
file named by the argument) and `ast.parse` each, one forked process per CPU, the largest files
first, the cycle collector paused, the trees thrown away. Nothing is extracted or judged.

`benchmarks/check_vs_ruff.py` runs it beside ruff and attnlint: where this floor alone takes longer
than `ruff check`, no attnlint that parses those files with `ast` can match ruff's time, whatever its
own code does.
"""

from __future__ import annotations

import ast
import gc
import os
import sys
import warnings


def parse(path: str) -> int:
    with open(path, "rb") as source:
        ast.parse(source.read())
    return 0


def main() -> int:
    with open(sys.argv[1], encoding="utf-8") as listing:
        paths = [line.rstrip("\n") for line in listing if line.strip()]
    paths.sort(key=os.path.getsize, reverse=True)
    gc.disable()
    warnings.simplefilter("ignore")
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    if cpus == 1:
        for path in paths:
            parse(path)
        return 0
    import multiprocessing

    with multiprocessing.get_context("fork").Pool(cpus) as pool:
        pool.map(parse, paths, chunksize=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
