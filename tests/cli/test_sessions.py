"""The command line keeps its login session: many sends in a minute log in once.

The devserver, like the real login host, asks for a captcha after 5 logins a minute; without a
session file the 6th ``chatexchange se/r/1 -s ...`` would fail with exit 10.
"""

from __future__ import annotations

import os
import stat
from concurrent.futures import ThreadPoolExecutor

from .test_end_to_end import ALICE, run


def _logins(server) -> int:
    """Login POSTs the devserver answered (its own count)."""
    return server.call(lambda d: len(d.world.login_posts))


def _texts(server) -> list[str]:
    return server.call(lambda d: [m.source for m in d.server("se").room_messages(1)])


def test_twenty_sends_in_a_minute_log_in_once(devserver_thread, tmp_path) -> None:
    path = tmp_path / "cache" / "sessions.json"
    texts = [f"send number {n}" for n in range(20)]

    def send(text: str):
        return run(
            devserver_thread,
            "se/r/1",
            "-s",
            text,
            "--session-file",
            str(path),
            cwd=tmp_path,
            env=ALICE,
        )

    first = send(texts[0])  # the first run logs in and saves the session
    assert first.returncode == 0, first.stderr
    with ThreadPoolExecutor(4) as pool:  # the others share the file, several at a time
        results = list(pool.map(send, texts[1:]))
    assert [r.returncode for r in results] == [0] * 19, [r.stderr for r in results]
    assert _logins(devserver_thread) == 1
    assert sorted(t for t in _texts(devserver_thread) if t in texts) == sorted(texts)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    for r in [first, *results]:
        assert "alice-password" not in r.stdout + r.stderr


def test_no_session_logs_in_every_run(devserver_thread, tmp_path) -> None:
    for n in range(2):
        proc = run(
            devserver_thread,
            "se/r/1",
            "-s",
            f"no session {n}",
            "--no-session",
            cwd=tmp_path,
            env=ALICE,
        )
        assert proc.returncode == 0, proc.stderr
    assert _logins(devserver_thread) == 2


def test_the_environment_names_the_session_file(devserver_thread, tmp_path) -> None:
    path = tmp_path / "env-sessions.json"
    for n in range(2):
        proc = run(
            devserver_thread,
            "se/r/1",
            "-s",
            f"env file {n}",
            cwd=tmp_path,
            env={**ALICE, "CHATEXCHANGE_SESSION_FILE": str(path)},
        )
        assert proc.returncode == 0, proc.stderr
    assert _logins(devserver_thread) == 1
    assert path.exists()
