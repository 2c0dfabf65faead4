"""``python -m chatexchange.devserver``: see :mod:`chatexchange.devserver.cli`."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
