"""The Bot on live rooms of the devserver: answering with context mapping, ignoring itself, tags
from the room and the user, edits, a dropped socket, shutdown."""

from __future__ import annotations

import asyncio
import time

import pytest

from chatexchange import AsyncClient, Bot, errors

ALICE = ("alice@example.com", "alice-password")
BOB, MOD = 2, 3


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    for name in ("ChatExchangeU", "ChatExchangeP", "CHATEXCHANGE_DEVSERVER"):
        monkeypatch.delenv(name, raising=False)


def messages(ds, room_id=1):
    return list(ds.server("se").room_messages(room_id))


async def until(predicate, what, timeout=15.0):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


def answers_to(ds, message_id):
    return [m for m in messages(ds) if m.parent_id == message_id and m.user_id == 1]


class Running:
    """``async with Running(bot, devserver) as (client, room)``: the bot runs meanwhile."""

    def __init__(self, bot, devserver, **options):
        self.bot = bot
        self.devserver = devserver
        self.options = options

    async def __aenter__(self):
        self.client = AsyncClient(auth=ALICE, server_url=self.devserver.url)
        room = await self.client.se.room(1)
        self.task = asyncio.create_task(self.bot.run(room, **self.options))
        await self.bot.wait_running()
        return self.client, room

    async def __aexit__(self, *exc):
        self.bot.stop()
        await asyncio.wait_for(self.task, 10)
        await self.client.close()


def alive_bot(**options):
    bot = Bot(**options)
    bot.on("!!/alive", lambda user: f"Yes, {user.name}")
    bot.on("!!/where", lambda room, message: f"in {room.name}, message {message.id}")
    bot.on("!!/kick", lambda message: f"kicked {message.text[8:]}", "privileged")
    bot.on("!!/tagged", "the room is tagged", "sandbox-tag")

    @bot.on("!!/echo")
    def echo(message, condition):
        return message.text[len(condition) :].strip()

    return bot


async def test_answers_with_context_mapping(devserver):
    bot = alive_bot()
    async with Running(bot, devserver):
        asked = devserver.post("se", 1, BOB, "!!/alive")
        where = devserver.post("se", 1, BOB, "!!/where")
        chatter = devserver.post("se", 1, BOB, "just chatting")
        last = devserver.post("se", 1, BOB, "!!/echo done")
        await until(lambda: answers_to(devserver, last.id), "the last answer")
        # the answer is on the server a moment before the bot counts it
        await until(lambda: bot.stats["answered"] == 3, "the bot counting its answers")
        assert [m.source for m in answers_to(devserver, asked.id)] == [
            f":{asked.id} Yes, Bob Builder"
        ]
        assert answers_to(devserver, where.id)[0].source.endswith(
            f"in Sandbox, message {where.id}"
        )
        assert answers_to(devserver, chatter.id) == []  # None posts nothing
        assert bot.stats["answered"] == 3 and bot.stats["handled"] == 4


async def test_never_answers_itself(devserver):
    bot = Bot()
    bot.on_any(lambda message: f"echo {message.text}")  # would loop forever on its own messages
    async with Running(bot, devserver):
        first = devserver.post("se", 1, BOB, "hello")
        await until(lambda: bot.stats["own"] >= 1, "the bot seeing its own answer")
        second = devserver.post("se", 1, BOB, "again")
        await until(lambda: answers_to(devserver, second.id), "the second answer")
        await until(lambda: bot.stats["own"] >= 2, "the bot seeing its second answer")
        mine = [m for m in messages(devserver) if m.user_id == 1 and m.id > first.id]
        assert [m.parent_id for m in mine] == [first.id, second.id]


async def test_tags_gate_privileged_rules(devserver):
    bot = alive_bot()
    async with Running(bot, devserver):
        by_bob = devserver.post("se", 1, BOB, "!!/kick carol")
        by_mod = devserver.post("se", 1, MOD, "!!/kick carol")
        tagged = devserver.post("se", 1, BOB, "!!/tagged")
        done = devserver.post("se", 1, BOB, "!!/alive")
        await until(lambda: answers_to(devserver, done.id), "the last answer")
        assert answers_to(devserver, by_bob.id) == []  # bob is neither owner nor moderator
        assert answers_to(devserver, by_mod.id)[0].source.endswith("kicked carol")
        assert answers_to(devserver, tagged.id) == []  # the room has no such tag


async def test_room_tags_become_bot_tags(devserver):
    devserver.server("se").room(1).tags = ["sandbox-tag"]
    bot = alive_bot()
    async with Running(bot, devserver):
        tagged = devserver.post("se", 1, BOB, "!!/tagged")
        await until(lambda: answers_to(devserver, tagged.id), "the tagged answer")


@pytest.mark.parametrize("edits", ["ignore", "answer", "update"])
async def test_edits_as_configured(devserver, edits):
    bot = alive_bot(edits=edits)
    async with Running(bot, devserver):
        asked = devserver.post("se", 1, BOB, "!!/echo one")
        answer = (await until(lambda: answers_to(devserver, asked.id), "the answer"))[0]
        server = devserver.server("se")
        server.edit(asked.id, server.users[BOB], "!!/echo two")
        if edits == "answer":
            await until(lambda: len(answers_to(devserver, asked.id)) == 2, "a second answer")
        elif edits == "update":
            await until(
                lambda: server.message(answer.id).source.endswith("two"), "the edited answer"
            )
        else:  # an edit is handled, if at all, before a later message
            last = devserver.post("se", 1, BOB, "!!/echo last")
            await until(lambda: answers_to(devserver, last.id), "the last answer")
        answers = [m.source.split(" ", 1)[1] for m in answers_to(devserver, asked.id)]
        expected = {"ignore": ["one"], "answer": ["one", "two"], "update": ["two"]}[edits]
        assert answers == expected


async def test_dropped_socket_loses_nothing_and_answers_once(devserver):
    bot = alive_bot()
    async with Running(bot, devserver):
        asked = [devserver.post("se", 1, BOB, f"!!/echo before {i}") for i in range(3)]
        await devserver.drop_websockets()
        asked += [devserver.post("se", 1, BOB, f"!!/echo during {i}") for i in range(3)]
        await devserver.drop_websockets()
        asked += [devserver.post("se", 1, BOB, f"!!/echo after {i}") for i in range(3)]
        await until(lambda: all(answers_to(devserver, m.id) for m in asked), "every answer")
        # A repeat, if any, comes with the reconnect's gap filling, so before a later message:
        # once that one is answered, every repeat would have been too.
        last = devserver.post("se", 1, BOB, "!!/echo last")
        await until(lambda: answers_to(devserver, last.id), "the last answer")
        assert [len(answers_to(devserver, m.id)) for m in asked] == [1] * len(asked)


async def test_failed_feed_resubscribes_and_catches_up(devserver):
    """A feed that fails for good: the bot subscribes again and answers what was posted in the
    gap, once, but nothing from before it started."""
    from chatexchange.client._live import _Failure

    before = devserver.post("se", 1, BOB, "!!/echo from before the start")
    bot = alive_bot()
    async with Running(bot, devserver) as (client, _room):

        async def fail_and_post(text):
            failures = bot.stats["resubscribed"]
            for feed in list(client._live.feeds.values()):
                feed._finish(_Failure(errors.ConnectionLostError("the feed gave up")))
            await until(lambda: bot.stats["resubscribed"] > failures, "the bot noticing")
            return devserver.post("se", 1, BOB, text)

        quiet = await fail_and_post("!!/echo after a quiet failure")  # nothing seen yet
        await until(lambda: answers_to(devserver, quiet.id), "the answer after the failure")
        gap = await fail_and_post("!!/echo in the gap")
        await until(lambda: answers_to(devserver, gap.id), "the answer to the gap message")
        last = devserver.post("se", 1, BOB, "!!/echo last")
        await until(lambda: answers_to(devserver, last.id), "the last answer")
        assert [len(answers_to(devserver, m.id)) for m in (quiet, gap, last)] == [1, 1, 1]
        assert answers_to(devserver, before.id) == []


async def test_anonymous_bot_refuses_to_run(devserver):
    bot = alive_bot()
    async with AsyncClient(auth=False, server_url=devserver.url) as client:
        room = await client.se.room(1)
        with pytest.raises(errors.AuthRequiredError):
            await bot.run(room)


async def test_cancellation_stops_cleanly(devserver):
    bot = alive_bot()
    async with AsyncClient(auth=ALICE, server_url=devserver.url) as client:
        room = await client.se.room(1)
        task = asyncio.create_task(bot.run(room))
        await bot.wait_running()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert bot._run is None
        # the client is still usable afterwards
        sent = await room.send("still here")
        assert sent.id > 0


def test_run_blocking_with_a_blocking_client(devserver_thread):
    from chatexchange import BlockingClient

    bot = alive_bot()
    with BlockingClient(auth=ALICE, server_url=devserver_thread.url) as client:
        room = client.se.room(1)
        import threading

        runner = threading.Thread(target=bot.run_blocking, args=(room,), daemon=True)
        runner.start()
        deadline = time.monotonic() + 15
        while bot._run is None or not bot._run.running.is_set():
            assert time.monotonic() < deadline
            time.sleep(0.02)
        asked = devserver_thread.post("se", 1, BOB, "!!/alive")
        while not devserver_thread.call(lambda d: answers_to(d, asked.id)):
            assert time.monotonic() < deadline, "no answer"
            time.sleep(0.02)
        client.loop.call_soon_threadsafe(bot.stop)
        runner.join(10)
        assert not runner.is_alive()
