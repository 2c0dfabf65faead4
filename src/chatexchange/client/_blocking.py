"""``BlockingClient``: the AsyncClient's API for code without an event loop.

It runs one :class:`~chatexchange.client.AsyncClient` on a background loop thread (uvloop where
available) and wraps every object it hands out in a :class:`Blocking` proxy: a method call runs on
the loop and waits for the result (an awaitable result is awaited there), async iterators become
plain iterators, and client objects in results are wrapped again. So
``chat.se.room(1).send("hi")`` blocks
until the message is posted and returns a (blocking) ``Message``.

Shutdown is safe: ``close()`` (or leaving the ``with`` block, or garbage collection of the client)
closes the AsyncClient on its loop, cancels what is left and joins the thread; it is idempotent. A
call made from the loop thread itself is refused with
:class:`~chatexchange.client.BlockingCallInLoopError` instead of deadlocking.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import AsyncIterator
from types import TracebackType
from typing import Any

from ._async import AsyncClient
from ._live import Stream
from ._loop import BridgedIterator, LoopThread
from .objects import ClientObject

__all__ = ["Blocking", "BlockingClient"]


def _is_async_iterator(value: Any) -> bool:
    return hasattr(value, "__anext__") and hasattr(value, "__aiter__")


class Blocking:
    """A blocking view of an async client object (``Server``, ``User``, ``Room``, ``Message``)."""

    __slots__ = ("__weakref__", "_loop_thread", "_target")

    def __init__(self, loop_thread: LoopThread, target: Any) -> None:
        object.__setattr__(self, "_loop_thread", loop_thread)
        object.__setattr__(self, "_target", target)

    @property
    def async_object(self) -> Any:
        """The wrapped async object (use it only on the client's loop)."""
        return self._target

    @property
    def loop(self) -> Any:
        """The event loop the AsyncClient behind this object runs on."""
        return self._loop_thread.loop

    def _wrap(self, value: Any) -> Any:
        return _wrap(self._loop_thread, value)

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if callable(value) and not isinstance(value, (type, ClientObject)):
            return _BlockingMethod(self._loop_thread, value)
        return self._wrap(value)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._target, name, value)

    def __repr__(self) -> str:
        return f"<Blocking {self._target!r}>"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Blocking):
            other = other._target
        return bool(self._target == other)

    def __hash__(self) -> int:
        return hash(self._target)

    def __dir__(self) -> list[str]:
        return sorted(set(dir(self._target)) | {"async_object", "loop"})


class _BlockingMethod:
    """A method of the async object that runs on the loop when called."""

    __slots__ = ("_loop_thread", "_method")

    def __init__(self, loop_thread: LoopThread, method: Any) -> None:
        self._loop_thread = loop_thread
        self._method = method

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        args = tuple(_unwrap(a) for a in args)
        kwargs = {k: _unwrap(v) for k, v in kwargs.items()}
        result = self._loop_thread.run(_invoke(self._method, args, kwargs))
        return _wrap(self._loop_thread, result)

    def __repr__(self) -> str:
        return f"<blocking {self._method!r}>"


async def _invoke(method: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    result = method(*args, **kwargs)
    if isinstance(result, Stream):  # subscribe now: "from now on" means from this call
        return await result.start()
    if inspect.isawaitable(result):
        result = await result
    return result


def _unwrap(value: Any) -> Any:
    return value._target if isinstance(value, Blocking) else value


def _wrap(loop_thread: LoopThread, value: Any) -> Any:
    if isinstance(value, ClientObject):
        return Blocking(loop_thread, value)
    if _is_async_iterator(value):
        iterator: AsyncIterator[Any] = value
        return BridgedIterator(loop_thread, iterator, lambda item: _wrap(loop_thread, item))
    if isinstance(value, list):
        return [_wrap(loop_thread, item) for item in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(_wrap(loop_thread, item) for item in value)
    return value


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


class BlockingClient(Blocking):
    """Stack Exchange chat without ``async``: the AsyncClient's API, blocking.

    Takes the same arguments as :class:`~chatexchange.client.AsyncClient`. Use it as a context
    manager or call :meth:`close`. Iterators it returns (``room.new_messages()``) can be closed
    early with ``.close()``; ``break`` in a ``for`` loop leaves closing to the garbage collector.
    """

    __slots__ = ("_finalizer",)

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
            from ._loop import BlockingCallInLoopError

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
