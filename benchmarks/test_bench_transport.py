"""End-to-end live events per second: devserver -> ServerConnection.watch() -> consumer (loopback).

The devserver runs on its own loop thread (like a separate process); the consumer runs the real
transport on the benchmark's loop. Each round makes the server post a burst of messages (as Bob, in
room 1, through its own state API so no sending client competes for the CPU) and times until the
consumer has received every ``MessagePosted`` record. The websocket and the ``/events`` polling
fallback (the baseline, polling every 50 ms) are measured in the same run;
``extra_info["events_per_second"]`` holds the figure.

Run: ``.venv/bin/pytest benchmarks/test_bench_transport.py --benchmark-enable``
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterator

import pytest

from chatexchange._parser import MessagePosted
from chatexchange._transport import ServerConnection
from chatexchange.devserver import TEST_USERS, DevServer, DevServerThread

BURST = 1000
ROUNDS = 8
_counter = itertools.count()


@pytest.fixture(scope="module")
def server() -> Iterator[DevServerThread]:
    with DevServerThread(DevServer.with_test_data(heartbeat=5.0)) as thread:
        yield thread


def _post_burst(devserver: DevServer, tag: int, count: int) -> None:
    for i in range(count):
        devserver.post("se", 1, 2, f"burst {tag} message {i}")


@pytest.mark.parametrize("mode", ["websocket", "polling"])
def test_bench_live_events(benchmark, server: DevServerThread, mode: str) -> None:
    loop = asyncio.new_event_loop()
    conn = ServerConnection("se", server_url=server.url)
    alice = TEST_USERS["alice"]
    loop.run_until_complete(conn.login(alice["email"], alice["password"]))
    watcher = conn.watch(1, websocket=(mode == "websocket"), poll_interval=0.05)
    loop.run_until_complete(watcher.start())
    stream = watcher.__aiter__()

    async def one_round() -> None:
        tag = next(_counter)
        posting = loop.run_in_executor(None, server.call, _post_burst, tag, BURST)
        got = 0
        while got < BURST:
            event = await stream.__anext__()
            if isinstance(event, MessagePosted):
                got += 1
        await posting

    def run() -> None:
        loop.run_until_complete(one_round())

    try:
        run()  # warm-up: connection, caches
        started = time.perf_counter()
        benchmark.pedantic(run, rounds=ROUNDS, iterations=1)
        elapsed = time.perf_counter() - started
        assert watcher.modes == {1: mode}
        assert watcher.duplicates == 0
        benchmark.extra_info["events_per_second"] = round(BURST * ROUNDS / elapsed)
        benchmark.extra_info["mode"] = mode
        benchmark.extra_info["burst"] = BURST
    finally:
        loop.run_until_complete(watcher.aclose())
        loop.run_until_complete(conn.close())
        loop.close()
