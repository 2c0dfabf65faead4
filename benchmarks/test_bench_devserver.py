"""How many messages per second the devserver accepts and fans out to websocket listeners.

Each round posts a burst of messages over HTTP (4 concurrent senders) and waits until every listener
has received every message event. Baselines measured first in the same run: a bare aiohttp app that
only relays each POST to the same number of websockets (the floor that aiohttp itself sets), and the
devserver with 1 listener. ``extra_info`` holds ``messages_per_second``,
``events_delivered_per_second`` and the time ratios against each baseline (``time_vs_<id>``); the
three share one benchmark group, so the table shows them side by side.

Run: ``.venv/bin/pytest benchmarks/test_bench_devserver.py --benchmark-enable``
"""

from __future__ import annotations

import asyncio
import itertools
import re
import threading
from collections.abc import Coroutine
from typing import Any

import aiohttp
import orjson
import pytest
from aiohttp import web

from chatexchange.devserver import TEST_USERS, DevServer, DevServerThread

BURST = 300
SENDERS = 4


class LoopThread:
    """An event loop in a thread, for the client side."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(120)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


class Listeners:
    """Websocket readers that count message events and signal when a target is reached."""

    def __init__(self) -> None:
        self.counts: list[int] = []
        self.target = 0
        self.done: asyncio.Event | None = None
        self.tasks: list[asyncio.Task[None]] = []

    def add(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        slot = len(self.counts)
        self.counts.append(0)
        self.tasks.append(asyncio.ensure_future(self._read(ws, slot)))

    async def _read(self, ws: aiohttp.ClientWebSocketResponse, slot: int) -> None:
        async for msg in ws:
            frame = orjson.loads(msg.data)
            for entry in frame.values():
                for event in entry.get("e", ()):
                    if event["event_type"] == 1:
                        self.counts[slot] += 1
            if self.done is not None and min(self.counts) >= self.target:
                self.done.set()

    async def wait_for(self, burst: int) -> None:
        self.done = asyncio.Event()
        self.target = min(self.counts) + burst
        await asyncio.wait_for(self.done.wait(), 60)


class DevserverEnv:
    def __init__(self, listeners: int) -> None:
        self.server = DevServerThread(DevServer.with_test_data(heartbeat=30)).start()
        self.client = LoopThread()
        self.counter = itertools.count()
        self.client.run(self._setup(listeners))

    async def _setup(self, listeners: int) -> None:
        base = self.server.server_url("se")
        self.base = base
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        async with self.session.get(base + "/users/login") as r:
            fkey = re.search(r'name="fkey" value="(\w+)"', await r.text()).group(1)
        alice = TEST_USERS["alice"]
        await self.session.post(
            base + "/users/login",
            data={"email": alice["email"], "password": alice["password"], "fkey": fkey},
        )
        async with self.session.get(base + "/chats/join/favorite") as r:
            self.fkey = re.search(
                r'id="fkey" name="fkey" type="hidden" value="(\w+)"', await r.text()
            ).group(1)
        self.listeners = Listeners()
        for _ in range(listeners):
            async with self.session.post(
                base + "/ws-auth", data={"roomid": 1, "fkey": self.fkey}
            ) as r:
                url = (await r.json())["url"]
            ws = await self.session.ws_connect(
                url + "?l=99999999999", headers={"Origin": "http://localhost"}
            )
            self.listeners.add(ws)

    async def _send(self, n: int) -> None:
        url = f"{self.base}/chats/1/messages/new"
        for _ in range(n):
            data = {"text": f"message {next(self.counter)}", "fkey": self.fkey}
            async with self.session.post(url, data=data) as r:
                assert r.status == 200
                await r.read()

    async def _burst(self) -> None:
        waiter = asyncio.ensure_future(self.listeners.wait_for(BURST))
        await asyncio.gather(*(self._send(BURST // SENDERS) for _ in range(SENDERS)))
        await waiter

    def burst(self) -> None:
        self.client.run(self._burst())

    def close(self) -> None:
        self.client.run(self.session.close())
        self.client.stop()
        self.server.stop()


class EchoEnv(DevserverEnv):
    """The floor: a bare aiohttp app that relays each POST to every websocket, no chat logic."""

    def __init__(self, listeners: int) -> None:
        self.sockets: list[web.WebSocketResponse] = []
        self.server_loop = LoopThread()
        self.port = self.server_loop.run(self._start())
        self.client = LoopThread()
        self.counter = itertools.count()
        self.client.run(self._setup_echo(listeners))

    async def _start(self) -> int:
        app = web.Application()
        seq = itertools.count(1)

        async def post(request: web.Request) -> web.Response:
            form = await request.post()
            n = next(seq)
            frame = orjson.dumps(
                {
                    "r1": {
                        "e": [{"event_type": 1, "content": form["text"], "id": n, "message_id": n}],
                        "t": n,
                        "d": 1,
                    }
                }
            )
            for ws in list(self.sockets):
                await ws.send_str(frame.decode())
            return web.json_response({"id": n, "time": 0})

        async def sock(request: web.Request) -> web.WebSocketResponse:
            ws = web.WebSocketResponse()
            await ws.prepare(request)
            self.sockets.append(ws)
            async for _ in ws:
                pass
            return ws

        app.router.add_post("/se/chats/1/messages/new", post)
        app.router.add_get("/ws", sock)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        return site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _setup_echo(self, listeners: int) -> None:
        self.base = f"http://127.0.0.1:{self.port}/se"
        self.fkey = ""
        self.session = aiohttp.ClientSession()
        self.listeners = Listeners()
        for _ in range(listeners):
            ws = await self.session.ws_connect(f"http://127.0.0.1:{self.port}/ws")
            self.listeners.add(ws)
        while len(self.sockets) < listeners:
            await asyncio.sleep(0.01)

    def close(self) -> None:
        self.client.run(self.session.close())
        self.client.stop()
        self.server_loop.run(self.runner.cleanup())
        self.server_loop.stop()


#: mean seconds per burst of the runs so far in this session, by test id (baselines run first)
_MEANS: dict[str, float] = {}


@pytest.mark.parametrize(
    ("kind", "listeners"),
    [("aiohttp-relay", 10), ("devserver", 1), ("devserver", 10)],
    ids=["baseline-aiohttp-relay-10", "baseline-devserver-1-listener", "devserver-10-listeners"],
)
def test_fan_out(benchmark: Any, request: pytest.FixtureRequest, kind: str, listeners: int) -> None:
    benchmark.group = f"devserver fan-out: {BURST} messages posted by {SENDERS} senders"
    env = DevserverEnv(listeners) if kind == "devserver" else EchoEnv(listeners)
    try:
        env.burst()  # warm up
        benchmark.pedantic(env.burst, rounds=5, iterations=1)
    finally:
        env.close()
    if benchmark.stats is None:  # --benchmark-disable: the burst ran once as a test
        return
    mean = benchmark.stats.stats.mean
    test_id = request.node.callspec.id
    _MEANS[test_id] = mean
    info = benchmark.extra_info
    info["messages_per_second"] = round(BURST / mean)
    info["events_delivered_per_second"] = round(BURST * listeners / mean)
    for baseline in ("baseline-aiohttp-relay-10", "baseline-devserver-1-listener"):
        if baseline != test_id and baseline in _MEANS:
            info[f"time_vs_{baseline}"] = round(mean / _MEANS[baseline], 2)
