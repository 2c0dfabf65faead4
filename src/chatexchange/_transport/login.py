"""Credential login and logout on the server's parent site.

The login form lives on the server's parent site (``meta.stackexchange.com`` for chat.SE and
chat.MSE, ``stackoverflow.com`` for chat.SO; with a devserver, under ``<url>/<slug>``). Success is
the ``acct`` cookie; each way a login can fail becomes its own exception so that a bot can
react: back off on a captcha or a 429, fix its configuration on bad credentials or a missing
account.
"""

from __future__ import annotations

import logging

from .. import _parser
from .._rules import login_answer_error, login_page_error
from ..errors import ParseError, ServerError
from .session import HttpSession

log = logging.getLogger("chatexchange.transport")

async def login(http: HttpSession, email: str, password: str) -> None:
    """Log in with email and password; on return the jar holds the ``acct`` cookie.

    Raises BadCredentialsError, CaptchaError, LoginRateLimitedError, NoAccountError or ServerError.
    Neither the email, the password nor the fkey appears in any message or log line.
    """
    http.cookie_jar.clear()  # a fresh login: an old acct cookie must not count as success
    page_url = http.login("/users/login")
    page = await http.request("GET", page_url, params={"returnurl": "/"}, what="login page")
    error = login_page_error(page.url, page.status, page.body)
    if error is not None:
        raise error
    try:
        fkey = _parser.parse_login_page(page.body, page.url)
    except ParseError as exc:
        raise ServerError(f"login page has no login form: {exc}") from None

    log.info("logging in to %s", http.endpoints.login)
    answer = await http.request(
        "POST",
        page_url,
        data={"email": email, "password": password, "fkey": fkey, "ssrc": "head"},
        what="login",
    )
    error = login_answer_error(
        answer.url,
        answer.status,
        answer.body,
        has_account_cookie=http.has_account_cookie(),
        server=http.slug,
        login_root=http.endpoints.login,
    )
    if error is not None:
        raise error
    log.info("logged in to %s", http.endpoints.login)


async def logout(http: HttpSession) -> None:
    """Log out on the login host (GET for its fkey, then POST), then forget every cookie."""
    url = http.login("/users/logout")
    try:
        page = await http.request("GET", url, what="logout page")
        if page.status < 400:
            try:
                fkey = _parser.parse_login_page(page.body, page.url)
            except ParseError:
                fkey = None
            if fkey:
                await http.request("POST", url, data={"fkey": fkey}, what="logout")
    finally:
        http.cookie_jar.clear()
        log.info("logged out of %s", http.endpoints.login)
