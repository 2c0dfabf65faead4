"""The engine's tests run against both implementations: every test takes the ``talk`` fixture
(a namespace of all engine names, ``chatexchange.talk.implementation(kind)``) and its id says which.

The compiled one is skipped, with the reason shown, when its twins are not built or when
``CHATEXCHANGE_NO_EXTENSIONS=1`` asks for the pure engine only; with
``CHATEXCHANGE_REQUIRE_EXTENSIONS=1`` a missing build is a failure instead.
"""

from __future__ import annotations

import os

import pytest

import chatexchange.talk

KINDS = ("pure", "compiled")


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


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
            pytest.skip(f"the compiled engine is not built ({exc})")
    return chatexchange.talk.implementation(kind)


@pytest.fixture(params=KINDS)
def talk(request):
    """All engine names of one implementation (test ids ``[pure]`` and ``[compiled]``)."""
    return load_implementation(request.param)
