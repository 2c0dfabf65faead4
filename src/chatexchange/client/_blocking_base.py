"""What every blocking twin shares: the loop it calls into and the async object it stands for.

The twins themselves (``BlockingServer``, ``BlockingUser``, ``BlockingRoom``, ``BlockingMessage``
and the base of ``BlockingClient``) are generated source in ``_blocking_twins.py``; each of their
methods is one call of a helper here.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from typing import Any, Generic, ParamSpec, TypeVar

from ._live import Stream
from ._loop import BridgedIterator, LoopThread

__all__ = ["Blocking", "same", "unwrap"]

A = TypeVar("A")
T = TypeVar("T")
U = TypeVar("U")
P = ParamSpec("P")


class Blocking(Generic[A]):
    """A blocking view of one async client object: calls run on the client's loop thread and
    wait there. Snapshot values (``message.id``, ``room.name``) are read from the async object."""

    __slots__ = ("__weakref__", "_loop_thread", "_target")

    _loop_thread: LoopThread
    _target: A

    def __init__(self, loop_thread: LoopThread, target: A) -> None:
        object.__setattr__(self, "_loop_thread", loop_thread)
        object.__setattr__(self, "_target", target)

    @property
    def async_object(self) -> A:
        """The async object behind this one (use it only on the client's loop)."""
        return self._target

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The event loop the AsyncClient behind this object runs on."""
        return self._loop_thread.loop

    def __getattr__(self, name: str) -> Any:
        # Only what the twin does not define arrives here: the async object's snapshot values
        # (its own __getattr__) and plain attributes such as ``AsyncClient.freshness``.
        return getattr(self._target, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._target, name, value)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._target!r}>"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Blocking):
            other = other._target
        return bool(self._target == other)

    def __hash__(self) -> int:
        return hash(self._target)

    def __dir__(self) -> list[str]:
        return sorted(set(dir(self._target)) | set(dir(type(self))))

    # -- what the generated methods call ---------------------------------------------------------

    def _call(self, method: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs) -> T:
        """``method(*args, **kwargs)`` on the loop, awaited there (a coroutine or a task)."""
        return self._loop_thread.run(_await(method, *args, **kwargs))

    def _call_plain(self, method: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """A method that returns at once, run on the loop all the same (it may touch loop state)."""
        return self._loop_thread.run(_plain(method, *args, **kwargs))

    def _iterate(
        self,
        wrap: Callable[[T], U],
        method: Callable[P, AsyncIterator[T]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> BridgedIterator[U]:
        """A plain iterator over ``method``'s async iterator, each item passed through ``wrap``
        (``close()`` it, or use it in ``with``, to leave a live stream early). A live stream
        subscribes now: "new messages" means from this call on."""
        iterator = self._loop_thread.run(_start(method, *args, **kwargs))
        return BridgedIterator(self._loop_thread, iterator, wrap)


async def _await(method: Callable[P, Awaitable[T]], *args: P.args, **kwargs: P.kwargs) -> T:
    return await method(*args, **kwargs)


async def _plain(method: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    return method(*args, **kwargs)


async def _start(
    method: Callable[P, AsyncIterator[T]], *args: P.args, **kwargs: P.kwargs
) -> AsyncIterator[T]:
    iterator = method(*args, **kwargs)
    if isinstance(iterator, Stream):
        await iterator.start()
    return iterator


def same(value: T) -> T:
    """The wrap of items that are records, not client objects."""
    return value


def unwrap(value: Any) -> Any:
    """An argument as the async method takes it: twins become their async objects, also inside
    an iterable (``room.move_messages([m1, m2], ...)``), which arrives as a list."""
    if isinstance(value, Blocking):
        return value._target
    if isinstance(value, Iterable) and not isinstance(value, (str, bytes, Mapping)):
        return [unwrap(item) for item in value]
    return value
