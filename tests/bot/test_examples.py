"""The example bots run: the command bot and the conversation bot live on the devserver, the
classic bot as a subprocess, unchanged, with only CHATEXCHANGE_DEVSERVER and credentials set."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.bot.test_live import BOB, MOD, Running, answers_to, until

EXAMPLES = Path(__file__).parents[2] / "examples"


def load(name):
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def text_of(ds, message):
    return answers_to(ds, message.id)[0].source.split(" ", 1)[1]


async def test_command_bot(devserver):
    example = load("command_bot")
    async with Running(example.bot, devserver):
        alive = devserver.post("se", 1, BOB, "!!/alive")
        help_bob = devserver.post("se", 1, BOB, "!!/help")
        help_mod = devserver.post("se", 1, MOD, "!!/help")
        say_bob = devserver.post("se", 1, BOB, "!!/say not allowed")
        say_mod = devserver.post("se", 1, MOD, "!!/say hello room")
        echo = devserver.post("se", 1, BOB, "!!/echo done")
        await until(lambda: answers_to(devserver, echo.id), "the echo")
        await until(
            lambda: any(m.source == "hello room" for m in devserver.server("se").room_messages(1)),
            "the moderator's !!/say",
        )
        assert text_of(devserver, alive) == "Yes, Bob Builder"
        assert "!!/say" not in text_of(devserver, help_bob)
        assert "!!/say" in text_of(devserver, help_mod)
        assert answers_to(devserver, say_bob.id) == answers_to(devserver, say_mod.id) == []
        texts = [m.source for m in devserver.server("se").room_messages(1)]
        assert "not allowed" not in texts


async def test_conversation_bot(devserver):
    example = load("conversation_bot")
    async with Running(example.bot, devserver):
        steps = [
            (BOB, "!!/order", "What size?"),
            (BOB, "large please", "Which topping?"),
            (BOB, "ham", "One large pizza with ham, coming up!"),
            (MOD, "!!/order small mushrooms", "One small pizza with mushrooms, coming up!"),
            (BOB, "no order open: no answer", None),
            (BOB, "!!/order medium", "Which topping?"),
            (BOB, "!!/cancel", "Order cancelled."),
        ]
        for user, text, expected in steps:
            posted = devserver.post("se", 1, user, text)
            if expected is None:
                continue
            await until(lambda p=posted: answers_to(devserver, p.id), f"the answer to {text!r}")
            assert text_of(devserver, posted).startswith(expected)
        room_messages = devserver.server("se").room_messages(1)
        quiet = next(m for m in room_messages if m.source.startswith("no order"))
        assert answers_to(devserver, quiet.id) == []


def test_conversation_graph_offline():
    example = load("conversation_bot")
    from types import SimpleNamespace as NS

    bob = NS(id=2, name="Bob", is_moderator=False)
    room = NS(id=1, tags=(), owner_ids=())
    bot = example.bot
    assert bot.reply_to("!!/order large", user=bob, room=room).startswith("Which topping?")
    assert bot.reply_to("pineapple", user=bob, room=room) == (
        "One large pizza with pineapple, coming up!"
    )
    assert bot.reply_to("pineapple", user=bob, room=room) is None


def test_classic_bot_runs_unchanged(devserver_thread, tmp_path):
    env = dict(os.environ)
    env.update(
        CHATEXCHANGE_DEVSERVER=devserver_thread.url,
        ChatExchangeU="alice@example.com",
        ChatExchangeP="alice-password",
    )
    process = subprocess.Popen(
        [sys.executable, str(EXAMPLES / "classic_bot.py"), "1"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        assert "You are now in room #1" in process.stdout.readline()
        asked = devserver_thread.post("se", 1, BOB, "!!/random")
        deadline = time.monotonic() + 20
        while not devserver_thread.call(lambda d: answers_to(d, asked.id)):
            assert time.monotonic() < deadline, "the classic bot did not answer"
            time.sleep(0.05)
        answer = devserver_thread.call(lambda d: answers_to(d, asked.id))[0]
        float(answer.source.split(" ", 1)[1])
        out, err = process.communicate("typed on stdin\n", timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    texts = devserver_thread.call(lambda d: [m.source for m in d.server("se").room_messages(1)])
    assert "typed on stdin" in texts
    assert ">> (Bob Builder) !!/random" in out


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_command_bot_ends_cleanly_on_ctrl_c(devserver_thread):
    env = dict(os.environ)
    env.update(
        CHATEXCHANGE_DEVSERVER=devserver_thread.url,
        ChatExchangeU="alice@example.com",
        ChatExchangeP="alice-password",
    )
    # Ctrl-C as in a terminal's foreground job: a child inherits an ignored SIGINT when pytest
    # runs as a background job of a script (``cmd &``), and Python then keeps ignoring it.
    process = subprocess.Popen(
        [sys.executable, str(EXAMPLES / "command_bot.py"), "se/r/1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 20
        asked = [devserver_thread.post("se", 1, BOB, "!!/alive")]
        while not devserver_thread.call(lambda d: any(answers_to(d, m.id) for m in asked)):
            # the bot answers only what comes after its start: ask again until it runs
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline, "the command bot did not answer"
            time.sleep(0.25)
            asked.append(devserver_thread.post("se", 1, BOB, f"!!/alive {len(asked)}"))
        process.send_signal(signal.SIGINT)
        _out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0 and "Traceback" not in err, err
