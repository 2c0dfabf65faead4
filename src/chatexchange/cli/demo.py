"""``chatexchange demo``: the whole package working offline, in a few seconds.

1. A devserver on a free loopback port, with test users and a generated room of realistic history.
2. The room's history imported into a temporary SQLite archive, with the progress display; then
   imported again to show that fresh days are not fetched twice.
3. A small bot run live in the Sandbox as alice, answering a few commands bob posts, over the
   websocket; then the same bot replayed over the archive, without network.
4. The figures: messages imported per second, replies and how fast they came, replay speed.

Everything runs in this process; nothing leaves 127.0.0.1, and the archive is deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from .commands import import_room, room_label, run_async
from .exits import EXIT_OK
from .progress import Progress, format_count, format_rate

if TYPE_CHECKING:
    from ..bot import Bot

__all__ = ["run_demo"]

GENERATED_ROOM = 100
SANDBOX = 1
ALICE = ("alice@example.com", "alice-password")  # the devserver's built-in test accounts
BOB_SE_ID = 2
PROMPTS = ("!!/alive", "!!/archive", "!!/echo the demo works", "!!/help")
REPLY_TIMEOUT = 15.0


def make_bot(client: Any, archived: dict[str, float]) -> Bot:
    """The demo's bot: a few commands, with context mapping (``user``, ``message``)."""
    from .. import Bot

    bot = Bot(client=client, name="demo bot")

    @bot.on("!!/alive")
    def alive(user: Any) -> str:
        return f"Yes, {user.name}, I am alive."

    @bot.on("!!/archive")
    def archive() -> str:
        return (
            f"My archive holds {format_count(archived.get('messages', 0))} messages of the "
            f"generated room, imported at {format_rate(archived.get('rate', 0))} messages/s."
        )

    @bot.on("!!/echo")
    def echo(message: Any, condition: Any) -> str | None:
        return message.text[len(condition) :].strip() or None

    @bot.on("!!/help")
    def help_() -> str:
        return "Commands: !!/alive, !!/archive, !!/echo TEXT, !!/help"

    @bot.on(re.compile(r"\b(?:broken|bug)\b.*\bagain\b"))
    def sympathy() -> str:
        return "Broken again? Let's look at the transcript together."

    return bot


def _say(out: TextIO, text: str = "") -> None:
    out.write(text + "\n")
    out.flush()


async def _wait_reply(server: Any, prompt_id: int, timeout: float) -> Any:
    """The bot's reply to ``prompt_id`` as the devserver stored it, or None after ``timeout``."""
    deadline = time.monotonic() + timeout
    chat = server.server("se")
    while time.monotonic() < deadline:
        for message in reversed(chat.room_messages(SANDBOX)):
            if message.parent_id == prompt_id and not message.deleted:
                return message
            if message.id <= prompt_id:
                break
        await asyncio.sleep(0.02)
    return None


async def demo(messages: int, out: TextIO, err: TextIO, quiet: bool = False) -> dict[str, Any]:
    """Run the demo; returns the figures (the tests check them)."""
    from ..client import AsyncClient
    from ..devserver import DevServer

    figures: dict[str, Any] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="chatexchange-demo-") as tmp:
        database = f"sqlite:///{Path(tmp) / 'archive.sqlite'}"
        async with DevServer.with_test_data(heartbeat=1.0) as server:
            generated = server.generate(
                "se", messages=messages, seed=7, room_id=GENERATED_ROOM, name="Generated History"
            )
            days = max(1, round((generated.last_time - generated.first_time) / 86400))
            _say(out, f"1. devserver on {server.url} (se, so and mse, on loopback only)")
            _say(
                out,
                f"   room se/r/{GENERATED_ROOM} 'Generated History': "
                f"{format_count(messages)} messages by {len(generated.users)} users over "
                f"{days} days",
            )

            async with AsyncClient(database, auth=ALICE, server_url=server.url) as client:
                room = await client.se.room(GENERATED_ROOM)
                _say(out, f"2. importing {room_label(room)} into a temporary archive")
                progress = Progress(
                    f"   import se/r/{GENERATED_ROOM}", stream=err, unit="days", enabled=not quiet
                )
                first = await import_room(room, full=True, max_age=None, progress=progress)
                stored = await asyncio.to_thread(_count_messages, client.sql_engine, room.meta_id)
                figures.update(
                    imported=first.messages,
                    archived=stored,
                    import_seconds=first.seconds,
                    import_rate=first.rate,
                    pages=first.pages_fetched,
                )
                _say(
                    out,
                    f"   {format_count(first.messages)} messages from "
                    f"{format_count(first.pages_fetched)} transcript pages in "
                    f"{first.seconds:.2f} s: {format_rate(first.rate)} messages/s; "
                    f"archive holds {format_count(stored)} (devserver: {format_count(messages)})",
                )
                again = await import_room(
                    room,
                    full=True,
                    max_age=float("inf"),
                    progress=Progress("", stream=err, enabled=False),
                )
                figures.update(reimport_seconds=again.seconds, reimport_fetched=again.pages_fetched)
                _say(
                    out,
                    f"   again: {format_count(again.days_skipped)} of {format_count(again.days)} "
                    f"days up to date, {again.pages_fetched} pages fetched, "
                    f"{again.seconds:.2f} s",
                )

                archived = {"messages": stored, "rate": first.rate}
                bot = make_bot(client, archived)
                sandbox = await client.se.room(SANDBOX)
                _say(out, f"3. a bot runs live in {room_label(sandbox)} as alice; bob asks:")
                task = asyncio.create_task(bot.run(sandbox))
                try:
                    await bot.wait_running(timeout=REPLY_TIMEOUT)
                    latencies: list[float] = []
                    for prompt in PROMPTS:
                        sent = time.perf_counter()
                        posted = server.post("se", SANDBOX, BOB_SE_ID, prompt)
                        if posted is None:  # the devserver drops a repeat of one's last message
                            _say(out, f"   bob: {prompt}\n   (dropped as a repeat)")
                            continue
                        reply = await _wait_reply(server, posted.id, REPLY_TIMEOUT)
                        if reply is None:
                            _say(out, f"   bob: {prompt}\n   (no reply within {REPLY_TIMEOUT} s)")
                            continue
                        latencies.append(time.perf_counter() - sent)
                        text = reply.source.split(" ", 1)[1] if " " in reply.source else ""
                        _say(out, f"   bob:   {prompt}")
                        _say(out, f"   alice: {text}  ({latencies[-1] * 1000:.0f} ms)")
                finally:
                    bot.stop()
                    try:
                        await asyncio.wait_for(task, 10)
                    except (TimeoutError, asyncio.CancelledError):
                        task.cancel()
                figures.update(prompts=len(PROMPTS), replies=len(latencies))
                if latencies:
                    figures["reply_ms"] = 1000 * sum(latencies) / len(latencies)

                _say(out, f"4. the same bot replayed over the archive of se/r/{GENERATED_ROOM}")
                replay_start = time.perf_counter()
                total, answered = await asyncio.to_thread(
                    _replay, bot, f"se/r/{GENERATED_ROOM}", client.sql_engine
                )
                replay_seconds = time.perf_counter() - replay_start
                figures.update(replayed=total, replay_answers=answered)
                figures["replay_rate"] = total / replay_seconds if replay_seconds > 0 else 0.0
                _say(
                    out,
                    f"   {format_count(total)} messages in {replay_seconds:.2f} s "
                    f"({format_rate(figures['replay_rate'])} messages/s), "
                    f"{answered} would have been answered (no network, nothing posted)",
                )
    figures["seconds"] = time.perf_counter() - started
    reply_part = (
        f", replies in {figures['reply_ms']:.0f} ms on average" if "reply_ms" in figures else ""
    )
    _say(
        out,
        f"done in {figures['seconds']:.1f} s: imported {format_count(figures['imported'])} "
        f"messages at {format_rate(figures['import_rate'])}/s, "
        f"{figures['replies']}/{figures['prompts']} live replies{reply_part}.",
    )
    _say(out, "next: chatexchange devserver --messages 20000, then chatexchange --help")
    return figures


def _count_messages(engine: Any, room_meta_id: int) -> int:
    from sqlalchemy import func, select

    from ..models import Message

    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(Message)
                .where(Message.room_meta_id == room_meta_id)
            ).scalar_one()
        )


def _replay(bot: Any, room: str, engine: Any) -> tuple[int, int]:
    total = answered = 0
    for _message, answer in bot.replay(room, database=engine):
        total += 1
        answered += answer is not None
    return total, answered


def run_demo(ns: argparse.Namespace) -> int:
    # With --json, stdout carries only the figures; the narrative goes to stderr.
    out = sys.stderr if ns.json else sys.stdout
    figures = run_async(lambda: demo(ns.messages, out, sys.stderr, quiet=ns.quiet))
    if ns.json:
        from .output import write_json

        write_json({"type": "demo", **figures})
    replies_ok = figures.get("replies") == figures.get("prompts")
    complete = figures.get("archived") == figures.get("imported")
    if not (replies_ok and complete):
        from .. import errors

        raise errors.ChatExchangeError(
            f"the demo did not complete: {figures.get('replies')}/{figures.get('prompts')} "
            f"replies, {figures.get('archived')}/{figures.get('imported')} messages archived"
        )
    return EXIT_OK
