"""Event routes catch up too: joins and stars that happen while a bot's feed is down, or while
the bot is not running, are routed when it is back, each exactly once, counted in the devserver's
own message log (the bot answers every routed event in the room).

The bot keeps the newest chat event it passed per room in the archive
(``models.BotEventPosition``) and resumes its event stream right after it (``server.events(...,
after={room: event id})``: chat replays what came since); messages keep their own position and
catch-up, and a replayed message event is not answered again.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

from chatexchange import AsyncClient, Bot
from chatexchange._time import from_timestamp

from .test_live import ALICE, BOB, until
from .test_reliability import EVENTS, FAST_WATCH, _wait, tally

FIRST_GUEST = 500


def greeter() -> Bot:
    bot = Bot(name="greeter")
    bot.on_join(lambda user: f"welcome {user.name}")
    bot.on_star(lambda message, event: f"starred {message.id} ({event.message_stars})")

    @bot.on("!!/echo")
    def echo(message, condition):
        return message.text[len(condition):].strip()

    return bot


def said(devserver, text: str) -> int:
    """How often the bot (alice) said ``text`` in room 1 (as a reply or not)."""
    return sum(
        1
        for m in devserver.server("se").room_messages(1)
        if m.user_id == 1 and (m.source == text or m.source.endswith(f" {text}"))
    )


def guests(devserver, first: int, count: int) -> list[str]:
    names = []
    for n in range(first, first + count):
        devserver.add_user("se", n, f"guest{n}")
        names.append(f"guest{n}")
    return names


def visit(devserver, user_ids: list[int]) -> None:
    state = devserver.server("se")
    room = state.room(1)
    for user_id in user_ids:
        state.enter(room, state.users[user_id])


def star(devserver, message_id: int, user_ids: list[int]) -> None:
    state = devserver.server("se")
    for user_id in user_ids:
        state.star(message_id, state.users[user_id])


async def _start(devserver, bot: Bot, db) -> tuple[AsyncClient, asyncio.Task]:
    client = AsyncClient(db, auth=ALICE, server_url=devserver.url, watch_options=FAST_WATCH,
                         clock=lambda: from_timestamp(devserver.now()), session_file=False)
    room = await client.se.room(1)
    task = asyncio.create_task(bot.run(room))
    await bot.wait_running()
    return client, task


async def _stop(bot: Bot, client: AsyncClient, task: asyncio.Task) -> None:
    bot.stop()
    await asyncio.wait_for(task, 30)
    await client.close()


def _expected(devserver, names: list[str], starred: dict[int, int]) -> dict[str, int]:
    texts = {f"welcome {name}": 0 for name in names}
    texts.update({f"starred {m} ({n})": 0 for m, n in starred.items()})
    return {text: said(devserver, text) for text in texts}


async def test_joins_and_stars_during_a_failed_feed_are_routed_once(devserver, tmp_path) -> None:
    bot = greeter()
    client, task = await _start(devserver, bot, tmp_path / "bot.db")
    try:
        names = guests(devserver, FIRST_GUEST, 41)
        visit(devserver, [FIRST_GUEST])  # one live, before the outage
        await until(lambda: said(devserver, f"welcome {names[0]}") == 1, "the live welcome")
        target = devserver.post("se", 1, BOB, "a message to star").id
        devserver.fail(EVENTS, 503, times=None)
        await devserver.drop_websockets()
        commands = []
        for step in range(10):  # 60 s of the devserver clock away
            visit(devserver, list(range(FIRST_GUEST + 1 + 4 * step, FIRST_GUEST + 5 + 4 * step)))
            commands += [devserver.post("se", 1, BOB, f"!!/echo away {step}").id]
            devserver.advance_clock(6)
        star(devserver, target, list(range(FIRST_GUEST, FIRST_GUEST + 3)))
        await until(lambda: bot.stats["resubscribed"] >= 1, "the feed failing", timeout=60)
        devserver.clear_failures()
        expected = {f"welcome {n}": 1 for n in names}
        expected.update({f"starred {target} ({n})": 1 for n in (1, 2, 3)})
        await until(lambda: all(said(devserver, t) >= 1 for t in expected), "every route's answer",
                    timeout=60)
        await until(lambda: not tally(devserver, commands)[0], "every command")
    finally:
        await _stop(bot, client, task)
    assert {t: said(devserver, t) for t in expected} == expected  # each exactly once
    assert tally(devserver, commands) == ([], [])


async def test_a_restart_routes_what_happened_while_stopped_once(devserver, tmp_path) -> None:
    db = tmp_path / "bot.db"
    names = guests(devserver, FIRST_GUEST, 20)
    target = devserver.post("se", 1, BOB, "a message to star").id
    bot = greeter()
    client, task = await _start(devserver, bot, db)
    try:
        visit(devserver, [FIRST_GUEST])
        first = devserver.post("se", 1, BOB, "!!/echo before").id
        await until(lambda: said(devserver, f"welcome {names[0]}") == 1, "the live welcome")
        await until(lambda: not tally(devserver, [first])[0], "the first command")
    finally:
        await _stop(bot, client, task)
    # while no bot runs: joins, stars and commands
    visit(devserver, list(range(FIRST_GUEST + 1, FIRST_GUEST + 20)))
    star(devserver, target, [FIRST_GUEST, FIRST_GUEST + 1])
    commands = [devserver.post("se", 1, BOB, f"!!/echo stopped {i}").id for i in range(10)]
    devserver.advance_clock(30)
    bot = greeter()
    client, task = await _start(devserver, bot, db)
    expected = {f"welcome {n}": 1 for n in names}
    expected.update({f"starred {target} (1)": 1, f"starred {target} (2)": 1})
    try:
        await until(lambda: all(said(devserver, t) >= 1 for t in expected), "every route's answer",
                    timeout=60)
        await until(lambda: not tally(devserver, [first, *commands])[0], "every command")
    finally:
        await _stop(bot, client, task)
    assert {t: said(devserver, t) for t in expected} == expected
    assert tally(devserver, [first, *commands]) == ([], [])


# -- killed between posting an event's answer and saving the event position ---------------------

DYING_GREETER = """
import asyncio, os, signal, sys
from chatexchange import AsyncClient
from chatexchange.bot import Delivery
from tests.bot.test_event_catch_up import greeter

DIE_AFTER = os.environ.get("DIE_AFTER")  # this answer is posted, then the process dies unsaved
posted = []


class Recording(Delivery):
    async def send(self, room, text, me):
        answer = await super().send(room, text, me)
        posted.append(text)
        return answer


saving = AsyncClient.advance_bot_position


async def advance(self, bot, room, position, *, events=False):
    if events and DIE_AFTER in posted:
        os.kill(os.getpid(), signal.SIGKILL)
    await saving(self, bot, room, position, events=events)

AsyncClient.advance_bot_position = advance


async def main(url, archive):
    client = AsyncClient(archive, auth=("alice@example.com", "alice-password"), server_url=url,
                         session_file=False)
    bot = greeter()
    room = await client.se.room(1)
    task = asyncio.ensure_future(bot.run(room, delivery=Recording()))
    await bot.wait_running()
    print("running", flush=True)
    await task

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def _greeter_process(server, archive, die_after: str | None = None) -> subprocess.Popen[str]:
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    if die_after is not None:
        env["DIE_AFTER"] = die_after
    proc = subprocess.Popen([sys.executable, "-c", DYING_GREETER, server.url, str(archive)],
                            cwd=root, env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "running"
    return proc


def test_killed_after_answering_an_event_it_is_not_answered_again(devserver_thread, tmp_path):
    # the process dies (SIGKILL) right after posting "welcome guest503", before its event
    # position passes that join; the next process replays the join and finds the answer there
    archive = tmp_path / "bot.db"
    names = devserver_thread.call(guests, FIRST_GUEST, 8)
    proc = _greeter_process(devserver_thread, archive, die_after=f"welcome {names[3]}")
    try:
        devserver_thread.call(visit, list(range(FIRST_GUEST, FIRST_GUEST + 6)))
        assert proc.wait(60) == -signal.SIGKILL
        said_then = {n: devserver_thread.call(said, f"welcome {n}") for n in names[:6]}
        assert said_then[names[3]] == 1  # posted before the kill
        # chat drops a message equal to the user's last one: say something else in between, so a
        # second welcome would show
        devserver_thread.post("se", 1, 1, "the bot's account says something else")
        proc = _greeter_process(devserver_thread, archive)
        devserver_thread.call(visit, [FIRST_GUEST + 6, FIRST_GUEST + 7])
        _wait(devserver_thread, lambda: devserver_thread.call(said, f"welcome {names[7]}") == 1,
              "the last welcome")
    finally:
        proc.kill()
        proc.wait(30)
    assert {n: devserver_thread.call(said, f"welcome {n}") for n in names} == dict.fromkeys(
        names, 1
    )
