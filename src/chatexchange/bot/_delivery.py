"""Delivering a bot's answers: retried on transient failures, never posted twice.

A send can fail in two ways that look alike to the client: the server refused it or never got it
(5xx, 429, a connection that could not be opened), or the server posted it and only its answer was
lost (a 5xx or a dropped connection after the server acted). So before each new attempt the room is
read again (its transcript, fresh) for the bot's own message: a reply of ours to the same message,
or for a plain send a message of ours with the same text posted since the first attempt. Only when
there is none is the answer sent again. Pauses grow exponentially with jitter (a throttled answer
waits at least as long as the server asked). Answers leave one at a time, in order: the caller
awaits each delivery before handling the next command.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

from .. import errors
from .._rules import backoff

__all__ = ["RETRIED", "Delivery"]

log = logging.getLogger("chatexchange.bot")

#: Failures after which an answer is tried again (anything else is final at once).
RETRIED: tuple[type[errors.ChatExchangeError], ...] = (
    errors.ServerError,
    errors.ThrottledError,
    errors.ConnectionLostError,
)
#: Transcript times have a coarse resolution: look back this far for an answer already posted.
_LOOK_BACK = timedelta(minutes=2)


class Delivery:
    """How a bot posts: ``attempts`` tries per answer, pauses from ``backoff_initial`` doubling up
    to ``backoff_max`` seconds, each scaled by a random factor in [0.5, 1) (``sleep`` and ``rng``
    are replaceable for tests)."""

    def __init__(
        self,
        *,
        attempts: int = 8,
        backoff_initial: float = 1.0,
        backoff_max: float = 60.0,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.attempts = max(1, attempts)
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.sleep = sleep
        self.rng = rng
        self.retried = 0  # attempts after a failure
        self.recovered = 0  # answers found posted after their answer was lost

    def pause(self, failures: int, error: BaseException) -> float:
        delay = backoff(failures, self.backoff_initial, self.backoff_max, self.rng)
        retry_after = getattr(error, "retry_after", None)
        return max(delay, float(retry_after)) if retry_after else float(delay)

    async def reply(self, message: Any, text: str, me: int | None) -> Any:
        """``message.reply(text)``, delivered (see the module docstring); returns our Message."""

        async def posted(since: Any) -> Any:
            async for found in message.room.messages(since=since, max_age=0):
                if found.owner_id == me and found.parent_id == message.id:
                    return found
            return None

        return await self._deliver(lambda: message.reply(text), posted, message.room.client, me,
                                   f"the answer to {message!r}")

    async def send(self, room: Any, text: str, me: int | None) -> Any:
        """``room.send(text)``, delivered; a message of ours with the same text posted since the
        first attempt counts as this one."""
        wanted = " ".join(text.split())

        async def posted(since: Any) -> Any:
            async for found in room.messages(since=since, max_age=0):
                same = " ".join((found.content_text or "").split()) == wanted
                if found.owner_id == me and same:
                    return found
            return None

        return await self._deliver(lambda: room.send(text), posted, room.client, me,
                                   f"a message to {room!r}")

    async def _deliver(
        self,
        post: Callable[[], Awaitable[Any]],
        posted: Callable[[Any], Awaitable[Any]],
        client: Any,
        me: int | None,
        what: str,
    ) -> Any:
        since = client.now() - _LOOK_BACK
        failures = 0
        while True:
            try:
                return await post()
            except RETRIED as error:
                failures += 1
                if failures >= self.attempts:
                    log.warning("%s failed %d times; giving up: %s", what, failures, error)
                    raise
                delay = self.pause(failures, error)
                log.warning("%s failed (%s: %s); again in %.1f s", what, type(error).__name__,
                            error, delay)
                await self.sleep(delay)
                self.retried += 1
                if me is None:
                    continue
                try:
                    found = await posted(since)
                except errors.ChatExchangeError as read_error:
                    log.info("could not check the room for %s (%s); sending again", what,
                             read_error)
                    found = None
                if found is not None:
                    self.recovered += 1
                    log.info("%s was posted (#%s) although its answer was lost; not sent again",
                             what, found.id)
                    return found
