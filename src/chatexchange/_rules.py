"""Chat's protocol rules as plain functions and one small state machine: no I/O at all.

Both HTTP stacks obey them: the aiohttp transport (``chatexchange._transport``) and the classic
API's ``requests.Session`` (``chatexchange.classic``). So a throttle answer, a refused fkey, a
refusal text or a login page means the same thing to both, and is read in one place. Nothing here
imports aiohttp, requests or lxml; callers hand in status, body and headers and act on the answer
(sleep, refresh the fkey, send again, raise).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import orjson

from .errors import (
    AccessDeniedError,
    AuthRequiredError,
    BadCredentialsError,
    CaptchaError,
    EditWindowError,
    LoginRateLimitedError,
    MessageTooLongError,
    NoAccountError,
    NotFoundError,
    RefusedError,
    ServerError,
    ThrottledError,
)

__all__ = [
    "MAX_SINGLE_LINE",
    "TRANSIENT_STATUSES",
    "WriteStep",
    "WriteTurns",
    "backoff",
    "check_message",
    "fkey_refused",
    "login_answer_error",
    "login_page_error",
    "refusal_error",
    "short_text",
    "throttle_seconds",
    "unpack",
]

#: Longest single-line message the server accepts; a multi-line one may be longer.
MAX_SINGLE_LINE = 500
#: Statuses worth a second try on a read: the proxy in front of chat hiccups now and then.
TRANSIENT_STATUSES = frozenset({502, 503, 504})

_THROTTLE_RE = re.compile(r"again in (\d+(?:\.\d+)?) seconds?", re.IGNORECASE)


def backoff(
    failures: int, initial: float, maximum: float, rng: Callable[[], float] = random.random
) -> float:
    """Seconds to pause after the ``failures``-th failure in a row (1 for the first): ``initial``
    doubling per failure up to ``maximum``, times a random factor in [0.5, 1) so that clients that
    lost the server together do not all come back in the same instant."""
    base = min(maximum, initial * 2.0 ** min(max(0, failures - 1), 62))
    return base * (0.5 + rng() / 2)


def throttle_seconds(text: str) -> float | None:
    """The N of "You can perform this action again in N seconds" (None for other texts)."""
    match = _THROTTLE_RE.search(text)
    return float(match.group(1)) if match else None


def unpack(body: bytes) -> object:
    """JSON if the body is JSON, else its text: chat answers with either."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return body.decode("utf-8", "replace")


def short_text(status: int, body: bytes, limit: int = 200) -> str:
    """A refusal's text on one short line, safe for an exception (an HTML page becomes its
    status)."""
    value = unpack(body)
    text = value if isinstance(value, str) else body.decode("utf-8", "replace")
    if "<html" in text[:500].lower():
        return f"HTTP {status}"
    text = " ".join(text.split())
    return text[:limit] if text else f"HTTP {status}"


def refusal_error(
    status: int, text: str, url: str, what: str, retry_after: str | None = None
) -> Exception:
    """The ``chatexchange.errors`` exception for a refused request (status and text decide)."""
    lowered = text.lower()
    where = f"{what} ({url})"
    seconds = throttle_seconds(text)
    if status == 409 or seconds is not None:
        return ThrottledError(f"{where}: throttled: {text}", retry_after=seconds)
    if "too late" in lowered or "has been deleted" in lowered or "already been deleted" in lowered:
        return EditWindowError(f"{where}: {text}", text)
    if "too long" in lowered:
        return MessageTooLongError(f"{where}: {text}")
    if "frozen" in lowered or "reputation" in lowered:
        return AccessDeniedError(f"{where}: {text}", text)
    if status == 401 or "log in" in lowered or "logged in" in lowered:
        return AuthRequiredError(f"{where}: not logged in: {text}")
    if status == 403:
        return AccessDeniedError(f"{where}: {text}", text)
    if status == 404:
        return NotFoundError(f"{where}: not found: {text}")
    if "permission" in lowered or "your own" in lowered:
        return AccessDeniedError(f"{where}: {text}", text)
    if status == 429:
        after = retry_after.strip() if retry_after else ""
        wait = float(after) if after.replace(".", "", 1).isdigit() else None
        return ThrottledError(f"{where}: rate limited (HTTP 429)", retry_after=wait)
    if status >= 500:
        return ServerError(f"{where}: server error HTTP {status}")
    return RefusedError(f"{where}: {text}", text)


def fkey_refused(status: int, text: str) -> bool:
    """Whether a refusal may be due to a stale fkey (chat does not say so exactly)."""
    return status == 403 or "fkey" in text.lower()


def check_message(text: str, *, multiline: bool = False) -> str:
    """Refuse what the server would refuse anyway: empty text, a single line over 500 characters
    (unless ``multiline``: then a trailing newline makes it a multi-line message)."""
    if not isinstance(text, str):
        raise TypeError("message text must be a str")
    if not text.strip():
        raise RefusedError("message text is empty", "empty message")
    if "\n" not in text and len(text) > MAX_SINGLE_LINE:
        if not multiline:
            raise MessageTooLongError(
                f"single-line message of {len(text)} characters (limit {MAX_SINGLE_LINE}); "
                "add a newline or pass multiline=True"
            )
        text = text + "\n"
    return text


@dataclass(frozen=True, slots=True)
class WriteStep:
    """What to do after an answer to a write: ``done``, ``wait`` ``seconds`` then send again, or
    ``refresh_fkey`` then send again."""

    action: Literal["done", "wait", "refresh_fkey"]
    seconds: float = 0.0


_DONE = WriteStep("done")
_REFRESH = WriteStep("refresh_fkey")


class WriteTurns:
    """The turns of one write (send, edit, delete, star, join...), answer by answer.

    A 409 or a "You can perform this action again in N seconds" text is waited out as chat says
    (plus ``margin``), at most ``throttle_retries`` times and never longer than
    ``max_throttle_wait``; a refusal that may be a stale fkey is answered with one fkey refresh;
    anything else refused raises its ``chatexchange.errors`` class. Drive it with
    :meth:`step` after each answer.
    """

    def __init__(
        self,
        what: str,
        url: str,
        *,
        throttle_retries: int = 5,
        max_throttle_wait: float = 120.0,
        margin: float = 0.25,
    ) -> None:
        self.what = what
        self.url = url
        self.throttle_retries = throttle_retries
        self.max_throttle_wait = max_throttle_wait
        self.margin = margin
        #: How many throttle answers were waited out so far.
        self.waits = 0
        self.refreshed = False

    def step(self, status: int, body: bytes, retry_after: str | None = None) -> WriteStep:
        """The next move after chat answered ``status`` with ``body``; raises for a refusal."""
        text = short_text(status, body)
        if status < 300:
            value = unpack(body)
            if not (isinstance(value, str) and throttle_seconds(value) is not None):
                return _DONE
        seconds = throttle_seconds(text)
        if status == 409 or seconds is not None:
            seconds = 1.0 if seconds is None else seconds
            if self.waits >= self.throttle_retries or seconds > self.max_throttle_wait:
                raise ThrottledError(
                    f"{self.what}: still throttled after {self.waits} waits ({self.url}): {text}",
                    retry_after=seconds,
                )
            self.waits += 1
            return WriteStep("wait", seconds + self.margin)
        if not self.refreshed and fkey_refused(status, text):
            self.refreshed = True
            return _REFRESH
        raise refusal_error(status, text, self.url, self.what, retry_after)


_CAPTCHA_MARKERS = ("human verification", "captcha")
#: The "create an account on this site" confirmation form.
_CONFIRM_FORM = 'id="logout-user"'
#: Texts of a login answer saying the account does not exist here (read only without ``acct``).
_NO_ACCOUNT_TEXTS = (
    "no account on this site",
    "do not have an account on",
    "does not have an account",
)


def _captcha(url: str, body: bytes) -> bool:
    if "captcha" in url.lower():
        return True
    head = body[:20000].decode("utf-8", "replace").lower()
    return any(marker in head for marker in _CAPTCHA_MARKERS)


def _no_account(body: bytes, *, texts: bool) -> bool:
    lowered = body.decode("utf-8", "replace").lower()
    if _CONFIRM_FORM in lowered:
        return True
    return texts and any(marker in lowered for marker in _NO_ACCOUNT_TEXTS)


def _status_error(status: int, url: str, what: str) -> Exception | None:
    if status == 429:
        return LoginRateLimitedError(f"{what}: the login host answered HTTP 429 ({url})")
    if status >= 500:
        return ServerError(f"{what}: server error HTTP {status} ({url})")
    return None


def login_page_error(url: str, status: int, body: bytes) -> Exception | None:
    """Why the login page cannot be used (rate limit, server error, captcha), or None."""
    error = _status_error(status, url, "login page")
    if error is not None:
        return error
    if _captcha(url, body):
        return CaptchaError(f"the login host asks for human verification ({url})")
    if status >= 400:
        return ServerError(f"login page: unexpected HTTP {status} ({url})")
    return None


def login_answer_error(
    url: str, status: int, body: bytes, *, has_account_cookie: bool, server: str, login_root: str
) -> Exception | None:
    """Why posting the login form did not log in, or None when it did (the ``acct`` cookie came).
    Never names the email, the password or the fkey."""
    error = _status_error(status, url, "login")
    if error is not None:
        return error
    if _captcha(url, body):
        return CaptchaError(
            f"the login host asks for human verification; wait several minutes ({url})"
        )
    if not has_account_cookie:
        if _no_account(body, texts=True):
            return NoAccountError(f"no account on the site of server {server!r} ({url})")
        if status >= 400 and status not in (401, 403):
            return ServerError(f"login: unexpected HTTP {status} ({url})")
        return BadCredentialsError(
            f"login to {login_root} failed: no 'acct' cookie; check email and password"
        )
    if _no_account(body, texts=False):
        return NoAccountError(f"no account on the site of server {server!r} ({url})")
    return None
