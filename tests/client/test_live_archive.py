"""Live events are archived in batches: the result is what archiving them one by one gives.

A room feed hands a burst of events (and the other feeds' bursts) to one write
(``client._live._record_groups``): a few statements per run of events instead of several per event.
Checked here against ``store.record_event`` applied event by event, on SQLite and PostgreSQL:
the same tables afterwards and, for each event, the same message row handed to the streams (the
message as that event left it, also when the same message changes twice in one burst). One
difference is allowed: the room and owner *names* a row carries are those after the burst (a room
renamed in the burst shows its new name in the rows of the burst's earlier messages).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from chatexchange import store
from chatexchange._time import UTC
from chatexchange.client import _archive, event_record
from chatexchange.client._live import _record_batch, _record_groups
from chatexchange.models import Event, Message, Room, User

NOW = dt.datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
T0 = 1_777_000_000


def _ev(n: int, event_type: int, room: int | None = 7, **fields: Any) -> Any:
    raw: dict[str, Any] = {"event_type": event_type, "time_stamp": T0 + n, "id": 900 + n}
    if room is not None:
        raw.update(room_id=room, room_name=f"Room {room}")
    raw.update(fields)
    return event_record(raw)


def _msg(
    n: int, event_type: int, message_id: int, content: str, room: int = 7, **fields: Any
) -> Any:
    fields.setdefault("user_id", 2)
    fields.setdefault("user_name", "Bob")
    return _ev(n, event_type, room, message_id=message_id, content=content, **fields)


def _burst() -> list[tuple[Any, int | None]]:
    """(event, delivering room) pairs: every kind the archive treats differently."""
    events = [
        _msg(1, 1, 501, "first"),
        _msg(2, 1, 502, "a &amp; <b>b</b>", room=8, user_id=3, user_name="Carol"),
        _msg(3, 8, 502, "a &amp; <b>b</b>", room=8, user_id=3, user_name="Carol", target_user_id=2),
        _ev(4, 3, user_id=4, user_name="Dan"),  # joined: no message
        _msg(5, 2, 501, "first, edited", message_edits=1),  # the same message again: a new run
        _msg(6, 6, 501, "first, edited", message_edits=1, message_stars=2, user_id=3),
        _msg(
            7, 18, 503, "@Bob reply", parent_id=501, user_id=3, user_name="Carol", target_user_id=2
        ),
        _msg(8, 1, 503, "@Bob reply", parent_id=501, user_id=3, user_name="Carol"),
        _ev(9, 34, user_id=4, user_name="Daniel", target_user_id=4),  # name changed: stale
        _ev(10, 17, room=9, user_id=3, user_name="Carol"),  # invitation: filed under the feed
        _ev(11, 16, room=None, user_id=3, user_name="Carol"),  # personal notification
        _msg(12, 10, 502, "", room=8, user_id=3, user_name=None),  # deleted, no name given
        _msg(13, 19, 504, "moved", user_id=2),
        _msg(14, 20, 504, "moved", room=8, user_id=2),
        _msg(15, 1, 505, "no id (gap fill)", id=None),
        _msg(1, 1, 501, "first"),  # a repeated event id: kept as first seen
        _ev(16, 4, user_id=4, user_name=None),  # left, name unknown: the last name stays
        _ev(17, 5, room_name="Renamed 7", user_id=2, user_name="Bob"),  # the last name wins
    ]
    return [(e, 8 if e.room_id == 8 else 7) for e in events]


def _plain(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    ids_and_names = ("meta_id", "room_meta_id", "owner_meta_id", "room_name", "owner_name")
    return {k: v for k, v in row.items() if k not in ids_and_names}


def _tables(engine: Any) -> dict[str, list[tuple[Any, ...]]]:
    """Every archived fact, by chat ids (the meta ids depend on the order of inserts)."""
    m, u, r, e = (t.__table__ for t in (Message, User, Room, Event))
    queries = {
        "messages": select(
            m.c.id,
            r.c.id,
            u.c.id,
            m.c.content_html,
            m.c.content_text,
            m.c.parent_id,
            m.c.time,
            m.c.edits,
            m.c.stars,
            m.c.pinned,
            m.c.deleted,
            m.c.meta_deleted,
            m.c.text_complete,
        )
        .join(r, r.c.meta_id == m.c.room_meta_id)
        .outerjoin(u, u.c.meta_id == m.c.owner_meta_id)
        .order_by(m.c.id),
        "users": select(u.c.id, u.c.name, u.c.meta_updated, u.c.deleted).order_by(u.c.id),
        "rooms": select(r.c.id, r.c.name, r.c.meta_updated, r.c.deleted).order_by(r.c.id),
        "events": select(
            e.c.id,
            e.c.event_type,
            r.c.id,
            e.c.time,
            e.c.user_id,
            e.c.target_user_id,
            e.c.message_id,
            e.c.raw,
        )
        .outerjoin(r, r.c.meta_id == e.c.room_meta_id)
        .order_by(e.c.id),
    }
    with engine.connect() as conn:
        return {name: [tuple(row) for row in conn.execute(q)] for name, q in queries.items()}


def _one_by_one(url: str, burst: list[tuple[Any, int | None]]) -> tuple[Any, list[Any]]:
    engine = store.open_engine(url)
    sid = store.server_meta_id(engine, "se")
    rows = []
    for event, via in burst:
        with engine.begin() as conn:
            meta_id = store.record_event(conn, sid, event, now=NOW, via_room=via)
            message_id = getattr(event, "message_id", None)
            found = None
            if meta_id is not None and message_id is not None:
                found = _archive.message(conn, sid, message_id)
            rows.append(_plain(found))
    return engine, rows


def test_a_burst_is_archived_as_one_by_one(db_url: str, tmp_path: Any) -> None:
    burst = _burst()
    expected_engine, expected_rows = _one_by_one(f"sqlite:///{tmp_path / 'one.db'}", burst)
    engine = store.open_engine(db_url)
    sid = store.server_meta_id(engine, "se")
    # two feeds' batches in one write, as the archiver hands them in
    feed7 = [e for e, via in burst if via == 7]
    feed8 = [e for e, via in burst if via == 8]
    with engine.begin() as conn:
        rows7, rows8 = _record_groups(conn, NOW, [(sid, feed7, 7), (sid, feed8, 8)])
    by_event = {id(e): _plain(r) for e, r in zip(feed7 + feed8, rows7 + rows8, strict=True)}
    assert [by_event[id(e)] for e, _ in burst] == expected_rows
    assert _tables(engine) == _tables(expected_engine)
    # the posted row is the message as posted, not as the later edit in the same burst left it
    assert expected_rows[0]["content_text"] == "first"
    assert expected_rows[4]["content_text"] == "first, edited"


def test_one_feed_batch_in_order(db_url: str) -> None:
    engine = store.open_engine(db_url)
    sid = store.server_meta_id(engine, "se")
    events = [_msg(n, 1, 600 + n, f"m {n}") for n in range(50)]
    events.append(_msg(60, 2, 610, "m 10 edited", message_edits=1))
    with engine.begin() as conn:
        rows = _record_batch(conn, sid, events, NOW, 7)
    assert [r["id"] for r in rows] == [600 + n for n in range(50)] + [610]
    assert rows[10]["content_text"] == "m 10"
    assert rows[-1]["content_text"] == "m 10 edited"


@pytest.mark.parametrize("empty", [[], [(1, [], 7)]])
def test_nothing_to_write(empty: list[Any], tmp_path: Any) -> None:
    engine = store.open_engine(f"sqlite:///{tmp_path / 'a.db'}")
    with engine.begin() as conn:
        assert _record_groups(conn, NOW, empty) == [[] for _ in empty]
