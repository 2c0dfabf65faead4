"""One aiohttp session per chat server: requests, retries of transient failures, status mapping.

Everything that goes over HTTP passes through :class:`HttpSession`, so the rules live in one place:
the user agent, timeouts, which failures are retried (connection errors, 502/503/504 on reads), how
an answer is unpacked (chat answers JSON, a JSON string or bare text: JSON when it decodes, else
text) and which ``chatexchange.errors`` class a refusal becomes. Logs carry the method, URL and
status only: never form data (passwords, fkeys) and never cookies.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from yarl import URL

from .. import _rules
from .._rules import TRANSIENT_STATUSES, short_text, throttle_seconds, unpack
from .._servers import SERVERS, Endpoints, endpoints
from .._version import __version__
from ..errors import ConnectionLostError, ServerError

log = logging.getLogger("chatexchange.transport")

USER_AGENT = f"chatexchange3/{__version__} (+https://github.com/chatexchange3/chatexchange3)"

__all__ = ["USER_AGENT", "HttpSession", "Response", "refusal_error", "throttle_seconds"]

_DOCUMENT_START = re.compile(rb"^\s*(?:<!doctype html|<html[\s>])", re.IGNORECASE)
_DOCUMENT_END = re.compile(rb"</html\s*>$", re.IGNORECASE)


class BodyCutShort(Exception):
    """The connection closed before the body was complete (raised inside ``request`` only)."""


class AnswerTooLarge(ServerError):
    """An answer longer than the caller accepts (``request(max_bytes=...)``): not read further."""


async def _read_at_most(resp: aiohttp.ClientResponse, limit: int, what: str) -> bytes:
    """The body, read chunk by chunk and given up as soon as it passes ``limit`` bytes (a caller
    that must bound its memory never holds more)."""
    if resp.content_length is not None and resp.content_length > limit:
        raise AnswerTooLarge(f"{what}: the answer has {resp.content_length} bytes (limit {limit})")
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(1 << 16):
        size += len(chunk)
        if size > limit:
            raise AnswerTooLarge(f"{what}: the answer passed {limit} bytes; not read further")
        chunks.append(chunk)
    return b"".join(chunks)


def _check_complete(headers: Mapping[str, str], content_type: str, body: bytes) -> None:
    """Raise ``BodyCutShort`` for an HTML document that ended with the connection, unfinished.

    aiohttp itself detects a body shorter than its ``Content-Length`` or a broken chunked body
    (``ClientPayloadError``). A body delimited only by the connection closing has no length to
    check; a whole HTML document is then complete only if it ends with ``</html>``.
    """
    if "Content-Length" in headers or "chunked" in headers.get("Transfer-Encoding", "").lower():
        return
    if "html" not in content_type or not _DOCUMENT_START.match(body[:200]):
        return
    if _DOCUMENT_END.search(body.rstrip()[-32:]) is None:
        raise BodyCutShort(f"HTML page of {len(body)} bytes ended without </html>")


@dataclass(frozen=True, slots=True)
class Response:
    """What came back: the final URL (after redirects), status, body and content type."""

    url: str
    status: int
    body: bytes = field(repr=False)
    content_type: str
    headers: Mapping[str, str] = field(repr=False, default_factory=dict)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def unpack(self) -> Any:
        """JSON if the body is JSON, else the text: chat answers with either."""
        return unpack(self.body)

    def message(self, limit: int = 200) -> str:
        """A short, single-line version of a refusal text, safe to put into an exception."""
        return short_text(self.status, self.body, limit)


def _is_ip(host: str | None) -> bool:
    if not host:
        return False
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return host == "localhost"
    return True


def refusal_error(response: Response, what: str) -> Exception:
    """The ``chatexchange.errors`` exception for a refused request (status and text decide)."""
    return _rules.refusal_error(
        response.status, response.message(), response.url, what,
        response.headers.get("Retry-After"),
    )


class HttpSession:
    """The aiohttp session of one chat server, created on first use inside the running loop."""

    def __init__(
        self,
        slug: str,
        server_url: str | None = None,
        *,
        user_agent: str | None = None,
        timeout: float = 30.0,
        retries: int = 3,
        retry_pause: float = 0.2,
    ) -> None:
        if slug not in SERVERS:
            raise ValueError(f"unknown chat server {slug!r}; expected one of {sorted(SERVERS)}")
        self.slug = slug
        self.endpoints: Endpoints = endpoints(slug, server_url)
        self.user_agent = user_agent or USER_AGENT
        self.timeout = timeout
        self.retries = max(0, retries)
        self.retry_pause = retry_pause
        chat = URL(self.endpoints.chat)
        login = URL(self.endpoints.login)
        self.chat_url = chat
        self.login_url = login
        #: The websocket ``Origin`` header: the chat host's origin, which the server checks.
        self.origin = str(chat.origin())
        self._unsafe_cookies = _is_ip(chat.host) or _is_ip(login.host)
        self._jar: aiohttp.CookieJar | None = None
        self._session: aiohttp.ClientSession | None = None
        self.closed = False

    def __repr__(self) -> str:
        return f"<HttpSession {self.slug} {self.endpoints.chat}>"

    @property
    def cookie_jar(self) -> aiohttp.CookieJar:
        """The jar (created on first use: aiohttp binds it to the running loop)."""
        if self._jar is None:
            self._jar = aiohttp.CookieJar(unsafe=self._unsafe_cookies)
        return self._jar

    @property
    def session(self) -> aiohttp.ClientSession:
        """The aiohttp session (created lazily so that construction needs no running loop)."""
        if self.closed:
            raise ConnectionLostError(f"the connection to {self.slug!r} has been closed")
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                cookie_jar=self.cookie_jar,
                headers={"User-Agent": self.user_agent},
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                raise_for_status=False,
            )
        return self._session

    async def close(self) -> None:
        self.closed = True
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    def chat(self, path: str) -> str:
        return self.endpoints.chat + path

    def login(self, path: str) -> str:
        return self.endpoints.login + path

    def cookie_names(self, url: str | None = None) -> set[str]:
        """Names (never values) of the cookies that would go to ``url`` (default: chat root)."""
        target = URL(url or self.endpoints.chat + "/")
        return set(self.cookie_jar.filter_cookies(target).keys())

    def has_account_cookie(self) -> bool:
        """A login worked when the ``acct`` cookie reaches the chat host."""
        if self._jar is None:
            return False
        return "acct" in self.cookie_names() or "acct" in self.cookie_names(
            self.endpoints.login + "/"
        )

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        data: Mapping[str, Any] | aiohttp.payload.Payload | None = None,
        allow_redirects: bool = True,
        what: str | None = None,
        max_bytes: int | None = None,
    ) -> Response:
        """One request, with transient connection failures retried.

        Reads (GET) are retried on any connection error, timeout, body cut short on the wire or
        502/503/504; writes only when the connection could not be opened at all (nothing reached
        the server: nothing doubles). Gives :class:`ConnectionLostError` when the retries are used
        up, and for a write whose answer was cut short (the server may have acted on it). Never
        raises for a status: the caller decides what a status means (see :func:`refusal_error`).
        ``max_bytes``: an answer body longer than that raises :class:`AnswerTooLarge` once that
        much has arrived (the connection is dropped, the rest never read).
        """
        idempotent = method.upper() in {"GET", "HEAD"}
        attempt = 0
        while True:
            try:
                async with self.session.request(
                    method, url, params=params, data=data, allow_redirects=allow_redirects
                ) as resp:
                    if max_bytes is None:
                        body = await resp.read()
                    else:
                        body = await _read_at_most(resp, max_bytes, what or f"{method} {url}")
                    response = Response(
                        str(resp.url),
                        resp.status,
                        body,
                        resp.content_type or "",
                        dict(resp.headers),
                    )
                    _check_complete(resp.headers, response.content_type, body)
            except (
                aiohttp.ClientConnectionError,
                aiohttp.ClientPayloadError,
                BodyCutShort,
                TimeoutError,
            ) as exc:
                never_sent = isinstance(exc, aiohttp.ClientConnectorError)
                if attempt < self.retries and (idempotent or never_sent):
                    attempt += 1
                    log.info(
                        "%s %s failed (%s); retry %d/%d",
                        method, url, type(exc).__name__, attempt, self.retries,
                    )
                    await asyncio.sleep(self.retry_pause * attempt)
                    continue
                if isinstance(exc, (aiohttp.ClientPayloadError, BodyCutShort)):
                    reason = "the answer was cut short"
                else:
                    reason = "connection failed"
                raise ConnectionLostError(
                    f"{what or method} {url}: {reason} ({type(exc).__name__})"
                ) from None
            log.debug("%s %s -> %d", method, url, response.status)
            if idempotent and response.status in TRANSIENT_STATUSES and attempt < self.retries:
                attempt += 1
                log.info("%s %s -> %d; retry %d/%d", method, url, response.status, attempt,
                         self.retries)
                await asyncio.sleep(self.retry_pause * attempt)
                continue
            return response

    async def get(self, url: str, *, params: Mapping[str, Any] | None = None,
                  what: str | None = None) -> Response:
        """GET that must succeed (2xx); any other status becomes the matching error."""
        response = await self.request("GET", url, params=params, what=what)
        if response.status >= 300:
            raise refusal_error(response, what or "GET")
        return response
