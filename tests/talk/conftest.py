"""The engine's tests run against both implementations: every test takes the ``talk`` fixture
(a namespace of all engine names, ``chatexchange.talk.implementation(kind)``) and its id says which.

The compiled one is skipped, with the reason shown, when its twins are not built or when
``CHATEXCHANGE_NO_EXTENSIONS=1`` asks for the pure engine only; with
``CHATEXCHANGE_REQUIRE_EXTENSIONS=1`` a missing build is a failure instead, and so is a build that
is there (extension files for this interpreter) but does not load.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
from pathlib import Path

import pytest

import chatexchange.talk
from chatexchange._env import flag as _flag

KINDS = ("pure", "compiled")


def load_implementation(kind: str):
    """The engine namespace of ``kind``, or a skip (a failure when extensions are required)."""
    if kind == "compiled":
        if _flag("CHATEXCHANGE_NO_EXTENSIONS") and not _flag("CHATEXCHANGE_REQUIRE_EXTENSIONS"):
            pytest.skip("CHATEXCHANGE_NO_EXTENSIONS=1: the pure engine only")
        try:
            return chatexchange.talk.implementation(kind)
        except ImportError as exc:
            if _flag("CHATEXCHANGE_REQUIRE_EXTENSIONS"):
                pytest.fail(f"CHATEXCHANGE_REQUIRE_EXTENSIONS=1, but no compiled engine: {exc}")
            built = built_extensions()
            if built:
                pytest.fail(f"the compiled engine is built ({', '.join(built)}) but does not "
                            f"load: {exc}")
            pytest.skip(f"the compiled engine is not built ({exc})")
    return chatexchange.talk.implementation(kind)


def built_extensions() -> list[str]:
    """The compiled engine modules on disk for this interpreter (its own extension suffix)."""
    suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
    folder = Path(importlib.util.find_spec("chatexchange._speedups").origin).parent
    return sorted(path.name for path in folder.iterdir() if path.name.endswith(suffix))


@pytest.fixture(params=KINDS)
def talk(request):
    """All engine names of one implementation (test ids ``[pure]`` and ``[compiled]``)."""
    return load_implementation(request.param)
