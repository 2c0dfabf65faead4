"""BlockingClient shutdown and in-loop refusal, anonymous write refusal, secrets kept out of sight,
live streams, and the ``chatexchange.aio`` helpers."""

from __future__ import annotations

import asyncio
import gc
import importlib.util
import logging
import threading

import pytest

import chatexchange.aio as aio
from chatexchange import errors
from chatexchange.client import AsyncClient, BlockingCallInLoopError, BlockingClient

ALICE = ("alice@example.com", "alice-password")


def _loop_threads():
    return [t for t in threading.enumerate() if t.name == "chatexchange-loop" and t.is_alive()]


def test_blocking_client_shuts_down_cleanly(devserver_thread):
    before = len(_loop_threads())
    with BlockingClient(server_url=devserver_thread.url) as chat:
        # uvloop where the platform has it (not on Windows), plain asyncio elsewhere
        expected = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
        assert type(chat.loop).__module__.startswith(expected)
        room = chat.se.room(1)
        assert room.name == "Sandbox"
        stream = room.new_messages()
        devserver_thread.post("se", 1, 2, "posted while we watch")
        message = next(stream)
        assert message.content_text == "posted while we watch"
        assert message.owner.name == "Bob Builder"
        assert len(_loop_threads()) == before + 1
    assert chat.closed
    assert len(_loop_threads()) == before
    chat.close()  # idempotent
    with pytest.raises(errors.ClosedError, match="closed"):
        chat.se.room(1)


async def test_a_closed_async_client_raises_an_error_of_the_hierarchy(devserver):
    async with AsyncClient(server_url=devserver.url) as client:
        await client.se.room(1)
    with pytest.raises(errors.ClosedError, match="closed") as caught:
        await client.se.room(2)
    assert isinstance(caught.value, errors.ChatExchangeError)
    assert isinstance(caught.value, RuntimeError)  # what it raised before


def test_blocking_client_refuses_calls_from_its_own_loop(devserver_thread):
    with BlockingClient(server_url=devserver_thread.url) as chat:
        outcome = {}

        def inside_the_loop():
            try:
                chat.se.room(1)
            except BlockingCallInLoopError as error:
                outcome["error"] = error

        chat.loop.call_soon_threadsafe(inside_the_loop)
        chat.se.room(1)  # a later call waits until the callback above has run
        assert isinstance(outcome.get("error"), BlockingCallInLoopError)

        async def uses_async_api():
            return (await chat.async_client.se.room(1)).name

        assert asyncio.run_coroutine_threadsafe(uses_async_api(), chat.loop).result(10) == "Sandbox"


def test_blocking_client_finalizer_stops_the_thread(devserver_thread):
    before = len(_loop_threads())
    chat = BlockingClient(server_url=devserver_thread.url)
    assert chat.se.room(1).id == 1
    del chat
    gc.collect()
    assert len(_loop_threads()) == before


async def test_anonymous_client_reads_and_refuses_writes(devserver):
    async with AsyncClient(server_url=devserver.url) as client:
        room = await client.se.room(1)
        assert await client.se.me() is None
        with pytest.raises(errors.AuthRequiredError, match="ChatExchangeU"):
            await room.send("hi")
        message = await client.se.message(
            min(m.id for m in devserver.server("se").room_messages(1))
        )
        with pytest.raises(errors.AuthRequiredError):
            await message.reply("hi")


async def test_credentials_from_the_environment(devserver, monkeypatch):
    monkeypatch.setenv("ChatExchangeU", ALICE[0])
    monkeypatch.setenv("ChatExchangeP", ALICE[1])
    async with AsyncClient(server_url=devserver.url) as client:
        me = await client.se.me()
        assert me.id == 1 and me.name == "Alice"
    async with AsyncClient(server_url=devserver.url, auth=False) as client:
        assert await client.se.me() is None


async def test_credentials_never_appear_in_reprs_logs_or_the_archive(devserver, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    archive = tmp_path / "archive.db"
    async with AsyncClient(archive, server_url=devserver.url, auth=ALICE) as client:
        room = await client.se.room(1)
        message = await room.send("secret-free message")
        await message.edit("edited text")
        texts = [repr(client), repr(client._credentials), str(client._credentials)]
        texts += [repr(room), repr(message), repr(await client.se.me()), repr(message.owner)]
        texts += [repr(c) for c in client._connections.values()]
    devserver.fail(r"^/se/users/login", 500, times=None)
    # no saved session: this client must log in, and fail
    async with AsyncClient(server_url=devserver.url, auth=ALICE, session_file=False) as client:
        with pytest.raises(errors.ChatExchangeError) as info:
            await client.login()
        texts.append(str(info.value))
    texts += [record.getMessage() for record in caplog.records]
    sessions = devserver.server("se").sessions.values()
    secrets = [*ALICE, *(s.token for s in sessions), *(s.fkey for s in sessions)]
    assert len(secrets) >= 4  # the password, the email, a session cookie and its fkey
    for text in texts:
        for secret in secrets:
            assert secret not in text
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("archive.db*"))
    assert b"edited text" in stored  # the archive was written
    for secret in secrets:
        assert secret.encode() not in stored


async def test_bad_credentials_are_a_login_error(devserver):
    async with AsyncClient(server_url=devserver.url, auth=("alice@example.com", "wrong")) as c:
        room = await c.se.room(1)
        with pytest.raises(errors.LoginError):
            await room.send("hi")


async def test_live_streams_archive_every_event(devserver):
    async with AsyncClient(server_url=devserver.url, auth=ALICE) as client:
        room = await client.se.room(1)
        stream = await room.new_messages().start()  # subscribed: nothing after this is missed
        devserver.post("se", 1, 2, "one")
        first = asyncio.ensure_future(aio.anext(stream))
        message = await asyncio.wait_for(first, 10)
        assert (message.content_text, message.owner_id) == ("one", 2)
        # it is in the archive, with its exact time, before the stream yields it
        stored = await client.se.message(message.id, desired_max_age=3600)
        assert stored.content_text == "one" and stored.time == message.time
        devserver.post("se", 1, 3, "two")
        devserver.post("se", 1, 2, "three")
        rest = await asyncio.wait_for(aio.take(stream, 2), 10)
        assert [m.content_text for m in rest] == ["two", "three"]
        # the feed is shared and stops with its last subscriber
        assert not client._live.feeds


async def test_aio_helpers():
    async def numbers(n):
        for i in range(n):
            yield i

    assert [p async for p in aio.enumerate(numbers(3), start=1)] == [(1, 0), (2, 1), (3, 2)]
    assert await aio.take(numbers(10), 3) == [0, 1, 2]
    assert [x async for x in aio.islice(numbers(10), 2, 8, 3)] == [2, 5]
    assert await aio.anext(numbers(0), "empty") == "empty"
    with pytest.raises(StopAsyncIteration):
        await aio.anext(numbers(0))
    assert await aio.list(aio.map(lambda x: x * 2, aio.iterate([1, 2]))) == [2, 4]

    async def odd(x):
        return x % 2

    assert await aio.list(aio.filter(odd, numbers(5))) == [1, 3]
    closed = []

    async def endless():
        try:
            i = 0
            while True:
                yield i
                i += 1
        finally:
            closed.append(True)

    assert await aio.take(endless(), 2) == [0, 1]
    assert closed == [True]
