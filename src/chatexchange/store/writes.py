"""Writing parser records (users, rooms, messages, transcript pages) and the client's own actions.

Each function takes an ``Engine`` (it runs one transaction of its own) or a ``Connection`` (it
runs inside the caller's transaction), so one transcript page is one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from .._time import EPOCH, utcnow
from .merge import (
    _merge_fetch,
    _merge_message_transcript,
    _merge_room,
    _merge_room_stub,
    _merge_user,
)
from .rows import _page_room_row, _room_row, _user_row
from .tables import _fetches, _messages, _revisions, _rooms, _users
from .upsert import _transaction, _upsert


def upsert_users(
    target: Engine | Connection,
    server_meta_id: int,
    users: Iterable[Any],
    *,
    now: dt.datetime | None = None,
) -> dict[int, int]:
    """Store users; returns ``{user id: meta_id}``.

    ``users`` holds ``UserProfile`` records (the user's own page: the row becomes fresh),
    ``UserCard`` records or ``(id, name)`` pairs (stubs: known fields only, freshness unchanged).
    A later entry for the same id wins.
    """
    now = now or utcnow()
    by_id: dict[int, dict[str, Any]] = {}
    for user in users:
        row = _user_row(server_meta_id, user, now)
        by_id[row["id"]] = row

    def work(conn: Connection) -> dict[int, int]:
        return _upsert_user_rows(conn, server_meta_id, list(by_id.values()))

    return _transaction(target, work)


def _upsert_user_rows(
    conn: Connection, server_meta_id: int, rows: list[dict[str, Any]]
) -> dict[int, int]:
    if not rows:
        return {}
    _upsert(conn, _users, rows, ("server_meta_id", "id"), _merge_user, raw=True)
    ids = [r["id"] for r in rows]
    result = conn.execute(
        select(_users.c.id, _users.c.meta_id).where(
            _users.c.server_meta_id == server_meta_id, _users.c.id.in_(ids)
        )
    )
    return dict(result.all())



def _upsert_room_rows(
    conn: Connection, server_meta_id: int, rows: list[dict[str, Any]]
) -> dict[int, int]:
    if not rows:
        return {}
    # ``deleted`` is merged only from records that know it (room cards); for the others it is
    # only the value a new row starts with.
    known = [r for r in rows if r["deleted"] is not None]
    stubs = [r for r in rows if r["deleted"] is None]
    for row in stubs:
        row["deleted"] = False
    if stubs:
        _upsert(conn, _rooms, stubs, ("server_meta_id", "id"), _merge_room_stub)
    if known:
        _upsert(conn, _rooms, known, ("server_meta_id", "id"), _merge_room)
    ids = [r["id"] for r in rows]
    result = conn.execute(
        select(_rooms.c.id, _rooms.c.meta_id).where(
            _rooms.c.server_meta_id == server_meta_id, _rooms.c.id.in_(ids)
        )
    )
    return dict(result.all())



def upsert_rooms(
    target: Engine | Connection,
    server_meta_id: int,
    rooms: Iterable[Any],
    *,
    now: dt.datetime | None = None,
) -> dict[int, int]:
    """Store rooms; returns ``{room id: meta_id}``.

    ``rooms`` holds ``RoomInfo`` records (the room's own page: the row becomes fresh, its owners
    are stored as users), ``RoomCard`` records or ``(id, name)`` pairs (stubs).
    """
    now = now or utcnow()
    by_id: dict[int, dict[str, Any]] = {}
    owners: list[Any] = []
    for room in rooms:
        row = _room_row(server_meta_id, room, now)
        by_id[row["id"]] = row
        owners.extend(getattr(room, "owners", ()))

    def work(conn: Connection) -> dict[int, int]:
        if owners:
            _upsert_user_rows(
                conn, server_meta_id, [_user_row(server_meta_id, o, now) for o in owners]
            )
        return _upsert_room_rows(conn, server_meta_id, list(by_id.values()))

    return _transaction(target, work)


def upsert_room(
    target: Engine | Connection,
    server_meta_id: int,
    room: Any,
    *,
    now: dt.datetime | None = None,
) -> int:
    """Store one room (``RoomInfo``, ``RoomCard`` or ``(id, name)``); returns its ``meta_id``."""
    ids = upsert_rooms(target, server_meta_id, [room], now=now)
    room_id = room[0] if isinstance(room, tuple) else room.room_id
    return ids[room_id]



def upsert_messages(
    target: Engine | Connection,
    server_meta_id: int,
    messages: Sequence[Any],
    *,
    room_names: Mapping[int, str] | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Store ``TranscriptMessage`` records with their owners and rooms; returns how many.

    Owners and rooms are stored as stubs first (``room_names`` supplies names the records lack).
    """
    now = now or utcnow()

    def work(conn: Connection) -> int:
        return _store_messages(conn, server_meta_id, messages, room_names or {}, now)[0]

    return _transaction(target, work)


def _store_messages(
    conn: Connection,
    server: int,
    messages: Sequence[Any],
    room_names: Mapping[int, str],
    now: dt.datetime,
    extra_rooms: Sequence[dict[str, Any]] = (),
) -> tuple[int, dict[int, int]]:
    """Store messages (owners and rooms first, as stubs); returns (count, {room id: meta_id})."""
    owners: dict[int, str | None] = {}
    rooms: dict[int, dict[str, Any]] = {r["id"]: r for r in extra_rooms}
    for m in messages:
        if m.owner_name is not None or m.owner_id not in owners:
            owners[m.owner_id] = m.owner_name
        if m.room_id not in rooms:
            rooms[m.room_id] = _room_row(server, (m.room_id, room_names.get(m.room_id)), now)
    user_ids = _upsert_user_rows(
        conn, server, [_user_row(server, pair, now) for pair in owners.items()]
    )
    room_rows = list(rooms.values())
    latest: dict[int, dt.datetime] = {}
    for m in messages:
        if m.time is not None and (m.room_id not in latest or m.time > latest[m.room_id]):
            latest[m.room_id] = m.time
    for row in room_rows:
        row["last_activity"] = latest.get(row["id"])
    room_ids = _upsert_room_rows(conn, server, room_rows)
    # Tuples in _MESSAGE_COLUMNS' order (the table's, which the compiled statement binds in),
    # one per message id: a later record of the same id wins (one statement cannot touch a row
    # twice, PostgreSQL refuses).
    owner_of = user_ids.get
    by_id = {
        m.id: (
            now,
            now,
            now if m.deleted else None,
            m.deleted,
            server,
            room_ids[m.room_id],
            owner_of(m.owner_id),
            m.id,
            m.content_html,
            m.content_text,
            None,
            m.parent_id,
            m.time,
            m.edits,
            m.stars,
            m.pinned,
            m.onebox,
            not getattr(m, "partial", False),
        )
        for m in messages
    }
    rows = list(by_id.values())
    _upsert(
        conn,
        _messages,
        rows,
        ("server_meta_id", "id"),
        _merge_message_transcript,
        raw=True,
        columns=_MESSAGE_COLUMNS,
    )
    return len(rows), room_ids


_MESSAGE_COLUMNS = (
    "meta_created",
    "meta_updated",
    "meta_deleted",
    "deleted",
    "server_meta_id",
    "room_meta_id",
    "owner_meta_id",
    "id",
    "content_html",
    "content_text",
    "content_markdown",
    "parent_id",
    "time",
    "edits",
    "stars",
    "pinned",
    "onebox",
    "text_complete",
)



@dataclass(frozen=True, slots=True)
class PageStored:
    """What :func:`upsert_transcript_page` wrote."""

    room_meta_id: int
    messages: int
    fetched: dt.datetime


def upsert_transcript_page(
    target: Engine | Connection,
    server_meta_id: int,
    page: Any,
    *,
    fetched: dt.datetime | None = None,
) -> PageStored:
    """Store a whole ``TranscriptPage`` (room, owners, messages, and the page-fetch record) in one
    transaction; a page already stored is merged, changing nothing but ``meta_updated``."""
    now = fetched or utcnow()

    def work(conn: Connection) -> PageStored:
        count, room_ids = _store_messages(
            conn,
            server_meta_id,
            page.messages,
            {},
            now,
            [_page_room_row(server_meta_id, page, now)],
        )
        room_meta_id = room_ids[page.room_id]
        _store_fetch(conn, room_meta_id, page, now)
        return PageStored(room_meta_id=room_meta_id, messages=count, fetched=now)

    return _transaction(target, work)



def _store_fetch(conn: Connection, room_meta_id: int, page: Any, now: dt.datetime) -> None:
    ids = [m.id for m in page.messages]
    row = {
        "room_meta_id": room_meta_id,
        "day": page.date,
        "hour_start": page.start_hour,
        "hour_end": page.end_hour,
        "fetched": now,
        "message_count": len(ids),
        "first_message_id": ids[0] if ids else None,
        "last_message_id": ids[-1] if ids else None,
        "first_day": page.first_day,
        "previous_day": page.previous_day,
        "next_day": page.next_day,
        "last_day": page.last_day,
        "deleted": False,
        "meta_created": now,
        "meta_updated": now,
    }
    _upsert(conn, _fetches, [row], ("room_meta_id", "day", "hour_start", "hour_end"), _merge_fetch)


def record_page_fetch(
    target: Engine | Connection, room_meta_id: int, page: Any, *, fetched: dt.datetime | None = None
) -> None:
    """Record that ``page`` was fetched (already part of :func:`upsert_transcript_page`)."""
    now = fetched or utcnow()
    _transaction(target, lambda conn: _store_fetch(conn, room_meta_id, page, now))


# ---------------------------------------------------------------------------------------------
# After the client's own actions


def record_sent(
    conn: Connection,
    server_meta_id: int,
    room_id: int,
    room_name: str | None,
    owner: tuple[int | None, str | None],
    message_id: int,
    when: dt.datetime,
    markdown: str,
    now: dt.datetime,
) -> None:
    """Record a message we just sent: its Markdown is known, its HTML not yet.

    A new row gets ``meta_updated = EPOCH`` (its content is incomplete, so a lookup fetches it); if
    the live event already stored the message, only the Markdown is added.
    """
    room_meta_id = upsert_rooms(conn, server_meta_id, [(room_id, room_name)], now=now)[room_id]
    owner_meta_id = None
    if owner[0] is not None:
        owner_meta_id = upsert_users(conn, server_meta_id, [owner], now=now)[owner[0]]
    existing = conn.execute(
        select(_messages.c.meta_id).where(
            _messages.c.server_meta_id == server_meta_id, _messages.c.id == message_id
        )
    ).scalar()
    if existing is None:
        conn.execute(
            _messages.insert().values(
                server_meta_id=server_meta_id,
                room_meta_id=room_meta_id,
                owner_meta_id=owner_meta_id,
                id=message_id,
                content_markdown=markdown,
                time=when,
                edits=0,
                stars=0,
                pinned=False,
                deleted=False,
                meta_created=now,
                meta_updated=EPOCH,
            )
        )
    else:
        conn.execute(
            _messages.update()
            .where(_messages.c.meta_id == existing)
            .values(content_markdown=markdown)
        )


def record_edit(
    conn: Connection, server_meta_id: int, message_id: int, markdown: str, now: dt.datetime
) -> None:
    """After our edit: the new Markdown; the stored HTML is now outdated, so the row is stale."""
    mark_stale(conn, server_meta_id, message_id, content_markdown=markdown)


def mark_stale(conn: Connection, server_meta_id: int, message_id: int, **values: Any) -> None:
    """After our own action on a message (edit, star, pin): the row no longer says what chat
    says, so the next lookup fetches it whatever its max age."""
    conn.execute(
        _messages.update()
        .where(_messages.c.server_meta_id == server_meta_id, _messages.c.id == message_id)
        .values(meta_updated=EPOCH, **values)
    )


def mark_room_stale(conn: Connection, server_meta_id: int, room_id: int) -> None:
    """After our change of a room's settings: the next lookup fetches the room's page."""
    conn.execute(
        _rooms.update()
        .where(_rooms.c.server_meta_id == server_meta_id, _rooms.c.id == room_id)
        .values(meta_updated=EPOCH)
    )


def record_deleted(
    conn: Connection, server_meta_id: int, message_id: int, now: dt.datetime
) -> None:
    """After our deletion: the row is marked deleted and keeps its content."""
    conn.execute(
        _messages.update()
        .where(_messages.c.server_meta_id == server_meta_id, _messages.c.id == message_id)
        .values(
            deleted=True,
            meta_deleted=func.coalesce(_messages.c.meta_deleted, now),
            meta_updated=now,
        )
    )


def record_history(
    conn: Connection,
    server_meta_id: int,
    message_id: int,
    revisions: Sequence[Any],
    values: dict[str, Any],
) -> None:
    """A message's revisions (``client.actions.Revision`` records) replace the stored ones; its
    row takes the edit count, stars and pin the page showed and is marked stale (its HTML may be
    older than the page)."""
    meta_id = conn.execute(
        select(_messages.c.meta_id).where(
            _messages.c.server_meta_id == server_meta_id, _messages.c.id == message_id
        )
    ).scalar()
    if meta_id is None:  # not archived (yet): nothing to attach the revisions to
        return
    mark_stale(conn, server_meta_id, message_id, **values)
    conn.execute(_revisions.delete().where(_revisions.c.message_meta_id == meta_id))
    conn.execute(
        _revisions.insert(),
        [
            {
                "message_meta_id": meta_id,
                "position": position,
                "user_id": r.user_id,
                "user_name": r.user_name,
                "time_text": r.time_text,
                "label": r.label,
                "content_html": r.content_html,
                "content_text": r.content_text,
                "content_markdown": r.source,
            }
            for position, r in enumerate(revisions)
        ],
    )
