"""Running the synchronous SQLAlchemy engine off the event loop.

One worker thread per client does every database call. A single thread keeps SQLite honest (one
writer, no "database is locked" between our own transactions, and an in-memory database sees one
connection), keeps transactions short (each call is one unit of work) and means the event loop only
ever waits on a future, never on a write.

Reads reuse one connection instead of taking one from the pool per call, and end with a rollback,
so that connection holds no transaction (no stale snapshot, no lock) between calls; on a server
database it runs in autocommit mode, one round trip per statement. A lookup of
one row by its key (:meth:`DbWorker.lookup`) is a single indexed select, cheaper on SQLite than
the hop to the worker thread and back; when the worker is idle (nothing submitted is unfinished,
so the lookup cannot overtake a write or share the connection with one) it runs on the calling
thread instead.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine

from ..errors import ClosedError

__all__ = ["DbWorker"]

T = TypeVar("T")

log = logging.getLogger("chatexchange.client.db")


class DbWorker:
    """Runs functions of a connection (or of nothing) on the database thread."""

    def __init__(self, engine: Engine, name: str = "chatexchange-db") -> None:
        self.engine = engine
        self._executor = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix=name)
        self._closed = False
        # The last job submitted: the worker runs jobs in order, so once it is done all are.
        self._last: concurrent.futures.Future[Any] | None = None
        # Point reads on the calling thread only where they cannot block on I/O: SQLite.
        self._inline = engine.dialect.name == "sqlite"
        self._readers: dict[str, Connection] = {}  # "worker" / "inline": one per thread

    async def call(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)`` on the database thread."""
        return await self.submit(fn, *args, **kwargs)

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> asyncio.Future[T]:
        """Queue ``fn(*args, **kwargs)`` for the database thread now; its result, to await later
        (jobs run in the order they were queued)."""
        if self._closed:
            raise ClosedError("the client is closed")
        ctx = contextvars.copy_context()
        future = self._executor.submit(functools.partial(ctx.run, fn, *args, **kwargs))
        self._last = future
        return asyncio.wrap_future(future)

    async def read(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """``fn(connection, *args, **kwargs)`` inside a short read transaction."""
        return await self.call(self._read, "worker", fn, args, kwargs)

    async def lookup(self, fn: Callable[..., T], /, *args: Any) -> T:
        """As :meth:`read`, for ``fn`` reading a few rows by key: on SQLite, when the worker is
        idle, it runs right here (the caller's thread) without the hop to the worker."""
        if self._inline and not self._closed and (self._last is None or self._last.done()):
            return self._read("inline", fn, args, {})
        return await self.call(self._read, "worker", fn, args, {})

    async def write(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """``fn(connection, *args, **kwargs)`` inside one transaction, committed when it returns."""
        return await self.call(self._write, fn, args, kwargs)

    def _read(
        self, which: str, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> T:
        connection = self._readers.get(which)
        if connection is None or connection.closed or connection.invalidated:
            connection = self._readers[which] = self._connect_reader()
        try:
            result = fn(connection, *args, **kwargs)
        except BaseException:
            self._drop_reader(which)
            raise
        connection.rollback()
        return result

    def _connect_reader(self) -> Connection:
        connection = self.engine.connect()
        if not self._inline:
            # A server database: no BEGIN and ROLLBACK round trips around each read (each
            # statement sees what is committed). SQLite's driver begins no transaction for a
            # SELECT anyway, and an in-memory database's one connection is shared with writes.
            connection = connection.execution_options(isolation_level="AUTOCOMMIT")
        return connection

    def _drop_reader(self, which: str) -> None:
        connection = self._readers.pop(which, None)
        if connection is not None:
            try:
                connection.close()
            except Exception:  # a broken connection: the pool discards it
                log.debug("closing a read connection failed", exc_info=True)

    def _write(self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
        with self.engine.begin() as connection:
            return fn(connection, *args, **kwargs)

    def close(self) -> None:
        """Finish queued work and stop the thread (idempotent)."""
        if not self._closed:
            self._closed = True
            self._executor.submit(self._drop_reader, "worker")
            self._executor.shutdown(wait=True)
            self._drop_reader("inline")
