"""No command lost, none answered twice: fault injection over loopback, counted in the devserver's
own message log (not in what the client saw).

Faults: dropped sockets, 5xx windows on sends (also sends the server applied before failing),
event outages of 60 s and 10 min on the devserver clock (the bot's feed fails for good and it
catches up from the transcript), and the bot process killed with SIGKILL and started again on its
file archive. Waits are short: the devserver clock moves instead of time passing.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select

from chatexchange import AsyncClient, Bot
from chatexchange._time import from_timestamp
from chatexchange.bot import Delivery
from chatexchange.client import Message
from chatexchange.models import BotPosition

from .test_live import ALICE, BOB, until

SEND = r"^/se/chats/1/messages/new$"
EVENTS = r"/ws-auth$|^/se/events$|^/se/chats/1/events$"
FAST_WATCH = {"backoff_initial": 0.05, "backoff_max": 0.2, "poll_interval": 0.05,
              "max_failures": 4}


def echo_bot() -> Bot:
    bot = Bot(name="echo")

    @bot.on("!!/echo")
    def echo(message, condition):
        return message.text[len(condition):].strip()

    return bot


def tally(devserver, commands: list[int]) -> tuple[list[int], list[int]]:
    """(lost, duplicated) command ids, from the server's own messages."""
    answers: dict[int, int] = dict.fromkeys(commands, 0)
    for m in devserver.server("se").room_messages(1):
        if m.user_id == 1 and m.parent_id in answers:
            answers[m.parent_id] += 1
    return ([c for c, n in answers.items() if n == 0], [c for c, n in answers.items() if n > 1])


class Run:
    """The echo bot running on a client whose clock is the devserver's."""

    def __init__(self, devserver, **run_options) -> None:
        self.devserver = devserver
        self.run_options = {"delivery": Delivery(backoff_initial=0.01, backoff_max=0.05),
                            **run_options}
        self.bot = echo_bot()

    async def __aenter__(self) -> Run:
        ds = self.devserver
        self.client = AsyncClient(auth=ALICE, server_url=ds.url, watch_options=FAST_WATCH,
                                  clock=lambda: from_timestamp(ds.now()))
        room = await self.client.se.room(1)
        self.task = asyncio.create_task(self.bot.run(room, **self.run_options))
        await self.bot.wait_running()
        return self

    async def __aexit__(self, *exc) -> None:
        self.bot.stop()
        await asyncio.wait_for(self.task, 30)
        await self.client.close()

    def post(self, n: int, tag: str) -> list[int]:
        return [self.devserver.post("se", 1, BOB, f"!!/echo {tag} {i}").id for i in range(n)]

    async def all_answered(self, commands: list[int]) -> None:
        await until(lambda: not tally(self.devserver, commands)[0], "every answer", timeout=60)


async def test_socket_drops_lose_nothing(devserver) -> None:
    async with Run(devserver) as run:
        commands = []
        for round_ in range(6):
            commands += run.post(30, f"drop {round_}")
            await devserver.drop_websockets()
        await run.all_answered(commands)
    assert tally(devserver, commands) == ([], [])


async def test_5xx_windows_on_replies_lose_nothing(devserver) -> None:
    async with Run(devserver) as run:
        commands = []
        for round_, applied in enumerate([False, True, False, True]):
            devserver.fail(SEND, 503 if round_ % 2 else 500, times=3, applied=applied)
            commands += run.post(25, f"window {round_}")
            await until(lambda c=list(commands): not tally(devserver, c)[0], "the window's answers")
        devserver.fail(SEND, 0, times=2, applied=True)  # answers lost with the connection
        commands += run.post(10, "dropped answers")
        await run.all_answered(commands)
        delivery = run.run_options["delivery"]
        # an applied send is on the server before the bot finds it there
        await until(lambda: delivery.recovered >= 3, "the lost answers found in the room")
    assert tally(devserver, commands) == ([], [])
    assert answer_order(devserver, commands) == commands  # retried answers keep their order


def answer_order(devserver, commands: list[int]) -> list[int]:
    """The commands in the order of their answers in the server's own log."""
    wanted = set(commands)
    return [m.parent_id for m in devserver.server("se").room_messages(1)
            if m.user_id == 1 and m.parent_id in wanted]


async def _outage(run: Run, devserver, seconds: float, count: int) -> list[int]:
    """Event endpoints fail and sockets drop while ``count`` commands are posted over ``seconds``
    of the devserver clock; the bot's feed gives up and it subscribes again."""
    devserver.fail(EVENTS, 503, times=None)
    await devserver.drop_websockets()
    commands = []
    for step in range(10):
        commands += run.post(count // 10, f"outage {step}")
        devserver.advance_clock(seconds / 10)
    await until(lambda: run.bot.stats["resubscribed"] >= 1, "the feed failing", timeout=60)
    devserver.clear_failures()
    return commands


@pytest.mark.parametrize("seconds", [60, 600])
async def test_event_outages_lose_nothing(devserver, seconds) -> None:
    async with Run(devserver) as run:
        before = run.post(5, "before")
        await run.all_answered(before)
        during = await _outage(run, devserver, seconds, 1500)
        after = run.post(5, "after")
        await run.all_answered(before + during + after)
    assert tally(devserver, before + during + after) == ([], [])


async def test_catch_up_policy_skips_old_commands_and_says_so(devserver, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="chatexchange.bot")
    async with Run(devserver, catch_up=300) as run:
        during = await _outage(run, devserver, 600, 100)
        after = run.post(5, "after")
        await run.all_answered(after)
        await run.all_answered(during[-40:])  # posted within the last 300 s of the outage
    lost, duplicated = tally(devserver, during)
    assert duplicated == [] and lost == during[: len(lost)] and 40 <= len(lost) <= 60
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage()]
    assert skipped and all(str(c) in " ".join(skipped) for c in lost)
    assert run.bot.stats["skipped"] == len(lost)


async def test_a_restart_on_the_same_archive_resumes_exactly(devserver, db_url) -> None:
    """Stopped, commands posted meanwhile, started again on the archive (SQLite file, and
    PostgreSQL when the suite has one): those are answered, nothing earlier again."""
    bot = echo_bot()

    async def run_once(post_while_running: int) -> list[int]:
        async with AsyncClient(db_url, auth=ALICE, server_url=devserver.url) as client:
            room = await client.se.room(1)
            task = asyncio.create_task(bot.run(room))
            await bot.wait_running()
            ids = [devserver.post("se", 1, BOB, f"!!/echo run {n}").id
                   for n in range(post_while_running)]
            await until(lambda: not tally(devserver, ids)[0], "the answers")
            bot.stop()
            await asyncio.wait_for(task, 30)
            return ids

    first = await run_once(3)
    while_stopped = [devserver.post("se", 1, BOB, f"!!/echo stopped {n}").id for n in range(4)]
    second = await run_once(2)
    assert tally(devserver, first + while_stopped + second) == ([], [])


# -- the bot process killed and started again --------------------------------------------------

BOT_PROCESS = """
import asyncio, sys
from chatexchange import AsyncClient
from tests.bot.test_reliability import echo_bot

async def main(url, archive):
    client = AsyncClient(archive, auth=("alice@example.com", "alice-password"), server_url=url)
    bot = echo_bot()
    room = await client.se.room(1)
    task = asyncio.ensure_future(bot.run(room))
    await bot.wait_running(timeout=300)  # a restart catches up first: slow on a loaded machine
    print("running", flush=True)
    await task

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def _start_bot(server, archive: Path) -> subprocess.Popen[str]:
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-c", BOT_PROCESS, server.url, str(archive)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "running"
    return proc


def _answered(server, commands: list[int]) -> int:
    return len(commands) - len(server.call(tally, commands)[0])


def _wait(server, check, what: str, timeout: float = 240.0) -> None:
    # A deadline, not a count of tries: under load a try takes longer, not the bot's work less.
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:.0f} s")
        time.sleep(0.02)


@pytest.mark.timeout(600)  # two bot processes and 1,500 answers: minutes on a loaded 2-core box
def test_sigkill_and_restart_lose_nothing(devserver_thread, tmp_path) -> None:
    archive = tmp_path / "bot.db"
    post = devserver_thread.post
    proc = _start_bot(devserver_thread, archive)
    try:
        commands = [post("se", 1, BOB, f"!!/echo first {i}").id for i in range(500)]
        _wait(devserver_thread, lambda: _answered(devserver_thread, commands) >= 100,
              "the first answers")
        proc.send_signal(signal.SIGKILL)  # in the middle of answering
        proc.wait(30)
        commands += [post("se", 1, BOB, f"!!/echo while dead {i}").id for i in range(900)]
        proc = _start_bot(devserver_thread, archive)
        commands += [post("se", 1, BOB, f"!!/echo after {i}").id for i in range(100)]
        _wait(devserver_thread, lambda: _answered(devserver_thread, commands) == len(commands),
              "every answer after the restart")
        # the position follows each answer into the archive
        _wait(devserver_thread, lambda: _position(archive) >= commands[-1], "the position")
    finally:
        proc.kill()
        proc.wait(30)
    assert devserver_thread.call(tally, commands) == ([], [])
    # the restarted process used the session the first one saved: one login in all
    assert devserver_thread.call(lambda d: len(d.world.login_posts)) == 1


def _position(archive: Path) -> int:
    engine = create_engine(f"sqlite:///{archive}")
    try:
        with engine.connect() as conn:
            query = select(BotPosition.message_id).where(BotPosition.bot == "echo")
            return conn.execute(query).scalar() or 0
    finally:
        engine.dispose()


# -- a long gap is not held in memory at once ----------------------------------------------------


@pytest.mark.timeout(600)  # its own waits allow 120 s for the answers
async def test_a_long_catch_up_holds_a_day_of_messages_not_the_gap(devserver, tmp_path) -> None:
    # 3 days of commands while no bot ran (300 a day): the catch-up reads the gap a day at a time
    # (first pass: only ids kept; second: answered from the archive), so at no point do the
    # Message objects of the whole gap exist at once; each command is still answered once
    db = tmp_path / "bot.db"
    alive: list[int] = []

    def counting_bot() -> Bot:
        bot = echo_bot()

        @bot.on("!!/count")
        def count(message, condition):
            gc.collect()
            alive.append(sum(isinstance(o, Message) for o in gc.get_objects()))
            return "counted"

        return bot

    async def run(bot: Bot, commands: list[int]) -> None:
        client = AsyncClient(db, auth=ALICE, server_url=devserver.url, watch_options=FAST_WATCH,
                             clock=lambda: from_timestamp(devserver.now()), session_file=False)
        task = asyncio.create_task(bot.run(await client.se.room(1)))
        await bot.wait_running(timeout=120)
        await until(lambda: not tally(devserver, commands)[0], "the answers", timeout=240)
        bot.stop()
        await asyncio.wait_for(task, 30)
        await client.close()

    before = devserver.post("se", 1, BOB, "!!/echo before the first start").id
    await run(counting_bot(), [])  # the first start: the position is the room's newest message
    commands: list[int] = []
    for day in range(3):
        for i in range(300):
            text = "!!/count" if i % 100 == 50 else f"!!/echo day {day} {i}"
            commands.append(devserver.post("se", 1, BOB, text).id)
        devserver.advance_clock(86_400)
    await run(counting_bot(), commands)
    assert tally(devserver, commands) == ([], [])
    assert len(alive) == 9 and max(alive) < 600, alive
    # a bot starting in a room for the first time answers only what comes after the start
    assert tally(devserver, [before]) == ([before], [])
