"""The archive as the command line meets it: checked before it is opened, counted after.

Opening an archive creates its tables, so what must not happen to a database is refused here first:
a read-only command (``replay``, ``show``, ``export``, ``search``) never creates an empty archive
where none was, and no command adds its tables to a database that belongs to something else.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from datetime import datetime
from typing import Any

from ..errors import StorageError
from .rooms import driver_missing, redact, relative_path_warning, sqlite_path

__all__ = ["MARKER_TABLE", "prepare_database", "remove_new_file", "room_counts", "window"]

log = logging.getLogger("chatexchange.cli")

#: The table every archive has (``chatexchange.models.database_info``); its absence in a database
#: with tables means the database is not an archive.
MARKER_TABLE = "chatexchange_database"


def prepare_database(url: str, *, must_exist: bool) -> bool:
    """Check ``url`` before the archive is opened; returns whether the SQLite file is new.

    Raises :class:`StorageError` (one line, exit 9) for a missing driver, a missing archive when
    ``must_exist``, a directory that is not there, or a database that is not an archive.
    """
    warning = relative_path_warning(url)
    if warning:
        log.warning(warning)
    shown = redact(url)
    hint = driver_missing(url)
    if hint:
        raise StorageError(f"cannot open the database {shown}: {hint}")
    if url.split(":", 1)[0].lower().startswith("sqlite"):
        path = sqlite_path(url)
        if path is None:  # in memory
            if must_exist:
                raise StorageError(f"{shown} is an empty in-memory database; give an archive file")
            return False
        return _prepare_sqlite(path, shown, must_exist=must_exist)
    tables = _tables(url)
    _check_tables(tables, shown, must_exist=must_exist)
    return False


def _prepare_sqlite(path: str, shown: str, *, must_exist: bool) -> bool:
    where = "" if os.path.isabs(path) else " (relative to the current directory)"
    if not os.path.exists(path):
        if must_exist:
            raise StorageError(f"no archive at {path}{where}: import a room into it first")
        parent = os.path.dirname(path)
        if parent and not os.path.isdir(parent):
            raise StorageError(f"cannot create the archive {shown}: no directory {parent}{where}")
        return True
    if os.path.isdir(path):
        raise StorageError(f"cannot open the database {shown}: {path} is a directory")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise StorageError(f"cannot open the database {shown}: {exc}") from None
    if os.path.getsize(path) == 0:
        tables = set()
    _check_tables(tables, shown, must_exist=must_exist)
    return False


def _tables(url: str) -> set[str]:
    from sqlalchemy import create_engine, inspect
    from sqlalchemy.exc import SQLAlchemyError

    from ..store import database_url

    engine = create_engine(database_url(url))
    try:
        return set(inspect(engine).get_table_names())
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()
        raise StorageError(
            f"cannot open the database {redact(url)}: {redact(reason[0] if reason else '')}"
        ) from None
    finally:
        engine.dispose()


def _check_tables(tables: set[str], shown: str, *, must_exist: bool) -> None:
    tables = {t for t in tables if not t.startswith("sqlite_")}
    if MARKER_TABLE in tables:
        return
    if tables:
        names = ", ".join(sorted(tables)[:5]) + (", ..." if len(tables) > 5 else "")
        raise StorageError(
            f"{shown} is not a chatexchange archive (it holds other tables: {names}); "
            "give a new file or an archive"
        )
    if must_exist:
        raise StorageError(f"{shown} holds no archive: import a room into it first")


def window(message: Any, since: datetime | int | None, until: datetime | int | None) -> list[Any]:
    """SQL conditions on a message table or model for ``[since, until)``: a datetime bound is on
    the time, a message-id bound on the id (ids grow with time on a server)."""
    conditions = []
    for bound, lower in ((since, True), (until, False)):
        if bound is None:
            continue
        column = message.id if isinstance(bound, int) else message.time
        conditions.append(column >= bound if lower else column < bound)
    return conditions


def remove_new_file(url: str) -> None:
    """Delete the SQLite file (and its journal) a failed command created, leaving no trace."""
    path = sqlite_path(url)
    if path is None:
        return
    for suffix in ("", "-wal", "-shm", "-journal"):
        try:
            os.remove(path + suffix)
        except FileNotFoundError:
            pass
        except OSError as exc:  # pragma: no cover - a file we cannot remove is only left behind
            log.debug("could not remove %s: %s", path + suffix, exc)


def room_counts(
    engine: Any,
    server: str,
    room_id: int,
    since: datetime | int | None = None,
    until: datetime | int | None = None,
) -> tuple[int, int]:
    """``(messages, deleted messages)`` the archive holds of a room in ``[since, until)`` (a time
    or a message id each)."""
    from sqlalchemy import func, select

    from ..models import Message, Room, Server

    query = (
        select(func.count(), func.count().filter(Message.deleted))
        .select_from(Message)
        .join(Room, Room.meta_id == Message.room_meta_id)
        .join(Server, Server.meta_id == Room.server_meta_id)
        .where(Server.slug == server, Room.id == room_id)
    )
    query = query.where(*window(Message, since, until))
    with engine.connect() as conn:
        total, deleted = conn.execute(query).one()
    return int(total), int(deleted or 0)
