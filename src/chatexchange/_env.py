"""Yes/no switches from the environment (``CHATEXCHANGE_NO_EXTENSIONS=1`` and the like).

One reading for every place that asks: ``1``, ``true``, ``yes`` or ``on`` (any case, surrounding
spaces ignored) is on, anything else or unset is off. It imports nothing, so ``setup.py`` loads
this file by path while building.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

__all__ = ["NO_EXTENSIONS", "REQUIRE_EXTENSIONS", "flag"]

#: Use (and build) only the pure-Python engine.
NO_EXTENSIONS = "CHATEXCHANGE_NO_EXTENSIONS"
#: A compiled engine that fails to build or load is an error, not a silent pure fallback.
REQUIRE_EXTENSIONS = "CHATEXCHANGE_REQUIRE_EXTENSIONS"

_ON = frozenset({"1", "true", "yes", "on"})


def flag(name: str, environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the switch ``name`` is on in ``environ``."""
    return environ.get(name, "").strip().lower() in _ON
