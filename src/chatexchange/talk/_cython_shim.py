"""The few ``cython`` names the engine's sources use, for running them as plain Python.

Cython is a build dependency only. A compiled module never executes this file (``import cython``
is resolved at compile time); a pure run imports the real ``cython`` shadow module when it is
installed and this one otherwise. Both say ``compiled = False``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

compiled = False


def _same(function: Callable[..., Any]) -> Callable[..., Any]:
    return function


def boundscheck(_on: bool) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A compiler directive as a decorator (``@cython.boundscheck(False)``): nothing to do in
    plain Python."""
    return _same


wraparound = boundscheck
