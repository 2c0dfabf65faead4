"""``/chats/<room>/events``, ``/events`` polling, ``/ws-auth`` and the websocket."""

from __future__ import annotations

import aiohttp
import orjson

from chatexchange.devserver import DevServer

from .conftest import Browser, next_events


async def test_history_mode_messages_shape(devserver: DevServer, alice: Browser) -> None:
    _, a = await alice.send(1, "first")
    _, b = await alice.send(1, "second")
    await alice.post(f"/messages/{b['id']}/delete")
    status, data = await alice.post(
        "/chats/1/events", {"since": 0, "mode": "Messages", "msgCount": 100}
    )
    assert status == 200
    assert set(data) == {"events", "time", "sync", "ms"}
    ids = [e["message_id"] for e in data["events"]]
    assert ids == sorted(ids) and ids[-2:] == [a["id"], b["id"]]
    for e in data["events"]:
        assert e["event_type"] == 1
        assert "id" not in e and "room_name" not in e
    assert "content" not in data["events"][-1]  # deleted
    assert data["events"][-2]["content"] == "first"
    assert data["time"] == devserver.server("se").last_event_id
    assert abs(data["sync"] - devserver.now()) < 5
    _, small = await alice.post("/chats/1/events", {"since": 0, "mode": "Messages", "msgCount": 1})
    assert [e["message_id"] for e in small["events"]] == [b["id"]]


async def test_events_mode_since_returns_log_entries(alice: Browser, bob: Browser) -> None:
    _, first = await alice.post("/chats/1/events", {"since": 0, "mode": "Messages", "msgCount": 0})
    t = first["time"]
    await bob.send(1, "news")
    _, data = await alice.post("/chats/1/events", {"since": t, "mode": "Events", "msgCount": 100})
    types = [e["event_type"] for e in data["events"]]
    assert 1 in types
    assert all(e["id"] > t for e in data["events"])
    posted = next(e for e in data["events"] if e["event_type"] == 1)
    assert posted["room_name"] == "Sandbox" and posted["content"] == "news"


async def test_joining_through_events_emits_user_entered(
    devserver: DevServer, alice: Browser
) -> None:
    before = devserver.server("se").last_event_id
    await alice.post("/chats/1/events", {"since": 0, "mode": "Messages", "msgCount": 1})
    entered = devserver.server("se").events[-1]
    assert entered.id == before + 1
    assert entered.fields["event_type"] == 3
    assert entered.fields["user_id"] == entered.fields["target_user_id"] == 1


async def test_poll_events_multi_room(devserver: DevServer, alice: Browser, bob: Browser) -> None:
    devserver.add_room("se", 7, "Other")
    t = devserver.server("se").last_event_id
    await bob.send(1, "in one")
    await bob.send(7, "in seven")
    status, data = await alice.post("/events", {"r1": t, "r7": t})
    assert status == 200
    assert set(data) == {"r1", "r7"}
    assert [e["content"] for e in data["r1"]["e"] if e["event_type"] == 1] == ["in one"]
    assert [e["content"] for e in data["r7"]["e"] if e["event_type"] == 1] == ["in seven"]
    last = data["r7"]["t"]
    _, again = await alice.post("/events", {"r1": last, "r7": last})
    assert again["r1"] == {"t": last, "d": 0}


async def test_ws_auth_returns_ws_url_on_same_origin(devserver: DevServer, alice: Browser) -> None:
    status, data = await alice.post("/ws-auth", {"roomid": 1})
    assert status == 200
    assert data["url"].startswith(devserver.url.replace("http://", "ws://") + "/se/events/1/")


async def test_ws_auth_needs_fkey(alice: Browser) -> None:
    status, _ = await alice.post("/ws-auth", {"roomid": 1}, fkey=False)
    assert status == 403


async def test_websocket_requires_origin(alice: Browser) -> None:
    _status, data = await alice.post("/ws-auth", {"roomid": 1})
    try:
        await alice.session.ws_connect(data["url"], headers={})
    except aiohttp.WSServerHandshakeError as exc:
        assert exc.status == 403
    else:
        raise AssertionError("connected without Origin")


async def test_websocket_token_is_single_use(alice: Browser) -> None:
    _, data = await alice.post("/ws-auth", {"roomid": 1})
    ws = await alice.session.ws_connect(data["url"], headers={"Origin": "https://x"})
    await ws.close()
    try:
        await alice.session.ws_connect(data["url"], headers={"Origin": "https://x"})
    except aiohttp.WSServerHandshakeError as exc:
        assert exc.status == 404
    else:
        raise AssertionError("token reused")


async def test_websocket_envelope_and_live_events(
    devserver: DevServer, alice: Browser, bob: Browser
) -> None:
    t = devserver.server("se").last_event_id
    ws = await alice.websocket(1, last=t)
    first = orjson.loads((await ws.receive(5)).data)
    assert first == {"r1": {}}  # heartbeat right after connect
    _, sent = await bob.send(1, "live!")
    events = await next_events(ws, 1)
    posted = [e for e in events if e["event_type"] == 1]
    assert posted[-1]["message_id"] == sent["id"]
    assert posted[-1]["content"] == "live!"
    for key in (
        "event_type",
        "time_stamp",
        "content",
        "id",
        "user_id",
        "user_name",
        "room_id",
        "room_name",
        "message_id",
    ):
        assert key in posted[-1]
    await ws.close()


async def test_websocket_frame_keys(devserver: DevServer, alice: Browser, bob: Browser) -> None:
    ws = await alice.websocket(1, last=devserver.server("se").last_event_id)
    await ws.receive(5)
    await bob.send(1, "frame")
    while True:
        frame = orjson.loads((await ws.receive(5)).data)
        if frame["r1"].get("e"):
            break
    assert set(frame) == {"r1"}
    assert set(frame["r1"]) == {"e", "t", "d"}
    assert frame["r1"]["t"] == devserver.server("se").last_event_id
    await ws.close()


async def test_websocket_replays_after_l(
    devserver: DevServer, alice: Browser, bob: Browser
) -> None:
    t = devserver.server("se").last_event_id
    await bob.send(1, "missed one")
    await bob.send(1, "missed two")
    ws = await alice.websocket(1, last=t)
    events = await next_events(ws, 1)
    contents = [e["content"] for e in events if e["event_type"] == 1]
    assert contents == ["missed one", "missed two"]
    assert all(e["id"] > t for e in events)
    await ws.close()
    ws = await alice.websocket(1, last=10**12)  # huge l: no backlog
    assert orjson.loads((await ws.receive(5)).data) == {"r1": {}}
    await ws.close()


async def test_heartbeats_keep_coming(alice: Browser) -> None:
    ws = await alice.websocket(1, last=10**12)
    frames = [orjson.loads((await ws.receive(5)).data) for _ in range(2)]
    assert frames == [{"r1": {}}, {"r1": {}}]
    await ws.close()


async def test_drop_websockets_closes_them(devserver: DevServer, alice: Browser) -> None:
    ws = await alice.websocket(1, last=10**12)
    await ws.receive(5)
    assert devserver.websocket_count == 1
    assert await devserver.drop_websockets() == 1
    msg = await ws.receive(5)
    assert msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)
    assert devserver.websocket_count == 0


async def test_fan_out_to_many_listeners(
    devserver: DevServer, alice: Browser, bob: Browser
) -> None:
    t = devserver.server("se").last_event_id
    sockets = [await alice.websocket(1, last=t) for _ in range(5)]
    for ws in sockets:
        await ws.receive(5)
    _, sent = await bob.send(1, "to all")
    for ws in sockets:
        events = await next_events(ws, 1)
        assert sent["id"] in [e.get("message_id") for e in events]
        await ws.close()
