"""Fan-out: 20 rooms live at once, the transport's watcher against a bare aiohttp websocket reader.

The devserver runs in its own process (``_load_server.py``), so its CPU is not the reader's. Each
round it posts a burst to all 20 rooms at once (``BURST`` messages per room, interleaved), and the
reader is timed until it has every ``MessagePosted`` event. The baseline, measured in the same run
against the same server, is the least a client can do: 20 plain aiohttp websockets whose frames
are parsed with orjson and whose message events are counted (no parsing into records, no
de-duplication, no gap filling, no queue). ``extra_info`` holds delivered events per second and
the reader process's CPU time per event for both, and their ratio (the goal: the watcher delivers
at least half the bare reader's rate).

Run: ``.venv/bin/pytest benchmarks/test_bench_fanout.py --benchmark-enable``
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import orjson
import pytest

from chatexchange._parser import MessagePosted
from chatexchange._transport import ServerConnection
from chatexchange.devserver import TEST_USERS

ROOMS = 20
FIRST_ROOM = 1001
BURST = 100  # messages per room and round: 2,000 events a round
ROUNDS = 6


class LoadServer:
    """The devserver subprocess and its command line."""

    def __init__(self, rooms: int) -> None:
        script = Path(__file__).with_name("_load_server.py")
        self.proc = subprocess.Popen(
            [sys.executable, str(script), str(rooms)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        assert self.url.startswith("http://"), self.url

    def command(self, line: str) -> str:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module")
def load() -> Iterator[LoadServer]:
    server = LoadServer(ROOMS)
    try:
        yield server
    finally:
        server.close()


async def _login(url: str) -> ServerConnection:
    conn = ServerConnection("se", server_url=url)
    alice = TEST_USERS["alice"]
    await conn.login(alice["email"], alice["password"])
    return conn


async def _burst(load: LoadServer) -> None:
    answer = await asyncio.get_running_loop().run_in_executor(None, load.command, f"burst {BURST}")
    assert answer == f"posted {BURST * ROOMS}", answer


async def _bare_rounds(load: LoadServer, rounds: int) -> tuple[float, float, int]:
    """(seconds, CPU seconds, events) of ``rounds`` bursts read by 20 bare websockets."""
    conn = await _login(load.url)
    rooms = range(FIRST_ROOM, FIRST_ROOM + ROOMS)
    origin = conn.http.origin
    async with aiohttp.ClientSession() as session:
        sockets = []
        for room in rooms:
            cursor = (await conn.room_events(room, msg_count=0)).time
            url = await conn.ws_auth(room)
            ws = await session.ws_connect(f"{url}?l={cursor}", headers={"Origin": origin})
            sockets.append(ws)
        counted = 0

        async def read(ws: aiohttp.ClientWebSocketResponse) -> None:
            nonlocal counted
            async for msg in ws:
                for entry in orjson.loads(msg.data).values():
                    for event in entry.get("e", ()):
                        counted += event["event_type"] == 1

        readers = [asyncio.ensure_future(read(ws)) for ws in sockets]
        wall = cpu = 0.0
        for n in range(rounds + 1):  # round 0 warms up
            target = counted + BURST * ROOMS
            started, cpu_started = time.perf_counter(), time.process_time()
            await _burst(load)
            while counted < target:
                await asyncio.sleep(0.001)
            if n:
                wall += time.perf_counter() - started
                cpu += time.process_time() - cpu_started
        for task in readers:
            task.cancel()
        for ws in sockets:
            await ws.close()
    await conn.close()
    return wall, cpu, rounds * BURST * ROOMS


def test_bench_fanout_20_rooms(benchmark, load: LoadServer) -> None:
    loop = asyncio.new_event_loop()
    bare_wall, bare_cpu, bare_events = loop.run_until_complete(_bare_rounds(load, ROUNDS))

    conn = loop.run_until_complete(_login(load.url))
    watcher = conn.watch(range(FIRST_ROOM, FIRST_ROOM + ROOMS))
    loop.run_until_complete(watcher.start())
    stream = watcher.__aiter__()
    cpu_used: list[float] = []

    async def one_round() -> None:
        cpu_started = time.process_time()
        burst = asyncio.ensure_future(_burst(load))
        got = 0
        while got < BURST * ROOMS:
            got += isinstance(await stream.__anext__(), MessagePosted)
        await burst
        cpu_used.append(time.process_time() - cpu_started)

    def run() -> None:
        loop.run_until_complete(one_round())

    try:
        run()  # warm-up
        cpu_used.clear()
        started = time.perf_counter()
        benchmark.pedantic(run, rounds=ROUNDS, iterations=1)
        elapsed = time.perf_counter() - started
        assert watcher.duplicates == 0
        assert set(watcher.modes.values()) == {"websocket"}
        events = ROUNDS * BURST * ROOMS
        rate, bare_rate = events / elapsed, bare_events / bare_wall
        benchmark.extra_info.update(
            rooms=ROOMS,
            events_per_round=BURST * ROOMS,
            watcher_events_per_second=round(rate),
            bare_events_per_second=round(bare_rate),
            ratio_to_bare=round(rate / bare_rate, 3),
            watcher_cpu_us_per_event=round(sum(cpu_used) / events * 1e6, 1),
            bare_cpu_us_per_event=round(bare_cpu / bare_events * 1e6, 1),
        )
    finally:
        loop.run_until_complete(watcher.aclose())
        loop.run_until_complete(conn.close())
        loop.close()
