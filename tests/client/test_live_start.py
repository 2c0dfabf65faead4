"""A live stream delivers what is posted right after it started, on every path a feed can take.

``start()`` returns once the room's watcher has read its event cursor; the first websocket (or, for
an anonymous reader, the polling fallback) comes up afterwards. A message posted in between must
still arrive: the socket replays what came after the cursor, and polling starts from it.
"""

from __future__ import annotations

import asyncio

import pytest

import chatexchange.aio as aio
from chatexchange.client import AsyncClient, BlockingClient

ALICE = ("alice@example.com", "alice-password")
BOB = 2


@pytest.mark.parametrize(
    ("auth", "mode"), [(False, "polling"), (ALICE, "websocket")], ids=["anonymous", "logged-in"]
)
async def test_a_message_posted_right_after_start_is_delivered(devserver, auth, mode):
    async with AsyncClient(server_url=devserver.url, auth=auth) as client:
        if auth:
            await client.login()  # reads now go through the logged-in connection: a websocket
        room = await client.se.room(1)
        for k in range(3):
            stream = await room.new_messages().start()
            posted = devserver.post("se", 1, BOB, f"right after start {k}")  # no await between
            message = await asyncio.wait_for(aio.anext(stream), 10)
            assert (message.id, message.content_text) == (posted.id, f"right after start {k}")
            assert client._live.feeds[("se", 1)].watcher.modes == {1: mode}
            await stream.aclose()
            assert not client._live.feeds  # the next round starts a fresh feed


async def test_a_second_stream_of_a_shared_feed_gets_what_follows_its_start(devserver):
    async with AsyncClient(server_url=devserver.url, auth=False) as client:
        room = await client.se.room(1)
        first = await room.new_messages().start()
        before = devserver.post("se", 1, BOB, "before the second stream")
        assert (await asyncio.wait_for(aio.anext(first), 10)).id == before.id
        second = await room.new_messages().start()
        assert len(client._live.feeds) == 1  # one watcher serves both
        after = devserver.post("se", 1, BOB, "after the second stream")
        got = await asyncio.wait_for(asyncio.gather(aio.anext(first), aio.anext(second)), 10)
        assert [m.id for m in got] == [after.id, after.id]
        await first.aclose()
        await second.aclose()


def test_blocking_logged_in_stream_gets_a_message_posted_right_after_start(devserver_thread):
    with BlockingClient(server_url=devserver_thread.url, auth=ALICE) as chat:
        chat.login()
        stream = chat.se.room(1).new_messages()  # started before it is handed out
        posted = devserver_thread.post("se", 1, BOB, "posted while we watch")
        message = next(stream)
        assert (message.id, message.owner.name) == (posted.id, "Bob Builder")
        stream.close()
