"""The devserver's pages read by the same parsers as the real captures (fidelity check).

Pages are fetched over loopback with plain aiohttp, logged in as alice on ``se``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import aiohttp
import orjson
import pytest

from chatexchange._parser import (
    MessagePosted,
    parse_events_response,
    parse_favorite,
    parse_login_page,
    parse_message_history,
    parse_message_source,
    parse_room_info,
    parse_rooms_list,
    parse_transcript,
    parse_user_profile,
    parse_ws_frame,
)
from chatexchange._time import UTC
from chatexchange.errors import ParseError


class Site:
    def __init__(self, http: aiohttp.ClientSession, base: str) -> None:
        self.http = http
        self.base = base

    async def get(self, path: str) -> tuple[bytes, str]:
        url = self.base + path
        async with self.http.get(url) as response:
            return await response.read(), str(response.url)

    async def post(self, path: str, data: dict[str, str]) -> bytes:
        async with self.http.post(self.base + path, data=data) as response:
            assert response.status == 200, await response.text()
            return await response.read()


@pytest.fixture
async def site(devserver) -> AsyncIterator[Site]:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        yield Site(http, devserver.url.rstrip("/") + "/se")


async def login(site: Site) -> str:
    body, url = await site.get("/users/login")
    fkey = parse_login_page(body, url)
    await site.post(
        "/users/login",
        {"email": "alice@example.com", "password": "alice-password", "fkey": fkey},
    )
    body, url = await site.get("/chats/join/favorite")
    return parse_favorite(body, url).fkey


async def test_login_page_and_favorite(site: Site) -> None:
    body, url = await site.get("/chats/join/favorite")
    anonymous = parse_favorite(body, url)
    assert anonymous.user_id is None
    fkey = await login(site)
    body, url = await site.get("/chats/join/favorite")
    session = parse_favorite(body, url)
    assert (session.user_id, session.user_name, session.fkey) == (1, "Alice", fkey)


async def test_transcript_pages(site: Site) -> None:
    fkey = await login(site)
    sent = orjson.loads(
        await site.post("/chats/1/messages/new", {"text": "hi **all**", "fkey": fkey})
    )
    await site.post("/chats/1/messages/new", {"text": f":{sent['id']} a reply", "fkey": fkey})
    body, url = await site.get("/transcript/1")
    bobs = [m.id for m in parse_transcript(body, url).messages if m.owner_id == 2]
    assert bobs, "the seed has a message by bob in room 1"
    await site.post(f"/messages/{bobs[0]}/star", {"fkey": fkey})
    body, url = await site.get("/transcript/1")
    page = parse_transcript(body, url)
    assert (page.room_id, page.room_name) == (1, "Sandbox")
    assert page.viewer_id in (1, None)
    ids = [m.id for m in page.messages]
    assert sent["id"] in ids
    mine = page.messages[ids.index(sent["id"])]
    assert mine.owner_id == 1 and mine.owner_name == "Alice"
    assert mine.content_text == "hi all" and "<b>all</b>" in mine.content_html
    assert [(m.id, m.stars, m.starred) for m in page.messages if m.stars] == [(bobs[0], 1, True)]
    assert mine.time == datetime.fromtimestamp(sent["time"], UTC).replace(second=0)
    reply = page.messages[ids.index(sent["id"]) + 1]
    assert reply.parent_id == sent["id"]
    assert all(m.time.tzinfo is UTC for m in page.messages)
    assert [m.time for m in page.messages] == sorted(m.time for m in page.messages)
    day = page.date
    body, url = await site.get(f"/transcript/1/{day.year}/{day.month}/{day.day}")
    assert [m.id for m in parse_transcript(body, url).messages] == ids
    body, url = await site.get(f"/transcript/message/{sent['id']}")
    anchored = parse_transcript(body, url)
    assert [m.id for m in anchored.messages if m.highlighted] == [sent["id"]]


async def test_room_info_profile_and_rooms_list(site: Site) -> None:
    await login(site)
    body, url = await site.get("/rooms/info/1")
    info = parse_room_info(body, url)
    assert (info.room_id, info.name) == (1, "Sandbox")
    assert [o.user_id for o in info.owners] == [1]
    assert info.message_count is not None and info.message_count >= 2
    body, url = await site.get("/users/2")
    profile = parse_user_profile(body, url)
    assert (profile.user_id, profile.name, profile.moderator) == (2, "Bob Builder", False)
    assert profile.reputation == 300
    body, url = await site.get("/users/3")
    assert parse_user_profile(body, url).moderator
    body, url = await site.get("/rooms")
    rooms = parse_rooms_list(body, url)
    names = {r.room_id: r.name for r in rooms.rooms}
    assert names.get(1) == "Sandbox"


async def test_history_and_source(site: Site) -> None:
    fkey = await login(site)
    sent = orjson.loads(await site.post("/chats/1/messages/new", {"text": "first", "fkey": fkey}))
    await site.post(f"/messages/{sent['id']}", {"text": "second", "fkey": fkey})
    body, url = await site.get(f"/messages/{sent['id']}/history")
    history = parse_message_history(body, url)
    assert history.message_id == sent["id"] and history.room_id == 1
    assert history.revisions[0].content_text == "second"
    assert any(r.source == "first" for r in history.revisions)
    body, url = await site.get(f"/message/{sent['id']}?plain=true")
    assert parse_message_source(body, url) == "second"


async def test_events_and_ws_frames(site: Site) -> None:
    fkey = await login(site)
    await site.post("/chats/1/messages/new", {"text": "event me", "fkey": fkey})
    body = await site.post(
        "/chats/1/events", {"since": "0", "mode": "Messages", "msgCount": "100", "fkey": fkey}
    )
    response = parse_events_response(body, site.base + "/chats/1/events")
    assert isinstance(response.time, int)
    assert response.events and all(type(e) is MessagePosted for e in response.events)
    assert response.events[-1].content == "event me" and response.events[-1].user_id == 1
    assert abs(response.sync - datetime.now(UTC)) < timedelta(minutes=5)
    body = await site.post("/events", {"r1": "0", "fkey": fkey})
    frames = parse_ws_frame(body, site.base + "/events")
    assert frames and frames[0].room_id == 1


async def test_error_pages_raise(site: Site) -> None:
    body, url = await site.get("/transcript/999999")
    with pytest.raises(ParseError):
        parse_transcript(body, url)
    body, url = await site.get("/users/login")
    with pytest.raises(ParseError, match="login page"):
        parse_favorite(body, url)
    with pytest.raises(ParseError):
        parse_room_info(body, url)
