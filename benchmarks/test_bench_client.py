"""Lookups through the client: served from the archive, against a bare SQLAlchemy Core select.

``room.message(id)`` with a fresh archived row (the freshness rule returns it without a request)
against, in the same run and on the same engine, the bare minimum: one prepared Core select of the
message row by primary key on an open connection, no thread, no freshness, no object. The same
lookup forced to fetch (``desired_max_age=0``: the transcript page is requested from a loopback
devserver, parsed and upserted) shows what the archive saves. The archive is an SQLite file, the
in-memory default, and PostgreSQL when ``CHATEXCHANGE_TEST_POSTGRES_URL`` names a server. The
target: a lookup from the archive at least 0.3 of the bare select's rate.

    .venv/bin/pytest benchmarks/test_bench_client.py --benchmark-enable
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import bindparam, select
from tests.plugins.database import postgres_admin, postgres_schema  # noqa: F401 (fixture)

from benchmarks.test_bench_storage import write_summary
from chatexchange.client import AsyncClient
from chatexchange.devserver import DevServer
from chatexchange.models import Message

BATCH = 200
RATES: dict[tuple[str, str], float] = {}
M = Message.__table__


@pytest.fixture(
    scope="module", params=["file", "memory", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def world(request: pytest.FixtureRequest, tmp_path_factory: Any) -> Any:
    archive = request.param
    schema = None
    if archive == "file":
        url: str | None = f"sqlite:///{tmp_path_factory.mktemp('lookup')}/archive.db"
    elif archive == "memory":
        url = None
    else:
        admin, reason = request.getfixturevalue("postgres_admin")
        if admin is None:
            pytest.skip(reason)
        schema = postgres_schema(admin)
        url = schema.__enter__()
    loop = asyncio.new_event_loop()
    server = DevServer.with_test_data()
    loop.run_until_complete(server.start())
    server.generate("se", messages=2000, seed=3, room_id=700)
    ids = [m.id for m in server.server("se").room_messages(700)][-BATCH:]
    client = AsyncClient(url, server_url=server.url, desired_max_age=3600)
    room = loop.run_until_complete(client.se.room(700))
    loop.run_until_complete(room.import_history(max_age=3600))
    yield archive, loop, client, room, ids
    loop.run_until_complete(client.close())
    loop.run_until_complete(server.stop())
    loop.close()
    if schema is not None:
        schema.__exit__(None, None, None)


def _lookups(loop: Any, room: Any, ids: list[int], **ages: Any) -> None:
    async def run() -> None:
        for message_id in ids:
            await room.message(message_id, **ages)

    loop.run_until_complete(run())


@pytest.fixture(scope="module", autouse=True)
def _summary(request: pytest.FixtureRequest) -> Any:
    yield
    lines = []
    for archive in ("file", "memory", "postgres"):
        bare = RATES.get((archive, "bare select"))
        for source in ("bare select", "archive", "devserver"):
            rate = RATES.get((archive, source))
            if rate is None:
                continue
            ratio = ""
            if bare and source != "bare select":
                ratio = f"  {rate / bare:.2f} of the bare select"
            lines.append(f"  {archive:8} {source:11} {rate:>10,.0f}{ratio}")
    write_summary(request, "room.message(id): lookups per second (best round):", lines)


def _record(benchmark: Any, archive: str, source: str, units: int) -> None:
    rate = units / benchmark.stats.stats.min
    RATES[(archive, source)] = rate
    benchmark.extra_info["lookups_per_second"] = round(rate)
    bare = RATES.get((archive, "bare select"))
    if bare and source != "bare select":
        benchmark.extra_info["ratio_to_bare_select"] = round(rate / bare, 3)


def test_bare_select_baseline(benchmark: Any, world: Any) -> None:
    """A prepared Core select by primary key on an open connection: the floor of any lookup."""
    archive, _loop, client, _room, ids = world
    statement = select(M).where(M.c.meta_id == bindparam("pk"))
    with client.sql_engine.connect() as conn:
        keys = dict(conn.execute(select(M.c.id, M.c.meta_id).where(M.c.id.in_(ids))).all())
        pks = [keys[i] for i in ids]

        def run() -> None:
            for pk in pks:
                conn.execute(statement, {"pk": pk}).first()

        benchmark.group = f"client: room.message(id) {archive}"
        benchmark.extra_info.update(units=len(ids), unit="lookup", source="bare select")
        benchmark.pedantic(run, rounds=5, iterations=1, warmup_rounds=1)
    _record(benchmark, archive, "bare select", len(ids))


@pytest.mark.parametrize("source", ["archive", "devserver"])
def test_message_lookup(benchmark: Any, world: Any, source: str) -> None:
    archive, loop, _client, room, ids = world
    ages = {} if source == "archive" else {"desired_max_age": 0}
    if source == "devserver":
        ids = ids[:20]  # each one is an HTTP round trip and a page upsert
    benchmark.group = f"client: room.message(id) {archive}"
    benchmark.extra_info.update(units=len(ids), unit="lookup", source=source)
    benchmark.pedantic(
        _lookups, args=(loop, room, ids), kwargs=ages, rounds=5, iterations=1, warmup_rounds=1
    )
    _record(benchmark, archive, source, len(ids))
