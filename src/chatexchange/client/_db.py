"""Running the synchronous SQLAlchemy engine off the event loop.

One worker thread per client does every database call. A single thread keeps SQLite honest (one
writer, no "database is locked" between our own transactions, and an in-memory database sees one
connection), keeps transactions short (each call is one unit of work) and means the event loop only
ever waits on a future, never on the database.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import functools
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Engine

__all__ = ["DbWorker"]

T = TypeVar("T")


class DbWorker:
    """Runs functions of a connection (or of nothing) on the database thread."""

    def __init__(self, engine: Engine, name: str = "chatexchange-db") -> None:
        self.engine = engine
        self._executor = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix=name)
        self._closed = False

    async def call(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """``fn(*args, **kwargs)`` on the database thread."""
        if self._closed:
            raise RuntimeError("the client is closed")
        loop = asyncio.get_running_loop()
        ctx = contextvars.copy_context()
        call = functools.partial(ctx.run, fn, *args, **kwargs)
        return await loop.run_in_executor(self._executor, call)

    async def read(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """``fn(connection, *args, **kwargs)`` inside a short read transaction."""
        return await self.call(self._read, fn, args, kwargs)

    async def write(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """``fn(connection, *args, **kwargs)`` inside one transaction, committed when it returns."""
        return await self.call(self._write, fn, args, kwargs)

    def _read(self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
        with self.engine.connect() as connection:
            return fn(connection, *args, **kwargs)

    def _write(self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> T:
        with self.engine.begin() as connection:
            return fn(connection, *args, **kwargs)

    def close(self) -> None:
        """Finish queued work and stop the thread (idempotent)."""
        if not self._closed:
            self._closed = True
            self._executor.shutdown(wait=True)
