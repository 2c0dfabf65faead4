"""Reading the archive by time: exact bounds and order in SQL, on SQLite and PostgreSQL.

A transcript gives minute-resolution times, so many archived messages share one instant; these
tests put such messages (and ORM-written ones at the same instants, to the microsecond) on a day
boundary and read them back through the client: every message exactly once, oldest first.
"""

from __future__ import annotations

import datetime as dt
import math

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from chatexchange import store
from chatexchange._time import UTC
from chatexchange.client import AsyncClient
from chatexchange.models import Message, User

ROOM = 700
ALICE, BOB = 1, 2
US = dt.timedelta(microseconds=1)


@pytest.fixture
def midnight(devserver) -> dt.datetime:
    """A room whose transcript holds messages on both sides of a midnight, several at one instant
    (the minute of midnight), by alice and bob; returns that midnight."""
    now = dt.datetime.fromtimestamp(devserver.now(), UTC)
    boundary = dt.datetime.combine(now.date() - dt.timedelta(days=3), dt.time(0), UTC)
    devserver.add_room("se", ROOM, "Midnight")
    offsets = [-120, -60, -60, -1, 0, 0, 0, 10, 59, 60, 3600]  # seconds from midnight
    for n, offset in enumerate(offsets):
        author = ALICE if n % 2 else BOB
        when = (boundary + dt.timedelta(seconds=offset)).timestamp()
        devserver.add_message("se", ROOM, author, f"message {n}", when)
    return boundary


def _key(m) -> tuple[dt.datetime, int]:
    return (m.time, m.id)


async def _add_orm_messages(client: AsyncClient, room_meta_id: int, times: dict[int, dt.datetime]):
    """Messages written by the ORM (the other write path), owned by alice."""
    engine = client.sql_engine
    with Session(engine) as s:
        sid = store.server_meta_id(engine, "se")
        alice = s.scalars(select(User).where(User.server_meta_id == sid, User.id == ALICE)).one()
        for mid, when in times.items():
            s.add(
                Message(
                    server_meta_id=sid,
                    room_meta_id=room_meta_id,
                    owner_meta_id=alice.meta_id,
                    id=mid,
                    time=when,
                    content_html=f"orm {mid}",
                )
            )
        s.commit()


async def test_a_day_boundary_reads_every_message_once_in_order(devserver, midnight, db_url):
    engine = store.open_engine(db_url)
    try:
        async with AsyncClient(server_url=devserver.url, engine=engine, auth=False) as client:
            room = await client.se.room(ROOM)
            imported = [m async for m in room.messages()]
            expected = [m.id for m in devserver.server("se").room_messages(ROOM)]
            assert [m.id for m in imported] == expected
            at_midnight = [m.id for m in imported if m.time == midnight]
            assert len(at_midnight) >= 4  # the transcript's minute: equal instants

            base = max(expected) + 1000
            orm = {base: midnight, base + 1: midnight - US, base + 2: midnight + US}
            await _add_orm_messages(client, room.meta_id, orm)

            stored = [m async for m in room.messages(max_age=math.inf)]
            ids = [m.id for m in stored]
            assert sorted(ids) == sorted(expected + list(orm)) and len(set(ids)) == len(ids)
            assert [_key(m) for m in stored] == sorted(_key(m) for m in stored)
            assert [m.id for m in stored if m.time == midnight] == sorted([*at_midnight, base])

            # exact bounds: [midnight, midnight + 1 min) holds the equal instants and +1 µs
            window = [
                m.id
                async for m in room.messages(
                    since=midnight, until=midnight + dt.timedelta(minutes=1), max_age=math.inf
                )
            ]
            assert window == [
                m.id for m in stored if midnight <= m.time < midnight + dt.timedelta(minutes=1)
            ]
            assert window[: len(at_midnight) + 1] == sorted([*at_midnight, base])
            assert base + 1 not in window and base + 2 in window
            before = [m.id async for m in room.messages(until=midnight, max_age=math.inf)]
            assert before == [m.id for m in stored if m.time < midnight]
            assert sorted(before + [m.id for m in stored if m.time >= midnight]) == sorted(ids)

            # a user's archived messages: the same bounds, in SQL
            alice = await client.se.user(ALICE)
            mine = [m async for m in alice.messages(since=midnight, until=midnight + US)]
            wanted = [m for m in stored if m.owner_id == ALICE and m.time == midnight]
            assert [m.id for m in mine] == sorted(m.id for m in wanted) and base in {
                m.id for m in mine
            }
    finally:
        engine.dispose()
