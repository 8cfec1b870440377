"""Per-version transformers environments for the runtime matrix (and `attnlint probe`), cached.

Each version lives in `<root>/<version>/`, installed with `pip install --target --no-deps` plus the
exact dependencies that version accepts, so that the interpreter's torch (and numpy, safetensors,
...) is shared and never replaced. A case runs as `PYTHONPATH=<root>/<version> python ...`, which
puts that folder (and its dist-info, which transformers' import-time version check reads) ahead of
site-packages. The release the interpreter already has needs no folder.

The root is `$ATTNLINT_MATRIX_DIR` when set, else the checkout's `.matrix` when it exists (a folder
or a link to a shared cache), else `~/.cache/attnlint/matrix`: outside the clone, so a fresh clone
(CI) reuses what an earlier run installed. A folder counts only once its `.complete` marker exists
and lists exactly the packages DEPS asks for now; a folder installed with other pins is rebuilt.

Usage: python tests/runtime/envs.py 4.51.0 4.55.4 ...   (creates what is missing, prints the paths)
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib.metadata import version as dist_version
from pathlib import Path

ENV_VAR = "ATTNLINT_MATRIX_DIR"
CHECKOUT_LINK = Path(__file__).resolve().parents[2] / ".matrix"
USER_CACHE = Path.home() / ".cache" / "attnlint" / "matrix"

#: The release whose eager attention is the matrix's reference (right past attention_chunk_size).
REFERENCE_VERSION = "5.24.0"

#: Versions of the matrix and the pinned extra packages each needs next to the interpreter's packages.
#: 4.51-4.55 require tokenizers<0.22 and huggingface-hub<1.0 (which still uses requests). 5.x takes
#: its dependencies from the interpreter, whose transformers is a 5.x release (pyproject's test extra).
_HUB_0X = ("huggingface_hub==0.34.4", "requests==2.32.5", "urllib3==2.5.0", "certifi==2025.8.3",
           "charset_normalizer==3.4.3")
_HUB_1X = ("tokenizers==0.22.2", "huggingface_hub==1.33.0", "httpx==0.28.1", "httpcore==1.0.9",
           "certifi==2025.8.3")
DEPS: dict[str, tuple[str, ...]] = {
    "4.51.0": ("tokenizers==0.21.4", *_HUB_0X),
    "4.51.3": ("tokenizers==0.21.4", *_HUB_0X),
    "4.52.4": ("tokenizers==0.21.4", *_HUB_0X),
    "4.55.4": ("tokenizers==0.21.4", *_HUB_0X),
    # rule edges run by `attnlint probe --verify-rules` (tests/probe), not part of the CI matrix
    "4.50.3": ("tokenizers==0.21.4", *_HUB_0X),
    "4.53.3": ("tokenizers==0.21.4", *_HUB_0X),
    "4.54.0": ("tokenizers==0.21.4", *_HUB_0X),
    # 5.13 imports httpx and requires huggingface-hub<2.0 and tokenizers<=0.23.0; the interpreter's 5.24
    # has huggingface-hub 2.x (no httpx) and tokenizers 0.23.3, so without these 5.13 cannot import; httpx
    # imports certifi, which a fresh environment with the test extra lacks (a CI rehearsal failed on it).
    "5.13.0": _HUB_1X,
    # ATN121's edges (Llama4 + static cache, 5.9-5.19); 5.8/5.9 have 5.13's requirements
    "5.8.1": _HUB_1X,
    "5.9.0": _HUB_1X,
    "5.18.0": (),
    "5.19.0": (),
    "5.20.0": (),
    "5.20.2": (),
    "5.21.0": (),
    REFERENCE_VERSION: (),
}
#: Packages that must never land in a matrix folder (they would shadow the interpreter's builds).
FORBIDDEN = ("torch", "numpy", "nvidia")


def root() -> Path:
    """Where the per-version folders live (see the module docstring for the order)."""
    configured = os.environ.get(ENV_VAR)
    if configured:
        return Path(configured).expanduser()
    return CHECKOUT_LINK if CHECKOUT_LINK.exists() else USER_CACHE


def installed_version() -> str:
    """The transformers release this interpreter imports (read from its metadata, not imported)."""
    return dist_version("transformers")


def env_path(version: str) -> Path | None:
    """The folder for `version`, or None when the interpreter's own transformers is that release."""
    return None if version == installed_version() else root() / version


def ensure(version: str) -> Path | None:
    """Create the folder for `version` once (cached by a marker file); refuse folders holding torch."""
    path = env_path(version)
    if path is None:
        return None
    if version not in DEPS:
        raise KeyError(f"no dependency pins for transformers {version}; add them to DEPS in {__file__}")
    packages = [f"transformers=={version}", *DEPS[version]]
    marker = path / ".complete"
    if marker.exists() and marker.read_text().split() == packages:
        return path
    # Install next to the folder and swap it in, so a run that already uses the old folder keeps
    # a whole one and a stale folder (other pins) is replaced rather than patched.
    fresh = path.with_name(f".{version}.{os.getpid()}")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(fresh), *packages],
        check=True,
    )
    landed = [p.name for p in fresh.iterdir() if p.name.lower().startswith(FORBIDDEN)]
    if landed:
        shutil.rmtree(fresh)
        raise RuntimeError(f"{path} would receive packages it must not hold: {landed}")
    (fresh / ".complete").write_text(" ".join(packages) + "\n")
    if path.exists():
        stale = path.with_name(f".{version}.stale.{os.getpid()}")
        path.rename(stale)
        shutil.rmtree(stale, ignore_errors=True)
    fresh.rename(path)
    return path


def pythonpath(version: str) -> str:
    """The PYTHONPATH that makes a subprocess import transformers `version` ("" for the installed one)."""
    path = ensure(version)
    return "" if path is None else str(path)


if __name__ == "__main__":
    for v in sys.argv[1:] or sorted(DEPS):
        print(v, ensure(v) or "(installed)")
