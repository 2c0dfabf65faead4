"""Every event type the devserver produces, with its fields and who gets it."""

from __future__ import annotations

from typing import Any

from chatexchange.devserver import DevServer

from .conftest import Browser


async def _log(b: Browser, since: int) -> list[dict[str, Any]]:
    """Events since ``since`` as ``b`` sees them (``mode=Events`` of the room)."""
    _, data = await b.post("/chats/1/events", {"since": since, "mode": "Events", "msgCount": 500})
    return data["events"]


def _cursor(devserver: DevServer) -> int:
    return devserver.server("se").last_event_id


def _of(events: list[dict[str, Any]], event_type: int) -> list[dict[str, Any]]:
    return [e for e in events if e["event_type"] == event_type]


async def test_reply_gives_18_then_1_to_the_parent_author_only(
    devserver: DevServer, alice: Browser, bob: Browser, mod: Browser
) -> None:
    _, parent = await alice.send(1, "ping me")
    t = _cursor(devserver)
    _, reply = await bob.send(1, f":{parent['id']} pong")
    seen = await _log(alice, t)
    types = [e["event_type"] for e in seen if e.get("message_id") == reply["id"]]
    assert types == [18, 1]
    e18 = _of(seen, 18)[0]
    assert e18["target_user_id"] == 1 and e18["parent_id"] == parent["id"] and e18["show_parent"]
    assert e18["user_id"] == 2 and e18["content"] == "@Alice pong"
    assert not _of(await _log(mod, t), 18)


async def test_mention_gives_8_to_the_pinged_user_only(
    devserver: DevServer, alice: Browser, bob: Browser, mod: Browser
) -> None:
    await mod.post("/chats/1/events", {"since": 0, "mode": "Messages", "msgCount": 1})  # enters
    t = _cursor(devserver)
    _, sent = await alice.send(1, "hello @MoDer and all")
    e8 = _of(await _log(mod, t), 8)
    assert len(e8) == 1
    assert e8[0]["target_user_id"] == 3 and e8[0]["message_id"] == sent["id"]
    assert e8[0]["user_id"] == 1 and e8[0]["room_name"] == "Sandbox"
    assert not _of(await _log(bob, t), 8)


async def test_leading_mention_is_an_implicit_reply(
    alice: Browser, bob: Browser, devserver: DevServer
) -> None:
    _, mine = await alice.send(1, "anyone?")
    _, answer = await bob.send(1, "@Alice yes")
    msg = devserver.server("se").messages[answer["id"]]
    assert msg.parent_id == mine["id"] and not msg.show_parent


async def test_edit_gives_2_with_message_edits(
    devserver: DevServer, alice: Browser, bob: Browser
) -> None:
    _, sent = await alice.send(1, "v1")
    t = _cursor(devserver)
    await alice.post(f"/messages/{sent['id']}", {"text": "v2"})
    e2 = _of(await _log(bob, t), 2)
    assert e2[0]["content"] == "v2" and e2[0]["message_edits"] == 1
    assert e2[0]["user_id"] == 1


async def test_delete_gives_10_without_content(
    devserver: DevServer, alice: Browser, bob: Browser
) -> None:
    _, sent = await alice.send(1, "bye")
    await alice.post(f"/messages/{sent['id']}", {"text": "bye!"})
    t = _cursor(devserver)
    await alice.post(f"/messages/{sent['id']}/delete")
    e10 = _of(await _log(bob, t), 10)[0]
    assert "content" not in e10
    assert e10["message_id"] == sent["id"] and e10["user_id"] == 1 and e10["message_edits"] == 1
    for key in ("id", "room_id", "room_name", "user_name", "time_stamp"):
        assert key in e10


async def test_star_6_user_fields_only_for_the_actor(
    devserver: DevServer, alice: Browser, bob: Browser
) -> None:
    _, sent = await alice.send(1, "shiny")
    t = _cursor(devserver)
    await bob.post(f"/messages/{sent['id']}/star")
    as_bob = _of(await _log(bob, t), 6)[0]
    as_alice = _of(await _log(alice, t), 6)[0]
    assert as_bob["user_id"] == 2 and as_bob["message_starred"] is True
    assert as_bob["message_stars"] == 1
    assert "user_id" not in as_alice and "user_name" not in as_alice
    assert "message_starred" not in as_alice
    assert as_alice["message_stars"] == 1 and as_alice["content"] == "shiny"
    t = _cursor(devserver)
    await bob.post(f"/messages/{sent['id']}/star")  # unstar
    unstar = _of(await _log(bob, t), 6)[0]
    assert "message_starred" not in unstar and "message_stars" not in unstar


async def test_pin_6_owner_fields(devserver: DevServer, alice: Browser, bob: Browser) -> None:
    _, sent = await bob.send(1, "pin me")
    t = _cursor(devserver)
    await alice.post(f"/messages/{sent['id']}/owner-star")
    pin = _of(await _log(alice, t), 6)[0]
    assert pin["message_owner_stars"] == 1 and pin["message_owner_starred"] is True
    other = _of(await _log(bob, t), 6)[0]
    assert other["message_owner_stars"] == 1 and "message_owner_starred" not in other
    t = _cursor(devserver)
    await alice.post(f"/messages/{sent['id']}/owner-star")
    unpin = _of(await _log(alice, t), 6)[0]
    assert "message_owner_stars" not in unpin and "message_owner_starred" not in unpin


async def test_enter_and_leave_3_and_4(devserver: DevServer, alice: Browser, bob: Browser) -> None:
    t = _cursor(devserver)
    await bob.post("/chats/1/events", {"since": 0, "mode": "Messages", "msgCount": 1})
    await bob.post("/chats/leave/1")
    seen = await _log(alice, t)
    e3, e4 = _of(seen, 3)[0], _of(seen, 4)[0]
    for e in (e3, e4):
        assert e["user_id"] == e["target_user_id"] == 2
        assert "content" not in e and "message_id" not in e
        assert e["room_name"] == "Sandbox"


async def test_access_changes_15_and_kick_4_plus_15(
    devserver: DevServer, alice: Browser, bob: Browser
) -> None:
    await bob.post("/chats/1/events", {"since": 0, "mode": "Messages", "msgCount": 1})
    t = _cursor(devserver)
    assert (
        await alice.post("/rooms/setuseraccess/1", {"aclUserId": 2, "userAccess": "read-only"})
    )[0] == 200
    e15 = _of(await _log(alice, t), 15)[0]
    assert e15["content"] == "Access now read-only"
    assert e15["user_id"] == 1 and e15["target_user_id"] == 2
    assert (await bob.send(1, "can I?"))[0] == 403
    await alice.post("/rooms/setuseraccess/1", {"aclUserId": 2, "userAccess": "remove"})
    t = _cursor(devserver)
    status, text = await alice.post("/rooms/kickmute/1", {"userID": 2})
    assert status == 200 and "has been kicked" in text
    kicked = await _log(alice, t)
    assert [e["event_type"] for e in kicked] == [4, 15]
    status, _ = await bob.post("/rooms/kickmute/1", {"userID": 1})
    assert status == 403


async def test_access_request_15_and_16_to_owners(
    devserver: DevServer, alice: Browser, bob: Browser
) -> None:
    t = _cursor(devserver)
    status, _ = await bob.post("/rooms/requestaccess", {"roomId": 3})
    assert status == 200
    _, data = await alice.post("/chats/3/events", {"since": t, "mode": "Events", "msgCount": 50})
    e15 = _of(data["events"], 15)[0]
    assert e15["content"] == "Access now request"
    e16 = _of(data["events"], 16)[0]
    assert "room_id" not in e16 and "room_name" not in e16
    assert e16["target_user_id"] == 1 and "has requested access to" in e16["content"]
    _, seen_by_bob = await bob.post(
        "/chats/3/events", {"since": t, "mode": "Events", "msgCount": 50}
    )
    assert not _of(seen_by_bob["events"], 16)


async def test_invitation_17_under_the_current_room(
    devserver: DevServer, alice: Browser, bob: Browser
) -> None:
    server = devserver.server("se")
    t = _cursor(devserver)
    server.invite(server.rooms[1], server.users[1], server.users[2], server.rooms[3])
    e17 = _of(await _log(bob, t), 17)[0]
    assert e17["room_id"] == 3 and e17["room_name"] == "Gallery"
    assert e17["user_id"] == 1 and e17["target_user_id"] == 2
    assert "has invited you to join" in e17["content"]
    assert not _of(await _log(alice, t), 17)


async def test_move_19_20_and_notice(devserver: DevServer, alice: Browser, bob: Browser) -> None:
    devserver.add_room("se", 9, "Trash can", owners={1})
    _, sent = await bob.send(1, "off topic")
    t = _cursor(devserver)
    status, moved = await alice.post("/admin/movePosts/1", {"ids": str(sent["id"]), "to": 9})
    assert (status, moved) == (200, 1)
    seen = await _log(alice, t)
    e19 = _of(seen, 19)[0]
    assert e19["moved"] is True and e19["message_id"] == sent["id"]
    notice = _of(seen, 1)[-1]
    assert "moved to" in notice["content"] and notice["user_id"] == 1
    _, nine = await alice.post("/chats/9/events", {"since": t, "mode": "Events", "msgCount": 9})
    assert _of(nine["events"], 20)[0]["message_id"] == sent["id"]
    assert devserver.server("se").messages[sent["id"]].room_id == 9


async def test_room_edit_5(devserver: DevServer, alice: Browser, bob: Browser) -> None:
    t = _cursor(devserver)
    status, _ = await alice.post(
        "/rooms/save", {"roomId": 1, "name": "Sandbox 2", "description": "new", "tags": "a b"}
    )
    assert status == 302
    e5 = _of(await _log(bob, t), 5)[0]
    assert e5["user_id"] == 1 and "Sandbox 2" in e5["content"]
    assert e5["room_name"] == "Sandbox 2"


async def test_create_room(devserver: DevServer, alice: Browser) -> None:
    status, _ = await alice.post(
        "/rooms/save", {"name": "Brand New", "description": "d", "defaultAccess": "read-write"}
    )
    assert status == 302
    assert any(
        r.name == "Brand New" and 1 in r.owners for r in devserver.server("se").rooms.values()
    )


async def test_flag_9_only_to_moderators(
    devserver: DevServer, alice: Browser, bob: Browser, mod: Browser
) -> None:
    _, sent = await alice.send(1, "spam spam")
    t = _cursor(devserver)
    await bob.post(f"/messages/{sent['id']}/flag")
    e9 = _of(await _log(mod, t), 9)[0]
    assert "user_id" not in e9 and e9["message_flags"] == 1
    assert not _of(await _log(alice, t), 9)


async def test_name_change_34(devserver: DevServer, alice: Browser) -> None:
    server = devserver.server("se")
    t = _cursor(devserver)
    server.rename_user(server.users[2], "Robert", [server.rooms[1]])
    e34 = _of(await _log(alice, t), 34)[0]
    assert e34["user_id"] == -2 and e34["target_user_id"] == 2 and "content" not in e34


async def test_viewer_dependent_events_on_the_websocket(
    devserver: DevServer, alice: Browser, bob: Browser
) -> None:
    from .conftest import next_events

    _, parent = await alice.send(1, "websocket parent")
    t = _cursor(devserver)
    ws_alice = await alice.websocket(1, last=t)
    ws_bob = await bob.websocket(1, last=t)
    await ws_alice.receive(5)
    await ws_bob.receive(5)
    _, reply = await bob.send(1, f":{parent['id']} websocket reply")
    alice_events = await next_events(ws_alice, 1)
    bob_events = await next_events(ws_bob, 1)
    assert [e["event_type"] for e in alice_events if e.get("message_id") == reply["id"]] == [18, 1]
    assert [e["event_type"] for e in bob_events if e.get("message_id") == reply["id"]] == [1]
    await ws_alice.close()
    await ws_bob.close()


async def test_suspension_29_only_to_the_user_and_writes_refused(
    devserver: DevServer, alice: Browser, bob: Browser
) -> None:
    import orjson

    from .conftest import next_events

    server = devserver.server("se")
    ws_bob = await bob.websocket(1, last=_cursor(devserver))
    await ws_bob.receive(5)
    t = _cursor(devserver)
    server.suspend(server.users[2], server.users[3], 60)
    e29 = _of(await next_events(ws_bob, 1), 29)[0]
    assert e29["user_id"] == 3 and e29["target_user_id"] == 2 and "room_id" not in e29
    code, _, payload = e29["content"].partition(" ")
    assert code == "4" and "new" in orjson.loads(payload)
    assert not _of(await _log(alice, t), 29)
    assert await bob.send(1, "am I muted?") == (
        403,
        "This account is temporarily suspended from chat",
    )
    devserver.advance_clock(61)
    assert (await bob.send(1, "back again"))[0] == 200
    server.suspend(server.users[2], server.users[3], 600)
    server.suspend(server.users[2], server.users[3], None)
    lifted = _of(await _log(bob, t), 29)[-1]
    assert lifted["content"].startswith("5 ") and "old" in orjson.loads(lifted["content"][2:])
    assert (await bob.send(1, "free"))[0] == 200
    await ws_bob.close()


async def test_star_6_viewer_fields_on_the_websocket(
    devserver: DevServer, alice: Browser, bob: Browser
) -> None:
    from .conftest import next_events

    _, sent = await alice.send(1, "star me live")
    t = _cursor(devserver)
    ws_alice = await alice.websocket(1, last=t)
    ws_bob = await bob.websocket(1, last=t)
    await bob.post(f"/messages/{sent['id']}/star")
    as_bob = _of(await next_events(ws_bob, 1), 6)[0]
    as_alice = _of(await next_events(ws_alice, 1), 6)[0]
    assert as_bob["user_id"] == 2 and as_bob["message_starred"] is True
    assert "user_id" not in as_alice and "message_starred" not in as_alice
    assert as_alice["id"] == as_bob["id"] and as_alice["message_stars"] == 1
    await ws_alice.close()
    await ws_bob.close()


async def test_one_event_id_counter_across_rooms(devserver: DevServer, bob: Browser) -> None:
    devserver.add_room("se", 7, "Other")
    t = _cursor(devserver)
    await bob.send(1, "in one")
    await bob.send(7, "in seven")
    await bob.send(1, "one again")
    ids = [e.id for e in devserver.server("se").events if e.id > t]
    assert ids == list(range(t + 1, t + 1 + len(ids)))
    _, polled = await bob.post("/events", {"r1": t, "r7": t})
    posted = sorted(
        (e["id"], e["room_id"])
        for r in ("r1", "r7")
        for e in polled[r]["e"]
        if e["event_type"] == 1
    )
    assert [room for _, room in posted] == [1, 7, 1]
