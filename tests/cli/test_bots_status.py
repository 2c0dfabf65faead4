"""``chatexchange bots status DATABASE``: rooms, the active process, standbys, last handled
message, read from the leases bots on several processes keep in a PostgreSQL archive."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket

import pytest

from chatexchange import store
from chatexchange.bot import Coordination
from chatexchange.bot._fleet import Fleet, coordination_engine
from chatexchange.cli import main
from tests.plugins.database import postgres_schema

FAST = Coordination(lease=1.2, renew=0.3, margin=0.4)


@pytest.fixture
def pg_url(postgres_admin):
    admin, reason = postgres_admin
    if admin is None:
        pytest.skip(reason)
    with postgres_schema(admin) as url:
        store.open_engine(url).dispose()
        yield url


async def test_status_lists_active_standbys_and_position(pg_url, capsys):
    engine = coordination_engine(pg_url)
    fleets = [Fleet(engine, "status-bot", [("se", 1), ("se", 4)], FAST,
                    on_acquired=lambda room, pos: None, on_lost=lambda room: None)
              for _ in range(2)]
    for fleet in fleets:
        await fleet.start()
    tasks = [asyncio.create_task(fleet.run()) for fleet in fleets]
    try:
        async def spread():
            while sorted(len(f.held) for f in fleets) != [1, 1]:
                await asyncio.sleep(0.02)

        await asyncio.wait_for(spread(), 20)
        holder = next(f for f in fleets if ("se", 1) in f.held)
        holder.advance(("se", 1), 1234)
        await holder.flush()

        code = await asyncio.to_thread(main, ["bots", "status", pg_url, "--json"])
        assert code == 0
        rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        assert [(r["bot"], r["room"]) for r in rows] == [("status-bot", "se/r/1"),
                                                         ("status-bot", "se/r/4")]
        first = rows[0]
        assert first["active"]["pid"] == os.getpid()
        assert first["active"]["host"] == socket.gethostname()
        assert first["active"]["token"] == first["takeovers"] == 1
        assert first["last_message_id"] == 1234
        assert first["standbys"] == [{"host": socket.gethostname(), "pid": os.getpid()}]

        code = await asyncio.to_thread(main, ["bots", "status", pg_url])
        text = capsys.readouterr().out
        assert code == 0 and text.startswith("bot 'status-bot'\n")
        assert f"se/r/1: active {socket.gethostname()} pid {os.getpid()} since " in text
        assert "last handled message: 1234" in text
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for fleet in fleets:
            await fleet.close()
        engine.dispose()
    main(["bots", "status", pg_url])
    text = capsys.readouterr().out
    assert text.count("no active process") == 2  # both gave their rooms up on closing
    assert "standbys: none" in text


def test_status_on_sqlite_says_nothing_is_coordinated(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'archive.db'}"
    store.open_engine(url).dispose()
    assert main(["bots", "status", url]) == 0
    assert "coordination runs on PostgreSQL only" in capsys.readouterr().out


def test_status_needs_an_archive(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("CHATEXCHANGE_DATABASE", raising=False)
    assert main(["bots", "status"]) == 2
    assert main(["bots", "status", f"sqlite:///{tmp_path / 'missing.db'}"]) == 9
    err = capsys.readouterr().err
    assert "give its DATABASE" in err and "no archive at" in err
