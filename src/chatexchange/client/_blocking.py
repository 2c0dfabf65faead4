"""``BlockingClient``: the AsyncClient's API for code without an event loop.

It runs one :class:`~chatexchange.client.AsyncClient` on a background loop thread (uvloop where
available). What it hands out are real classes, the blocking twins of the async objects
(``BlockingServer``, ``BlockingUser``, ``BlockingRoom``, ``BlockingMessage``): each method runs its
async original on the loop and waits for the result, async iterators become plain iterators, and
client objects in results come back as twins. So ``chat.se.room(1).send("hi")`` blocks until the
message is posted and returns a ``BlockingMessage``. The twins are generated source
(``_blocking_twins.py``, written by ``_blocking_gen`` from the async classes), so no method is
written twice by hand and type checkers see every one.

Shutdown is safe: ``close()`` (or leaving the ``with`` block, or garbage collection of the client)
closes the AsyncClient on its loop, cancels what is left and joins the thread; it is idempotent. A
call made from the loop thread itself is refused with
:class:`~chatexchange.client.BlockingCallInLoopError` instead of deadlocking.
"""

from __future__ import annotations

import weakref
from types import TracebackType
from typing import Any

from ._async import AsyncClient
from ._blocking_base import Blocking
from ._blocking_twins import (
    BlockingClientBase,
    BlockingMessage,
    BlockingRoom,
    BlockingServer,
    BlockingUser,
)
from ._loop import BlockingCallInLoopError, LoopThread

__all__ = [
    "Blocking",
    "BlockingClient",
    "BlockingMessage",
    "BlockingRoom",
    "BlockingServer",
    "BlockingUser",
]


def _shutdown(loop_thread: LoopThread, client: AsyncClient | None) -> None:
    """Close the client on its loop and stop the loop thread (safe to call twice)."""
    if not loop_thread.alive:
        return
    if loop_thread.in_loop_thread():  # a finalizer running on the loop: nothing can be awaited here
        if client is not None:
            loop_thread.loop.create_task(client.close())
        return
    try:
        if client is not None:
            loop_thread.run(client.close(), timeout=30)
    finally:
        loop_thread.stop()


class BlockingClient(BlockingClientBase):
    """Stack Exchange chat without ``async``: the AsyncClient's API, blocking.

    Takes the same arguments as :class:`~chatexchange.client.AsyncClient`. Use it as a context
    manager or call :meth:`close`. Iterators it returns (``room.new_messages()``) can be closed
    early with ``.close()``; ``break`` in a ``for`` loop leaves closing to the garbage collector.
    """

    __slots__ = ("_finalizer",)

    _finalizer: weakref.finalize[[LoopThread, AsyncClient | None], None]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        loop_thread = LoopThread()
        try:
            client = loop_thread.run(_make_client(args, kwargs))
        except BaseException:
            loop_thread.stop()
            raise
        super().__init__(loop_thread, client)
        object.__setattr__(
            self, "_finalizer", weakref.finalize(self, _shutdown, loop_thread, client)
        )

    @property
    def async_client(self) -> AsyncClient:
        """The AsyncClient behind this client (for code running on its loop)."""
        return self._target

    def close(self) -> None:
        """Close connections and the archive, stop the loop thread. Idempotent."""
        if self._loop_thread.in_loop_thread():
            raise BlockingCallInLoopError("a BlockingClient cannot be closed from its own loop")
        self._finalizer()

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    def __enter__(self) -> BlockingClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<BlockingClient {self._target!r}>"


async def _make_client(args: tuple[Any, ...], kwargs: dict[str, Any]) -> AsyncClient:
    return AsyncClient(*args, **kwargs)
