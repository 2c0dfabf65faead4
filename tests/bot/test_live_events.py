"""Every chat event reaches a Bot's routes live and again in a replay over the archive; unknown
or malformed payloads stop neither; routes answer into the room or as replies."""

from __future__ import annotations

import asyncio
import time
from contextlib import asynccontextmanager

from chatexchange import AsyncClient, Bot, EventType
from chatexchange.bot import ANY
from tests.client.test_events import RECORD, emit_every_type

ALICE = ("alice@example.com", "alice-password")
BOB, CAROL = 2, 4


async def until(predicate, what, timeout=15.0):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)
    return value


@asynccontextmanager
async def running(bot, devserver, db):
    client = AsyncClient(db, auth=ALICE, server_url=devserver.url)
    room = await client.se.room(1)
    task = asyncio.create_task(bot.run(room))
    try:
        await bot.wait_running()
        yield client, room
    finally:
        bot.stop()
        await asyncio.wait_for(task, 10)
        await client.close()


def posted_by_alice(devserver, since_id=0):
    return [
        m for m in devserver.server("se").room_messages(1) if m.user_id == 1 and m.id > since_id
    ]


async def test_every_event_type_reaches_a_route_live_and_in_replay(devserver, tmp_path):
    db = tmp_path / "bot.db"
    seen = []
    bot = Bot()
    bot.on("!!/alive", "still alive")

    @bot.on_event(ANY)
    def record(event, room, user, message):
        seen.append((event, room.id if room else None, getattr(user, "id", None), message))

    # posted before the start: the transport passes a message's type-1 event only once
    message = devserver.post("se", 1, BOB, "what the events are about")
    async with running(bot, devserver, db):
        sent = emit_every_type(devserver, message.id)
        await until(lambda: len(seen) >= len(sent), "every event type")
        asked = devserver.post("se", 1, BOB, "!!/alive")
        await until(
            lambda: any(m.parent_id == asked.id for m in posted_by_alice(devserver)),
            "an answer after the unknown payloads",
        )
    assert [e.event_type for e, *_ in seen[: len(sent)]] == sent
    for (event, room_id, user_id, msg), event_type in zip(seen, EventType, strict=False):
        assert type(event).__name__ == RECORD.get(event_type, "UnknownEvent")
        assert room_id == 1 and user_id == BOB
        if type(event).__name__ in ("MessagePosted", "MessageStarred", "MessageDeleted"):
            assert msg is not None and msg.id == message.id

    live = list(seen)
    seen.clear()
    replayed = list(bot.replay_events(("se", 1), database=f"sqlite:///{db}"))
    # the same records reach the same route, with the archived room, user and message
    ids = {e.id for e, *_ in live}  # the live run skipped its own answer; a replay cannot know
    assert [r.event for r in replayed if r.event.id in ids] == [e for e, *_ in live]
    again = [(e.id, room_id, user_id) for e, room_id, user_id, _ in seen if e.id in ids]
    assert again == [(e.id, room_id, user_id) for e, room_id, user_id, _ in live]
    assert seen[0][3].id == message.id  # the archived message, as live
    only_joins = Bot()
    only_joins.on_join(lambda user: f"welcome {user.name}")
    answers = [r.answer for r in only_joins.replay_events(("se", 1), database=f"sqlite:///{db}")]
    # the malformed join (no user) fails in the handler: logged, no answer, the replay goes on
    assert answers == ["welcome Bob Builder", None]


async def test_routes_answer_into_the_room_and_as_replies(devserver, tmp_path):
    bot = Bot()
    bot.on_join(lambda user: f"Welcome, {user.name}!")
    bot.on_mention(lambda message: f"you said {message.text!r}")
    bot.on_leave(lambda: "never posted", user=99)
    async with running(bot, devserver, tmp_path / "bot.db"):
        start = max((m.id for m in devserver.server("se").room_messages(1)), default=0)
        se = devserver.server("se")
        se.enter(se.room(1), se.users[CAROL])
        await until(
            lambda: any(m.source == "Welcome, Carol Ψ!" for m in posted_by_alice(devserver, start)),
            "the welcome",
        )
        ping = devserver.post("se", 1, CAROL, "hello @Alice")
        await until(
            lambda: any(m.parent_id == ping.id for m in posted_by_alice(devserver, start)),
            "the answer to the mention",
        )
        se.leave(se.room(1), se.users[CAROL])
        marker = devserver.post("se", 1, BOB, "after the leave")
        await until(lambda: bot.stats["events"] >= 2, "the routes ran")
        await until(lambda: len(posted_by_alice(devserver, start)) >= 3, "bob's welcome")
    answers = [m.source for m in posted_by_alice(devserver, start)]
    assert answers[:2] == ["Welcome, Carol Ψ!", f":{ping.id} you said 'hello @Alice'"]
    assert answers[2:] == ["Welcome, Bob Builder!"]  # bob entered by posting; no leave answer
    assert marker is not None
