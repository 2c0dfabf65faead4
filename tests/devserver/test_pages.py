"""Chat pages and small JSON endpoints, read with plain lxml."""

from __future__ import annotations

import json

import aiohttp
from lxml import html as lxml_html

from chatexchange.devserver import DevServer

from .conftest import Browser


def tree(body: str):
    return lxml_html.fromstring(body)


async def test_room_page(alice: Browser, browser: Browser, devserver: DevServer) -> None:
    await alice.post("/chats/1/events", {"since": 0, "mode": "Messages", "msgCount": 1})
    status, body = await alice.get("/rooms/1/sandbox")
    assert status == 200
    root = tree(body)
    assert root.xpath("//div[@id='active-user']/@class") == ["user-container user-1"]
    present = json.loads(root.xpath("//div[contains(@class,'js-present')]/@data-users")[0])
    assert present[0]["id"] == 1 and present[0]["is_owner"] is True
    assert root.xpath("//textarea[@id='input']")
    assert root.xpath("//input[@id='fkey']/@value") == [alice.fkey]
    _, anon = await browser.get("/rooms/1")
    assert tree(anon).xpath("//div[@id='bubble']/a")
    _, frozen = await alice.get("/rooms/2")
    assert not tree(frozen).xpath("//textarea[@id='input']")
    assert (await alice.get("/rooms/12345"))[0] == 404


async def test_room_info(alice: Browser) -> None:
    await alice.post("/chats/1/events", {"since": 0, "mode": "Messages", "msgCount": 1})
    status, body = await alice.get("/rooms/info/1/sandbox")
    assert status == 200
    root = tree(body)
    card = root.xpath("//div[@id='room-1' and contains(@class,'roomcard-xxl')]")[0]
    assert card.findtext("h1") == "Sandbox"
    assert root.xpath("//div[@class='subheader']/h1/text()") == ["Sandbox"]
    assert card.xpath(".//a[@class='tag']/text()") == ["sandbox"]
    counts = card.xpath(".//div[contains(@class,'room-message-count-xxl')]/@title")
    assert counts == ["2 all time messages"]
    assert root.xpath("//div[@id='room-ownercards']/div[@id='owner-user-1']")
    assert root.xpath(
        "//div[@id='room-usercards-container']/div[@id='user-1']"
        "//span[@class='reputation-score']/@title"
    ) == ["2500"]
    keys = card.xpath(".//td[@class='room-keycell']/text()")
    assert keys == ["first message", "last message"]


async def test_rooms_list(alice: Browser) -> None:
    status, body = await alice.get("/rooms", params={"tab": "all", "sort": "active"})
    assert status == 200
    ids = [c.get("id") for c in tree(body).xpath("//div[contains(@class,'roomcard')]")]
    assert set(ids) == {"room-1", "room-2", "room-3"}
    assert ids[0] == "room-1"  # most recently active first
    _, frozen = await alice.get("/rooms")
    assert tree(frozen).xpath("//div[@id='room-2' and contains(@class,'frozen')]")
    _, fav = await alice.get("/rooms", params={"tab": "favorite"})
    assert [c.get("id") for c in tree(fav).xpath("//div[contains(@class,'roomcard')]")] == [
        "room-1"
    ]


async def test_user_profile(alice: Browser, mod: Browser) -> None:
    status, body = await alice.get("/users/3/mo-derator")
    assert status == 200
    root = tree(body)
    assert root.xpath("//div[@class='subheader']/h1/text()") == ["Mo Derator"]
    assert "♦" in root.xpath("string(//div[@class='user-status'])")
    cells = root.xpath("//table[@class='user-stats']//td/text()")
    assert "chat user since" in cells and "last seen" in cells
    assert root.xpath("//div[@class='user-message-count-xxl']/@title")
    assert (await alice.get("/users/999"))[0] == 404
    status, feeds = await alice.get("/users/-2")
    assert status == 200 and "Feeds" in feeds


async def test_message_source_and_text(alice: Browser, bob: Browser) -> None:
    _, sent = await alice.send(1, "some **bold** `code`")
    mid = sent["id"]
    assert await alice.get(f"/message/{mid}", params={"plain": "true"}) == (
        200,
        "some **bold** `code`",
    )
    assert await alice.get(f"/message/{mid}") == (200, "some <b>bold</b> <code>code</code>")
    assert await alice.get(f"/messages/1/{mid}") == (200, "some **bold** `code`")
    await alice.post(f"/messages/{mid}/delete")
    assert (await bob.get(f"/message/{mid}"))[0] == 404
    assert (await alice.get(f"/message/{mid}"))[0] == 200  # the owner still sees it
    assert (await bob.get(f"/messages/{mid}/history"))[0] == 404


async def test_history_page(alice: Browser, devserver: DevServer) -> None:
    _, sent = await alice.send(1, "first version")
    await alice.post(f"/messages/{sent['id']}", {"text": "second version"})
    status, body = await alice.get(f"/messages/{sent['id']}/history")
    assert status == 200
    root = tree(body)
    monos = root.xpath("//div[@id='content']/div[contains(@class,'monologue')]")
    assert root.xpath("//div[@id='content']/h2")
    sources = [m.xpath("string(.//div[@class='message-source'])") for m in monos]
    assert sources == ["second version", "second version", "first version"]
    assert "edited:" in root.xpath("string(//div[@id='content'])")
    href = monos[0].xpath(".//div[@class='message']/a/@href")[0]
    assert href.startswith("/transcript/1?m=")


async def test_transcript_latest_and_query_message(alice: Browser, devserver: DevServer) -> None:
    _, sent = await alice.send(1, "latest message")
    status, body = await alice.get("/transcript/1")
    assert status == 200 and f'id="message-{sent["id"]}"' in body
    status, body = await alice.get("/transcript/1", params={"m": str(sent["id"])})
    assert f'class="message highlight" id="message-{sent["id"]}"' in body
    assert (await alice.get("/transcript/1/2017/2/30"))[0] == 404
    assert (await alice.get("/transcript/message/999999"))[0] == 404


async def test_user_info_thumbs_pingable(alice: Browser, browser: Browser) -> None:
    status, data = await browser.post("/user/info", {"ids": "1,2,999", "roomId": 1}, fkey=False)
    assert status == 200
    assert [u["id"] for u in data["users"]] == [1, 2]
    assert data["users"][0]["is_owner"] is True and data["users"][1]["is_owner"] is None
    assert set(data["users"][0]) == {
        "id",
        "name",
        "email_hash",
        "reputation",
        "is_moderator",
        "is_owner",
        "last_post",
        "last_seen",
    }
    status, thumbs = await alice.get("/rooms/thumbs/1")
    thumbs = json.loads(thumbs)
    assert thumbs["name"] == "Sandbox" and thumbs["usage"] is None and "tag" in thumbs["tags"]
    _, pingable = await alice.get("/rooms/pingable/1")
    assert {row[0] for row in json.loads(pingable)} >= {1, 2}
    _, anon = await browser.get("/rooms/pingable/1")
    assert json.loads(anon) == []


async def test_unprefixed_links_are_redirected(devserver: DevServer) -> None:
    async with aiohttp.ClientSession() as s:
        async with s.get(
            devserver.url + "/transcript/1",
            allow_redirects=False,
            headers={"Referer": devserver.url + "/so/rooms"},
        ) as r:
            assert r.status == 302 and r.headers["Location"] == "/so/transcript/1"
        async with s.get(devserver.url + "/rooms/1") as r:
            assert r.status == 200 and str(r.url).endswith("/se/rooms/1")


async def test_fail_on_demand_and_malformed_answers(devserver: DevServer, alice: Browser) -> None:
    devserver.fail(r"/messages/new$", 500, times=2)
    assert (await alice.send(1, "a"))[0] == 500
    assert (await alice.send(1, "a"))[0] == 500
    assert (await alice.send(1, "a"))[0] == 200
    devserver.fail(r"/chats/1/events$", 200, body=b'{"events": [', content_type="application/json")
    async with alice.session.post(alice.base + "/chats/1/events", data={"fkey": alice.fkey}) as r:
        assert r.status == 200 and await r.read() == b'{"events": ['
    devserver.fail(r"/ws-auth$", 429, times=None)
    assert (await alice.post("/ws-auth", {"roomid": 1}))[0] == 429
    devserver.clear_failures()
    assert (await alice.post("/ws-auth", {"roomid": 1}))[0] == 200


async def test_silenced_websocket_sends_nothing(
    devserver: DevServer, alice: Browser, bob: Browser
) -> None:
    ws = await alice.websocket(1, last=10**12)
    await ws.receive(5)
    devserver.silence_websockets()
    await bob.send(1, "you will not hear this")
    try:
        msg = await ws.receive(1.5)
    except TimeoutError:
        msg = None
    assert msg is None
    await ws.close()


def test_generator_is_realistic_and_deterministic() -> None:
    a = DevServer()
    gen = a.generate("se", messages=30_000, seed=7, room_id=100)
    assert gen.message_count == 30_000
    msgs = a.server("se").room_messages(100)
    assert len(msgs) == 30_000
    assert all(msgs[i].time <= msgs[i + 1].time for i in range(len(msgs) - 1))
    days = {int(m.time // 86400) for m in msgs}
    assert len(days) > 100
    assert any(m.parent_id for m in msgs) and any(m.deleted for m in msgs)
    assert any(m.stars for m in msgs) and any(m.edits for m in msgs)
    assert any(m.html.startswith("<div class='full'>") for m in msgs)
    b = DevServer()
    b.generate("se", messages=2000, seed=7, room_id=100)
    c = DevServer()
    c.generate("se", messages=2000, seed=7, room_id=100)
    assert [m.source for m in b.server("se").room_messages(100)] == [
        m.source for m in c.server("se").room_messages(100)
    ]


async def test_seed_file(tmp_path) -> None:
    seed = {
        "accounts": [{"email": "z@example.com", "password": "pw", "name": "Zed", "ids": {"so": 5}}],
        "rooms": {"so": [{"id": 42, "name": "Answer Room", "owners": [5]}]},
        "messages": {"so": [{"room": 42, "user": 5, "text": "seeded", "time": -60, "stars": [5]}]},
        "generate": {"mse": [{"room": 7, "messages": 50, "seed": 1}]},
    }
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(seed))
    async with DevServer(seed=path) as server:
        b = Browser(server, "so")
        await b.login_raw("z@example.com", "pw")
        assert b.has_acct()
        status, body = await b.get("/transcript/42")
        assert status == 200 and "seeded" in body
        await b.close()
        assert len(server.server("mse").room_messages(7)) == 50
