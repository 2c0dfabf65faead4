"""Login: success by the acct cookie, one exception per failure kind, cookie reuse."""

from __future__ import annotations

import logging
import os
import stat

import pytest

from chatexchange import errors
from chatexchange._transport import ServerConnection
from chatexchange.devserver import TEST_USERS

ALICE = TEST_USERS["alice"]


async def test_login_reads_fkey_and_user(devserver, alice) -> None:
    assert alice.logged_in
    session = await alice.current_user()
    assert (session.user_id, session.user_name) == (1, "Alice")
    assert len(await alice.fkey()) == 32


async def test_login_on_each_server(connect) -> None:
    so = await connect("alice", slug="so")
    mse = await connect("mod", slug="mse")
    assert (await so.current_user()).user_id == 1001
    assert (await mse.current_user()).user_id == 2003


async def test_bad_password(devserver, connect) -> None:
    conn = await connect(None)
    with pytest.raises(errors.BadCredentialsError) as info:
        await conn.login(ALICE["email"], "wrong-password")
    assert "wrong-password" not in str(info.value)
    assert not conn.logged_in


async def test_unknown_email_is_bad_credentials(connect) -> None:
    conn = await connect(None)
    with pytest.raises(errors.BadCredentialsError):
        await conn.login("nobody@example.com", "whatever")


async def test_no_account_on_that_site(connect) -> None:
    conn = await connect(None, slug="so")
    carol = TEST_USERS["carol"]
    with pytest.raises(errors.NoAccountError):
        await conn.login(carol["email"], carol["password"])


async def test_captcha_after_frequent_logins(devserver, connect) -> None:
    devserver.configure(captcha_after=2)
    conn = await connect(None)
    for _ in range(2):
        await conn.login(ALICE["email"], ALICE["password"])
    with pytest.raises(errors.CaptchaError):
        await conn.login(ALICE["email"], ALICE["password"])


async def test_login_rate_limited(devserver, connect) -> None:
    devserver.configure(http429_after=0)
    conn = await connect(None)
    with pytest.raises(errors.LoginRateLimitedError):
        await conn.login(ALICE["email"], ALICE["password"])


async def test_login_server_error(devserver, connect) -> None:
    devserver.fail(r"/se/users/login$", status=500, times=None)
    conn = await connect(None, retries=1)
    with pytest.raises(errors.ServerError):
        await conn.login(ALICE["email"], ALICE["password"])


async def test_login_page_without_form(devserver, connect) -> None:
    devserver.fail(r"/se/users/login$", status=200, body="<html><body>maintenance</body></html>",
                   content_type="text/html")
    conn = await connect(None)
    with pytest.raises(errors.ServerError, match="users/login"):
        await conn.login(ALICE["email"], ALICE["password"])


async def test_cookies_saved_and_loaded_without_login(devserver, alice, tmp_path) -> None:
    path = tmp_path / "se.cookies"
    assert await alice.save_cookies(path) >= 1
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    # a restarted bot: no login request at all, yet it can write
    devserver.fail(r"/users/login", status=500, times=None)
    async with ServerConnection("se", server_url=devserver.url) as again:
        assert await again.load_cookies(path)
        assert (await again.current_user()).user_id == 1
        message_id, _ = await again.send(1, "back without logging in")
        assert devserver.server("se").messages[message_id].user_id == 1


async def test_load_cookies_missing_or_ended(devserver, alice, tmp_path) -> None:
    path = tmp_path / "se.cookies"
    async with ServerConnection("se", server_url=devserver.url) as conn:
        assert not await conn.load_cookies(path)
    await alice.save_cookies(path)
    devserver.server("se").sessions.clear()  # the server forgot the session
    async with ServerConnection("se", server_url=devserver.url) as conn:
        assert not await conn.load_cookies(path)
        assert not conn.logged_in


async def test_logout(alice) -> None:
    await alice.logout()
    assert not alice.logged_in
    with pytest.raises(errors.AuthRequiredError):
        await alice.send(1, "after logout")


async def test_secrets_never_logged(devserver, connect, bob, caplog, monkeypatch, tmp_path) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: ours, aiohttp's, asyncio's
    caplog.set_level(logging.DEBUG, logger="chatexchange")
    # the CLI, run in-process by other tests, gives "chatexchange" its own handler, unpropagated
    monkeypatch.setattr(logging.getLogger("chatexchange"), "propagate", True)
    conn = await connect(None)
    await conn.login(ALICE["email"], ALICE["password"])
    fkey = await conn.fkey()
    cookie_values = [m.value for m in conn.http.cookie_jar]
    await conn.send(1, "hello")
    path = tmp_path / "c.json"
    await conn.save_cookies(path)
    errors_seen: list[str] = []
    async with ServerConnection("se", server_url=devserver.url) as again:
        assert await again.load_cookies(path)
        async with again.watch(1, backoff_initial=0.05, poll_interval=0.05) as watcher:
            message_id, _ = await bob.send(1, "seen by the restarted bot")
            async for event in watcher:
                if getattr(event, "message_id", None) == message_id:
                    break
        devserver.fail(r"/messages/new$", status=409, times=None,
                       body="You can perform this action again in 600 seconds")
        with pytest.raises(errors.ThrottledError) as throttled:
            await again.send(1, "refused")
        errors_seen.append(str(throttled.value))
        text = repr(again) + repr(again.http) + repr(watcher)
    with pytest.raises(errors.BadCredentialsError) as info:
        await conn.login(ALICE["email"], "not-the-password")
    errors_seen.append(str(info.value))
    text += caplog.text + repr(conn) + repr(conn.http) + repr(await conn.current_user())
    text += " ".join(errors_seen)
    assert caplog.records  # something was logged
    assert fkey and cookie_values
    for secret in [ALICE["password"], "not-the-password", fkey, *cookie_values]:
        assert secret not in text
