"""Live events into the archive: the event itself (for replay) and what it says about its
message, user and room."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, select, update

from .._time import EPOCH, utcnow
from ..event_types import EventType as T
from ..models import text_from_html
from .merge import _merge_deleted, _merge_event, _merge_message_exact, _merge_message_transcript
from .rows import _room_row, _user_row
from .tables import _events, _messages, _rooms, _users
from .upsert import Merge, _transaction, _upsert
from .writes import _upsert_room_rows, _upsert_user_rows

# Message events whose ``user_*`` fields are the message's author.
_AUTHORED = {
    T.MESSAGE_POSTED,
    T.MESSAGE_EDITED,
    T.USER_MENTIONED,
    T.MESSAGE_REPLY,
    T.MESSAGE_MOVED_OUT,
    T.MESSAGE_MOVED_IN,
}
# Message events whose ``content`` is the message's current HTML and whose counters are current.
_CONTENT = {
    T.MESSAGE_POSTED,
    T.MESSAGE_EDITED,
    T.MESSAGE_STARRED,
    T.USER_MENTIONED,
    T.MESSAGE_REPLY,
    T.MESSAGE_MOVED_IN,
}
# Message events whose time stamp is the message's own time.
_TIMED = _CONTENT - {T.MESSAGE_STARRED}
# Events whose room fields do not name the room they happened in (none; the invited room).
_ROOMLESS = {T.USER_NOTIFICATION, T.INVITATION}


def record_event(
    target: Engine | Connection,
    server_meta_id: int,
    ev: Any,
    *,
    now: dt.datetime | None = None,
    via_room: int | None = None,
) -> int | None:
    """Apply one live event to the archive; returns the ``meta_id`` of the message it touched.

    ``via_room``: the chat id of the room whose feed delivered the event; the archived event is
    filed under it when the event's own room fields name no room of its own (a personal
    notification, an invitation to another room).

    Posted/edited/reply/mention/moved-in and star events upsert the message (an edit replaces the
    content, stars and pins are set); a deletion marks it deleted and keeps its content; the
    acting user and the room are stored as stubs with their current names. A name/avatar change
    makes the changed user's row stale, so the next lookup fetches the profile.
    """
    now = now or utcnow()

    def work(conn: Connection) -> int | None:
        return _apply_event(conn, server_meta_id, ev, now, via_room)

    return _transaction(target, work)


def _apply_event(
    conn: Connection, server: int, ev: Any, now: dt.datetime, via_room: int | None = None
) -> int | None:
    etype = ev.event_type
    room_meta_id = None
    if ev.room_id is not None and etype not in _ROOMLESS:
        room_meta_id = _upsert_room_rows(
            conn, server, [_room_row(server, (ev.room_id, ev.room_name), now)]
        )[ev.room_id]
    user_meta_id = None
    if ev.user_id is not None:
        user_meta_id = _upsert_user_rows(
            conn, server, [_user_row(server, (ev.user_id, ev.user_name), now)]
        )[ev.user_id]
    if etype == T.USER_NAME_CHANGED and ev.target_user_id is not None:
        conn.execute(
            update(_users)
            .where(_users.c.server_meta_id == server, _users.c.id == ev.target_user_id)
            .values(meta_updated=EPOCH)
        )
    if ev.id is not None:
        event_room = room_meta_id
        if etype in _ROOMLESS and via_room is not None:
            event_room = conn.execute(
                select(_rooms.c.meta_id).where(
                    _rooms.c.server_meta_id == server, _rooms.c.id == via_room
                )
            ).scalar()
        _archive_event(conn, server, event_room, ev, now)
    message_id = getattr(ev, "message_id", None)
    if message_id is None or room_meta_id is None:
        return None
    if etype in _CONTENT or etype == T.MESSAGE_DELETED:
        row, merge = _event_message_row(server, room_meta_id, user_meta_id, ev, now)
        _upsert(conn, _messages, [row], ("server_meta_id", "id"), merge)
        meta_id: int = conn.execute(
            select(_messages.c.meta_id).where(
                _messages.c.server_meta_id == server, _messages.c.id == message_id
            )
        ).scalar_one()
        return meta_id
    return None


def record_events(
    conn: Connection,
    server_meta_id: int,
    events: Sequence[Any],
    *,
    now: dt.datetime,
    via_rooms: Sequence[int | None] | None = None,
) -> list[int | None]:
    """Apply live events, in order, as :func:`record_event` does one by one, in a few statements
    (one per table and kind of change) inside the caller's transaction; for each event, the chat
    id of the message it touched, else None.

    ``via_rooms``: per event, the room whose feed delivered it. No message may come twice in
    ``events`` (the caller splits there: an event's effect on a message must be read before the
    next one's). Users and rooms are stored once with the last name the events give them.
    """
    server = server_meta_id
    vias: Sequence[int | None] = via_rooms if via_rooms is not None else [None] * len(events)
    room_names: dict[int, str | None] = {}
    user_names: dict[int, str | None] = {}
    renamed: list[int] = []
    for ev in events:
        # the last name given wins, as when the events are stored one by one
        room, user = ev.room_id, ev.user_id
        named = ev.room_name is not None or room not in room_names
        if room is not None and ev.event_type not in _ROOMLESS and named:
            room_names[room] = ev.room_name
        if user is not None and (ev.user_name is not None or user not in user_names):
            user_names[user] = ev.user_name
        if ev.event_type == T.USER_NAME_CHANGED and ev.target_user_id is not None:
            renamed.append(ev.target_user_id)
    room_ids = _upsert_room_rows(
        conn, server, [_room_row(server, pair, now) for pair in room_names.items()]
    )
    user_ids = _upsert_user_rows(
        conn, server, [_user_row(server, pair, now) for pair in user_names.items()]
    )
    if renamed:
        conn.execute(
            update(_users)
            .where(_users.c.server_meta_id == server, _users.c.id.in_(renamed))
            .values(meta_updated=EPOCH)
        )
    via_ids = {
        via for ev, via in zip(events, vias, strict=True)
        if via is not None and ev.id is not None and ev.event_type in _ROOMLESS
    }
    via_meta: dict[int, int] = {}
    if via_ids:
        via_meta = dict(
            conn.execute(
                select(_rooms.c.id, _rooms.c.meta_id).where(
                    _rooms.c.server_meta_id == server, _rooms.c.id.in_(via_ids)
                )
            ).all()
        )
    event_rows: dict[int, dict[str, Any]] = {}
    message_rows: dict[Merge, list[dict[str, Any]]] = {}
    touched: list[int | None] = []
    for ev, via in zip(events, vias, strict=True):
        etype = ev.event_type
        room_meta_id = None
        if ev.room_id is not None and etype not in _ROOMLESS:
            room_meta_id = room_ids[ev.room_id]
        if ev.id is not None and ev.id not in event_rows:  # an event never changes: the first
            event_room = room_meta_id
            if etype in _ROOMLESS and via is not None:
                event_room = via_meta.get(via)
            event_rows[ev.id] = _event_row(server, event_room, ev, now)
        message_id = getattr(ev, "message_id", None)
        if (
            message_id is None
            or room_meta_id is None
            or not (etype in _CONTENT or etype == T.MESSAGE_DELETED)
        ):
            touched.append(None)
            continue
        row, merge = _event_message_row(server, room_meta_id, user_ids.get(ev.user_id), ev, now)
        message_rows.setdefault(merge, []).append(row)
        touched.append(message_id)
    keys = ("server_meta_id", "id")
    _upsert(conn, _events, list(event_rows.values()), keys, _merge_event, raw=True)
    for merge, rows in message_rows.items():
        _upsert(conn, _messages, rows, keys, merge, raw=True)
    return touched


def _event_message_row(
    server: int, room_meta_id: int, user_meta_id: int | None, ev: Any, now: dt.datetime
) -> tuple[dict[str, Any], Merge]:
    """The messages row a content or deletion event writes, and how it merges."""
    etype = ev.event_type
    deleted = etype == T.MESSAGE_DELETED
    content = None if deleted else ev.content
    row = {
        "server_meta_id": server,
        "room_meta_id": room_meta_id,
        "owner_meta_id": user_meta_id if etype in _AUTHORED else None,
        "id": ev.message_id,
        "content_html": content,
        "content_text": text_from_html(content),
        "content_markdown": None,
        "parent_id": ev.parent_id,
        "time": ev.time_stamp if etype in _TIMED else None,
        "edits": ev.message_edits,
        "stars": ev.message_stars,
        "pinned": ev.message_owner_stars > 0,
        "onebox": None,
        "text_complete": True,
        "deleted": deleted,
        "meta_deleted": now if deleted else None,
        "meta_created": now,
        "meta_updated": now,
    }
    merge = _merge_message_exact if etype == T.MESSAGE_POSTED else _merge_message_transcript
    if deleted:
        merge = _merge_deleted
    return row, merge


def _event_row(
    server: int, room_meta_id: int | None, ev: Any, now: dt.datetime
) -> dict[str, Any]:
    return {
        "server_meta_id": server,
        "room_meta_id": room_meta_id,
        "id": ev.id,
        "event_type": int(ev.event_type),
        "time": ev.time_stamp,
        "user_id": ev.user_id,
        "target_user_id": ev.target_user_id,
        "message_id": getattr(ev, "message_id", None),
        "raw": orjson.dumps(ev.raw).decode(),
        "meta_created": now,
        "meta_updated": now,
        "meta_deleted": None,  # every column given: the upsert's fast path on SQLite
        "deleted": False,
    }


def _archive_event(
    conn: Connection, server: int, room_meta_id: int | None, ev: Any, now: dt.datetime
) -> None:
    """The event itself into ``events`` (once per chat event id), for replay."""
    row = {
        "server_meta_id": server,
        "room_meta_id": room_meta_id,
        "id": ev.id,
        "event_type": int(ev.event_type),
        "time": ev.time_stamp,
        "user_id": ev.user_id,
        "target_user_id": ev.target_user_id,
        "message_id": getattr(ev, "message_id", None),
        "raw": orjson.dumps(ev.raw).decode(),
        "meta_created": now,
        "meta_updated": now,
    }
    _upsert(conn, _events, [row], ("server_meta_id", "id"), _merge_event)
