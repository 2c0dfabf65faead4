"""Login on the emulated login hosts: success and every way a real login fails."""

from __future__ import annotations

from chatexchange.devserver import TEST_USERS, DevServer

from .conftest import Browser


async def test_login_page_has_form_fkey(browser: Browser) -> None:
    status, body = await browser.get("/users/login")
    assert status == 200
    assert '<form id="login-form"' in body
    assert 'name="email"' in body and 'name="password"' in body
    assert len(await browser.login_fkey()) == 64


async def test_login_success_sets_acct_cookie_and_redirects(browser: Browser) -> None:
    alice = TEST_USERS["alice"]
    r = await browser.login_raw(alice["email"], alice["password"])
    assert r.status == 302
    assert r.headers["Location"] == "/se/"
    assert browser.has_acct()
    cookie = next(c for c in browser.session.cookie_jar if c.key == "acct")
    assert cookie["path"] == "/se"
    assert cookie["httponly"]
    fkey = await browser.chat_fkey()
    assert len(fkey) == 32
    assert fkey == await browser.chat_fkey()  # stable for the session


async def test_wrong_password_gives_login_page_again_without_cookie(browser: Browser) -> None:
    r = await browser.login_raw("alice@example.com", "not-the-password")
    assert r.status == 200
    assert not browser.has_acct()
    body = (await r.read()).decode()
    assert 'id="login-form"' in body
    assert "incorrect" in body


async def test_unknown_email_is_a_bad_credential(browser: Browser) -> None:
    r = await browser.login_raw("nobody@example.com", "x")
    assert r.status == 200 and not browser.has_acct()


async def test_missing_login_fkey_is_refused(browser: Browser) -> None:
    r = await browser.session.post(
        browser.base + "/users/login",
        data={"email": "alice@example.com", "password": "alice-password"},
        allow_redirects=False,
    )
    assert r.status == 200
    assert not browser.has_acct()


async def test_no_account_on_that_server(devserver: DevServer) -> None:
    carol = TEST_USERS["carol"]
    b = Browser(devserver, "so")
    try:
        r = await b.login_raw(carol["email"], carol["password"])
        body = (await r.read()).decode()
        assert r.status == 200
        assert not b.has_acct()
        assert 'id="logout-user"' in body
        # the same credentials work where the account exists
        mse = Browser(devserver, "mse")
        assert (await mse.login_raw(carol["email"], carol["password"])).status == 302
        await mse.close()
    finally:
        await b.close()


async def test_captcha_after_too_many_logins(devserver: DevServer, browser: Browser) -> None:
    devserver.configure(captcha_after=2)
    alice = TEST_USERS["alice"]
    for _ in range(2):
        assert (await browser.login_raw(alice["email"], alice["password"])).status == 302
    r = await browser.login_raw(alice["email"], alice["password"])
    assert r.status == 302
    assert "/se/nocaptcha" in r.headers["Location"]
    status, body = await browser.get(r.headers["Location"].removeprefix("/se"))
    assert status == 200 and "Human verification" in body
    # still locked a minute later, free again after the lock
    devserver.advance_clock(60)
    r = await browser.login_raw(alice["email"], alice["password"])
    assert "nocaptcha" in r.headers.get("Location", "")
    devserver.advance_clock(301)
    assert (await browser.login_raw(alice["email"], alice["password"])).headers[
        "Location"
    ] == "/se/"


async def test_http_429_after_too_many_login_posts(devserver: DevServer, browser: Browser) -> None:
    devserver.configure(http429_after=3)
    for _ in range(3):
        assert (await browser.login_raw("x@example.com", "bad")).status == 200
    assert (await browser.login_raw("x@example.com", "bad")).status == 429


async def test_logout_ends_the_session(alice: Browser) -> None:
    status, _ = await alice.post("/users/logout")
    assert status == 302
    status, body = await alice.get("/chats/join/favorite")
    assert "/users/1/alice" not in body
    status, _text = await alice.send(1, "after logout")
    assert status == 403


async def test_signup_confirm_creates_the_account(devserver: DevServer) -> None:
    import re

    carol = TEST_USERS["carol"]
    b = Browser(devserver, "so")
    try:
        r = await b.login_raw(carol["email"], carol["password"])
        body = (await r.read()).decode()
        fkey = re.search(r'name="fkey" value="([0-9a-f]+)"', body).group(1)
        status, _ = await b.post(
            "/users/signup-confirm", {"fkey": fkey, "email": carol["email"]}, fkey=False
        )
        assert status == 302
        assert (await b.login_raw(carol["email"], carol["password"])).status == 302
    finally:
        await b.close()


async def test_secrets_stay_out_of_reprs(devserver: DevServer, browser: Browser) -> None:
    await browser.login("alice")
    token = next(c.value for c in browser.session.cookie_jar if c.key == "acct")
    session = devserver.server("se").sessions[token]
    login_fkey = await browser.login_fkey()
    shown = repr(session) + repr(devserver.world) + repr(devserver.user("se", 1))
    for secret in (token, session.fkey, login_fkey, "alice-password"):
        assert secret not in shown
