"""The watcher's memory stays bounded: de-duplication by count and age, a bounded queue for a
slow consumer (nothing dropped), and connection states reported while it retries forever."""

from __future__ import annotations

import asyncio
import gc
import logging
import tracemalloc

import pytest

from chatexchange._parser import MessagePosted
from chatexchange._transport import ServerConnection, watch
from chatexchange._transport.watch import Watcher
from chatexchange.errors import ConnectionLostError

from .test_watch import FAST, _collect, _posted_ids, _until_open

MiB = 1024 * 1024


def _posted(event_id: int | None, message_id: int, room: int = 1) -> MessagePosted:
    raw = {"event_type": 1, "id": event_id, "message_id": message_id, "room_id": room}
    return MessagePosted(event_type=1, id=event_id, time_stamp=None, room_id=room,
                         room_name=None, user_id=1, user_name="a", raw=raw,
                         message_id=message_id)


def _offline(rooms, **options) -> Watcher:
    watcher = Watcher(ServerConnection("se", server_url="http://127.0.0.1:9"), rooms, **options)
    for room in watcher.rooms:
        watcher._begin(room, 1000, 10)
    return watcher


async def _saturate(watcher: Watcher, per_room: int) -> None:
    """Deliver ``per_room`` new events to each room (ids interleaved as on one server), draining
    the queue as a consumer would."""
    rooms = watcher.rooms
    for n in range(per_room):
        for k, room in enumerate(rooms):
            event_id = 2000 + n * len(rooms) + k
            await watcher._deliver(room, [_posted(event_id, 100 + event_id, room)])
        while not watcher._queue.empty():
            watcher._queue.get_nowait()


async def _dedupe_bytes_per_room(**options) -> float:
    watcher = _offline(range(1, 21), **options)
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        await _saturate(watcher, 6_000)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return (after - before) / 20


async def test_dedupe_memory_per_room_is_bounded() -> None:
    per_room = await _dedupe_bytes_per_room()
    assert per_room < 1 * MiB, per_room
    # the measurement is real: the old windows (50,000 entries) do not fit
    assert await _dedupe_bytes_per_room(dedupe_window=50_000) > 1 * MiB


async def test_keys_pushed_out_still_count_as_delivered() -> None:
    watcher = _offline([1], dedupe_window=100)
    await _saturate(watcher, 5_000)
    assert len(watcher._seen_ids[1]) <= 100 and len(watcher._seen_messages[1]) <= 100
    old, recent = 2500, 2000 + 4990
    await watcher._deliver(1, [_posted(old, 100 + old), _posted(recent, 100 + recent)])
    await watcher._deliver(1, [_posted(None, 100 + old), _posted(None, 100 + recent)],
                           from_gap=True)
    assert watcher._queue.empty()
    assert watcher.duplicates == 4


async def test_dedupe_forgets_by_age(monkeypatch) -> None:
    now = [0.0]
    monkeypatch.setattr(watch.time, "monotonic", lambda: now[0])
    watcher = _offline([1], dedupe_age=60.0)
    await _saturate(watcher, 50)
    assert len(watcher._seen_ids[1]) == 50
    now[0] = 61.0
    await watcher._deliver(1, [_posted(5000, 5100)])
    assert len(watcher._seen_ids[1]) == 1
    assert 2000 in watcher._seen_ids[1]  # still a repeat: below the floor
    assert watcher._seen_ids[1].floor == 2049


async def test_slow_consumer_waits_drops_nothing_and_says_so(devserver, alice, bob, caplog) -> None:
    caplog.set_level(logging.INFO, logger="chatexchange.transport")
    async with alice.watch(1, queue_size=8, **FAST) as watcher:
        await _until_open(devserver)
        sent = [(await bob.send(1, f"fast poster {i}"))[0] for i in range(60)]
        for _ in range(400):  # the reader fills the queue, then waits for us
            if watcher._queue.full():
                break
            await asyncio.sleep(0.01)
        assert watcher._queue.qsize() == 8
        got = await _collect(watcher, lambda got: sent[-1] in _posted_ids(got))
    assert _posted_ids(got) == sent
    warnings = [r for r in caplog.records if "the consumer is" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert "nothing is dropped" in warnings[0].getMessage()
    assert any("has caught up" in r.getMessage() for r in caplog.records)


async def test_close_and_failure_reach_a_consumer_behind_a_full_queue(devserver, alice) -> None:
    watcher = alice.watch(1, queue_size=2, **FAST)
    await watcher.start()
    await watcher._deliver(1, [_posted(10**9 + 1, 10**9), _posted(10**9 + 2, 10**9 + 1)])
    assert watcher._queue.full()
    watcher._fail(RuntimeError("boom"))
    seen = [await watcher.__anext__(), await watcher.__anext__()]
    assert [e.id for e in seen] == [10**9 + 1, 10**9 + 2]
    try:
        await watcher.__anext__()
    except RuntimeError as error:
        assert str(error) == "boom"
    else:
        raise AssertionError("the failure was lost behind the full queue")


async def test_states_while_retrying_forever(devserver, alice, bob) -> None:
    states: list[tuple[int, str, object]] = []  # (room, state, detail)
    options = {**FAST, "max_failures": None, "fallback_after": 1000}
    async with alice.watch(1, on_state=lambda slug, *s: states.append(s), **options) as watcher:
        await _until_open(devserver)
        devserver.fail(r"/ws-auth$", status=503, times=None)
        await devserver.drop_websockets()
        while sum(1 for s in states if s[1] == "retrying") < 12:  # beyond the old limit of 8
            await asyncio.sleep(0.01)
        message_id, _ = await bob.send(1, "posted during the outage")
        devserver.clear_failures()
        while [s[1] for s in states].count("connected") < 2:
            await asyncio.sleep(0.01)
        got = await _collect(watcher, lambda got: message_id in _posted_ids(got))
    assert message_id in _posted_ids(got)
    kinds = [s[1] for s in states]
    assert kinds[0] == "connected" and kinds[1] == "lost"
    assert set(kinds[2:kinds.index("connected", 1)]) == {"retrying"}
    assert all(isinstance(s[2], float) for s in states if s[1] == "retrying")
    assert kinds.count("lost") == 1  # one line per change, not one per failed attempt


async def test_ready_takes_what_has_arrived_and_leaves_the_end(devserver, alice) -> None:
    watcher = alice.watch(1, **FAST)
    await watcher.start()
    await watcher._deliver(1, [_posted(10**9 + n, 10**9 + n) for n in range(1, 6)])
    first = await watcher.__anext__()
    assert [e.id for e in [first, *watcher.ready(3)]] == [10**9 + n for n in range(1, 5)]
    watcher._fail(RuntimeError("after the events"))
    assert [e.id for e in watcher.ready(100)] == [10**9 + 5]
    assert watcher.ready(100) == []
    try:
        await watcher.__anext__()
    except RuntimeError as error:
        assert str(error) == "after the events"
    else:
        raise AssertionError("the failure did not follow the events")


# -- a long backlog while polling: what one answer brings is bounded -----------------------------


def _backlog(devserver, room: int, count: int) -> tuple[int, list[int]]:
    """Post ``count`` messages to ``room`` at once; returns the event id before them and the
    message ids."""
    before = devserver.server("se").last_event_id
    ids = [devserver.post("se", room, 3, f"backlog {n} in {room}").id for n in range(count)]
    return before, ids


async def test_a_polled_backlog_comes_in_bounded_answers(devserver, alice) -> None:
    # the consumer stalls behind 1,100 messages: the devserver's answers carry at most 200 events
    # a room, the oldest first, and the watcher reads on from each answer's t
    since, first = _backlog(devserver, 1, 700)
    _, second = _backlog(devserver, 3, 400)
    async with alice.watch([1, 3], since=since, websocket=False, queue_size=50, **FAST) as watcher:
        events = await _collect(
            watcher, lambda got: len(_posted_ids(got)) >= 1_100, timeout=60.0
        )
        assert 0 < watcher.largest_poll <= 2 * 200
        assert watcher.modes == {1: "polling", 3: "polling"}
    got = [(e.room_id, e.message_id) for e in events if isinstance(e, MessagePosted)]
    assert [m for r, m in got if r == 1] == first
    assert [m for r, m in got if r == 3] == second


async def test_a_backlog_answer_is_followed_by_the_next_poll_at_once(devserver, alice) -> None:
    since, _ = _backlog(devserver, 1, 250)
    watcher = alice.watch(1, since=since, websocket=False, queue_size=1_000, **FAST)
    watcher._begin(1, since, 0)
    watcher._poll_cursor[1] = since
    try:
        assert await watcher._poll([1]) is True  # 200 of 250: more is waiting
        assert await watcher._poll([1]) is False  # the last 50
        queued = [watcher._queue.get_nowait() for _ in range(watcher._queue.qsize())]
        assert len(_posted_ids(queued)) == 250
    finally:
        await watcher.aclose()


async def test_an_answer_past_the_byte_bound_is_not_read(devserver, alice) -> None:
    # a server that sends a whole backlog in one answer: the watcher reads at most poll_max_bytes
    # of it. Rooms 1 and 3 together pass the bound, so each is polled alone: room 3's 30 events
    # come; room 1's 1,000 pass it alone, and without a websocket to replay them the watch ends
    # with ConnectionLostError (no answer of more than room 3's was ever parsed)
    devserver.configure(poll_page=None)
    since, _ = _backlog(devserver, 1, 1_000)
    _, small = _backlog(devserver, 3, 30)
    watcher = alice.watch([1, 3], since=since, websocket=False, poll_max_bytes=64 * 1024, **FAST)
    got = []
    with pytest.raises(ConnectionLostError, match="65536 bytes"):
        async for event in watcher:
            got.append(event)
    assert [e.message_id for e in got if isinstance(e, MessagePosted)] == small
    assert watcher.largest_poll < 100


async def test_a_long_backlog_goes_back_to_the_socket_room_by_room(devserver, alice) -> None:
    # rooms 1 and 3 poll (no socket to be had); their answer together passes the bound, so each is
    # asked alone: room 3's small backlog is polled, room 1's long one goes back to the socket,
    # which is refused until room 3's answer is in, then replays room 1 in frames of at most 200
    # events; gap_count=10 leaves both backlogs to the poll (a gap fill reads one answer of
    # gap_count events)
    devserver.configure(poll_page=None)
    since, first = _backlog(devserver, 1, 1_000)
    _, second = _backlog(devserver, 3, 30)
    devserver.fail(r"/ws-auth$", 500, times=None)
    options = {**FAST, "fallback_after": 2, "websocket_retry": 3600.0, "gap_count": 10}
    frames: list[int] = []

    def done(got) -> bool:
        if watcher.largest_poll:  # room 3 was polled alone: sockets may open now
            devserver.clear_failures()
        return len(_posted_ids(got)) >= 1_030

    async with alice.watch(
        [1, 3], since=since, poll_max_bytes=64 * 1024, queue_size=50,
        on_frame=lambda frame: frames.append(len(frame.events or ())), **options
    ) as watcher:
        events = await _collect(watcher, done, timeout=60.0)
        assert watcher.modes == {1: "websocket", 3: "polling"}
        assert 30 <= watcher.largest_poll < 1_000  # room 3 alone, polled
        assert sum(frames) >= 1_000 and max(frames) <= 200
    got = [(e.room_id, e.message_id) for e in events if isinstance(e, MessagePosted)]
    assert [m for r, m in got if r == 1] == first
    assert [m for r, m in got if r == 3] == second
