"""Writes: send, edit, delete, star, pin, leave, with the server's real answers and refusals."""

from __future__ import annotations

from chatexchange.devserver import DevServer

from .conftest import Browser


async def test_send_answers_id_and_time(devserver: DevServer, alice: Browser) -> None:
    status, data = await alice.send(1, "hello **world**")
    assert status == 200
    assert set(data) == {"id", "time"}
    msg = devserver.server("se").messages[data["id"]]
    assert msg.html == "hello <b>world</b>"
    assert abs(data["time"] - devserver.now()) < 5


async def test_duplicate_message_is_suppressed(alice: Browser) -> None:
    assert (await alice.send(1, "same"))[1]["id"] is not None
    assert await alice.send(1, "same") == (200, {"id": None, "time": None})
    assert (await alice.send(1, "different"))[1]["id"] is not None


async def test_single_line_limit_is_500(alice: Browser) -> None:
    assert (await alice.send(1, "x" * 500))[0] == 200
    status, text = await alice.send(1, "y" * 501)
    assert status == 400 and "too long" in text
    status, data = await alice.send(1, "z" * 400 + "\n" + "z" * 400)
    assert status == 200 and data["id"]


async def test_frozen_and_unknown_rooms_answer_404(devserver: DevServer, alice: Browser) -> None:
    status, text = await alice.send(2, "hello?")
    assert status == 404 and "frozen" in text
    status, _ = await alice.send(999, "hello?")
    assert status == 404
    devserver.freeze("se", 1)
    status, text = await alice.send(1, "hello?")
    assert status == 404 and "frozen" in text


async def test_gallery_room_needs_access(
    devserver: DevServer, alice: Browser, bob: Browser
) -> None:
    status, _ = await bob.send(3, "let me in")
    assert status == 403
    assert (
        await alice.post("/rooms/setuseraccess/3", {"aclUserId": 2, "userAccess": "read-write"})
    )[0] == 200
    assert (await bob.send(3, "thanks"))[0] == 200


async def test_missing_or_wrong_fkey_is_refused(devserver: DevServer, alice: Browser) -> None:
    before = len(devserver.server("se").messages)
    status, text = await alice.post("/chats/1/messages/new", {"text": "no fkey"}, fkey=False)
    assert status == 403 and "fkey" in text
    status, text = await alice.post("/chats/1/messages/new", {"text": "bad", "fkey": "0" * 32})
    assert status == 403 and "fkey" in text
    assert len(devserver.server("se").messages) == before


async def test_anonymous_write_is_refused(browser: Browser) -> None:
    fkey = await browser.chat_fkey()  # anonymous visitors get an fkey too
    status, text = await browser.post("/chats/1/messages/new", {"text": "hi", "fkey": fkey})
    assert status == 403 and "logged in" in text


async def test_throttle_rule_answers_409_with_seconds(
    devserver: DevServer, alice: Browser, bob: Browser
) -> None:
    devserver.set_rate_rule(2, 10)
    assert (await alice.send(1, "one"))[0] == 200
    assert (await alice.send(1, "two"))[0] == 200
    status, text = await alice.send(1, "three")
    assert status == 409
    assert text == "You can perform this action again in 10 seconds"
    assert (await bob.send(1, "others are not slowed down"))[0] == 200
    devserver.advance_clock(9.5)
    status, text = await alice.send(1, "three")
    assert text == "You can perform this action again in 1 second"
    devserver.advance_clock(1)
    assert (await alice.send(1, "three"))[0] == 200


async def test_edit_within_window_then_too_late(devserver: DevServer, alice: Browser) -> None:
    _, data = await alice.send(1, "typo")
    assert await alice.post(f"/messages/{data['id']}", {"text": "fixed *now*"}) == (200, "ok")
    msg = devserver.server("se").messages[data["id"]]
    assert msg.edits == 1 and msg.html == "fixed <i>now</i>"
    devserver.advance_clock(121)
    assert await alice.post(f"/messages/{data['id']}", {"text": "again"}) == (
        200,
        "It is too late to edit this message",
    )
    assert await alice.post(f"/messages/{data['id']}/delete") == (
        200,
        "It is too late to delete this message",
    )


async def test_delete_then_refusals(alice: Browser) -> None:
    _, data = await alice.send(1, "oops")
    mid = data["id"]
    assert await alice.post(f"/messages/{mid}/delete") == (200, "ok")
    assert await alice.post(f"/messages/{mid}/delete") == (
        200,
        "This message has already been deleted.",
    )
    assert await alice.post(f"/messages/{mid}", {"text": "x"}) == (
        200,
        "The message has been deleted and cannot be edited",
    )


async def test_cannot_edit_others_messages(alice: Browser, bob: Browser) -> None:
    _, data = await alice.send(1, "mine")
    status, text = await bob.post(f"/messages/{data['id']}", {"text": "yours"})
    assert status == 403 and "own" in text


async def test_moderator_edits_after_the_window(
    devserver: DevServer, alice: Browser, mod: Browser
) -> None:
    _, data = await alice.send(1, "old")
    devserver.advance_clock(600)
    assert await mod.post(f"/messages/{data['id']}", {"text": "moderated"}) == (200, "ok")


async def test_star_toggles_and_pin_needs_owner(
    devserver: DevServer, alice: Browser, bob: Browser
) -> None:
    _, data = await alice.send(1, "star me")
    mid = data["id"]
    msg = devserver.server("se").messages[mid]
    assert await bob.post(f"/messages/{mid}/star") == (200, "ok")
    assert msg.stars == {2}
    assert await bob.post(f"/messages/{mid}/star") == (200, "ok")
    assert msg.stars == set()
    status, _ = await bob.post(f"/messages/{mid}/owner-star")
    assert status == 403
    assert await alice.post(f"/messages/{mid}/owner-star") == (200, "ok")
    assert msg.pinners == {1}
    assert await alice.post(f"/messages/{mid}/owner-star") == (200, "ok")
    assert msg.pinners == set()
    await bob.post(f"/messages/{mid}/star")
    assert await alice.post(f"/messages/{mid}/unstar") == (200, "ok")
    assert msg.stars == set()


async def test_leave_and_leave_all(devserver: DevServer, alice: Browser) -> None:
    room = devserver.room("se", 1)
    await alice.post("/chats/1/events", {"since": 0, "mode": "Messages", "msgCount": 1})
    assert 1 in room.present
    assert (await alice.post("/chats/leave/1", {"quiet": "true"}))[0] == 200
    assert 1 not in room.present
    await alice.post("/chats/1/events", {"since": 0, "mode": "Messages", "msgCount": 1})
    assert (await alice.post("/chats/leave/all", {"quiet": "true"}))[0] == 200
    assert 1 not in room.present


async def test_reply_sets_parent_and_renders_ping(
    devserver: DevServer, alice: Browser, bob: Browser
) -> None:
    _, parent = await alice.send(1, "question?")
    _, reply = await bob.send(1, f":{parent['id']} answer")
    msg = devserver.server("se").messages[reply["id"]]
    assert msg.parent_id == parent["id"] and msg.show_parent
    assert msg.html == "@Alice answer"


async def test_markdown_as_the_server_renders_it(devserver: DevServer, alice: Browser) -> None:
    rel = 'rel="nofollow noopener noreferrer"'
    cases = {
        "**b** *i* __b2__ _i2_ `x<y`": "<b>b</b> <i>i</i> <b>b2</b> <i>i2</i> <code>x&lt;y</code>",
        "see [docs](https://example.com/a) or https://example.org/b.": (
            f'see <a href="https://example.com/a" {rel}>docs</a> or '
            f'<a href="https://example.org/b" {rel}>https://example.org/b</a>.'
        ),
        "it's @Bob": "it&#39;s @Bob",
        "line **one**\nline <two>": "<div class='full'>line **one**<br>line &lt;two&gt;</div>",
        "    def f():\n        return 1": "<pre class='full'>def f():\n    return 1</pre>",
        "    fixed **font**": "<pre class='full'>fixed **font**</pre>",
    }
    for text, html in cases.items():
        status, data = await alice.send(1, text)
        assert status == 200, text
        assert await alice.get(f"/message/{data['id']}") == (200, html), text
        assert await alice.get(f"/message/{data['id']}", params={"plain": "true"}) == (200, text)


async def test_rate_rule_for_one_user(devserver: DevServer, alice: Browser, bob: Browser) -> None:
    devserver.set_rate_rule(1, 30, slug="se", user_id=2)
    assert (await bob.send(1, "one"))[0] == 200
    assert await bob.send(1, "two") == (409, "You can perform this action again in 30 seconds")
    for k in range(3):
        assert (await alice.send(1, f"alice {k}"))[0] == 200
