"""The classic package's examples ``hello_world.py`` and ``chat.py`` (our equivalents, with their
calls: ``examples/classic/``) run as they are, against ``python -m chatexchange.devserver`` with
the classic seed, the login limit and the heartbeat set on its command line."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import chatexchange.client

from .conftest import SEED

EXAMPLES = Path(__file__).parents[2] / "examples" / "classic"
ALICE = {"ChatExchangeU": "alice@example.com", "ChatExchangeP": "alice-password"}

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


@pytest.fixture
def devserver_process(monkeypatch):
    proc = subprocess.Popen(
        [sys.executable, "-m", "chatexchange.devserver", "--port", "0", "--seed", str(SEED),
         "--login-limit", "3/60", "--heartbeat", "0.5"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        line = proc.stdout.readline()
        found = re.search(r"listening on (http://127\.0\.0\.1:\d+)", line)
        assert found, line
        monkeypatch.setenv("CHATEXCHANGE_DEVSERVER", found.group(1))
        yield found.group(1)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)


def _env(url):
    return {**os.environ, "CHATEXCHANGE_DEVSERVER": url, **ALICE}


def test_hello_world(devserver_process, tmp_path):
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "hello_world.py")],
        env=_env(devserver_process), cwd=tmp_path, capture_output=True, text=True, timeout=90,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == ["message sent successfully", "message edited successfully"]


def test_chat(devserver_process, tmp_path):
    proc = subprocess.Popen(
        [sys.executable, str(EXAMPLES / "chat.py")], env=_env(devserver_process), cwd=tmp_path,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    bob = chatexchange.client.Client("stackexchange.com", "bob@example.com", "bob-password")
    try:
        assert proc.stdout.readline().startswith("(You are now in room #1 on stackexchange.com.)")
        proc.stdin.write("typed at the prompt\n")
        proc.stdin.flush()
        command = bob._do_action_despite_throttling(("send", 1, "!!/random")).json()["id"]
        seen = []
        deadline = time.monotonic() + 60
        # Both lines come from the room's event feed, in either order under load, and the answer
        # is sent from the feed's thread: the input (whose end ends the example) is closed only
        # after all three happened.
        wanted = ("(Alice) typed at the prompt", "(Bob Builder) !!/random")
        while not all(any(w in line for line in seen) for w in wanted):
            assert time.monotonic() < deadline, seen
            seen.append(proc.stdout.readline())
        # the answer to !!/random is a reply carrying a number
        answers = []
        while not answers:
            assert time.monotonic() < deadline, "no answer to !!/random"
            transcript = bob._br.get_transcript_with_message(command)
            answers = [m for m in transcript["messages"] if m["parent_message_id"] == command]
            time.sleep(0.1)
        proc.stdin.close()  # end of input: the example logs out and ends
        assert proc.wait(timeout=60) == 0
        assert answers and answers[-1]["owner_user_name"] == "Alice"
        assert re.search(r"0\.\d+", answers[-1]["content"])
        assert (tmp_path / "client.log").exists()  # the classic logger name, configured
    finally:
        if proc.poll() is None:
            proc.kill()
        bob.logout()


def test_login_limit_and_heartbeat_from_the_command_line(devserver_process):
    """``--login-limit 3/60``: the fourth login of an account within a minute meets the captcha
    page; ``--heartbeat 0.5``: a quiet room's socket brings keep-alive frames."""
    from chatexchange.browser import Browser, LoginError

    frames = []
    watching = Browser()
    watching.login_site("stackexchange.com", *ALICE.values())
    watcher = watching.watch_room_socket(3, frames.append)
    try:
        deadline = time.monotonic() + 30
        while frames.count({"r3": {}}) < 2:
            assert time.monotonic() < deadline, frames
            time.sleep(0.05)
    finally:
        watcher.close()
        watching.close()
    for _ in range(2):
        Browser().login_site("stackexchange.com", *ALICE.values())
    with pytest.raises(LoginError, match="human verification"):
        Browser().login_site("stackexchange.com", *ALICE.values())
