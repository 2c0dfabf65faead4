"""Owner and user actions beyond posting: unpin, flag, bookmarks, the mention inbox and its
acknowledgement, access changes; each with its refusal."""

from __future__ import annotations

from chatexchange.devserver import DevServer

from .conftest import Browser


async def _posted(who: Browser, text: str, room: int = 1) -> int:
    status, data = await who.send(room, text)
    assert status == 200, data
    return int(data["id"])


async def test_unowner_star_removes_the_pin_owner_only(
    devserver: DevServer, alice: Browser, bob: Browser
) -> None:
    mid = await _posted(bob, "pin me")
    msg = devserver.server("se").messages[mid]
    assert (await alice.post(f"/messages/{mid}/owner-star"))[1] == "ok"
    assert msg.pinners
    status, text = await bob.post(f"/messages/{mid}/unowner-star")
    assert status == 403 and "room owners" in text
    assert msg.pinners
    assert await alice.post(f"/messages/{mid}/unowner-star") == (200, "ok")
    assert not msg.pinners and alice_star_kept(msg)
    assert await alice.post(f"/messages/{mid}/unowner-star") == (200, "This message is not pinned")


def alice_star_kept(msg) -> bool:
    return 1 in msg.stars  # pinning starred it; unpinning leaves the star


async def test_flag_once_and_never_your_own(
    devserver: DevServer, alice: Browser, bob: Browser, mod: Browser
) -> None:
    mid = await _posted(alice, "buy cheap watches")
    own = await _posted(bob, "my own words")
    status, text = await bob.post(f"/messages/{own}/flag")
    assert status == 403 and "your own" in text
    assert await bob.post(f"/messages/{mid}/flag") == (200, "ok")
    assert await bob.post(f"/messages/{mid}/flag") == (
        200,
        "You have already flagged this message",
    )
    assert devserver.server("se").messages[mid].flaggers == {2}
    flags = [e for e in devserver.server("se").events if e.event_type == 9]
    assert flags[-1].fields["message_flags"] == 1 and flags[-1].targets == frozenset({3})


async def test_bookmark_a_conversation_and_delete_it(
    devserver: DevServer, alice: Browser, bob: Browser
) -> None:
    first = await _posted(bob, "start of the story")
    last = await _posted(alice, "end of the story")
    form = {"roomId": 1, "firstMessageId": last, "lastMessageId": first, "title": "A  story"}
    status, data = await bob.post("/conversation/new", form)
    assert status == 200 and data["ok"] is True
    assert '<a href="/rooms/1/conversation/a-story">A story</a>' in data["message"]
    saved = devserver.server("se").bookmarks[(1, "a-story")]
    assert (saved.first_id, saved.last_id, saved.user_id) == (first, last, 2)
    again = (await bob.post("/conversation/new", form))[1]
    assert "/rooms/1/conversation/a-story-2" in again["message"]
    # refusals: no title, a message of another room, someone else's bookmark, an unknown one
    assert (await bob.post("/conversation/new", {**form, "title": " "}))[1] == (
        "Please give the conversation a title"
    )
    elsewhere = await _posted(alice, "elsewhere", room=3)
    bad = (await bob.post("/conversation/new", {**form, "lastMessageId": elsewhere}))[1]
    assert bad == "Both messages must be in this room"
    carol = Browser(devserver)
    try:
        await carol.login("carol")
        status, text = await carol.post("/conversation/delete/1/a-story")
        assert status == 403 and "permission" in text
    finally:
        await carol.close()
    assert await bob.post("/conversation/delete/1/a-story") == (200, "ok")
    assert await alice.post("/conversation/delete/1/a-story-2") == (200, "ok")  # room owner
    assert (await bob.post("/conversation/delete/1/a-story"))[0] == 404
    assert devserver.server("se").bookmarks == {}


async def test_mentions_are_listed_until_acknowledged(
    devserver: DevServer, alice: Browser, bob: Browser
) -> None:
    await bob.post("/chats/1/events", {"since": 0, "mode": "Messages", "msgCount": 1})
    ping = await _posted(alice, "@Bob look at this")
    reply = await _posted(alice, f":{ping} and this")  # a reply to her own message: no mention
    other = await _posted(bob, "a question")
    answer = await _posted(alice, f":{other} an answer")
    server = devserver.server("se")
    assert server.mentions[2] == [ping, answer] and server.unread_mentions[2] == {ping, answer}
    assert reply not in server.mentions[2]
    status, page = await bob.get("/users/2?tab=replies")
    assert status == 200
    assert page.index(f'id="message-{answer}"') < page.index(f'id="message-{ping}"')
    assert page.count('class="message unread"') == 2
    assert (await alice.get("/users/2?tab=replies"))[1].count('id="message-') == 0
    assert await bob.post("/messages/ack", {"id": f"{ping},999999"}) == (200, "ok")
    assert server.unread_mentions[2] == {answer}
    assert (await bob.get("/users/2?tab=replies"))[1].count('class="message unread"') == 1
    status, text = await bob.post("/messages/ack", {"id": str(answer)}, fkey=False)
    assert status == 403 and "fkey" in text
    assert server.unread_mentions[2] == {answer}


async def test_set_access_answers_empty_and_refuses_non_owners(
    devserver: DevServer, alice: Browser, bob: Browser
) -> None:
    ok = await alice.post("/rooms/setuseraccess/1", {"aclUserId": 2, "userAccess": "owner"})
    assert ok == (200, "")
    assert 2 in devserver.room("se", 1).owners
    status, text = await bob.post("/rooms/setuseraccess/3", {"aclUserId": 4, "userAccess": "owner"})
    assert status == 403 and "permission" in text


async def test_a_kick_mutes_for_a_minute_and_keeps_grants(
    devserver: DevServer, alice: Browser, bob: Browser
) -> None:
    await alice.post("/rooms/setuseraccess/3", {"aclUserId": 2, "userAccess": "read-write"})
    status, text = await alice.post("/rooms/kickmute/3", {"userID": 2})
    assert status == 200 and text == "Bob Builder has been kicked from the room for 1 minute."
    status, text = await bob.send(3, "still here?")
    assert status == 403 and "permission" in text
    devserver.advance_clock(59)
    assert (await bob.send(3, "now?"))[0] == 403
    devserver.advance_clock(2)
    assert (await bob.send(3, "back with my grant"))[0] == 200
    assert devserver.room("se", 3).acl[2] == "read-write"
