"""Times in SQL: every write path stores one format, so comparisons and ORDER BY are exact.

SQLite has no time type: a time is text, compared as text. An instant written as
``'… 00:00:00'`` by one path and ``'… 00:00:00.000000'`` by another sorts before itself, which put
messages on the wrong side of a day boundary. These tests write the same instants through the
batched executemany path (transcript pages), a Core upsert (a live event) and the ORM, on SQLite
and PostgreSQL, and compare in SQL.
"""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from chatexchange import store
from chatexchange._parser.records import MessagePosted
from chatexchange._time import UTC
from chatexchange.models import SCHEMA_VERSION, Base, Message, UTCDateTime, database_info

from .factories import message, page

MIDNIGHT = dt.datetime(2026, 11, 17, tzinfo=UTC)
US = dt.timedelta(microseconds=1)
SECOND = dt.timedelta(seconds=1)
CANONICAL = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$")

# id -> time. Written by a transcript page (the executemany path): 1, 2, 7, 9; by a live event
# (a Core upsert): 4; by the ORM: 3, 5, 6, 8.
TIMES = {
    1: MIDNIGHT - US,
    2: MIDNIGHT,
    3: MIDNIGHT,
    4: MIDNIGHT,
    5: MIDNIGHT + US,
    6: MIDNIGHT - SECOND,
    7: MIDNIGHT + US,
    8: MIDNIGHT - US,
    9: MIDNIGHT - SECOND,
}
IN_ORDER = [6, 9, 1, 8, 2, 3, 4, 5, 7]


def _posted(message_id: int, when: dt.datetime) -> MessagePosted:
    return MessagePosted(
        event_type=1,
        id=5000 + message_id,
        time_stamp=when,
        room_id=1,
        room_name="Sandbox",
        user_id=50,
        user_name="poster",
        raw={},
        message_id=message_id,
        content=f"live {message_id}",
    )


def _store_around_midnight(engine) -> int:
    """Store :data:`TIMES` through all three write paths; returns the server's meta_id."""
    sid = store.server_meta_id(engine, "se")
    transcript = [message(i, time=TIMES[i]) for i in (1, 2, 7, 9)]
    stored = store.upsert_transcript_page(engine, sid, page(transcript), fetched=MIDNIGHT)
    store.record_event(engine, sid, _posted(4, TIMES[4]), now=MIDNIGHT)
    with Session(engine) as s:
        for i in (3, 5, 6, 8):
            s.add(
                Message(server_meta_id=sid, room_meta_id=stored.room_meta_id, id=i, time=TIMES[i])
            )
        s.commit()
    return sid


def _ids(engine, *where) -> list[int]:
    query = select(Message.id).where(*where).order_by(Message.time, Message.id)
    with engine.connect() as conn:
        return list(conn.scalars(query))


def test_equal_instants_compare_and_sort_exactly_in_sql(db_engine) -> None:
    _store_around_midnight(db_engine)
    assert _ids(db_engine) == IN_ORDER
    before = _ids(db_engine, Message.time < MIDNIGHT)
    after = _ids(db_engine, Message.time >= MIDNIGHT)
    assert before == [6, 9, 1, 8]
    assert after == [2, 3, 4, 5, 7]
    assert _ids(db_engine, Message.time == MIDNIGHT) == [2, 3, 4]
    assert _ids(db_engine, Message.time == MIDNIGHT - SECOND) == [6, 9]
    assert _ids(db_engine, Message.time > MIDNIGHT - US, Message.time <= MIDNIGHT + US) == [
        2,
        3,
        4,
        5,
        7,
    ]
    # the Python values agree with SQL
    with Session(db_engine) as s:
        assert {m.id: m.time for m in s.scalars(select(Message))} == TIMES


def test_merged_times_keep_the_format(db_engine) -> None:
    """A transcript's minute time replaced by an exact event time (and the other way round)."""
    sid = _store_around_midnight(db_engine)
    # message 2 gets its exact time from the live event (a Core upsert over a fast-path row);
    # message 4 is then re-imported from a transcript (the fast path merges, keeping it)
    store.record_event(db_engine, sid, _posted(2, MIDNIGHT), now=MIDNIGHT)
    store.upsert_transcript_page(db_engine, sid, page([message(4, time=MIDNIGHT)]))
    assert _ids(db_engine, Message.time == MIDNIGHT) == [2, 3, 4]
    assert _ids(db_engine) == IN_ORDER


def _time_texts(engine) -> list[tuple[str, str, object]]:
    """(table, column, stored value) of every time on SQLite, as the database holds it."""
    found = []
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if isinstance(column.type, UTCDateTime):
                    query = f'SELECT "{column.name}" FROM "{table.name}"'
                    for (value,) in conn.execute(text(query)):
                        if value is not None:
                            found.append((table.name, column.name, value))
    return found


def test_sqlite_stores_every_time_as_one_text_format() -> None:
    engine = store.open_engine()
    try:
        sid = _store_around_midnight(engine)
        store.upsert_users(engine, sid, [(77, "stub")])  # EPOCH via the executemany path
        stored = _time_texts(engine)
        tables = {t for t, _, _ in stored}
        assert {"messages", "users", "rooms", "servers", "transcript_page_fetches"} <= tables
        wrong = [row for row in stored if not (isinstance(row[2], str) and CANONICAL.match(row[2]))]
        assert wrong == []
    finally:
        engine.dispose()


def test_an_old_sqlite_archive_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = store.open_engine(f"sqlite:///{path}")
    _store_around_midnight(engine)
    engine.dispose()
    # what version 1 wrote through its executemany path: no fraction when it is zero
    raw = sqlite3.connect(path)
    raw.execute("UPDATE messages SET time = substr(time, 1, 19) WHERE id IN (2, 9)")
    raw.execute("UPDATE users SET meta_updated = '1970-01-01 00:00:00'")
    raw.execute("UPDATE chatexchange_database SET value = '1' WHERE key = 'schema_version'")
    raw.execute("DROP TABLE alembic_version")  # releases of version 1 had no migrations
    raw.commit()
    assert raw.execute("SELECT time FROM messages WHERE id = 2").fetchone() == (
        "2026-11-17 00:00:00",
    )
    raw.close()
    engine = store.open_engine(f"sqlite:///{path}")
    try:
        assert all(CANONICAL.match(value) for _, _, value in _time_texts(engine))
        assert _ids(engine) == IN_ORDER
        assert _ids(engine, Message.time >= MIDNIGHT) == [2, 3, 4, 5, 7]
        with engine.connect() as conn:
            version = conn.scalar(
                select(database_info.c.value).where(database_info.c.key == "schema_version")
            )
            assert version == str(SCHEMA_VERSION)
    finally:
        engine.dispose()


def test_opening_an_archive_twice_changes_no_time(db_url: str) -> None:
    engine = store.open_engine(db_url)
    try:
        _store_around_midnight(engine)
        with engine.connect() as conn:
            before = conn.execute(select(Message.id, Message.time).order_by(Message.id)).all()
    finally:
        engine.dispose()
    engine = store.open_engine(db_url)
    try:
        with engine.connect() as conn:
            assert (
                conn.execute(select(Message.id, Message.time).order_by(Message.id)).all() == before
            )
            assert conn.scalar(select(func.count()).select_from(Message)) == len(TIMES)
    finally:
        engine.dispose()
