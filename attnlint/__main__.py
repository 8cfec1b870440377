"""`python -m attnlint`: the same command line as the `attnlint` console script."""

from __future__ import annotations

import sys

from attnlint.cli import main

if __name__ == "__main__":
    sys.exit(main())
