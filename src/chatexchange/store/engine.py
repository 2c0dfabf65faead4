"""Opening an archive: the engine, SQLite's pragmas, and the schema made ready."""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine.url import URL
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from ..errors import StorageError
from .fulltext import ensure_index
from .schema import Revision, prepare, revision
from .urls import _display, _is_memory, _reason, database_url


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA temp_store=MEMORY")
        # 4 MiB per connection: a client holds three (writes, reads on the database thread and
        # on the event loop's), and a long-running one fills them as its archive grows
        cursor.execute("PRAGMA cache_size=-4096")
        cursor.execute("PRAGMA busy_timeout=10000")
    finally:
        cursor.close()


def _sqlite_memory_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def open_engine(url: str | os.PathLike[str] | URL | None = None, *, echo: bool = False) -> Engine:
    """An engine for the archive at ``url`` with tables and seed rows in place, migrated to the
    newest revision (``schema.prepare``).

    The in-memory default is one database shared by every thread of the process (a
    ``StaticPool``); SQLite files run in WAL mode. Raises :class:`StorageError` (with a message
    that names the database but never its password) when the database cannot be opened.
    """
    engine = _engine(url, echo=echo)
    try:
        if not prepare(engine):
            ensure_index(engine)
    except StorageError:
        engine.dispose()
        raise
    except SQLAlchemyError as exc:
        engine.dispose()
        raise StorageError(
            f"cannot open the database {_display(engine.url)}: {_reason(exc, engine.url)}"
        ) from None
    return engine


def archive_revision(url: str | os.PathLike[str] | URL) -> Revision:
    """Where the archive at ``url`` stands (its migration revision, the release schema version it
    records); reads only: creates, migrates and seeds nothing."""
    engine = _engine(url)
    try:
        with engine.connect() as conn:
            return revision(conn)
    except SQLAlchemyError as exc:
        raise StorageError(
            f"cannot read the database {_display(engine.url)}: {_reason(exc, engine.url)}"
        ) from None
    finally:
        engine.dispose()


def _engine(url: str | os.PathLike[str] | URL | None, *, echo: bool = False) -> Engine:
    sa_url = database_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if sa_url.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"check_same_thread": False}
        if _is_memory(sa_url):
            kwargs["poolclass"] = StaticPool
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(sa_url, **kwargs)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise StorageError(f"cannot open the database {_display(sa_url)}: {exc}") from None
    if sa_url.get_backend_name() == "sqlite":
        listener = _sqlite_memory_pragmas if _is_memory(sa_url) else _sqlite_pragmas
        event.listen(engine, "connect", listener)
    return engine
