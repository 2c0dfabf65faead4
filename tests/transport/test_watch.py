"""Live events: websocket, reconnect with gap filling, watchdog, polling fallback."""

from __future__ import annotations

import asyncio
from collections import Counter

import pytest

from chatexchange import errors
from chatexchange._parser import MessageEdited, MessagePosted

FAST = {"backoff_initial": 0.05, "backoff_max": 0.2, "poll_interval": 0.05}


async def _collect(watcher, predicate, *, timeout: float = 10.0) -> list:
    """Events from ``watcher`` until ``predicate(events)`` holds."""
    got: list = []

    async def run() -> None:
        async for event in watcher:
            got.append(event)
            if predicate(got):
                return

    await asyncio.wait_for(run(), timeout)
    return got


def _posted_ids(events) -> list[int]:
    return [e.message_id for e in events if isinstance(e, MessagePosted)]


async def _until_open(devserver, count: int = 1) -> set:
    """Wait for ``count`` open sockets; returns them (for :func:`_drop`)."""
    for _ in range(400):
        if devserver.websocket_count >= count:
            return set(devserver.world.hub.all)
        await asyncio.sleep(0.01)
    raise AssertionError("no websocket opened")


async def _drop(devserver, sockets: set) -> None:
    """Drop every socket, then wait until one that was not in ``sockets`` is open (a closed
    socket leaves the server's count a moment later, so the count alone cannot tell)."""
    await devserver.drop_websockets()
    for _ in range(400):
        if devserver.world.hub.all - sockets:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("no websocket reopened")


async def test_live_events_over_websocket(devserver, alice, bob) -> None:
    async with alice.watch(1, **FAST) as watcher:
        await _until_open(devserver)
        message_id, _ = await bob.send(1, "hello alice")
        await bob.edit(message_id, "hello alice!")
        events = await _collect(watcher, lambda got: any(isinstance(e, MessageEdited) for e in got))
        assert watcher.modes == {1: "websocket"}
    posted = [e for e in events if isinstance(e, MessagePosted)]
    assert [e.message_id for e in posted] == [message_id]
    assert posted[0].user_id == 2 and posted[0].room_id == 1
    assert posted[0].time_stamp is not None and posted[0].time_stamp.tzinfo is not None


async def test_no_history_unless_asked(devserver, alice, bob) -> None:
    old_id, _ = await bob.send(1, "before the watch")
    async with alice.watch(1, **FAST) as watcher:
        await _until_open(devserver)
        new_id, _ = await bob.send(1, "during the watch")
        events = await _collect(watcher, lambda got: new_id in _posted_ids(got))
    assert old_id not in _posted_ids(events)


async def test_resume_since_event_id(devserver, alice, bob) -> None:
    start = (await alice.room_events(1, msg_count=0)).time
    first, _ = await bob.send(1, "missed while offline 1")
    second, _ = await bob.send(1, "missed while offline 2")
    async with alice.watch(1, since=start, **FAST) as watcher:
        events = await _collect(watcher, lambda got: second in _posted_ids(got))
    assert _posted_ids(events) == [first, second]


async def test_dropped_socket_loses_nothing_and_repeats_nothing(devserver, alice, bob) -> None:
    sent: list[int] = []
    async with alice.watch(1, fallback_after=1000, **FAST) as watcher:
        await _until_open(devserver)
        for i in range(5):
            sent.append((await bob.send(1, f"before drop {i}"))[0])
        # alice cannot reconnect until the next five are posted, so they must come from the gap
        # fill (/chats/1/events) and must not come a second time from the socket's replay
        devserver.fail(r"^/se/chats/1/events$", status=502, times=None)
        await devserver.drop_websockets()
        for i in range(5):
            sent.append((await bob.send(1, f"during drop {i}"))[0])
        devserver.clear_failures()
        await _until_open(devserver)
        for i in range(5):
            sent.append((await bob.send(1, f"after drop {i}"))[0])
        events = await _collect(watcher, lambda got: sent[-1] in _posted_ids(got))
        assert watcher.reconnects >= 1
        assert watcher.gap_filled >= 5
    ids = _posted_ids(events)
    assert Counter(ids) == Counter(sent)
    assert ids == sent
    event_ids = [e.id for e in events]
    assert len(event_ids) == len(set(event_ids))


async def test_drops_while_other_users_post(devserver, connect, alice, bob) -> None:
    """Two users keep posting while alice's socket is dropped three times."""
    mod = await connect("mod")
    sent: list[int] = []
    stop = asyncio.Event()

    async def post(conn, who: str) -> None:
        i = 0
        while not stop.is_set():
            sent.append((await conn.send(1, f"{who} says {i}"))[0])
            i += 1

    async def posted_more(than: int) -> None:
        while len(sent) < than:
            await asyncio.sleep(0.005)

    # The events are read only at the end, so the queue must hold them all: with the default
    # bound a full queue stops the watcher reading (back-pressure), and it cannot reconnect.
    async with alice.watch(1, queue_size=100_000, **FAST) as watcher:
        sockets = await _until_open(devserver)
        posting = asyncio.gather(post(bob, "bob"), post(mod, "mod"))
        for _ in range(3):
            await posted_more(len(sent) + 4)  # the drop falls between posts, never before them
            await _drop(devserver, sockets)
            sockets = set(devserver.world.hub.all)
        await posted_more(len(sent) + 4)
        stop.set()
        await posting
        events = await _collect(watcher, lambda got: set(sent) <= set(_posted_ids(got)))
        assert watcher.reconnects >= 3
    ids = _posted_ids(events)
    assert len(ids) == len(set(ids)) == len(sent)
    assert ids == sorted(sent)
    assert len({e.id for e in events}) == len(events)


async def test_repeated_drops(devserver, alice, bob) -> None:
    sent: list[int] = []
    async with alice.watch(1, **FAST) as watcher:
        sockets = await _until_open(devserver)
        for round_ in range(3):
            for i in range(3):
                sent.append((await bob.send(1, f"round {round_} message {i}"))[0])
            await _drop(devserver, sockets)
            sockets = set(devserver.world.hub.all)
        events = await _collect(watcher, lambda got: sent[-1] in _posted_ids(got))
        assert watcher.reconnects >= 3
    assert _posted_ids(events) == sent


async def test_silence_watchdog_reconnects(devserver, alice, bob) -> None:
    async with alice.watch(1, silence_timeout=0.4, **FAST) as watcher:
        await _until_open(devserver)
        devserver.silence_websockets(True)  # a socket that is open but dead
        message_id, _ = await bob.send(1, "into the void")
        events = await _collect(watcher, lambda got: message_id in _posted_ids(got))
        assert watcher.reconnects >= 1
    assert _posted_ids(events) == [message_id]


async def test_polling_fallback(devserver, alice, bob) -> None:
    devserver.fail(r"/ws-auth$", status=404, body="Not Found", times=None)
    async with alice.watch(1, fallback_after=2, **FAST) as watcher:
        for _ in range(400):
            if watcher.modes == {1: "polling"}:
                break
            await asyncio.sleep(0.01)
        ids = [(await bob.send(1, f"polled {i}"))[0] for i in range(3)]
        events = await _collect(watcher, lambda got: ids[-1] in _posted_ids(got))
        assert watcher.modes == {1: "polling"}
    assert _posted_ids(events) == ids


async def test_back_to_websocket_after_polling(devserver, alice, bob) -> None:
    devserver.fail(r"/ws-auth$", status=404, body="Not Found", times=2)
    sent: list[int] = []
    async with alice.watch(1, fallback_after=2, websocket_retry=0.3, **FAST) as watcher:
        await watcher.start()
        for i in range(400):  # until the socket is back (typically ~15 rounds)
            sent.append((await bob.send(1, f"across the switch {i}"))[0])
            await asyncio.sleep(0.02)
            if watcher.modes == {1: "websocket"} and devserver.websocket_count:
                break
        assert watcher.modes == {1: "websocket"}
        sent.append((await bob.send(1, "on the socket again"))[0])
        events = await _collect(watcher, lambda got: sent[-1] in _posted_ids(got))
    assert _posted_ids(events) == sent


async def test_polling_only_many_rooms(devserver, connect) -> None:
    alice = await connect("alice")
    mod = await connect("mod")
    async with alice.watch([1, 3], websocket=False, **FAST) as watcher:
        await watcher.start()
        a, _ = await mod.send(1, "in the sandbox")
        b, _ = await mod.send(3, "in the gallery")
        events = await _collect(watcher, lambda got: {a, b} <= set(_posted_ids(got)))
        assert watcher.modes == {1: "polling", 3: "polling"}
    assert {(e.room_id, e.message_id) for e in events if isinstance(e, MessagePosted)} == {
        (1, a), (3, b)
    }


async def test_many_rooms_over_websockets(devserver, connect) -> None:
    alice = await connect("alice")
    mod = await connect("mod")
    async with alice.watch([1, 3], **FAST) as watcher:
        await _until_open(devserver, 2)
        sent = []
        for i in range(3):
            sent.append((1, (await mod.send(1, f"sandbox {i}"))[0]))
            sent.append((3, (await mod.send(3, f"gallery {i}"))[0]))
        events = await _collect(
            watcher, lambda got: len([e for e in got if isinstance(e, MessagePosted)]) == 6
        )
    got = [(e.room_id, e.message_id) for e in events if isinstance(e, MessagePosted)]
    assert sorted(got) == sorted(sent)


async def test_anonymous_watch_polls(devserver, connect, bob) -> None:
    anonymous = await connect(None)
    async with anonymous.watch(1, **FAST) as watcher:
        await watcher.start()
        message_id, _ = await bob.send(1, "for everyone")
        events = await _collect(watcher, lambda got: message_id in _posted_ids(got))
        assert watcher.modes == {1: "polling"}
    assert _posted_ids(events) == [message_id]


async def test_unknown_room_fails_the_watch(alice) -> None:
    with pytest.raises(errors.NotFoundError):
        async for _ in alice.watch(999, **FAST):
            pass


async def test_malformed_events_answer(devserver, alice) -> None:
    devserver.fail(r"/chats/1/events$", status=200, body="<html>oops</html>",
                   content_type="text/html")
    with pytest.raises(errors.ParseError) as info:
        async for _ in alice.watch(1, **FAST):
            pass
    assert info.value.url and info.value.url.endswith("/se/chats/1/events")


async def test_polling_gives_up_after_failures(devserver, alice) -> None:
    async with alice.watch(1, websocket=False, max_failures=2, **FAST) as watcher:
        await watcher.start()
        devserver.fail(r"^/se/events$", status=502, times=None)
        with pytest.raises(errors.ConnectionLostError):
            await _collect(watcher, lambda got: False)


async def test_closing_the_connection_ends_its_watchers(devserver, alice) -> None:
    watcher = alice.watch(1, **FAST)
    await watcher.start()
    await _until_open(devserver)
    await alice.close()
    assert [event async for event in watcher] == []
    with pytest.raises(errors.ConnectionLostError):
        await alice.get_page("/rooms")


async def test_gap_longer_than_one_gap_answer(devserver, alice, bob) -> None:
    """More was missed than one ``/chats/<room>/events`` answer holds: nothing may be lost."""
    sent: list[int] = []
    async with alice.watch(1, gap_count=3, fallback_after=1000, **FAST) as watcher:
        await _until_open(devserver)
        sent.append((await bob.send(1, "before the drop"))[0])
        await _collect(watcher, lambda got: sent[0] in _posted_ids(got))
        # no gap answer until all six are posted: the first one then holds only the last three
        devserver.fail(r"^/se/chats/1/events$", status=502, times=None)
        await devserver.drop_websockets()
        for i in range(6):
            sent.append((await bob.send(1, f"missed {i}"))[0])
        devserver.clear_failures()
        events = await _collect(watcher, lambda got: sent[-1] in _posted_ids(got))
        assert watcher.reconnects >= 1
    assert _posted_ids(events) == sent[1:]


async def test_malformed_frame_resyncs_the_room(devserver, alice, bob) -> None:
    """A frame that cannot be read may have carried events: the room is re-read, not skipped."""
    async with alice.watch(1, **FAST) as watcher:
        await _until_open(devserver)
        (socket,) = devserver.world.hub.all
        await socket.ws.send_str('{"r1": {"e": [1, 2, 3], "t": 5}}')
        message_id, _ = await bob.send(1, "after the bad frame")
        events = await _collect(watcher, lambda got: message_id in _posted_ids(got))
        assert watcher.reconnects >= 1
    assert _posted_ids(events) == [message_id]
