"""Small async-iterator helpers: what the builtins and ``itertools`` do, for ``async for``.

The seed README's async example uses ``enumerate`` over an async stream (its
``chatexchange.async`` is impossible, ``async`` being a keyword, so the module is
``chatexchange.aio``)::

    async for i, reply in chatexchange.aio.enumerate(hello.all_replies()):
        ...

Every helper that stops early closes the iterator it was given (``aclose()``), so a live stream
unsubscribes at once instead of when the garbage collector finds it.
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable
from typing import Any, TypeVar, overload

__all__ = [
    "aclosing_iter",
    "anext",
    "enumerate",
    "filter",
    "islice",
    "iterate",
    "list",
    "map",
    "take",
]

T = TypeVar("T")
U = TypeVar("U")
D = TypeVar("D")

_MISSING: Any = object()


async def _aclose(iterator: Any) -> None:
    close = getattr(iterator, "aclose", None)
    if close is not None:
        await close()


@overload
async def anext(iterator: AsyncIterator[T]) -> T: ...
@overload
async def anext(iterator: AsyncIterator[T], default: D) -> T | D: ...
async def anext(iterator: AsyncIterator[T], default: Any = _MISSING) -> Any:
    """The next item of ``iterator``; ``default`` when it is exhausted (else StopAsyncIteration)."""
    try:
        return await iterator.__anext__()
    except StopAsyncIteration:
        if default is _MISSING:
            raise
        return default


async def iterate(items: Iterable[T] | AsyncIterable[T]) -> AsyncIterator[T]:
    """Turn a plain or async iterable into an async iterator (handy to feed the other helpers)."""
    if isinstance(items, AsyncIterable):
        async for item in items:
            yield item
    else:
        for item in items:
            yield item


async def aclosing_iter(iterable: AsyncIterable[T]) -> AsyncIterator[T]:
    """Iterate ``iterable`` and close it however the loop ends (break, exception, cancellation)."""
    iterator = aiter(iterable)
    try:
        async for item in iterator:
            yield item
    finally:
        await _aclose(iterator)


async def enumerate(iterable: AsyncIterable[T], start: int = 0) -> AsyncIterator[tuple[int, T]]:
    """``(index, item)`` pairs, like the builtin; closes ``iterable`` when closed early."""
    index = start
    iterator = aiter(iterable)
    try:
        async for item in iterator:
            yield index, item
            index += 1
    finally:
        await _aclose(iterator)


async def islice(iterable: AsyncIterable[T], *args: int | None) -> AsyncIterator[T]:
    """``islice(it, stop)`` / ``islice(it, start, stop[, step])`` as in itertools.

    Stops pulling from (and closes) the source once ``stop`` is reached, which matters for
    infinite streams such as ``room.new_messages()``.
    """
    s = slice(*args)
    start = s.start or 0
    stop = s.stop
    step = s.step or 1
    if start < 0 or (stop is not None and stop < 0) or step < 1:
        raise ValueError("islice indices must be non-negative and step positive")
    iterator = aiter(iterable)
    try:
        if stop is not None and stop <= start:
            return
        index = 0
        next_index = start
        async for item in iterator:
            if index == next_index:
                yield item
                next_index += step
                if stop is not None and next_index >= stop:
                    return
            index += 1
    finally:
        await _aclose(iterator)


async def take(iterable: AsyncIterable[T], n: int) -> builtins.list[T]:
    """The first ``n`` items as a list (fewer if the iterable ends first)."""
    return [item async for item in islice(iterable, n)]


async def list(iterable: AsyncIterable[T]) -> builtins.list[T]:
    """All items as a list (never call this on an infinite stream)."""
    return [item async for item in aclosing_iter(iterable)]


async def map(
    function: Callable[[T], U | Awaitable[U]], iterable: AsyncIterable[T]
) -> AsyncIterator[U]:
    """Apply ``function`` (plain or async) to every item."""
    iterator = aiter(iterable)
    try:
        async for item in iterator:
            value = function(item)
            if isinstance(value, Awaitable):
                value = await value
            yield value
    finally:
        await _aclose(iterator)


async def filter(
    predicate: Callable[[T], Any] | None, iterable: AsyncIterable[T]
) -> AsyncIterator[T]:
    """Items for which ``predicate`` (plain or async; ``None`` = truthiness) holds."""
    iterator = aiter(iterable)
    try:
        async for item in iterator:
            keep: Any = item if predicate is None else predicate(item)
            if isinstance(keep, Awaitable):
                keep = await keep
            if keep:
                yield item
    finally:
        await _aclose(iterator)
