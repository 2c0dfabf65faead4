"""An event loop on a background thread, and the bridge from blocking code into it.

``BlockingClient`` owns one :class:`LoopThread`. Calls from other threads are submitted with
``run_coroutine_threadsafe`` and waited for; async iterators become plain iterators that pull one
item per ``next()``. A blocking call made *on the loop thread itself* (for example from a callback
running inside the loop) could never finish — the loop would be waiting for itself — so it is
refused with :class:`BlockingCallInLoopError` instead of hanging.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from typing import Any, TypeVar

from .._eventloop import new_event_loop
from ..errors import ChatExchangeError, ClosedError

__all__ = ["BlockingCallInLoopError", "BridgedIterator", "LoopThread", "new_event_loop"]

log = logging.getLogger("chatexchange.client")

T = TypeVar("T")

_END: Any = object()


class BlockingCallInLoopError(ChatExchangeError, RuntimeError):
    """A BlockingClient method was called from its own event loop thread (that would deadlock).

    Inside the loop use the AsyncClient (``blocking_client.async_client``) and ``await`` instead.
    """


class LoopThread:
    """A daemon thread running one event loop until :meth:`stop`."""

    def __init__(
        self,
        name: str = "chatexchange-loop",
        loop_factory: Callable[[], asyncio.AbstractEventLoop] = new_event_loop,
    ) -> None:
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Future[None] | None = None
        self._error: BaseException | None = None
        self._closed = False
        self._lock = threading.Lock()
        self._factory = loop_factory
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            raise self._error

    # -- the thread ---------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            runner_cls = getattr(asyncio, "Runner", None)
            if runner_cls is not None:
                with runner_cls(loop_factory=self._factory) as runner:
                    self._loop = runner.get_loop()
                    runner.run(self._main())
            else:  # Python 3.10: the same, by hand
                loop = self._factory()
                self._loop = loop
                try:
                    loop.run_until_complete(self._main())
                    _cancel_all(loop)
                    loop.run_until_complete(loop.shutdown_asyncgens())
                    loop.run_until_complete(loop.shutdown_default_executor())
                finally:
                    loop.close()
        except BaseException as error:  # surfaced to the constructor if we never got ready
            if not self._ready.is_set():
                self._error = error
            else:
                log.exception("the client's event loop thread failed")
        finally:
            self._ready.set()

    async def _main(self) -> None:
        self._stop = asyncio.get_running_loop().create_future()
        self._ready.set()
        await self._stop

    # -- from other threads ---------------------------------------------------------------------

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            raise ClosedError("the event loop thread is not running")
        return self._loop

    @property
    def alive(self) -> bool:
        return not self._closed and self._thread.is_alive()

    def in_loop_thread(self) -> bool:
        return threading.current_thread() is self._thread

    def _check_caller(self) -> None:
        if self.in_loop_thread():
            raise BlockingCallInLoopError(
                "a BlockingClient was called from inside its own event loop; this would wait "
                "forever. Use the AsyncClient (BlockingClient.async_client) with await here."
            )
        if not self.alive:
            raise ClosedError("this BlockingClient is closed")

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run ``coro`` on the loop and wait for its result (exceptions are re-raised here)."""
        try:
            self._check_caller()
        except BaseException:
            coro.close()  # never started: do not leave a "never awaited" warning behind
            raise
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout)
        except (KeyboardInterrupt, concurrent.futures.TimeoutError):
            future.cancel()
            raise

    def submit(self, coro: Coroutine[Any, Any, Any]) -> concurrent.futures.Future[Any] | None:
        """Schedule ``coro`` without waiting (used for clean-ups from finalizers)."""
        if not self.alive:
            coro.close()
            return None
        try:
            return asyncio.run_coroutine_threadsafe(coro, self.loop)
        except RuntimeError:  # the loop closed meanwhile
            coro.close()
            return None

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the loop (pending tasks are cancelled, async generators closed) and join the thread.

        Idempotent; refused from the loop thread itself, which cannot join itself.
        """
        with self._lock:
            if self._closed:
                return
            if self.in_loop_thread():
                raise BlockingCallInLoopError("a BlockingClient cannot be closed from its own loop")
            self._closed = True
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None and not loop.is_closed():
            try:
                loop.call_soon_threadsafe(_set_result, stop)
            except RuntimeError:
                pass
        self._thread.join(timeout)


def _set_result(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


def _cancel_all(loop: asyncio.AbstractEventLoop) -> None:
    tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
    for task in tasks:
        task.cancel()
    if tasks:
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))


async def _next(iterator: AsyncIterator[Any], running: list[Any]) -> Any:
    running[:] = [asyncio.current_task()]
    try:
        return await iterator.__anext__()
    except StopAsyncIteration:
        return _END
    finally:
        running.clear()


async def _close_running(iterator: Any, running: list[Any]) -> None:
    """Close ``iterator`` while another thread may be waiting for its next item.

    A live stream ends the wait itself (its ``aclose`` is safe while it runs); any other async
    iterator cannot be closed while it runs, so the waiting step is cancelled first.
    """
    task = running[0] if running else None
    if task is not None and not task.done() and not getattr(iterator, "closes_while_running", 0):
        task.cancel()
        await asyncio.wait([task])
    await _aclose(iterator)


async def _aclose(iterator: Any) -> None:
    close = getattr(iterator, "aclose", None)
    if close is not None:
        await close()


class BridgedIterator(Iterator[T]):
    """A plain iterator over an async iterator living on a :class:`LoopThread`.

    Each ``next()`` waits for one item. ``close()`` (also on ``break`` inside a ``with`` block, or
    when the iterator is garbage collected) closes the async iterator on its loop, so a live stream
    unsubscribes. ``close()`` may come from another thread while a ``next()`` waits: that
    ``next()`` then raises ``StopIteration``.
    """

    def __init__(
        self,
        thread: LoopThread,
        iterator: AsyncIterator[Any],
        wrap: Callable[[Any], T] = lambda item: item,
    ) -> None:
        self._thread = thread
        self._iterator: AsyncIterator[Any] | None = iterator
        self._wrap = wrap
        self._running: list[Any] = []  # the loop task of a next() in progress

    def __iter__(self) -> BridgedIterator[T]:
        return self

    def __next__(self) -> T:
        if self._iterator is None:
            raise StopIteration
        try:
            item = self._thread.run(_next(self._iterator, self._running))
        except (asyncio.CancelledError, concurrent.futures.CancelledError):
            if self._iterator is None:  # closed from another thread while we waited
                raise StopIteration from None
            raise
        if self._iterator is None:  # closed meanwhile: the item is not wanted
            raise StopIteration
        if item is _END:
            self._iterator = None
            raise StopIteration
        return self._wrap(item)

    def close(self) -> None:
        iterator, self._iterator = self._iterator, None
        if iterator is not None and self._thread.alive:
            if self._thread.in_loop_thread():
                self._thread.loop.create_task(_close_running(iterator, self._running))
            else:
                self._thread.run(_close_running(iterator, self._running))

    def __enter__(self) -> BridgedIterator[T]:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __del__(self) -> None:
        iterator, self._iterator = getattr(self, "_iterator", None), None
        if iterator is not None:
            thread = self._thread
            if thread.alive and not thread.in_loop_thread():
                thread.submit(_aclose(iterator))
