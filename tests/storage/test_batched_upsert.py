"""SQLite's batched upsert (many rows per statement, typed columns converted once per distinct
value) writes exactly what SQLAlchemy's own statement execution writes, for batches above and
below the rows-per-statement bound, and keeps a bounded number of statement texts."""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import threading
import time

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from chatexchange import store
from chatexchange._parser.records import TranscriptMessage
from chatexchange.models import Message
from chatexchange.store import upsert
from chatexchange.store.merge import _merge_user
from chatexchange.store.rows import _user_row
from chatexchange.store.tables import _users
from tests.plugins.database import postgres_schema

START = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)


def _messages(count: int, first_id: int, seed: int) -> list[TranscriptMessage]:
    rng = random.Random(seed)
    zone = dt.timezone(dt.timedelta(hours=rng.choice([0, 2, -5])))
    return [
        TranscriptMessage(
            id=first_id + i,
            room_id=1,
            owner_id=rng.randint(1, 9),
            owner_name=rng.choice([None, "Ann", "Bo"]),
            content_html=f"<b>m{i}</b>",
            content_text=f"m{i}",
            parent_id=rng.choice([None, first_id]),
            edits=rng.randint(0, 1),
            deleted=rng.random() < 0.1,
            stars=rng.randint(0, 3),
            pinned=rng.random() < 0.2,
            onebox=rng.choice([None, "youtube"]),
            time=(START + dt.timedelta(minutes=rng.randint(0, 999))).astimezone(zone),
            partial=rng.random() < 0.1,
        )
        for i in range(count)
    ]


def _contents(engine) -> tuple[list, list]:
    """Both tables as SQLite stores them (the driver's values, no column types reading them)."""
    with engine.connect() as conn:
        messages = conn.exec_driver_sql("SELECT * FROM messages ORDER BY id").all()
        users = conn.exec_driver_sql("SELECT * FROM users ORDER BY id").all()
    return messages, users


@pytest.mark.parametrize("count", [1, 2, 3, 64, 65, upsert._MAX_ROWS, upsert._MAX_ROWS + 1, 700])
def test_batched_rows_are_what_sqlalchemy_writes(count, monkeypatch):
    now = dt.datetime(2024, 3, 2, 12, 0, 0, 123456, tzinfo=dt.UTC)
    batches = [_messages(count, 1000, 1), _messages(count, 1000 + count // 2, 2)]  # overlapping

    def archive():
        engine = store.open_engine("sqlite://")
        server = store.server_meta_id(engine, "se")
        for batch in batches:
            store.upsert_messages(engine, server, batch, room_names={1: "R"}, now=now)
        return engine

    batched = archive()
    monkeypatch.setattr(upsert, "_upsert_raw", lambda *args: False)  # SQLAlchemy executes
    plain = archive()
    assert _contents(batched) == _contents(plain)
    assert len(_contents(batched)[0]) == count + count // 2


def test_statement_texts_are_bounded():
    """Batches of every size up to 300 rows: a few statement texts per table, not one per size."""
    engine = store.open_engine("sqlite://")
    server = store.server_meta_id(engine, "se")
    first = 1
    for count in range(1, 301):
        store.upsert_messages(engine, server, _messages(count, first, count), room_names={1: "R"})
        first += count
    for _sql, _names, _procs, texts in upsert._compiled.values():
        assert len(texts) <= upsert._MAX_ROWS.bit_length()
    with engine.connect() as conn:
        assert len(conn.execute(select(Message.id)).all()) == first - 1


def test_a_row_without_its_key_is_refused_not_dropped():
    """The NULL rows that fill up a statement are dropped by their key: a real row with a NULL
    key is refused, as the one-row statement refuses it, never dropped with them."""
    engine = store.open_engine("sqlite://")
    now = dt.datetime(2024, 3, 2, tzinfo=dt.UTC)
    rows = [_user_row(None, (uid, f"u{uid}"), now) for uid in range(1, 6)]
    with pytest.raises(IntegrityError), engine.begin() as conn:
        upsert._upsert(conn, _users, rows, ("server_meta_id", "id"), _merge_user, raw=True)
    with engine.connect() as conn:
        assert conn.execute(select(_users.c.id)).all() == []


@pytest.mark.parametrize("raw", [True, False])
def test_rows_given_as_tuples_in_any_column_order(raw):
    """Rows as tuples of named columns (the import's message rows) store what the same rows as
    dicts store, whatever the order of the columns, on the batched path and SQLAlchemy's."""
    now = dt.datetime(2024, 3, 2, 12, 0, tzinfo=dt.UTC)
    dicts = [_user_row(1, (uid, f"u{uid}"), now) | {"reputation": uid * 10} for uid in (3, 1, 2)]
    columns = tuple(reversed(dicts[0]))

    def archive(rows, columns=None):
        engine = store.open_engine("sqlite://")
        with engine.begin() as conn:
            upsert._upsert(
                conn, _users, rows, ("server_meta_id", "id"), _merge_user, raw=raw, columns=columns
            )
        return engine

    as_dicts = archive(dicts)
    as_tuples = archive([tuple(row[c] for c in columns) for row in dicts], columns)
    assert _contents(as_tuples)[1] == _contents(as_dicts)[1]
    with as_tuples.connect() as conn:
        stored = conn.execute(select(_users.c.id, _users.c.name, _users.c.reputation)).all()
    assert sorted(stored) == [(1, "u1", 10), (2, "u2", 20), (3, "u3", 30)]


def _postgres_archives(request, count):
    """``count`` fresh archives, each in its own schema of the test server (skips without one)."""
    admin, reason = request.getfixturevalue("postgres_admin")
    if admin is None:
        pytest.skip(reason)
    stack = contextlib.ExitStack()
    request.addfinalizer(stack.close)
    engines = []
    for _ in range(count):
        engine = store.open_engine(stack.enter_context(postgres_schema(admin)))
        stack.callback(engine.dispose)
        engines.append(engine)
    return engines


def _pg_contents(engine) -> tuple[list, list]:
    with engine.connect() as conn:
        messages = conn.exec_driver_sql("SELECT * FROM messages ORDER BY id").all()
        users = conn.exec_driver_sql("SELECT * FROM users ORDER BY id").all()
    return messages, users


@pytest.mark.postgres
@pytest.mark.parametrize("count", [1, 3, 255, 700])
def test_batched_rows_are_what_sqlalchemy_writes_on_postgresql(count, request, monkeypatch):
    """On PostgreSQL the batched path (a few ``VALUES (...), (...)`` statements of power-of-two
    sizes) stores exactly what SQLAlchemy's row-by-row execution stores, merges included."""
    now = dt.datetime(2024, 3, 2, 12, 0, 0, 123456, tzinfo=dt.UTC)
    batches = [_messages(count, 1000, 1), _messages(count, 1000 + count // 2, 2)]  # overlapping
    batched, plain = _postgres_archives(request, 2)

    def fill(engine):
        server = store.server_meta_id(engine, "se")
        for batch in batches:
            store.upsert_messages(engine, server, batch, room_names={1: "R"}, now=now)

    fill(batched)
    statements = []
    monkeypatch.setattr(upsert, "_upsert_raw", lambda *args: statements.append(1) and False)
    fill(plain)
    assert statements  # the batched path was offered the rows, and declined here
    assert _pg_contents(batched) == _pg_contents(plain)
    assert len(_pg_contents(batched)[0]) == count + count // 2


@pytest.mark.postgres
def test_postgresql_rows_touching_one_key_twice_go_row_by_row(request):
    """One PostgreSQL statement cannot update a row twice: rows with a repeated key are stored
    one by one, the later winning, as SQLAlchemy's own execution does."""
    (engine,) = _postgres_archives(request, 1)
    now = dt.datetime(2024, 3, 2, tzinfo=dt.UTC)
    server = store.server_meta_id(engine, "se")
    rows = [_user_row(server, (7, "first"), now), _user_row(server, (7, "second"), now)]
    with engine.begin() as conn:
        upsert._upsert(conn, _users, rows, ("server_meta_id", "id"), _merge_user, raw=True)
    with engine.connect() as conn:
        assert conn.execute(select(_users.c.id, _users.c.name)).all() == [(7, "second")]


@pytest.mark.postgres
@pytest.mark.parametrize("raw", [True, False])
def test_postgresql_upserts_lock_rows_in_key_order(raw, request):
    """Two writers upserting overlapping rows in opposite orders could deadlock (two bot
    processes archiving the same users did). A batch takes its row locks in key order: while
    its row 2 is locked by another transaction, a batch given as [2, 1] already holds row 1."""
    (engine,) = _postgres_archives(request, 1)
    now = dt.datetime(2024, 3, 2, tzinfo=dt.UTC)
    server = store.server_meta_id(engine, "se")
    keys = ("server_meta_id", "id")

    def rows(*ids):
        return [_user_row(server, (i, f"u{i}"), now) for i in ids]

    with engine.begin() as conn:
        upsert._upsert(conn, _users, rows(1, 2), keys, _merge_user, raw=raw)
    holder = engine.connect()
    holder.begin()
    upsert._upsert(holder, _users, rows(2), keys, _merge_user, raw=raw)  # row 2 locked
    pid: list[int] = []

    def writer():
        with engine.begin() as conn:
            pid.append(conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())
            upsert._upsert(conn, _users, rows(2, 1), keys, _merge_user, raw=raw)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        with engine.connect() as probe:

            def waiting():
                locks = "SELECT count(*) FROM pg_locks WHERE pid = %(pid)s AND NOT granted"
                return bool(pid) and probe.exec_driver_sql(locks, {"pid": pid[0]}).scalar_one()

            deadline = time.monotonic() + 60
            while not waiting():
                assert time.monotonic() < deadline, "the writer never waited for row 2"
                time.sleep(0.01)
            row_1 = select(_users.c.id).where(_users.c.id == 1).with_for_update(nowait=True)
            with engine.connect() as other, pytest.raises(OperationalError, match="lock"):
                other.execute(row_1)  # the writer took row 1 before it met row 2
    finally:
        holder.rollback()
        holder.close()
        thread.join(timeout=60)
    assert not thread.is_alive()
    with engine.connect() as conn:
        assert conn.execute(select(_users.c.id).order_by(_users.c.id)).scalars().all() == [1, 2]
