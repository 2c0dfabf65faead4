"""Live events are archived as they arrived (``events`` table), once per chat event id."""

from __future__ import annotations

import datetime as dt

import orjson
from sqlalchemy import select

from chatexchange import EventType, store
from chatexchange._parser import parse_event
from chatexchange.models import Event, Room

T0 = 1_714_564_800


def _raw(event_type: int, event_id: int | None, **fields) -> dict:
    raw = {"event_type": event_type, "time_stamp": T0, "room_id": 1, "room_name": "Sandbox"}
    if event_id is not None:
        raw["id"] = event_id
    raw.update(fields)
    return raw


def _rows(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(Event.__table__).order_by("id")).mappings()]


def test_events_are_kept_once_per_id_with_their_payload(db_engine) -> None:
    sid = store.server_meta_id(db_engine, "se")
    joined = _raw(3, 501, user_id=7, user_name="Newbie", target_user_id=7)
    posted = _raw(1, 502, user_id=7, user_name="Newbie", message_id=90, content="hi")
    unknown = _raw(99, 503, content={"odd": [1, 2]})
    for raw in (joined, posted, joined, unknown):
        store.record_event(db_engine, sid, parse_event(raw))
    store.record_event(db_engine, sid, parse_event(_raw(1, None, message_id=91, content="x")))
    rows = _rows(db_engine)
    assert [(r["id"], r["event_type"]) for r in rows] == [(501, 3), (502, 1), (503, 99)]
    assert rows[0]["user_id"] == 7 and rows[0]["target_user_id"] == 7
    assert rows[1]["message_id"] == 90
    assert rows[0]["time"] == dt.datetime.fromtimestamp(T0, dt.UTC)
    assert [orjson.loads(r["raw"]) for r in rows] == [joined, posted, unknown]
    again = parse_event(orjson.loads(rows[0]["raw"]))
    assert again.event_type == EventType.USER_JOINED and again.user_name == "Newbie"
    with db_engine.connect() as conn:
        room = conn.execute(select(Room.__table__.c.meta_id).where(Room.id == 1)).scalar_one()
    assert {r["room_meta_id"] for r in rows} == {room}


def test_personal_notifications_have_no_room(db_engine) -> None:
    sid = store.server_meta_id(db_engine, "se")
    notice = {"event_type": 16, "id": 600, "time_stamp": T0, "user_id": 2, "content": "x"}
    invite = _raw(17, 601, user_id=2, user_name="Bob", target_user_id=1)
    store.record_event(db_engine, sid, parse_event(notice))
    store.record_event(db_engine, sid, parse_event(invite))
    assert [r["room_meta_id"] for r in _rows(db_engine)] == [None, None]


def test_personal_events_are_filed_under_the_room_that_delivered_them(db_engine) -> None:
    sid = store.server_meta_id(db_engine, "se")
    store.record_event(db_engine, sid, parse_event(_raw(3, 700, user_id=2, user_name="Bob")))
    invite = _raw(17, 701, room_id=3, room_name="Gallery", user_id=2, target_user_id=1)
    store.record_event(db_engine, sid, parse_event(invite), via_room=1)
    rows = _rows(db_engine)
    assert rows[1]["room_meta_id"] == rows[0]["room_meta_id"] is not None
