"""A guard that the code starting a chat write can set, checked just before the request leaves.

A bot process that shares its rooms with others may post in a room only while its lease there is
valid. Checking before it asks for the write is not enough: the write may wait in the ordered write
queue (behind a throttle, or a stopped process) and leave after the lease lapsed. So the bot sets
``WRITE_GUARD`` (a context variable, inherited by the tasks the write creates) and the write queue
calls it before each attempt's request and again while the request's body is written, the last
step before the socket; a refusal raises :class:`~chatexchange.errors.FencedError`.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar

from .errors import FencedError

__all__ = ["WRITE_GUARD", "check"]

#: None (no guard) or a callable answering whether a write may leave now.
WRITE_GUARD: ContextVar[Callable[[], bool] | None] = ContextVar(
    "chatexchange_write_guard", default=None
)


def check(what: str) -> None:
    """Raise FencedError when the current write guard refuses ``what``."""
    guard = WRITE_GUARD.get()
    if guard is not None and not guard():
        raise FencedError(f"{what}: not sent (the write guard refused: lease lost)")
