"""Which engine a bot dispatches with.

A bot only needs the engine's core (``Condition``, ``Event``, ``Handler``), so a bot class can be
built on either implementation even while the compiled twins of the graph modules are not built:
``"pure"`` is ``chatexchange.talk.core``, ``"compiled"`` is ``chatexchange._speedups.core``.
``"default"`` is whichever core ``chatexchange.talk`` itself selected.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

__all__ = ["KINDS", "core_module", "default_kind", "kind_of"]

KINDS = ("pure", "compiled")

_MODULES = {"pure": "chatexchange.talk.core", "compiled": "chatexchange._speedups.core"}


def kind_of(obj: Any) -> str:
    """The engine kind an engine class, or an instance of one, comes from."""
    cls = obj if isinstance(obj, type) else type(obj)
    return "compiled" if cls.__module__.startswith("chatexchange._speedups.") else "pure"


def default_kind() -> str:
    """The kind behind ``chatexchange.talk.Handler``."""
    from .. import talk

    return kind_of(talk.Handler)


def core_module(kind: str = "default") -> ModuleType:
    """The engine core of ``kind``; ImportError when the compiled core is not built."""
    if kind == "default":
        kind = default_kind()
    if kind not in _MODULES:
        raise ValueError(f"engine kind must be 'pure', 'compiled' or 'default', not {kind!r}")
    return importlib.import_module(_MODULES[kind])
