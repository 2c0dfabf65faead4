"""``since=`` / ``until=``: a datetime or a message id, normalised to one half-open window.

A window is ``[since, until)``. A datetime bound filters on the message's time; a message-id bound
filters on the id (ids grow with time on a server, and a transcript's minute-resolution times
cannot order messages posted in the same minute), and its message's time, looked up once, only
tells a history walk which day to start or stop at. ``EPOCH`` and ``SUNSET`` mean "no bound".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from .. import errors
from .._time import EPOCH, SUNSET, UTC

if TYPE_CHECKING:
    from .objects import Server

__all__ = ["Window", "as_time", "window"]


@dataclass(frozen=True, slots=True)
class Window:
    since_time: datetime | None = None
    since_id: int | None = None
    until_time: datetime | None = None
    until_id: int | None = None
    #: Days a history walk must cover (``None``: from the first day / to the last one).
    first_day: date | None = None
    last_day: date | None = None

    def filter_args(self) -> tuple[Any, Any, Any, Any]:
        return (self.since_time, self.since_id, self.until_time, self.until_id)

    def contains(self, time: datetime | None, message_id: int | None) -> bool:
        return not self.before(time, message_id) and not self.ended(time, message_id)

    def before(self, time: datetime | None, message_id: int | None) -> bool:
        """Whether a message is earlier than ``since``."""
        if self.since_time is not None and time is not None and time < self.since_time:
            return True
        return self.since_id is not None and message_id is not None and message_id < self.since_id

    def ended(self, time: datetime | None, message_id: int | None) -> bool:
        """Whether a message is at or after ``until`` (a live stream stops there)."""
        if self.until_time is not None and time is not None and time >= self.until_time:
            return True
        return self.until_id is not None and message_id is not None and message_id >= self.until_id

    def over(self, now: datetime) -> bool:
        """Whether ``until`` (a time) has passed: a live stream then ends even if nobody posts."""
        return self.until_time is not None and now >= self.until_time


def as_time(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"naive datetime {value.isoformat()}: pass an aware time (e.g. tzinfo=timezone.utc)"
        )
    return value.astimezone(UTC)


def _check(value: Any, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, datetime)):
        raise TypeError(f"{name} must be a datetime or a message id, not {type(value).__name__}")


async def _message_time(server: Server, message_id: int) -> datetime | None:
    try:
        message = await server.message(message_id, desired_max_age=float("inf"))
    except errors.NotFoundError:
        return None
    time: datetime | None = message.time
    return time


def window_now(since: Any = EPOCH, until: Any = SUNSET) -> Window:
    """A window without look-ups (message-id bounds give no days): for live streams."""
    _check(since, "since")
    _check(until, "until")
    w: dict[str, Any] = {}
    if isinstance(since, datetime):
        if as_time(since) > EPOCH:
            w["since_time"] = as_time(since)
    else:
        w["since_id"] = since
    if isinstance(until, datetime):
        if as_time(until) < SUNSET:
            w["until_time"] = as_time(until)
    else:
        w["until_id"] = until
    return Window(**w)


async def window(server: Server, since: Any = EPOCH, until: Any = SUNSET) -> Window:
    """The window for ``since``/``until``, with the days a history walk needs."""
    base = window_now(since, until)
    first_day = base.since_time.date() if base.since_time is not None else None
    last_day = base.until_time.date() if base.until_time is not None else None
    if base.since_id is not None:
        t = await _message_time(server, base.since_id)
        first_day = t.date() if t is not None else None
    if base.until_id is not None:
        t = await _message_time(server, base.until_id)
        last_day = t.date() if t is not None else None
    return Window(
        base.since_time, base.since_id, base.until_time, base.until_id, first_day, last_day
    )
