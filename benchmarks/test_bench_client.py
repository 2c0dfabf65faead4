"""Lookups through the client: served from the archive vs fetched from the devserver.

``room.message(id)`` with a fresh archived row (the freshness rule returns it without a request)
against the same lookup forced to fetch (``desired_max_age=0``: the message's transcript page is
requested from a loopback devserver, parsed and upserted). Both in the same run; ``units`` per
round so the report shows lookups per second. Run with ``--benchmark-enable``.
"""

from __future__ import annotations

import asyncio

import pytest

from benchmarks.test_bench_storage import write_summary
from chatexchange.client import AsyncClient
from chatexchange.devserver import DevServer

BATCH = 200


@pytest.fixture(scope="module")
def world():
    loop = asyncio.new_event_loop()
    server = DevServer.with_test_data()
    loop.run_until_complete(server.start())
    server.generate("se", messages=2000, seed=3, room_id=700)
    ids = [m.id for m in server.server("se").room_messages(700)][-BATCH:]
    client = AsyncClient(server_url=server.url, desired_max_age=3600)
    room = loop.run_until_complete(client.se.room(700))
    loop.run_until_complete(room.import_history(max_age=3600))
    yield loop, room, ids
    loop.run_until_complete(client.close())
    loop.run_until_complete(server.stop())
    loop.close()


def _lookups(loop, room, ids, **ages):
    async def run():
        for message_id in ids:
            await room.message(message_id, **ages)

    loop.run_until_complete(run())


@pytest.fixture(scope="module", autouse=True)
def _summary(request):
    yield
    fetched = RATES.get("devserver")
    lines = [
        f"  {source:9} {rate:>10,.0f}" + (f"  x{rate / fetched:.0f} vs a fetch" if fetched else "")
        for source, rate in RATES.items()
        if source != "devserver"
    ]
    if fetched:
        lines.append(f"  {'devserver':9} {fetched:>10,.0f}")
    write_summary(request, "room.message(id) lookups per second (best round):", lines)


RATES: dict[str, float] = {}


@pytest.mark.parametrize("source", ["devserver", "archive"])
def test_message_lookup(benchmark, world, source):
    loop, room, ids = world
    ages = {} if source == "archive" else {"desired_max_age": 0}
    if source == "devserver":
        ids = ids[:20]  # each one is an HTTP round trip and a page upsert
    benchmark.group = "client: room.message(id)"
    benchmark.extra_info.update(units=len(ids), unit="lookup", source=source)
    benchmark.pedantic(_lookups, args=(loop, room, ids), kwargs=ages, rounds=5, iterations=1)
    RATES[source] = len(ids) / benchmark.stats.stats.min
    benchmark.extra_info["lookups_per_second"] = round(RATES[source])
