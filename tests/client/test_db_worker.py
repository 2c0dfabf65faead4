"""The client's database thread: point lookups skip the hop only when that is safe, reads hold no
transaction between calls, and closing returns every connection."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from sqlalchemy import select, text

from chatexchange import errors, store
from chatexchange.client._db import DbWorker
from chatexchange.models import Server
from tests.plugins.database import postgres_admin, postgres_schema  # noqa: F401 (fixture)

S = Server.__table__


def _where(conn: Any) -> tuple[str, int]:
    count = conn.execute(select(S.c.meta_id)).all()
    return threading.current_thread().name, len(count)


def _add_server(conn: Any, slug: str) -> None:
    conn.execute(S.insert().values(url=f"https://{slug}.example", slug=slug, name=slug))


@pytest.mark.parametrize("url", ["file", "memory"])
def test_lookup_runs_inline_on_sqlite_only_when_the_worker_is_idle(tmp_path, url):
    engine = store.open_engine(tmp_path / "a.db" if url == "file" else None)
    worker = DbWorker(engine)

    async def scenario() -> None:
        here = threading.current_thread().name
        thread, servers = await worker.lookup(_where)
        assert (thread, servers) == (here, 3)
        # A write submitted but not finished: the lookup must wait behind it, and see it.
        gate = threading.Event()

        def slow_write(conn: Any) -> None:
            gate.wait(5)
            _add_server(conn, "x")

        pending = asyncio.ensure_future(worker.write(slow_write))
        await asyncio.sleep(0)  # the write is submitted
        lookup = asyncio.ensure_future(worker.lookup(_where))
        await asyncio.sleep(0.05)
        assert not lookup.done()
        gate.set()
        thread, servers = await lookup
        assert thread != here and servers == 4
        await pending
        assert (await worker.lookup(_where)) == (here, 4)

    try:
        asyncio.run(scenario())
    finally:
        worker.close()
        engine.dispose()


def test_reads_hold_no_transaction_between_calls(tmp_path):
    """A read leaves no snapshot open: another connection's write commits at once and the next
    read (inline or on the worker) sees it."""
    engine = store.open_engine(tmp_path / "a.db")
    worker = DbWorker(engine)
    other = store.open_engine(tmp_path / "a.db")

    async def scenario() -> None:
        assert (await worker.lookup(_where))[1] == 3
        assert (await worker.read(_where))[1] == 3
        with other.begin() as conn:
            _add_server(conn, "y")
        with other.connect() as conn:
            # A reader holding a snapshot would keep the log from being truncated: busy = 1.
            conn.execute(text("PRAGMA busy_timeout=0"))
            busy = conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)")).first()[0]
        assert busy == 0
        assert (await worker.lookup(_where))[1] == 4
        assert (await worker.read(_where))[1] == 4

    try:
        asyncio.run(scenario())
    finally:
        worker.close()
        other.dispose()
        engine.dispose()


def test_lookup_on_postgres_goes_through_the_worker(postgres_admin):  # noqa: F811
    admin, reason = postgres_admin
    if admin is None:
        pytest.skip(reason)
    with postgres_schema(admin) as url:
        engine = store.open_engine(url)
        worker = DbWorker(engine)

        async def scenario() -> None:
            thread, servers = await worker.lookup(_where)
            assert thread != threading.current_thread().name and servers == 3

        try:
            asyncio.run(scenario())
        finally:
            worker.close()
            assert engine.pool.checkedout() == 0
            engine.dispose()


def test_close_returns_the_read_connections(tmp_path):
    engine = store.open_engine(tmp_path / "a.db")
    worker = DbWorker(engine)

    async def scenario() -> None:
        await worker.lookup(_where)
        await worker.read(_where)

    asyncio.run(scenario())
    assert engine.pool.checkedout() == 2
    worker.close()
    assert engine.pool.checkedout() == 0
    with pytest.raises(errors.ClosedError, match="closed"):
        asyncio.run(worker.read(_where))
    engine.dispose()
