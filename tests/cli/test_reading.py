"""``show``, ``export`` and ``search`` read the archive back; imports take a window; one ``--watch``
follows several rooms. The real command in a subprocess, checked against the devserver's rooms."""

from __future__ import annotations

import csv
import io
import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from chatexchange.devserver import DevServerThread

from .test_end_to_end import (
    ALICE,
    BOB_SE_ID,
    ROOM,
    Lines,
    _argv,
    _env,
    archived,
    assert_one_error_line,
    on_terminal,
    run,
)


@pytest.fixture
def imported(history: DevServerThread, tmp_path: Path) -> DevServerThread:
    proc = run(history, "sqlite://./data", f"se/r/{ROOM}", "se/r/1", "--all", "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    return history


def _server_messages(server: DevServerThread) -> list[tuple[int, datetime, str, bool]]:
    def read(d: Any) -> list[tuple[int, datetime, str, bool]]:
        chat = d.server("se")
        return [
            (
                m.id,
                datetime.fromtimestamp(m.time, UTC),
                chat.users[m.user_id].name,
                m.deleted,
            )
            for m in chat.room_messages(ROOM)
        ]

    return server.call(read)


def _room_slug(server: DevServerThread, cwd: Path) -> str:
    """The archive slug of the generated room, as the import summary names it."""
    proc = run(server, "sqlite://./data", f"se/r/{ROOM}", "--max-age=Infinity", cwd=cwd)
    return proc.stdout.split("(r/", 1)[1].split(")", 1)[0]


def _time(record: dict) -> datetime:
    return datetime.fromisoformat(record["time"].replace("Z", "+00:00"))


def _jsonl(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_show_prints_a_window_of_the_archive(imported: DevServerThread, tmp_path: Path) -> None:
    expected = _server_messages(imported)
    ids = [m[0] for m in expected]
    proc = run(imported, "show", "sqlite://./data", f"se/r/{ROOM}", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    shown = _jsonl(proc.stdout)
    assert [m["id"] for m in shown] == ids  # all of it, oldest first
    first = shown[0]
    assert first["type"] == "message" and first["room_id"] == ROOM and first["server"] == "se"
    assert first["owner_name"] == expected[0][2]
    assert first["link"] == f"https://chat.stackexchange.com/transcript/message/{ids[0]}#{ids[0]}"
    assert [m["deleted"] for m in shown] == [m[3] for m in expected]

    # An id window, a time window (minute resolution in a transcript), the last N.
    proc = run(
        imported,
        "show",
        "sqlite://./data",
        f"se/r/{ROOM}",
        "--since",
        str(ids[100]),
        "--until",
        str(ids[150]),
        "--json",
        cwd=tmp_path,
    )
    assert [m["id"] for m in _jsonl(proc.stdout)] == ids[100:150]
    day = expected[500][1].date()
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    proc = run(
        imported,
        "show",
        "sqlite://./data",
        f"se/r/{ROOM}",
        "--since",
        day.isoformat(),
        "--until",
        (day + timedelta(days=1)).isoformat(),
        "--json",
        cwd=tmp_path,
    )
    in_day = [m["id"] for m in shown if start <= _time(m) < start + timedelta(days=1)]
    assert [m["id"] for m in _jsonl(proc.stdout)] == in_day and 0 < len(in_day) < 2000
    proc = run(imported, "show", "sqlite://./data", f"se/r/{ROOM}", "--last", "3", cwd=tmp_path)
    lines = proc.stdout.splitlines()
    assert len(lines) == 3 and all(
        f"#{i} " in line for i, line in zip(ids[-3:], lines, strict=True)
    )
    assert lines[0].startswith(_time(shown[-3]).strftime("%Y-%m-%d %H:%M:%S"))

    # The room by its archive slug, and by the transcript address of one of its messages.
    room_slug = run(
        imported, "show", "sqlite://./data", f"se/r/{ROOM}", "--last", "1", "--json", cwd=tmp_path
    )
    for ref in (
        f"https://chat.stackexchange.com/transcript/message/{ids[5]}",
        f"r/{_room_slug(imported, tmp_path)}",
    ):
        proc = run(imported, "show", "sqlite://./data", ref, "--last", "1", "--json", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == room_slug.stdout

    # Reading commands never create or fetch: a room not archived, an archive that is not there.
    proc = run(imported, "show", "sqlite://./data", "se/r/2", cwd=tmp_path)
    assert_one_error_line(proc, 4, "no room se/r/2 in this archive")
    proc = run(imported, "show", "sqlite://./other", "se/r/1", cwd=tmp_path)
    assert_one_error_line(proc, 9, "no archive at ./other")
    assert not (tmp_path / "other").exists()


def test_export_streams_jsonl_and_csv(imported: DevServerThread, tmp_path: Path) -> None:
    expected = _server_messages(imported)
    proc = run(imported, "export", "sqlite://./data", f"se/r/{ROOM}", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    rows = _jsonl(proc.stdout)
    assert [r["id"] for r in rows] == [m[0] for m in expected]
    assert "exported 2,000 messages of se/r/100" in proc.stderr and "as jsonl" in proc.stderr
    shown = run(imported, "show", "sqlite://./data", f"se/r/{ROOM}", "--json", cwd=tmp_path)
    assert rows == _jsonl(shown.stdout)

    proc = run(
        imported, "export", "sqlite://./data", f"se/r/{ROOM}", "-o", "room.csv", "-q", cwd=tmp_path
    )
    assert proc.returncode == 0 and proc.stdout == proc.stderr == ""
    with open(tmp_path / "room.csv", newline="", encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    assert [int(r["id"]) for r in table] == [m[0] for m in expected]
    assert [r["deleted"] == "true" for r in table] == [m[3] for m in expected]
    assert table[0]["time"].endswith("Z") and table[0]["link"] == rows[0]["link"]
    assert [r["content_text"] for r in table] == [r["content_text"] or "" for r in rows]

    cutoff = _time(rows[1234])
    proc = run(
        imported,
        "export",
        "sqlite://./data",
        f"se/r/{ROOM}",
        "--since",
        cutoff.isoformat(),
        "--format",
        "csv",
        cwd=tmp_path,
    )
    recent = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert [int(r["id"]) for r in recent] == [r["id"] for r in rows if _time(r) >= cutoff]
    assert 0 < len(recent) < 2000


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_export_shows_progress_on_a_terminal(imported: DevServerThread, tmp_path: Path) -> None:
    proc, terminal = on_terminal(
        _argv(imported, "export", "sqlite://./data", f"se/r/{ROOM}", "-o", "out.jsonl"),
        tmp_path,
        100,
    )
    assert proc.returncode == 0
    assert terminal.startswith(f"\rexport se/r/{ROOM} [")
    assert "2,000/2,000 messages (100%)" in terminal and "exported 2,000 messages" in terminal
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 2000


def test_search_ranks_matches_with_their_links(imported: DevServerThread, tmp_path: Path) -> None:
    proc = run(
        imported,
        "search",
        "sqlite://./data",
        "python",
        "merge",
        "--json",
        "--limit",
        "0",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    hits = _jsonl(proc.stdout)
    texts = imported.call(lambda d: {m.id: m.source for m in d.server("se").room_messages(ROOM)})
    expected = {i for i, t in texts.items() if "python" in t.lower() and "merge" in t.lower()}
    assert {h["id"] for h in hits} == expected and expected
    assert [h["rank"] for h in hits] == list(range(1, len(hits) + 1))
    assert [h["score"] for h in hits] == sorted((h["score"] for h in hits), reverse=True)
    assert all(
        "[python]" in h["snippet"].lower() and h["link"].endswith(f"#{h['id']}") for h in hits
    )
    assert f"{len(hits)} matches for 'python merge'" in proc.stderr

    proc = run(
        imported,
        "search",
        "sqlite://./data",
        "python",
        "-merge",
        "--limit",
        "5",
        "--room",
        f"se/r/{ROOM}",
        cwd=tmp_path,
    )
    blocks = proc.stdout.strip().split("\n")
    assert len(blocks) == 10 and blocks[1].strip().startswith("https://chat.stackexchange.com/")
    assert "more may match (--limit)" in proc.stderr
    assert all("merge" not in line.lower() for line in blocks[0::2])

    late = sorted(h["id"] for h in hits)[len(hits) // 2]
    proc = run(
        imported,
        "search",
        "sqlite://./data",
        "python",
        "merge",
        "--since",
        str(late),
        "--limit",
        "0",
        "--json",
        cwd=tmp_path,
    )
    assert sorted(h["id"] for h in _jsonl(proc.stdout)) == sorted(
        h["id"] for h in hits if h["id"] >= late
    )
    proc = run(imported, "search", "sqlite://./data", "python", "--room", "se/r/1", cwd=tmp_path)
    assert proc.returncode == 0 and proc.stdout == "" and "0 matches" in proc.stderr
    proc = run(imported, "search", "sqlite://./data", "--", "-python", cwd=tmp_path)
    assert_one_error_line(proc, 2, "nothing to search for")


@pytest.mark.postgres
def test_search_and_show_on_postgresql(
    devserver_thread: DevServerThread, tmp_path: Path, postgres_admin: tuple
) -> None:
    from tests.plugins.database import postgres_schema

    admin, reason = postgres_admin
    if admin is None:
        pytest.skip(reason)
    devserver_thread.post("se", 1, BOB_SE_ID, "the websockets keep reconnecting")
    with postgres_schema(admin) as url:
        proc = run(devserver_thread, url, "se/r/1", "-q", cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        proc = run(
            devserver_thread, "search", url, "websocket", "reconnect", "--json", cwd=tmp_path
        )
        assert proc.returncode == 0, proc.stderr
        (hit,) = _jsonl(proc.stdout)
        assert hit["content_text"] == "the websockets keep reconnecting"
        assert "[websockets]" in hit["snippet"] and "[reconnecting]" in hit["snippet"]
        proc = run(devserver_thread, "show", url, "se/r/1", "--last", "1", "--json", cwd=tmp_path)
        assert _jsonl(proc.stdout)[0]["id"] == hit["id"]


def test_import_takes_a_window(history: DevServerThread, tmp_path: Path) -> None:
    expected = _server_messages(history)
    since, until = expected[600][0], expected[1400][0]
    proc = run(
        history,
        "sqlite://./data",
        f"se/r/{ROOM}",
        "--since",
        str(since),
        "--until",
        str(until),
        "--json",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    rows, _ = archived(tmp_path / "data")
    # Whole transcript days are archived: at least the window, never the room's first days.
    assert 800 <= rows < 2000 and report["days"] < 8
    shown = run(
        history,
        "show",
        "sqlite://./data",
        f"se/r/{ROOM}",
        "--since",
        str(since),
        "--until",
        str(until),
        "--json",
        cwd=tmp_path,
    )
    assert [m["id"] for m in _jsonl(shown.stdout)] == [m[0] for m in expected[600:1400]]


@pytest.mark.parametrize("as_json", [True, False], ids=["json", "plain"])
def test_one_watch_follows_several_rooms(
    devserver_thread: DevServerThread, tmp_path: Path, lines: list[Lines], as_json: bool
) -> None:
    devserver_thread.call(lambda d: d.server("se").add_room(7, "Second Room"))
    json_flag = ["--json"] if as_json else []
    running = Lines(
        _argv(devserver_thread, "sqlite://./data", "se/r/1", "se/r/7", "--watch", *json_flag),
        tmp_path,
        _env(ALICE),
    )
    lines.append(running)
    reports = [running.next_line(running.out) for _ in range(2)]
    if as_json:
        assert [json.loads(r)["room_id"] for r in reports] == [1, 7]
    else:
        assert reports[0].startswith("se/r/1 (r/") and reports[1].startswith("se/r/7 (r/")
    deadline = time.monotonic() + 30
    while devserver_thread.call(lambda d: d.websocket_count) < 2:  # one socket per room
        assert time.monotonic() < deadline, "the watch never connected to both rooms"
        time.sleep(0.05)
    posted = [
        devserver_thread.post("se", room, BOB_SE_ID, f"to room {room}, message {k}")
        for k, room in enumerate((7, 1, 7))
    ]
    seen = sorted(running.next_line(running.out) for _ in posted)
    if as_json:
        records = sorted((json.loads(line) for line in seen), key=lambda m: m["id"])
        assert [(m["server"], m["room_id"], m["id"], m["content_text"]) for m in records] == [
            ("se", m.room_id, m.id, m.source) for m in posted
        ]
    else:
        expected = sorted(
            f"[se/r/{m.room_id}] " + "{} " + f"#{m.id} Bob Builder: {m.source}" for m in posted
        )
        assert len(seen) == 3
        for line, pattern in zip(seen, expected, strict=True):
            head, tail = pattern.split("{} ")
            assert line.startswith(head) and line.endswith(tail), (line, pattern)
    running.proc.send_signal(2)
    code, stderr = running.finish()
    assert code == 130, stderr
