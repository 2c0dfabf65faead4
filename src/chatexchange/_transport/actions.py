"""Writes (send, edit, delete, star, pin, join, leave) through one ordered queue per server.

Chat throttles writes per user: a 409 "You can perform this action again in N seconds" is
waited out as the server says and retried, a bounded number of times. Writes go one at a time in the
order they were asked for, so a bot's replies cannot overtake each other while one waits out a
throttle. Every refusal becomes a specific exception; nothing is dropped silently. A refused fkey is
refreshed from the favorite page and the action retried once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from aiohttp.payload import BytesPayload

from .. import _fencing
from .._rules import MAX_SINGLE_LINE, WriteTurns
from ..errors import AuthRequiredError, ConnectionLostError, FencedError
from .session import HttpSession, Response

log = logging.getLogger("chatexchange.transport")

__all__ = ["MAX_SINGLE_LINE", "ActionQueue"]


class _FencedForm(BytesPayload):
    """A guarded write's form (urlencoded as aiohttp encodes a dict) that asks the write guard
    again as its bytes are written. aiohttp writes a body in a task of its own, one event-loop turn
    or more after the request starts; a process stopped (SIGSTOP, a frozen machine) between the
    queue's check and that write would post on waking, after another holder had answered. From
    here to the socket nothing waits (the headers are buffered and leave with the body; an older
    aiohttp sends them first, and a request without its body is not applied). A refusal is kept in
    ``refused``: aiohttp reports it as a failed connection."""

    def __init__(self, form: Mapping[str, Any], what: str) -> None:
        super().__init__(urlencode(form, doseq=True).encode(),
                         content_type="application/x-www-form-urlencoded")
        self.what = what
        self.refused: FencedError | None = None

    def _check(self) -> None:
        try:
            _fencing.check(self.what)
        except FencedError as error:
            self.refused = error
            raise

    async def write(self, writer: Any) -> None:
        self._check()
        await super().write(writer)

    async def write_with_length(self, writer: Any, content_length: int | None) -> None:
        self._check()
        await super().write_with_length(writer, content_length)


class ActionQueue:
    """Runs writes one after another, in call order (``asyncio.Lock`` wakes waiters FIFO)."""

    def __init__(
        self,
        http: HttpSession,
        fkey: Callable[[], Awaitable[str]],
        refresh_fkey: Callable[[], Awaitable[str]],
        *,
        throttle_retries: int = 5,
        throttle_margin: float = 0.25,
        max_throttle_wait: float = 120.0,
    ) -> None:
        self._http = http
        self._fkey = fkey
        self._refresh_fkey = refresh_fkey
        self.throttle_retries = throttle_retries
        self.throttle_margin = throttle_margin
        self.max_throttle_wait = max_throttle_wait
        self._lock = asyncio.Lock()
        #: How many 409 answers were waited out (for bots that want to watch their pace).
        self.throttled = 0

    async def post(self, path: str, data: Mapping[str, Any], *, what: str) -> Response:
        """POST ``data`` (+ fkey) to the chat path; the 2xx response, or the refusal raised."""
        if not self._http.has_account_cookie():
            raise AuthRequiredError(f"{what}: not logged in to {self._http.slug!r}")
        async with self._lock:
            return await self._post_locked(path, data, what)

    async def _post_locked(self, path: str, data: Mapping[str, Any], what: str) -> Response:
        url = self._http.chat(path)
        turns = WriteTurns(
            what,
            url,
            throttle_retries=self.throttle_retries,
            max_throttle_wait=self.max_throttle_wait,
            margin=self.throttle_margin,
        )
        while True:
            form = dict(data)
            form["fkey"] = await self._fkey()
            _fencing.check(what)  # a fenced write does not start; _FencedForm checks at the socket
            body = form if _fencing.WRITE_GUARD.get() is None else _FencedForm(form, what)
            try:
                response = await self._http.request("POST", url, data=body, what=what)
            except ConnectionLostError:
                if isinstance(body, _FencedForm) and body.refused is not None:
                    raise body.refused from None  # nothing of this request was applied
                raise
            step = turns.step(response.status, response.body, response.headers.get("Retry-After"))
            if step.action == "done":
                return response
            if step.action == "wait":
                self.throttled += 1
                log.info("%s throttled; waiting %.2f s (retry %d/%d)", what, step.seconds,
                         turns.waits, self.throttle_retries)
                await asyncio.sleep(step.seconds)
                continue
            log.info("%s refused (HTTP %d); refreshing the fkey and retrying once", what,
                     response.status)
            await self._refresh_fkey()
