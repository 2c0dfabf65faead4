"""The real ``chatexchange`` command, in a subprocess, against a devserver on loopback.

Each test runs the command the way a person would (``python -m chatexchange.cli ...`` with
``--server-url``) and checks what it printed, its exit code and what ended up in the archive,
against what the devserver holds.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select

from chatexchange.cli.args import DATABASE_ENV
from chatexchange.devserver import DevServer, DevServerThread
from chatexchange.models import Message, Room

# These tests drive real terminals and POSIX signals (Ctrl-C, SIGTERM, SIGKILL).
fcntl = pytest.importorskip("fcntl", reason="POSIX only: terminals and signals")
termios = pytest.importorskip("termios", reason="POSIX only: terminals and signals")

ROOM = 100  # the generated room
ALICE = {"ChatExchangeU": "alice@example.com", "ChatExchangeP": "alice-password"}
BOB_SE_ID = 2


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("ChatExchangeU", "ChatExchangeP", "CHATEXCHANGE_DEVSERVER", DATABASE_ENV)
    }
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


#: ``python -m chatexchange.cli`` with Ctrl-C handled as in a terminal's foreground job. A child
#: inherits an ignored SIGINT when pytest itself runs as a background job of a script (``cmd &``),
#: and SIGINT would then do nothing: the tests that press Ctrl-C would wait out their timeouts.
CLI = [
    sys.executable,
    "-c",
    "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('chatexchange.cli', run_name='__main__', alter_sys=True)",
]


def _argv(server: DevServerThread, *args: str) -> list[str]:
    return [*CLI, "--server-url", server.url, *args]


def run(
    server: DevServerThread, *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _argv(server, *args),
        cwd=cwd,
        env=_env(env),
        capture_output=True,
        text=True,
        timeout=120,
    )


def error_lines(stderr: str) -> list[str]:
    """The command's own lines on stderr (library warnings from other layers aside)."""
    return [line for line in stderr.splitlines() if line.startswith("chatexchange: ")]


def assert_one_error_line(proc: subprocess.CompletedProcess[str], code: int, fragment: str) -> str:
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = error_lines(proc.stderr)
    assert len(lines) == 1, proc.stderr
    assert fragment in lines[0], lines[0]
    return lines[0]


def archived(db: Path, room_id: int = ROOM) -> tuple[int, int]:
    """(rows, distinct chat ids) of the room's messages in the archive file."""
    engine = create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as conn:
            row = conn.execute(
                select(func.count(), func.count(Message.id.distinct()))
                .select_from(Message)
                .join(Room, Room.meta_id == Message.room_meta_id)
                .where(Room.id == room_id)
            ).one()
    finally:
        engine.dispose()
    return int(row[0]), int(row[1])


def server_message_ids(server: DevServerThread, room_id: int = ROOM) -> list[int]:
    return server.call(lambda d: [m.id for m in d.server("se").room_messages(room_id)])


@pytest.fixture
def history(devserver_thread: DevServerThread) -> DevServerThread:
    """The devserver with a generated room of 2,000 messages over 8 days (se/r/100)."""
    devserver_thread.call(
        DevServer.generate, "se", messages=2000, seed=5, room_id=ROOM, name="Generated History"
    )
    return devserver_thread


class Lines:
    """A running command whose stdout and stderr lines are read as they come."""

    def __init__(self, argv: list[str], cwd: Path, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.out: queue.Queue[str] = queue.Queue()
        self.err: queue.Queue[str] = queue.Queue()
        self.stderr_seen: list[str] = []
        self.pumps = [
            threading.Thread(target=self._pump, args=(stream, q), daemon=True)
            for stream, q in ((self.proc.stdout, self.out), (self.proc.stderr, self.err))
        ]
        for pump in self.pumps:
            pump.start()

    @staticmethod
    def _pump(stream: Any, q: queue.Queue[str]) -> None:
        for line in stream:
            q.put(line.rstrip("\n"))

    def next_line(self, q: queue.Queue[str], timeout: float = 30.0) -> str:
        return q.get(timeout=timeout)

    def wait_stderr(self, predicate: Any, count: int = 1, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        seen = 0
        while seen < count:
            line = self.err.get(timeout=max(deadline - time.monotonic(), 0.01))
            self.stderr_seen.append(line)
            if predicate(line):
                seen += 1

    def finish(self, timeout: float = 30.0) -> tuple[int, str]:
        """Wait for the exit code and the rest of stderr (read to its end, not for a while)."""
        code = self.proc.wait(timeout)
        for pump in self.pumps:
            pump.join(timeout)
        rest = []
        while not self.err.empty():
            rest.append(self.err.get())
        return code, "\n".join(self.stderr_seen + rest)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


@pytest.fixture
def lines() -> Iterator[list[Lines]]:
    started: list[Lines] = []
    yield started
    for running in started:
        running.kill()


# -- import ---------------------------------------------------------------------------------------


def test_full_import_matches_the_devserver_and_a_second_run_skips_fresh_days(
    history: DevServerThread, tmp_path: Path
) -> None:
    db = tmp_path / "data"
    seed_example = ("sqlite://./data", f"se/r/{ROOM}", "--all", "--max-age=3600", "--json")
    first = run(history, *seed_example, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    expected = server_message_ids(history)
    assert report["type"] == "import" and report["room_id"] == ROOM
    assert report["messages_stored"] == len(expected) == 2000
    assert report["days"] >= 8 and report["pages_fetched"] >= report["days"]
    assert report["days_skipped"] == 0
    assert archived(db) == (len(expected), len(expected))

    second = run(history, *seed_example, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    again = json.loads(second.stdout)
    assert again["pages_fetched"] == 0 and again["messages_stored"] == 0
    assert again["days_skipped"] == again["days"] == report["days"]
    assert archived(db) == (len(expected), len(expected))

    # --max-age=0: everything is stale, so every day is fetched again; still no duplicates.
    third = run(
        history,
        f"sqlite:///{db}",
        f"https://chat.stackexchange.com/transcript/{ROOM}",
        "--all",
        "--max-age=0",
        "--json",
        cwd=tmp_path,
    )
    assert third.returncode == 0, third.stderr
    assert json.loads(third.stdout)["pages_fetched"] == report["pages_fetched"]
    assert archived(db) == (len(expected), len(expected))


def test_plain_output_has_a_summary_and_progress_stays_on_stderr(
    history: DevServerThread, tmp_path: Path
) -> None:
    proc = run(history, "sqlite://./data", f"se/r/{ROOM}", "--all", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "\r" not in proc.stderr  # not a terminal: no redrawn bar
    (summary,) = proc.stdout.splitlines()
    assert summary.startswith(f"se/r/{ROOM} (r/") and "'Generated History'" in summary
    assert "2,000 messages stored" in summary and "messages/s" in summary


def _read_all(fd: int, into: list[bytes]) -> None:
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the last holder of the terminal's other end closed it
            return
        if not chunk:
            return
        into.append(chunk)


def on_terminal(
    argv: list[str], cwd: Path, columns: int
) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run ``argv`` with stderr on a pseudo-terminal ``columns`` wide (stdout a pipe); returns the
    finished process and everything the terminal received."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))  # new: 0x0
    seen: list[bytes] = []
    reader = threading.Thread(target=_read_all, args=(master, seen), daemon=True)
    reader.start()
    try:
        proc = subprocess.run(
            argv, cwd=cwd, env=_env(), stdout=subprocess.PIPE, stderr=slave, text=True, timeout=120
        )
    finally:
        os.close(slave)
    reader.join(10)
    os.close(master)
    return proc, b"".join(seen).decode()


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_on_a_terminal_the_import_draws_a_bar_that_ends_at_100_percent(
    history: DevServerThread, tmp_path: Path
) -> None:
    # The classic 80x24 terminal.
    proc, terminal = on_terminal(_argv(history, "sqlite://./data", f"se/r/{ROOM}", "--all"),
                                 tmp_path, 80)
    assert proc.returncode == 0
    assert "2,000 messages stored" in proc.stdout  # the summary still goes to the pipe
    assert terminal.startswith(f"\rimport se/r/{ROOM} [")
    drawn = [line.removesuffix("\x1b[K") for line in terminal.strip().split("\r")]
    assert all(len(line) < 80 for line in drawn), drawn
    final = drawn[-1]
    assert "100% 2,000 messages" in final and " in 0:" in final
    assert "#" * 20 in final and "-]" not in final


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_a_40_column_terminal_still_gets_the_bar(history: DevServerThread, tmp_path: Path) -> None:
    proc, terminal = on_terminal(_argv(history, "sqlite://./data", f"se/r/{ROOM}", "--all"),
                                 tmp_path, 40)
    assert proc.returncode == 0
    drawn = [line.removesuffix("\x1b[K") for line in terminal.strip().split("\r")]
    assert drawn and all(len(line) < 40 for line in drawn), drawn
    assert drawn[-1].startswith(f"import se/r/{ROOM} [" + "#" * 10) and drawn[-1].endswith("100%")


@pytest.mark.parametrize(
    "sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["ctrl-c", "kill", "kill-9"]
)
def test_an_interrupted_import_resumes_with_nothing_lost_or_duplicated(
    devserver_thread: DevServerThread, tmp_path: Path, lines: list[Lines], sig: signal.Signals
) -> None:
    devserver_thread.call(
        DevServer.generate, "se", messages=6000, seed=9, room_id=ROOM, per_day=200
    )
    expected = server_message_ids(devserver_thread)
    db = tmp_path / "data"
    running = Lines(
        _argv(devserver_thread, "--verbose", "sqlite://./data", f"se/r/{ROOM}", "--all"),
        tmp_path,
        _env(),
    )
    lines.append(running)
    # Stop it once a few day pages have been fetched (the transport logs each request).
    running.wait_stderr(lambda line: f"/transcript/{ROOM}/" in line and "-> 200" in line, count=4)
    running.proc.send_signal(sig)
    code, stderr = running.finish()
    if sig != signal.SIGKILL:  # an orderly stop, with a note of what was kept
        code_and_word = {signal.SIGINT: (130, "interrupted"), signal.SIGTERM: (143, "terminated")}
        expected_code, word = code_and_word[sig]
        assert code == expected_code, stderr
        assert "Traceback" not in stderr
        (line,) = error_lines(stderr)
        assert line.startswith(f"chatexchange: {word}; ") and "kept in sqlite:///./data" in line
    else:
        assert code == -signal.SIGKILL
    rows, distinct = archived(db)
    assert rows == distinct
    assert 0 < rows < len(expected)
    if sig != signal.SIGKILL:  # the note counts what the archive holds, to the message
        counted = line.split("; ", 1)[1].split(" new messages stored so far")[0]
        assert int(counted.replace(",", "")) == rows

    resumed = run(
        devserver_thread,
        "sqlite://./data",
        f"se/r/{ROOM}",
        "--all",
        "--max-age=Infinity",
        "--json",
        cwd=tmp_path,
    )
    assert resumed.returncode == 0, resumed.stderr
    report = json.loads(resumed.stdout)
    assert report["days_skipped"] > 0  # the days finished before the interruption
    assert report["pages_fetched"] < report["days"] + 5
    assert archived(db) == (len(expected), len(expected))


# -- watch and send -------------------------------------------------------------------------------


def test_watch_prints_and_archives_live_messages(
    devserver_thread: DevServerThread, tmp_path: Path, lines: list[Lines]
) -> None:
    running = Lines(
        _argv(
            devserver_thread,
            "sqlite://./data",
            "chat.stackexchange.com/rooms/1",
            "--all",
            "--max-age=Infinity",
            "--watch",
            "--json",
        ),
        tmp_path,
        _env(ALICE),
    )
    lines.append(running)
    report = json.loads(running.next_line(running.out))
    assert report["type"] == "import" and report["messages_stored"] == 2

    deadline = time.monotonic() + 30
    while devserver_thread.call(lambda d: d.websocket_count) == 0:
        assert time.monotonic() < deadline, "the watch never connected"
        time.sleep(0.05)
    posted = [devserver_thread.post("se", 1, BOB_SE_ID, f"live message {k}") for k in range(3)]
    seen = [json.loads(running.next_line(running.out)) for _ in posted]
    assert [m["id"] for m in seen] == [m.id for m in posted]
    assert [m["content_text"] for m in seen] == [f"live message {k}" for k in range(3)]
    assert all(m["type"] == "message" and m["owner_id"] == BOB_SE_ID for m in seen)

    running.proc.send_signal(signal.SIGINT)
    code, stderr = running.finish()
    assert code == 130, stderr
    assert archived(tmp_path / "data", room_id=1) == (5, 5)


def test_watch_without_all_imports_the_last_day_first(
    devserver_thread: DevServerThread, tmp_path: Path, lines: list[Lines]
) -> None:
    running = Lines(
        _argv(devserver_thread, "sqlite://./data", "se/r/1", "--watch", "--json"), tmp_path, _env()
    )
    lines.append(running)
    report = json.loads(running.next_line(running.out))
    assert report["type"] == "import" and report["messages_stored"] == 2 and report["days"] == 1
    running.proc.send_signal(signal.SIGINT)
    code, stderr = running.finish()
    assert code == 130, stderr
    assert "chatexchange: interrupted; 2 new messages stored so far are kept in" in stderr
    assert archived(tmp_path / "data", room_id=1) == (2, 2)


def test_max_age_infinity_does_not_fetch_a_one_day_room_again(
    devserver_thread: DevServerThread, tmp_path: Path
) -> None:
    args = ("sqlite://./data", "se/r/1", "--all", "--max-age=Infinity", "--json")
    first = json.loads(run(devserver_thread, *args, cwd=tmp_path).stdout)
    assert (first["days"], first["pages_fetched"], first["messages_stored"]) == (1, 1, 2)
    for _ in range(2):
        again = json.loads(run(devserver_thread, *args, cwd=tmp_path).stdout)
        assert (again["days"], again["pages_fetched"], again["days_skipped"]) == (1, 0, 1)


def test_the_summary_says_deleted_messages_are_archived_but_not_replayed(
    history: DevServerThread, tmp_path: Path
) -> None:
    deleted = history.call(
        lambda d: sum(1 for m in d.server("se").room_messages(ROOM) if m.deleted)
    )
    assert deleted > 0
    proc = run(history, "sqlite://./data", f"se/r/{ROOM}", "--all", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.rstrip().endswith(f"; {deleted} deleted messages archived, not replayed"), (
        proc.stdout
    )
    (tmp_path / "quiet.py").write_text("from chatexchange import Bot\nbot = Bot()\n")
    replayed = run(
        history,
        "replay",
        "sqlite://./data",
        f"se/r/{ROOM}",
        "--bot",
        "quiet.py:bot",
        cwd=tmp_path,
    )
    assert f"{2000 - deleted} messages replayed" in replayed.stderr


def test_send_with_and_without_a_database(
    devserver_thread: DevServerThread, tmp_path: Path
) -> None:
    proc = run(devserver_thread, "se/r/1", "--send", "hello world", cwd=tmp_path, env=ALICE)
    assert proc.returncode == 0, proc.stderr
    assert (
        proc.stdout.startswith("sent #") and "se/r/1" in proc.stdout and "'Sandbox'" in proc.stdout
    )
    sent_id = int(proc.stdout.split("#", 1)[1].split()[0])
    last = devserver_thread.call(lambda d: d.server("se").room_messages(1)[-1])
    assert (last.id, last.user_id, last.source) == (sent_id, 1, "hello world")
    assert not list(tmp_path.iterdir())  # no database given: nothing written here

    # The room by its slug in an archive: import it once, then name it r/<slug>.
    summary = run(devserver_thread, "sqlite://./data", "se/r/1", cwd=tmp_path)
    assert summary.returncode == 0, summary.stderr
    assert ": 3 messages stored from 1 page; 1 day (1 fetched, 0 up to date) in " in summary.stdout
    slug = summary.stdout.split("(r/", 1)[1].split(")", 1)[0]
    proc = run(
        devserver_thread,
        "sqlite://./data",
        f"r/{slug}",
        "-s",
        "hello by slug",
        "--json",
        cwd=tmp_path,
        env=ALICE,
    )
    assert proc.returncode == 0, proc.stderr
    imported, sent = map(json.loads, proc.stdout.splitlines())
    assert imported["type"] == "import" and imported["days"] == 1  # the last day, without --all
    assert sent["type"] == "sent" and sent["room_id"] == 1 and sent["server"] == "se"
    last = devserver_thread.call(lambda d: d.server("se").room_messages(1)[-1])
    assert (last.id, last.source) == (sent["id"], "hello by slug")

    # The seed's ``chatexchange r/B6 -s "hello world"``, as written: the archive named once.
    proc = run(
        devserver_thread,
        f"r/{slug}",
        "-s",
        "hello world",
        cwd=tmp_path,
        env={**ALICE, "CHATEXCHANGE_DATABASE": "sqlite://./data"},
    )
    assert proc.returncode == 0, proc.stderr
    summary, sent_line = proc.stdout.splitlines()
    assert summary.startswith(f"se/r/1 (r/{slug}) 'Sandbox': ")
    proc.stdout = sent_line
    assert proc.stdout.startswith("sent #") and f"se/r/1 (r/{slug}) 'Sandbox'" in proc.stdout
    last = devserver_thread.call(lambda d: d.server("se").room_messages(1)[-1])
    assert (last.id, last.source) == (int(proc.stdout.split("#", 1)[1].split()[0]), "hello world")
    proc = run(devserver_thread, f"r/{slug}", "-s", "hello world", cwd=tmp_path, env=ALICE)
    assert_one_error_line(proc, 4, "set CHATEXCHANGE_DATABASE")


# -- errors ---------------------------------------------------------------------------------------


def test_user_errors_are_one_line_with_distinct_codes(
    devserver_thread: DevServerThread, tmp_path: Path
) -> None:
    cases: list[tuple[tuple[str, ...], dict[str, str] | None, int, str]] = [
        (("se/r/one",), None, 2, "cannot read a room"),
        (("https://example.com/rooms/1",), None, 2, "unknown chat host"),
        (("se/r/424242",), None, 4, "not found"),
        (("sqlite://./data", "r/ZZZZ"), None, 4, "no room r/ZZZZ"),
        (("se/r/1", "-s", "hi"), None, 3, "ChatExchangeU"),
        (("se/r/1", "-s", "hi"), {**ALICE, "ChatExchangeP": "wrong"}, 3, "wrong email or password"),
        (("sqlite:////nonexistent/dir/x.db", "se/r/1"), None, 9, "database error"),
        (("se/r/2", "-s", "hi"), ALICE, 5, "frozen"),
        (("se/r/1", "-s", "x" * 600), ALICE, 2, "too long"),
    ]
    with ThreadPoolExecutor(4) as pool:  # independent commands: run them side by side
        procs = list(
            pool.map(lambda case: run(devserver_thread, *case[0], cwd=tmp_path, env=case[1]), cases)
        )
    for proc, (_args, _env, code, fragment) in zip(procs, cases, strict=True):
        line = assert_one_error_line(proc, code, fragment)
        assert "multiline=True" not in line  # a Python keyword means nothing on a shell
    assert {case[2] for case in cases} == {2, 3, 4, 5, 9}  # captcha 10, throttled 6: below


def test_captcha_and_throttling_end_with_their_own_codes(
    devserver_thread: DevServerThread, tmp_path: Path
) -> None:
    devserver_thread.call(DevServer.set_rate_rule, 1, 600.0, slug="se")
    devserver_thread.post("se", 1, 1, "alice used up her budget")
    proc = run(devserver_thread, "se/r/1", "-s", "one more", cwd=tmp_path, env=ALICE)
    assert_one_error_line(proc, 6, "throttled")

    devserver_thread.call(DevServer.configure, captcha_after=0)
    # --no-session: the session saved by the run above would otherwise spare this one its login
    proc = run(devserver_thread, "se/r/1", "-s", "hi", "--no-session", cwd=tmp_path, env=ALICE)
    assert_one_error_line(proc, 10, "captcha")


def test_server_failures_and_unreachable_servers(
    devserver_thread: DevServerThread, tmp_path: Path
) -> None:
    devserver_thread.fail(r"/se/rooms/info/1", 503, times=None)
    proc = run(devserver_thread, "se/r/1", cwd=tmp_path)
    assert_one_error_line(proc, 7, "")
    proc = subprocess.run(
        [sys.executable, "-m", "chatexchange.cli", "--server-url", "http://127.0.0.1:9", "se/r/1"],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert_one_error_line(proc, 7, "connection failed")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "chatexchange.cli",
            "--verbose",
            "--server-url",
            "http://127.0.0.1:9",
            "se/r/1",
        ],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 7 and "Traceback" in proc.stderr


# -- the devserver subcommand ---------------------------------------------------------------------


def test_devserver_subcommand_serves_what_the_other_commands_read(tmp_path: Path) -> None:
    """``chatexchange devserver`` in the background, the main form pointed at it by the variable."""
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"rooms": {"so": [{"id": 42, "name": "Seeded Room"}]}}))
    server = subprocess.Popen(
        [*CLI, "devserver", "--port", "0", "--messages", "300", "--seed", str(seed)],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert line.startswith("chatexchange devserver listening on http://127.0.0.1:"), line
        url = line.split(" listening on ", 1)[1].split()[0]
        env = {"CHATEXCHANGE_DEVSERVER": url}
        imported = subprocess.run(
            [*CLI, "sqlite://./data", "se/r/100", "--all", "--json"],
            cwd=tmp_path,
            env=_env(env),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert imported.returncode == 0, imported.stderr
        assert json.loads(imported.stdout)["messages_stored"] == 300
        seeded = subprocess.run(
            [*CLI, "so/r/42"],
            cwd=tmp_path,
            env=_env(env),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert seeded.returncode == 0 and "'Seeded Room'" in seeded.stdout, seeded.stderr
    finally:
        server.send_signal(signal.SIGINT)
        _out, err = server.communicate(timeout=30)
    assert server.returncode == 0 and "Traceback" not in err, err


# -- help, version, demo ---------------------------------------------------------------------------


def _console_script() -> list[str]:
    script = Path(sys.executable).with_name("chatexchange")
    return [str(script)] if script.exists() else [sys.executable, "-m", "chatexchange.cli"]


def test_help_and_version_through_the_console_script(tmp_path: Path) -> None:
    proc = subprocess.run(
        [*_console_script(), "--help"], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert proc.returncode == 0
    assert "chatexchange sqlite://./data se/r/1 --all --max-age=3600" in proc.stdout
    assert "chatexchange demo" in proc.stdout
    proc = subprocess.run(
        [*_console_script(), "--version"], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    from chatexchange import __version__

    assert (proc.returncode, proc.stdout.strip()) == (0, f"chatexchange {__version__}")
    proc = subprocess.run(
        [*_console_script()], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert proc.returncode == 2 and len(error_lines(proc.stderr)) == 1


def test_demo_finishes_with_exit_0(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "chatexchange.cli", "demo", "--messages", "1500", "--json"],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    figures = json.loads(proc.stdout)  # with --json the narrative goes to stderr
    assert figures["type"] == "demo"
    assert figures["imported"] == figures["archived"] == 1500
    assert figures["replies"] == figures["prompts"] == 4
    assert figures["reimport_fetched"] == 0
    assert figures["replayed"] > 0
    assert "4/4 live replies" in proc.stderr
    assert not list(tmp_path.iterdir())  # the temporary archive is gone


def test_replay_runs_a_bot_over_the_archive(history: DevServerThread, tmp_path: Path) -> None:
    (tmp_path / "tinybot.py").write_text(
        "from chatexchange import Bot\n"
        "bot = Bot(name='tiny')\n"
        "@bot.on('bot')\n"
        "def seen(message):\n"
        "    return 'noted'\n"
    )
    imported = run(history, "sqlite://./data", f"se/r/{ROOM}", "--all", "-q", cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    proc = run(
        history,
        "replay",
        "sqlite://./data",
        f"se/r/{ROOM}",
        "--bot",
        "tinybot:bot",
        "--json",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    answers = [r for r in records if "answer" in r]
    assert answers and all(r["answer"] == "noted" for r in answers)
    assert records[-1]["summary"]["messages"] > len(answers)
    missing = run(
        history, "replay", "sqlite://./data", f"se/r/{ROOM}", "--bot", "nosuch:bot", cwd=tmp_path
    )
    assert_one_error_line(missing, 2, "no module")


@pytest.mark.parametrize(("word", "meant"), [("dmeo", "demo"), ("serach", "search")])
def test_a_misspelt_command_is_an_argument_error_not_a_run(
    history: DevServerThread, tmp_path: Path, word: str, meant: str
) -> None:
    proc = run(history, word, "hello", cwd=tmp_path)
    line = assert_one_error_line(proc, 2, f"unknown command {word!r}; did you mean {meant!r}?")
    assert line.startswith("chatexchange: error: ")
    assert proc.stdout == "" and list(tmp_path.iterdir()) == []  # nothing ran, nothing written
