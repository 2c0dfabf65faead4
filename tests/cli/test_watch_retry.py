"""``--watch`` rides out outages: it retries for ever, printing one line per connection change,
and ``--give-up-after SECONDS`` ends it for scripts (exit 7, one line)."""

from __future__ import annotations

import json
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from chatexchange.devserver import DevServerThread

from .test_end_to_end import ALICE, BOB_SE_ID, Lines, _argv, _env, error_lines

EVENTS = r"/ws-auth$|^/se/events$|^/se/chats/1/events$"


@pytest.fixture
def watches() -> Iterator[list[Lines]]:
    started: list[Lines] = []
    yield started
    for running in started:
        running.kill()


def _watch(server: DevServerThread, tmp_path: Path, *extra: str) -> Lines:
    return Lines(_argv(server, "se/r/1", "--watch", "--json", *extra), tmp_path, _env(ALICE))


def test_watch_retries_and_says_so_then_delivers(
    devserver_thread: DevServerThread, tmp_path: Path, watches: list[Lines]
) -> None:
    running = _watch(devserver_thread, tmp_path)
    watches.append(running)
    running.wait_stderr(lambda line: line == "se/r/1: connected (websocket)")
    devserver_thread.fail(EVENTS, 503, times=None)
    devserver_thread.drop_websockets()
    running.wait_stderr(lambda line: line.startswith("se/r/1: connection lost"))
    running.wait_stderr(lambda line: line.startswith("se/r/1: retrying in "), count=3)
    posted = devserver_thread.post("se", 1, BOB_SE_ID, "posted during the outage")
    devserver_thread.call(lambda d: d.clear_failures())
    running.wait_stderr(lambda line: line.startswith("se/r/1: connected"))
    seen = json.loads(running.next_line(running.out))
    assert (seen["id"], seen["content_text"]) == (posted.id, "posted during the outage")
    running.proc.send_signal(signal.SIGTERM)
    code, stderr = running.finish()
    assert code == 143, stderr
    changes = [line for line in stderr.splitlines() if line.startswith("se/r/1: ")]
    assert changes[0] == "se/r/1: connected (websocket)"
    assert changes[1].startswith("se/r/1: connection lost")
    assert all(line.startswith("se/r/1: retrying in ") for line in changes[2:-1])
    assert changes[-1].startswith("se/r/1: connected")
    assert "Traceback" not in stderr


def test_give_up_after_ends_a_watch_without_a_server(
    devserver_thread: DevServerThread, tmp_path: Path, watches: list[Lines]
) -> None:
    running = _watch(devserver_thread, tmp_path, "--give-up-after", "2")
    watches.append(running)
    running.wait_stderr(lambda line: line == "se/r/1: connected (websocket)")
    devserver_thread.fail(EVENTS, 503, times=None)
    devserver_thread.drop_websockets()
    code, stderr = running.finish(timeout=60)
    assert code == 7, stderr
    assert "Traceback" not in stderr
    found = [line for line in error_lines(stderr) if not line.startswith("chatexchange: WARNING")]
    assert len(found) == 1, stderr
    line = found[0]
    assert "no connection to se/r/1 for 2 s" in line and "--give-up-after" in line
