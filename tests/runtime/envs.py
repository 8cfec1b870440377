"""Per-version transformers environments for the runtime matrix, independent of attnlint.

Each version lives in `.matrix/<version>/`, installed with `pip install --target --no-deps` plus the
exact dependencies that version accepts, so that the venv's torch (and numpy, safetensors, ...) is
shared and never replaced. A case runs as `PYTHONPATH=.matrix/<version> python ...`, which puts that
folder (and its dist-info, which transformers' import-time version check reads) ahead of the venv.

Usage: python tests/runtime/envs.py 4.51.0 4.55.4 ...   (creates what is missing, prints the paths)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / ".matrix"

#: The transformers release the venv itself holds; it needs no folder.
VENV_VERSION = "5.24.0"

#: Versions of the matrix and the pinned extra packages each needs next to the venv's packages.
#: 4.51-4.55 require tokenizers<0.22 and huggingface-hub<1.0 (which still uses requests).
_HUB_0X = ("huggingface_hub==0.34.4", "requests==2.32.5", "urllib3==2.5.0", "certifi==2025.8.3",
           "charset_normalizer==3.4.3")
DEPS: dict[str, tuple[str, ...]] = {
    "4.51.0": ("tokenizers==0.21.4", *_HUB_0X),
    "4.51.3": ("tokenizers==0.21.4", *_HUB_0X),
    "4.52.4": ("tokenizers==0.21.4", *_HUB_0X),
    "4.55.4": ("tokenizers==0.21.4", *_HUB_0X),
    VENV_VERSION: (),
}
#: Packages that must never land in a matrix folder (they would shadow the venv's builds).
FORBIDDEN = ("torch", "numpy", "nvidia")


def env_path(version: str) -> Path | None:
    """The PYTHONPATH entry for `version`, or None when the venv's own transformers is that version."""
    return None if version == VENV_VERSION else ROOT / version


def ensure(version: str) -> Path | None:
    """Create `.matrix/<version>` once (cached by a marker file); refuse folders holding torch."""
    path = env_path(version)
    if path is None:
        return None
    marker = path / ".complete"
    if marker.exists():
        return path
    packages = [f"transformers=={version}", *DEPS[version]]
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(path), *packages],
        check=True,
    )
    landed = [p.name for p in path.iterdir() if p.name.lower().startswith(FORBIDDEN)]
    if landed:
        raise RuntimeError(f"{path} received packages it must not hold: {landed}")
    marker.write_text(" ".join(packages) + "\n")
    return path


if __name__ == "__main__":
    for v in sys.argv[1:] or sorted(DEPS):
        print(v, ensure(v) or "(venv)")
