"""examples/moderation_bot.py end to end on the devserver: it welcomes joiners, answers a
mention, refuses !!/offtopic to a user who is not a room owner, and moves the message once a room
owner asks; a replay over the archive moves nothing."""

from __future__ import annotations

import asyncio

from tests.bot.test_examples import load
from tests.bot.test_live import BOB, until
from tests.bot.test_live_events import running

CAROL = 4


def by_alice(ds, room_id=1, after=0):
    return [m for m in ds.server("se").room_messages(room_id) if m.user_id == 1 and m.id > after]


async def test_moderation_bot_end_to_end(devserver, tmp_path):
    example = load("moderation_bot")
    se = devserver.server("se")
    sandbox = se.room(1)
    start = max(m.id for m in se.room_messages(1))
    db = tmp_path / "archive.db"
    async with running(example.bot, devserver, db):
        se.enter(sandbox, se.users[CAROL])
        await until(
            lambda: any(m.source == "Welcome to Sandbox, Carol Ψ!" for m in by_alice(devserver)),
            "the welcome",
        )
        ping = devserver.post("se", 1, CAROL, "@Alice what can you do?")
        await until(
            lambda: any(m.parent_id == ping.id for m in by_alice(devserver, after=start)),
            "the answer to the mention",
        )
        cats = devserver.post("se", 1, CAROL, "cats are the best, unrelated to anything here")
        refused = devserver.post("se", 1, BOB, f":{cats.id} !!/offtopic")  # bob owns nothing
        se.set_access(sandbox, se.users[1], se.users[BOB], "owner")  # the bot sees 15: refresh
        await until(lambda: example.bot.stats["handled"] >= 3, "the refused command handled")
        asked = devserver.post("se", 1, BOB, f":{cats.id} !!/offtopic please")
        await until(
            lambda: any(m.parent_id == asked.id for m in by_alice(devserver, after=start)),
            "the answer to the owner",
        )
        answers = {m.parent_id: m.source for m in by_alice(devserver, after=start)}
    # the same bot over the archive, off the event loop (a replay runs async rules on its own)
    replay = example.bot.replay(("se", 1), since=cats.id, database=f"sqlite:///{db}")
    replayed = await asyncio.to_thread(list, replay)
    assert se.messages[cats.id].room_id == 3  # moved to the off-topic room
    assert answers[asked.id] == f":{asked.id} Moved 1 message(s) to the off-topic room."
    assert refused.id not in answers  # the rule is hidden from users who are not room owners
    assert answers[ping.id].startswith(f":{ping.id} Hi Carol Ψ! Room owners can move")
    offtopic = [r for r in replayed if r.message.id == asked.id]
    assert [r.answer for r in offtopic] == ["would move 1 message(s)"]
