"""Reads from the archive with SQLAlchemy Core: plain row mappings, no ORM objects (the writes
are ``chatexchange.store``'s).

Every function takes a ``Connection`` and runs on the client's database thread (``_db.DbWorker``).
Rows come back as dicts holding the model's column names, plus the chat ids and names of the row's
room and owner (``room_id``, ``room_name``, ``owner_id``, ``owner_name``) so a client object can
show them without another query.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, or_, select

from ..models import Message, Room, Server, TranscriptPageFetch, User

M = Message.__table__
U = User.__table__
R = Room.__table__
S = Server.__table__
P = TranscriptPageFetch.__table__

_MESSAGE_SELECT = select(
    *M.c,
    R.c.id.label("room_id"),
    R.c.name.label("room_name"),
    U.c.id.label("owner_id"),
    U.c.name.label("owner_name"),
).select_from(
    M.join(R, R.c.meta_id == M.c.room_meta_id).outerjoin(U, U.c.meta_id == M.c.owner_meta_id)
)

# Lookups by chat id, built once: building and cache-keying a statement per call costs more than
# running it.
_MESSAGE_BY_ID = _MESSAGE_SELECT.where(
    M.c.server_meta_id == bindparam("server"), M.c.id == bindparam("id")
)
_USER_BY_ID = select(U).where(U.c.server_meta_id == bindparam("server"), U.c.id == bindparam("id"))
_ROOM_BY_ID = select(R).where(R.c.server_meta_id == bindparam("server"), R.c.id == bindparam("id"))

Row = dict[str, Any]


def servers(conn: Connection) -> dict[str, Row]:
    return {row["slug"]: dict(row) for row in conn.execute(select(S)).mappings()}


def _one(conn: Connection, statement: Any, server_meta_id: int, chat_id: int) -> Row | None:
    row = conn.execute(statement, {"server": server_meta_id, "id": chat_id}).mappings().first()
    return None if row is None else dict(row)


def user(conn: Connection, server_meta_id: int, user_id: int) -> Row | None:
    return _one(conn, _USER_BY_ID, server_meta_id, user_id)


def room(conn: Connection, server_meta_id: int, room_id: int) -> Row | None:
    return _one(conn, _ROOM_BY_ID, server_meta_id, room_id)


def rooms_by_ids(conn: Connection, server_meta_id: int, room_ids: Iterable[int]) -> dict[int, Row]:
    ids = list(room_ids)
    if not ids:
        return {}
    rows = conn.execute(
        select(R).where(R.c.server_meta_id == server_meta_id, R.c.id.in_(ids))
    ).mappings()
    return {row["id"]: dict(row) for row in rows}


def message(conn: Connection, server_meta_id: int, message_id: int) -> Row | None:
    return _one(conn, _MESSAGE_BY_ID, server_meta_id, message_id)


_MESSAGES_BY_IDS = _MESSAGE_SELECT.where(
    M.c.server_meta_id == bindparam("server"), M.c.id.in_(bindparam("ids", expanding=True))
)


def messages_by_ids(
    conn: Connection, server_meta_id: int, message_ids: list[int]
) -> dict[int, Row]:
    """``{chat id: row}`` of the archived messages among ``message_ids``, in one select."""
    if not message_ids:
        return {}
    rows = conn.execute(_MESSAGES_BY_IDS, {"server": server_meta_id, "ids": message_ids})
    return {row["id"]: dict(row) for row in rows.mappings()}


def _window(
    since_time: datetime | None,
    since_id: int | None,
    until_time: datetime | None,
    until_id: int | None,
) -> list[Any]:
    """``[since, until)`` in SQL. A message of unknown time is before any ``since`` time and
    inside any ``until`` time."""
    clauses: list[Any] = []
    if since_time is not None:
        clauses.append(M.c.time >= since_time)
    if since_id is not None:
        clauses.append(M.c.id >= since_id)
    if until_time is not None:
        clauses.append(or_(M.c.time.is_(None), M.c.time < until_time))
    if until_id is not None:
        clauses.append(M.c.id < until_id)
    return clauses


# Oldest first; a message of unknown time last (SQLite and PostgreSQL differ by default).
_BY_TIME = (M.c.time.asc().nulls_last(), M.c.id)


def room_messages(
    conn: Connection,
    room_meta_id: int,
    start: datetime | None,
    end: datetime | None,
    since_time: datetime | None = None,
    since_id: int | None = None,
    until_time: datetime | None = None,
    until_id: int | None = None,
) -> list[Row]:
    """Messages of a room with ``start <= time < end`` inside the window, oldest first."""
    clauses = [M.c.room_meta_id == room_meta_id]
    if start is not None:
        clauses.append(M.c.time >= start)
    if end is not None:
        clauses.append(M.c.time < end)
    clauses += _window(since_time, since_id, until_time, until_id)
    query = _MESSAGE_SELECT.where(and_(*clauses)).order_by(*_BY_TIME)
    return [dict(row) for row in conn.execute(query).mappings()]


def replies(
    conn: Connection,
    server_meta_id: int,
    parent_id: int,
    since_time: datetime | None = None,
    since_id: int | None = None,
    until_time: datetime | None = None,
    until_id: int | None = None,
) -> list[Row]:
    clauses = [M.c.server_meta_id == server_meta_id, M.c.parent_id == parent_id]
    clauses += _window(since_time, since_id, until_time, until_id)
    query = _MESSAGE_SELECT.where(and_(*clauses)).order_by(*_BY_TIME)
    return [dict(row) for row in conn.execute(query).mappings()]


def user_messages(
    conn: Connection,
    user_meta_id: int,
    since_time: datetime | None = None,
    since_id: int | None = None,
    until_time: datetime | None = None,
    until_id: int | None = None,
    after_id: int | None = None,
    limit: int = 1000,
) -> tuple[list[Row], int | None]:
    """One batch of a user's messages in the window after ``after_id``, in id order (oldest
    first: ids grow with time on a server, and a batch boundary cannot fall between equal
    times): ``(rows, the last id)``; the last id is ``None`` when there are no more."""
    clauses = [M.c.owner_meta_id == user_meta_id]
    clauses += _window(since_time, since_id, until_time, until_id)
    if after_id is not None:
        clauses.append(M.c.id > after_id)
    query = _MESSAGE_SELECT.where(and_(*clauses)).order_by(M.c.id).limit(limit)
    batch = [dict(row) for row in conn.execute(query).mappings()]
    last = batch[-1]["id"] if len(batch) == limit else None
    return batch, last


def user_room_ids(conn: Connection, user_meta_id: int) -> list[int]:
    """Chat ids of the rooms the user posted in (archived messages only)."""
    query = (
        select(R.c.id)
        .select_from(M.join(R, R.c.meta_id == M.c.room_meta_id))
        .where(M.c.owner_meta_id == user_meta_id)
        .group_by(R.c.id)
    )
    return [row[0] for row in conn.execute(query)]


def page_fetches_between(conn: Connection, room_meta_id: int, first: date, end: date) -> list[Row]:
    """The recorded fetches of a room's transcript days ``first <= day < end``."""
    query = (
        select(P)
        .where(P.c.room_meta_id == room_meta_id, P.c.day >= first, P.c.day < end)
        .order_by(P.c.day, P.c.hour_start)
    )
    return [dict(row) for row in conn.execute(query).mappings()]


def count_room_messages(conn: Connection, room_meta_id: int) -> int:
    return conn.execute(
        select(func.count()).select_from(M).where(M.c.room_meta_id == room_meta_id)
    ).scalar_one()
