"""Login sessions kept in a session file: reused across clients, checked on load, kept secret."""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import sqlite3
import stat

import orjson
import pytest

from chatexchange._transport import sessionfile
from chatexchange.client import AsyncClient
from chatexchange.errors import ChatExchangeError

ALICE = ("alice@example.com", "alice-password")
BOB = ("bob@example.com", "bob-password")


def _logins(devserver) -> int:
    """Login POSTs the devserver has answered (its own count, not the client's)."""
    return len(devserver.world.login_posts)


def _tokens(devserver) -> set[str]:
    return set(devserver.server("se").sessions)


_COUNT = itertools.count()


async def _send(devserver, path, auth=ALICE, text=None) -> None:
    text = text or f"hello {next(_COUNT)}"  # the server suppresses a repeat of the same text
    async with AsyncClient(auth=auth, server_url=devserver.url, session_file=path) as client:
        room = await client.se.room(1)
        await room.send(text)


async def test_a_saved_session_is_reused_instead_of_logging_in(devserver, tmp_path) -> None:
    path = tmp_path / "s.json"
    for n in range(3):
        await _send(devserver, path, text=f"message {n}")
    assert _logins(devserver) == 1
    texts = [m.source for m in devserver.server("se").room_messages(1)][-3:]
    assert texts == ["message 0", "message 1", "message 2"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json", "s.json.lock"]  # no temp left


async def test_each_account_and_origin_has_its_own_entry(devserver, tmp_path) -> None:
    path = tmp_path / "s.json"
    await _send(devserver, path, ALICE)
    await _send(devserver, path, BOB)
    await _send(devserver, path, ALICE)
    await _send(devserver, path, BOB)
    assert _logins(devserver) == 2
    data = orjson.loads(path.read_bytes())
    assert len(data["sessions"]) == 2
    raw = path.read_text()
    assert "alice@example.com" not in raw and "alice-password" not in raw


async def test_a_rejected_session_means_one_new_login(devserver, tmp_path) -> None:
    path = tmp_path / "s.json"
    await _send(devserver, path)
    devserver.server("se").sessions.clear()  # the server forgets every session (expiry, logout)
    await _send(devserver, path)
    await _send(devserver, path)
    assert _logins(devserver) == 2


async def test_no_session_file_logs_in_every_time(devserver, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(sessionfile.ENV, str(tmp_path / "never.json"))
    await _send(devserver, False)
    await _send(devserver, False)
    assert _logins(devserver) == 2
    assert not (tmp_path / "never.json").exists()


async def test_the_environment_names_the_default_file(devserver, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(sessionfile.ENV, str(tmp_path / "env.json"))
    await _send(devserver, None)
    await _send(devserver, None)
    assert _logins(devserver) == 1
    assert (tmp_path / "env.json").exists()


def test_the_default_lives_in_the_user_cache_directory(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(sessionfile.ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    found = sessionfile.resolve(None)
    assert found is not None
    if os.name == "posix" and os.uname().sysname != "Darwin":
        assert found.path == tmp_path / "chatexchange" / "sessions.json"
    assert sessionfile.resolve(False) is None


async def test_clients_sharing_the_file_at_once_log_in_once(devserver, tmp_path) -> None:
    path = tmp_path / "s.json"
    await asyncio.gather(*(_send(devserver, path, text=f"together {n}") for n in range(4)))
    assert _logins(devserver) == 1


async def test_a_broken_file_is_replaced_not_fatal(devserver, tmp_path, caplog) -> None:
    path = tmp_path / "s.json"
    path.write_bytes(b"{not json")
    with caplog.at_level(logging.WARNING, logger="chatexchange"):
        await _send(devserver, path)
    assert "unreadable" in caplog.text
    assert orjson.loads(path.read_bytes())["format"] == sessionfile.FORMAT
    await _send(devserver, path)
    assert _logins(devserver) == 1


async def test_session_secrets_stay_out_of_logs_reprs_and_errors(
    devserver, tmp_path, caplog
) -> None:
    path = tmp_path / "s.json"
    with caplog.at_level(logging.DEBUG):
        await _send(devserver, path)
        async with AsyncClient(auth=ALICE, server_url=devserver.url, session_file=path) as client:
            await client.login("se")
            shown = repr(client) + repr(client._session_file) + repr(client._connection("se"))
    tokens = _tokens(devserver)
    assert tokens
    fkeys = {s.fkey for s in devserver.server("se").sessions.values()}
    for secret in tokens | fkeys:
        assert secret not in caplog.text
        assert secret not in shown
    assert "resumed the saved session" in caplog.text


def test_an_unwritable_file_is_a_clear_error(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    store = sessionfile.SessionFile(blocker / "sub" / "s.json")
    with pytest.raises(sessionfile.ChatExchangeError, match="cannot write session file"):
        store.save("k", [])


async def test_session_secrets_stay_out_of_the_archive_and_of_errors(devserver, tmp_path) -> None:
    path = tmp_path / "s.json"
    archive = tmp_path / "archive.db"
    async with AsyncClient(str(archive), auth=ALICE, server_url=devserver.url,
                           session_file=path) as client:
        room = await client.se.room(1)
        await room.send(f"archived {next(_COUNT)}")
        devserver.fail(r"/messages/new$", 500, times=None)
        with pytest.raises(ChatExchangeError) as refused:  # a failing send: its whole error
            await room.send(f"refused {next(_COUNT)}")
        devserver.clear_failures()
        failure = "".join(map(repr, [refused.value, *refused.value.args])) + str(refused.value)
    secrets = _tokens(devserver) | {s.fkey for s in devserver.server("se").sessions.values()}
    assert secrets
    with sqlite3.connect(archive) as conn:
        dump = "\n".join(conn.iterdump())
    assert "archived" in dump  # the archive was written
    for secret in secrets:
        assert secret not in dump
        assert secret not in failure
