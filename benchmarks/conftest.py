"""Shared benchmark helpers: each engine workload runs on the pure and the compiled implementation
in the same session (the compiled one is skipped with a reason when it is not built), so that
``python benchmarks/report.py results.json`` can print their ratios.

Run: ``.venv/bin/pytest benchmarks --benchmark-enable --benchmark-json=results.json``.
"""

from __future__ import annotations

import importlib

import pytest

from chatexchange._env import NO_EXTENSIONS, flag

KINDS = ("pure", "compiled")
PACKAGES = {"pure": "chatexchange.talk", "compiled": "chatexchange._speedups"}


def engine_module(kind: str, name: str):
    """One engine module (``core``, ``elements``...) of an implementation, or a skip."""
    if kind == "compiled" and flag(NO_EXTENSIONS):
        pytest.skip("CHATEXCHANGE_NO_EXTENSIONS=1")
    try:
        return importlib.import_module(f"{PACKAGES[kind]}.{name}")
    except ImportError as exc:
        if kind == "compiled":
            pytest.skip(f"the compiled engine is not built ({exc})")
        raise


@pytest.fixture(params=KINDS)
def engine_kind(request) -> str:
    """``"pure"`` or ``"compiled"``; benchmark ids end with it."""
    return request.param
