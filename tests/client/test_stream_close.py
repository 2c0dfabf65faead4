"""Live streams end from anywhere (another thread, another task) and unsubscribe their rooms; a
slow stream makes its rooms wait instead of growing a queue without bound."""

from __future__ import annotations

import asyncio
import logging
import threading

from chatexchange.client import AsyncClient, BlockingClient
from chatexchange.client._live import Subscription
from chatexchange.client._loop import BridgedIterator, LoopThread

ALICE = ("alice@example.com", "alice-password")


def _consume_in_thread(stream) -> tuple[threading.Thread, list]:
    """Iterate ``stream`` on a thread of its own; the list gets the items, then "ended"."""
    got: list = []

    def run() -> None:
        for item in stream:
            got.append(item)
        got.append("ended")

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, got


def _wait_until(check, what: str) -> None:
    for _ in range(2000):
        if check():
            return
        threading.Event().wait(0.01)
    raise AssertionError(what)


def test_blocking_streams_close_from_another_thread(devserver_thread) -> None:
    with BlockingClient(server_url=devserver_thread.url, auth=ALICE) as chat:
        chat.login("se")  # logged in, the stream reads a websocket
        room = chat.se.room(1)
        for n, make in enumerate((room.new_messages, room.events)):
            stream = make()
            thread, got = _consume_in_thread(stream)
            devserver_thread.post("se", 1, 2, f"seen by stream {n}")
            _wait_until(lambda got=got: got, "the first item never came")
            _wait_until(lambda: devserver_thread.devserver.websocket_count == 1, "no socket")
            stream.close()  # while the consumer thread waits in next()
            thread.join(30)
            assert not thread.is_alive(), "the consumer stayed blocked"
            assert got[-1] == "ended"
            assert not chat.async_client._live.feeds  # the room is unsubscribed
            _wait_until(lambda: devserver_thread.devserver.websocket_count == 0, "socket kept")


async def test_aclose_from_another_task_ends_the_reader(devserver) -> None:
    async with AsyncClient(server_url=devserver.url, auth=ALICE) as client:
        room = await client.se.room(1)
        for stream in (room.new_messages(), room.events()):
            await stream.start()
            got: list = []

            async def read(stream=stream, got=got) -> None:
                async for item in stream:
                    got.append(item)

            reader = asyncio.ensure_future(read())
            devserver.post("se", 1, 2, f"before closing {len(got)} {id(stream)}")
            while not got:
                await asyncio.sleep(0.01)
            await stream.aclose()  # the reader task is waiting in __anext__
            await asyncio.wait_for(reader, 30)
            assert reader.exception() is None
            assert not client._live.feeds


def test_any_bridged_iterator_closes_from_another_thread() -> None:
    loop_thread = LoopThread()
    finalized = threading.Event()

    async def forever():
        try:
            yield 1
            await asyncio.Event().wait()
            yield 2
        finally:
            finalized.set()

    try:
        iterator = BridgedIterator(loop_thread, forever())
        thread, got = _consume_in_thread(iterator)
        _wait_until(lambda: got == [1], "no first item")
        iterator.close()
        thread.join(30)
        assert not thread.is_alive() and got == [1, "ended"]
        assert finalized.is_set()
    finally:
        loop_thread.stop()


async def test_a_slow_stream_makes_its_rooms_wait_and_loses_nothing(
    devserver, monkeypatch, caplog
) -> None:
    monkeypatch.setattr(Subscription, "QUEUE_SIZE", 4)
    caplog.set_level(logging.WARNING, logger="chatexchange.client.live")
    async with AsyncClient(server_url=devserver.url, auth=ALICE) as client:
        room = await client.se.room(1)
        slow = await room.new_messages().start()
        texts = [f"burst {n}" for n in range(40)]
        for text in texts:
            devserver.post("se", 1, 2, text)
        feed = next(iter(client._live.feeds.values()))
        subscription = next(iter(feed.subscribers))
        while not subscription.queue.full():
            await asyncio.sleep(0.01)
        assert subscription.queue.qsize() == 4  # bounded, not 40
        got = []
        async for message in slow:
            got.append(message.content_text)
            if len(got) == len(texts):
                break
        assert got == texts
    warnings = [r for r in caplog.records if "events behind" in r.getMessage()]
    assert len(warnings) == 1 and "nothing is dropped" in warnings[0].getMessage()
