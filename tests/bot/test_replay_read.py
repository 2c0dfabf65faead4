"""How a replay reads the archive: rows in chunks from the DB-API cursor of its connection, on
SQLite and on PostgreSQL (a server-side cursor there), with every bound of the select kept."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import String, select, type_coerce, update

from chatexchange import Bot
from chatexchange.bot._replay import _chunks, replay
from chatexchange.models import Message
from tests.bot.archive import START, USERS, build_archive, message_texts
from tests.bot.rules import add_rules

from .test_replay import expected_answer

N = 300
M = Message.__table__


@pytest.fixture
def archive(db_engine):
    """``(engine, ids, deleted ids)``: N messages, every 7th one deleted."""
    ids = build_archive(db_engine, N)
    deleted = ids[::7]
    with db_engine.begin() as conn:
        conn.execute(update(M).where(M.c.id.in_(deleted)).values(deleted=True))
    return db_engine, ids, deleted


@pytest.mark.parametrize("batch", [1, 7, 10_000])
def test_every_kept_message_in_order_whatever_the_chunk_size(archive, batch):
    engine, ids, deleted = archive
    results = list(replay(add_rules(Bot()), "se/r/1", database=engine, batch=batch))
    kept = [(mid, owner_text) for mid, owner_text in zip(ids, message_texts(N), strict=True)
            if mid not in deleted]
    assert [r.message.id for r in results] == [mid for mid, _ in kept]
    assert [r.answer for r in results] == [expected_answer(o, t) for _, (o, t) in kept]
    names = dict(USERS)
    assert [r.message.owner.name for r in results] == [names[o] for _, (o, _t) in kept]
    assert results[0].message.time == START + timedelta(seconds=30)  # ids[0] is deleted


def test_deleted_messages_only_when_asked(archive):
    engine, ids, deleted = archive
    every = [r.message.id for r in Bot().replay("se/r/1", database=engine, include_deleted=True)]
    assert every == ids
    assert deleted and not set(deleted) & {
        r.message.id for r in Bot().replay("se/r/1", database=engine)
    }


def test_since_and_until_are_exact(archive):
    """Id bounds in SQL; time bounds widened by a second in SQL (stored times are text on
    SQLite) and applied exactly to each row: the bound parameters reach the driver as the
    archive stores them."""
    engine, ids, deleted = archive
    bot = Bot()
    by_id = [r.message.id for r in bot.replay("se/r/1", ids[10], ids[40], database=engine)]
    assert by_id == [mid for mid in ids[10:40] if mid not in deleted]
    since = START + timedelta(seconds=30 * 5)
    until = START + timedelta(seconds=30 * 9)
    by_time = [r.message.id for r in bot.replay("se/r/1", since, until, database=engine)]
    assert by_time == [mid for mid in ids[5:9] if mid not in deleted]
    just_after = since + timedelta(microseconds=1)
    later = [r.message.id for r in bot.replay("se/r/1", just_after, until, database=engine)]
    assert later == by_time[1:]


def test_failing_and_async_rules(archive, caplog):
    engine, _, deleted = archive
    bot = Bot()

    def broken(message):
        raise RuntimeError(f"broken on {message.id}")

    async def alive(user):
        return f"async {user.name}"

    bot.on("!!/help", broken)
    bot.on("!!/alive", alive)
    with caplog.at_level(logging.ERROR, "chatexchange.bot"):
        results = list(replay(bot, "se/r/1", database=engine, batch=50))
    assert len(results) == N - len(deleted)
    helped = [r for r in results if r.message.text == "!!/help"]
    assert helped and all(r.answer is None for r in helped)
    assert caplog.text.count("RuntimeError: broken on") == len(helped)
    alive_answers = [r.answer for r in results if r.message.text == "!!/alive"]
    assert alive_answers and all(a.startswith("async ") for a in alive_answers)


def test_rows_are_driver_tuples_in_chunks(archive):
    """``_chunks`` gives lists of at most ``size`` plain tuples (no SQLAlchemy Row); on
    PostgreSQL from a server-side cursor, open while the rows are read and closed after."""
    engine, ids, deleted = archive
    query = (
        select(M.c.id, type_coerce(M.c.time, String))
        .where(M.c.deleted.is_(False), M.c.id >= ids[3])
        .order_by(M.c.id)
    )
    postgres = engine.dialect.name == "postgresql"
    with engine.connect() as conn:
        chunks = _chunks(conn, query, 16)
        first = next(chunks)
        if postgres:
            cursors = conn.exec_driver_sql("SELECT name FROM pg_cursors").scalars().all()
            assert cursors == ["chatexchange_replay"]
        rows = first + [row for chunk in chunks for row in chunk]
        assert len(first) == 16 and all(type(row) is tuple for row in rows)
        assert [row[0] for row in rows] == [mid for mid in ids[3:] if mid not in deleted]
        if postgres:
            assert conn.exec_driver_sql("SELECT count(*) FROM pg_cursors").scalar() == 0


def test_the_driver_gets_what_sqlalchemy_would_send(tmp_path):
    """The statement and its bound values (a datetime as the archive stores it as text, an id)
    reach SQLite exactly as SQLAlchemy's own execution sends them."""
    from chatexchange import store

    engine = store.open_engine(f"sqlite:///{tmp_path / 'archive.db'}")
    try:
        ids = build_archive(engine, 20)
        query = select(M.c.id).where(
            M.c.time >= START + timedelta(seconds=95, microseconds=7), M.c.id < ids[15]
        ).order_by(M.c.id)
        sent: list[str] = []
        with engine.connect() as conn:
            conn.connection.dbapi_connection.set_trace_callback(sent.append)
            expected = [tuple(row) for row in conn.execute(query)]
            ours = [row for chunk in _chunks(conn, query, 4) for row in chunk]
        assert ours == expected == [(mid,) for mid in ids[4:15]]
        assert len(sent) == 2 and sent[0] == sent[1]
    finally:
        engine.dispose()
