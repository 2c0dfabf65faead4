"""Credential login (spec §2.2) and logout (§2.4).

The login form lives on the server's parent site (``meta.stackexchange.com`` for chat.SE and
chat.MSE, ``stackoverflow.com`` for chat.SO; with a devserver, under ``<url>/<slug>``). Success is
the ``acct`` cookie; each failure shape of the spec becomes its own exception so that a bot can
react: back off on a captcha or a 429, fix its configuration on bad credentials or a missing
account.
"""

from __future__ import annotations

import logging

from .. import _parser
from ..errors import (
    BadCredentialsError,
    CaptchaError,
    LoginRateLimitedError,
    NoAccountError,
    ParseError,
    ServerError,
)
from .session import HttpSession, Response

log = logging.getLogger("chatexchange.transport")

_CAPTCHA_MARKERS = ("human verification", "captcha")
#: The "create an account on this site" confirmation form (spec §2.2: TimCastelijns looks for it).
_CONFIRM_FORM = 'id="logout-user"'
#: Texts of a login page that says the account does not exist here (only read without ``acct``).
_NO_ACCOUNT_TEXTS = (
    "no account on this site",
    "do not have an account on",
    "does not have an account",
)


def _looks_like_captcha(response: Response) -> bool:
    if "captcha" in response.url.lower():
        return True
    head = response.body[:20000].decode("utf-8", "replace").lower()
    return any(marker in head for marker in _CAPTCHA_MARKERS)


def _looks_like_no_account(response: Response, *, texts: bool) -> bool:
    body = response.body.decode("utf-8", "replace").lower()
    if _CONFIRM_FORM in body:
        return True
    return texts and any(marker in body for marker in _NO_ACCOUNT_TEXTS)


def _check_status(response: Response, what: str) -> None:
    if response.status == 429:
        raise LoginRateLimitedError(f"{what}: the login host answered HTTP 429 ({response.url})")
    if response.status >= 500:
        raise ServerError(f"{what}: server error HTTP {response.status} ({response.url})")


async def login(http: HttpSession, email: str, password: str) -> None:
    """Log in with email and password; on return the jar holds the ``acct`` cookie.

    Raises BadCredentialsError, CaptchaError, LoginRateLimitedError, NoAccountError or ServerError.
    Neither the email, the password nor the fkey appears in any message or log line.
    """
    http.cookie_jar.clear()  # a fresh login: an old acct cookie must not count as success
    page_url = http.login("/users/login")
    page = await http.request("GET", page_url, params={"returnurl": "/"}, what="login page")
    _check_status(page, "login page")
    if _looks_like_captcha(page):
        raise CaptchaError(f"the login host asks for human verification ({page.url})")
    if page.status >= 400:
        raise ServerError(f"login page: unexpected HTTP {page.status} ({page.url})")
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
    _check_status(answer, "login")
    if _looks_like_captcha(answer):
        raise CaptchaError(
            f"the login host asks for human verification; wait several minutes ({answer.url})"
        )
    if not http.has_account_cookie():
        if _looks_like_no_account(answer, texts=True):
            raise NoAccountError(f"no account on the site of server {http.slug!r} ({answer.url})")
        if answer.status >= 400 and answer.status not in (401, 403):
            raise ServerError(f"login: unexpected HTTP {answer.status} ({answer.url})")
        raise BadCredentialsError(
            f"login to {http.endpoints.login} failed: no 'acct' cookie; check email and password"
        )
    if _looks_like_no_account(answer, texts=False):
        raise NoAccountError(f"no account on the site of server {http.slug!r} ({answer.url})")
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
