"""Plain-aiohttp helpers for the devserver tests (deliberately not our own client)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import orjson
import pytest

from chatexchange.devserver import TEST_USERS, DevServer

ORIGIN = {"Origin": "https://chat.stackexchange.com"}


class Browser:
    """One cookie jar against one emulated server: log in, read the fkey, post forms."""

    def __init__(self, server: DevServer, slug: str = "se") -> None:
        self.server = server
        self.slug = slug
        self.base = server.server_url(slug)
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.fkey = ""

    async def close(self) -> None:
        await self.session.close()

    async def login_fkey(self) -> str:
        async with self.session.get(self.base + "/users/login") as r:
            body = await r.text()
        m = re.search(r'<input type="hidden" name="fkey" value="([0-9a-f]{64})">', body)
        assert m, "login page without fkey"
        return m.group(1)

    async def login_raw(self, email: str, password: str) -> aiohttp.ClientResponse:
        fkey = await self.login_fkey()
        r = await self.session.post(
            self.base + "/users/login",
            data={"email": email, "password": password, "fkey": fkey},
            allow_redirects=False,
        )
        await r.read()
        return r

    async def login(self, who: str = "alice") -> str:
        user = TEST_USERS[who]
        r = await self.login_raw(user["email"], user["password"])
        assert r.status == 302, r.status
        self.fkey = await self.chat_fkey()
        return self.fkey

    async def chat_fkey(self) -> str:
        async with self.session.get(self.base + "/chats/join/favorite") as r:
            body = await r.text()
        m = re.search(r'<input id="fkey" name="fkey" type="hidden" value="([0-9a-f]{32})" />', body)
        assert m
        return m.group(1)

    def has_acct(self) -> bool:
        return any(c.key == "acct" for c in self.session.cookie_jar)

    async def get(self, path: str, **kw: Any) -> tuple[int, str]:
        async with self.session.get(self.base + path, **kw) as r:
            return r.status, await r.text()

    async def post(
        self, path: str, data: dict[str, Any] | None = None, fkey: bool = True
    ) -> tuple[int, Any]:
        form = dict(data or {})
        if fkey:
            form.setdefault("fkey", self.fkey)
        async with self.session.post(self.base + path, data=form, allow_redirects=False) as r:
            raw = await r.read()
            if r.content_type == "application/json":
                return r.status, orjson.loads(raw)
            return r.status, raw.decode()

    async def send(self, room: int, text: str) -> tuple[int, Any]:
        return await self.post(f"/chats/{room}/messages/new", {"text": text})

    async def websocket(
        self, room: int, last: int | None = None, headers: dict[str, str] | None = None
    ) -> aiohttp.ClientWebSocketResponse:
        status, data = await self.post("/ws-auth", {"roomid": room})
        assert status == 200, data
        url = data["url"] + ("" if last is None else f"?l={last}")
        return await self.session.ws_connect(url, headers=ORIGIN if headers is None else headers)


async def next_events(
    ws: aiohttp.ClientWebSocketResponse, room: int, timeout: float = 5.0
) -> list[dict[str, Any]]:
    """Read frames until one carries events for ``room``; return them."""
    while True:
        msg = await ws.receive(timeout)
        assert msg.type == aiohttp.WSMsgType.TEXT, msg
        frame = orjson.loads(msg.data)
        entry = frame.get(f"r{room}", {})
        if entry.get("e"):
            return entry["e"]


@pytest.fixture
async def browser(devserver: DevServer) -> AsyncIterator[Browser]:
    b = Browser(devserver)
    yield b
    await b.close()


@pytest.fixture
async def alice(devserver: DevServer) -> AsyncIterator[Browser]:
    b = Browser(devserver)
    await b.login("alice")
    yield b
    await b.close()


@pytest.fixture
async def bob(devserver: DevServer) -> AsyncIterator[Browser]:
    b = Browser(devserver)
    await b.login("bob")
    yield b
    await b.close()


@pytest.fixture
async def mod(devserver: DevServer) -> AsyncIterator[Browser]:
    b = Browser(devserver)
    await b.login("mod")
    yield b
    await b.close()
