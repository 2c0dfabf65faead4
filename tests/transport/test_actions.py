"""Writes through the ordered queue: throttling, refusals, fkey refresh."""

from __future__ import annotations

import asyncio

import pytest

from chatexchange import errors


def _texts(devserver, room: int = 1) -> list[str]:
    return [m.source for m in devserver.server("se").room_messages(room)]


async def test_send_edit_delete(devserver, alice) -> None:
    message_id, when = await alice.send(1, "hello **world**")
    stored = devserver.server("se").messages[message_id]
    assert stored.source == "hello **world**"
    assert when.tzinfo is not None
    await alice.edit(message_id, "hello again")
    assert stored.source == "hello again"
    await alice.delete(message_id)
    assert stored.deleted


async def test_star_pin_unpin_join_leave(devserver, alice, bob) -> None:
    message_id, _ = await bob.send(1, "star me")
    stored = devserver.server("se").messages[message_id]
    await alice.star(message_id)
    assert stored.star_count >= 1
    await alice.pin(message_id)
    assert stored.pinners
    await alice.unpin(message_id)
    assert not stored.pinners
    joined = await bob.join(1)
    assert joined.time is not None
    await bob.leave(1)


async def test_long_single_line_refused_before_sending(devserver, alice) -> None:
    before = len(_texts(devserver))
    with pytest.raises(errors.MessageTooLongError):
        await alice.send(1, "x" * 501)
    assert len(_texts(devserver)) == before
    message_id, _ = await alice.send(1, "y" * 501, multiline=True)
    assert devserver.server("se").messages[message_id].source.startswith("y" * 501)


async def test_throttled_send_waits_and_succeeds(devserver, alice) -> None:
    devserver.set_rate_rule(2, 1.0)
    ids = [(await alice.send(1, f"burst {i}"))[0] for i in range(4)]
    assert len(set(ids)) == 4
    assert alice.actions.throttled >= 1
    assert _texts(devserver)[-4:] == [f"burst {i}" for i in range(4)]


async def test_throttle_gives_up(devserver, connect) -> None:
    conn = await connect("alice", throttle_retries=1, throttle_margin=0.0)
    devserver.fail(r"/messages/new$", status=409, times=None,
                   body="You can perform this action again in 1 second")
    with pytest.raises(errors.ThrottledError) as info:
        await conn.send(1, "never")
    assert info.value.retry_after == 1.0
    assert conn.actions.throttled == 1


async def test_throttle_wait_too_long_is_not_waited(devserver, connect) -> None:
    conn = await connect("alice", max_throttle_wait=5)
    devserver.fail(r"/messages/new$", status=409, times=None,
                   body="You can perform this action again in 600 seconds")
    with pytest.raises(errors.ThrottledError) as info:
        await conn.send(1, "later")
    assert info.value.retry_after == 600


async def test_queue_keeps_call_order(devserver, alice) -> None:
    devserver.set_rate_rule(2, 1.0)
    texts = [f"ordered {i}" for i in range(5)]
    results = await asyncio.gather(*(alice.send(1, t) for t in texts))
    ids = [message_id for message_id, _ in results]
    assert ids == sorted(ids)
    assert _texts(devserver)[-5:] == texts


async def test_duplicate_message(alice) -> None:
    await alice.send(1, "same text")
    with pytest.raises(errors.DuplicateMessageError):
        await alice.send(1, "same text")


async def test_frozen_room(alice) -> None:
    with pytest.raises(errors.AccessDeniedError, match="frozen"):
        await alice.send(2, "anyone here?")


async def test_no_write_access(bob) -> None:
    with pytest.raises(errors.AccessDeniedError):
        await bob.send(3, "let me in")


async def test_unknown_room_and_message(alice) -> None:
    with pytest.raises(errors.NotFoundError):
        await alice.send(999, "void")
    with pytest.raises(errors.NotFoundError):
        await alice.edit(987654, "void")


async def test_edit_window_passed(devserver, alice) -> None:
    message_id, _ = await alice.send(1, "soon too old")
    devserver.advance_clock(200)
    with pytest.raises(errors.EditWindowError, match="too late"):
        await alice.edit(message_id, "changed")
    with pytest.raises(errors.EditWindowError):
        await alice.delete(message_id)


async def test_deleted_message(alice) -> None:
    message_id, _ = await alice.send(1, "going away")
    await alice.delete(message_id)
    with pytest.raises(errors.EditWindowError, match="deleted"):
        await alice.edit(message_id, "back?")


async def test_not_own_message(devserver, alice, bob) -> None:
    message_id, _ = await alice.send(1, "mine")
    with pytest.raises(errors.AccessDeniedError):
        await bob.edit(message_id, "yours now")


async def test_stale_fkey_is_refreshed(devserver, alice) -> None:
    session = next(iter(devserver.server("se").sessions.values()))
    session.fkey = "0" * 32  # the server rotated it
    message_id, _ = await alice.send(1, "after rotation")
    assert devserver.server("se").messages[message_id].source == "after rotation"
    assert await alice.fkey() == "0" * 32


async def test_write_without_login(connect) -> None:
    anonymous = await connect(None)
    with pytest.raises(errors.AuthRequiredError):
        await anonymous.send(1, "hi")


async def test_malformed_send_answer(devserver, alice) -> None:
    devserver.fail(r"/messages/new$", status=200, body="{not json", content_type="application/json")
    with pytest.raises(errors.ServerError, match="messages/new"):
        await alice.send(1, "broken")


async def test_malformed_page_names_url(devserver, alice) -> None:
    devserver.fail(r"/transcript/1$", status=200, body="<html><body>nope</body></html>",
                   content_type="text/html")
    with pytest.raises(errors.ParseError) as info:
        await alice.transcript(1)
    assert info.value.url and info.value.url.endswith("/se/transcript/1")


async def test_server_error_after_retries(devserver, connect) -> None:
    conn = await connect("alice", retries=2)
    devserver.fail(r"/rooms/info/1$", status=503, times=2)
    assert b"Sandbox" in await conn.get_page("/rooms/info/1")  # third try works
    devserver.fail(r"/rooms/info/1$", status=500, times=None)
    with pytest.raises(errors.ServerError, match="rooms/info/1"):
        await conn.get_page("/rooms/info/1")


async def test_connection_refused(unused_tcp_port) -> None:
    from chatexchange._transport import ServerConnection

    async with ServerConnection(
        "se", server_url=f"http://127.0.0.1:{unused_tcp_port}", retries=1
    ) as conn:
        with pytest.raises(errors.ConnectionLostError):
            await conn.get_page("/rooms")
