"""``--watch``: follow rooms until Ctrl-C, through any outage.

The transport retries for ever (``max_failures=None``) and reports each room's connection changes,
which become one line each on stderr: ``se/r/1: connected (websocket)``, ``se/r/1: connection
lost (websocket closed)``, ``se/r/1: retrying in 2.0 s``. A watch that cannot start at all (the
server unreachable) is retried here the same way; after such a failure a room is followed from
the message after the last one printed (transcript, then live), so nothing is skipped (a room
that printed nothing yet starts again from then).
``--give-up-after SECONDS`` ends the command (exit 7, one line) when a room has been without a
connection that long.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from typing import Any, TextIO

from .. import errors
from .._rules import backoff

__all__ = ["Connections", "follow"]

#: Failures a watch start is retried after (anything else ends the command).
_TRANSIENT = (errors.ConnectionLostError, errors.ServerError, errors.ThrottledError)


class Connections:
    """The rooms' connection states: the lines printed, and how long each room has been lost."""

    def __init__(self, err: TextIO, *, quiet: bool, give_up_after: float | None) -> None:
        self.err = err
        self.quiet = quiet
        self.give_up_after = give_up_after
        self.lost_since: dict[str, float] = {}
        self.states: dict[str, str] = {}

    def options(self) -> dict[str, Any]:
        """The watcher options of a client that follows rooms this way."""
        return {"max_failures": None, "on_state": self.on_state}

    def on_state(self, slug: str, room: int, state: str, detail: Any) -> None:
        label = f"{slug}/r/{room}"
        if state == "connected":
            self.lost_since.pop(label, None)
            line = f"{label}: connected ({detail})"
        else:
            self.lost_since.setdefault(label, time.monotonic())
            if state == "lost":
                line = f"{label}: connection lost ({detail})"
            else:
                line = f"{label}: retrying in {float(detail):.1f} s"
        self.states[label] = state
        if not self.quiet:
            self.err.write(line + "\n")
            self.err.flush()

    def overdue(self) -> str | None:
        """A room lost for longer than ``--give-up-after`` (None when there is none)."""
        if self.give_up_after is None:
            return None
        now = time.monotonic()
        for label, since in self.lost_since.items():
            if now - since >= self.give_up_after:
                return label
        return None


async def follow(
    rooms: list[Any],
    connections: Connections,
    emit: Callable[[Any], None],
    merged: Callable[[Any], AsyncIterator[Any]],
) -> None:
    """Hand every new message of ``rooms`` to ``emit`` until cancelled (see the module)."""
    task = asyncio.ensure_future(_follow(rooms, connections, emit, merged))
    try:
        while not task.done():
            await asyncio.wait([task], timeout=0.25)
            label = connections.overdue()
            if label is not None and not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                raise errors.ConnectionLostError(
                    f"no connection to {label} for {connections.give_up_after:g} s "
                    "(--give-up-after)"
                )
        task.result()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def _follow(
    rooms: list[Any],
    connections: Connections,
    emit: Callable[[Any], None],
    merged: Callable[[Any], AsyncIterator[Any]],
) -> None:
    last: dict[tuple[str, int], int] = {}
    failures = 0
    while True:
        streams = [
            room.new_messages()
            if (room.server_slug, room.id) not in last
            else room.all_messages(since=last[(room.server_slug, room.id)] + 1)
            for room in rooms
        ]
        try:
            async for message in merged(streams):
                failures = 0
                key = (message.server_slug, message.room_id)
                if message.id <= last.get(key, 0):
                    continue
                last[key] = message.id
                emit(message)
            return
        except _TRANSIENT as error:
            failures += 1
            delay = backoff(failures, 0.5, 30.0)
            for room in rooms:
                if failures == 1:
                    connections.on_state(room.server_slug, room.id, "lost", _reason(error))
                connections.on_state(room.server_slug, room.id, "retrying", delay)
            await asyncio.sleep(delay)


def _reason(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"
