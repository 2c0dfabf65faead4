"""Which messages a transcript URL shows: days with messages, hour slices of busy days, the
pager."""

from __future__ import annotations

import bisect
from datetime import date, timedelta

from .pages import TranscriptView
from .state import ChatServer, Message, Refusal, Room

DAY = 86400
_EPOCH_DAY = date(1970, 1, 1)


def day_of(ts: float) -> date:
    return _EPOCH_DAY + timedelta(days=int(ts // DAY))


def day_start(day: date) -> float:
    return float((day - _EPOCH_DAY).days * DAY)


class TranscriptIndex:
    """Sorted day numbers per room, recomputed only when the room's messages change."""

    def __init__(self) -> None:
        self._cache: dict[tuple[str, int], tuple[tuple[int, int], list[int]]] = {}

    def days(self, server: ChatServer, room_id: int) -> list[int]:
        msgs = server.room_messages(room_id)
        stamp = (len(msgs), msgs[-1].id if msgs else 0)
        key = (server.slug, room_id)
        hit = self._cache.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        days = sorted({int(m.time // DAY) for m in msgs})
        self._cache[key] = (stamp, days)
        return days


def hour_slices(msgs: list[Message], start: float, page_size: int) -> list[tuple[int, int]]:
    """Split a busy day into hour ranges of at most ``page_size`` messages (an hour is never
    split)."""
    if len(msgs) <= page_size:
        return []
    counts = [0] * 24
    for m in msgs:
        counts[min(23, int((m.time - start) // 3600))] += 1
    slices: list[tuple[int, int]] = []
    h0, total = 0, 0
    for h in range(24):
        if total and total + counts[h] > page_size:
            slices.append((h0, h))
            h0, total = h, 0
        total += counts[h]
    slices.append((h0, 24))
    return slices


def build_view(
    server: ChatServer,
    index: TranscriptIndex,
    room: Room,
    day: date | None,
    hours: tuple[int, int] | None,
    page_size: int,
    *,
    highlight: Message | None = None,
    latest: bool = False,
) -> TranscriptView:
    days = index.days(server, room.id)
    if day is None:
        day = _EPOCH_DAY + timedelta(days=days[-1]) if days else day_of(server.clock.now())
    if hours is not None and not (0 <= hours[0] < hours[1] <= 24):
        raise Refusal(404, "No such transcript page")
    start = day_start(day)
    day_msgs = server.room_messages_between(room.id, start, start + DAY)
    slices = hour_slices(day_msgs, start, page_size)
    current: int | None = None
    if hours is None and slices:
        if highlight is not None:
            hour = int((highlight.time - start) // 3600)
            current = next(k for k, (a, b) in enumerate(slices) if a <= hour < b)
        else:
            current = len(slices) - 1 if latest else 0
        hours = slices[current]
    elif hours is not None and hours in slices:
        current = slices.index(hours)
    if hours is not None:
        shown = server.room_messages_between(
            room.id, start + hours[0] * 3600, start + hours[1] * 3600
        )
    else:
        shown = day_msgs
    number = (day - _EPOCH_DAY).days
    at = bisect.bisect_left(days, number)
    prev_day = days[at - 1] if at > 0 else None
    after = bisect.bisect_right(days, number)
    next_day = days[after] if after < len(days) else None

    def as_date(n: int | None) -> date | None:
        return None if n is None else _EPOCH_DAY + timedelta(days=n)

    return TranscriptView(
        room=room,
        day=day,
        messages=shown,
        first_day=as_date(days[0]) if days else None,
        previous_day=as_date(prev_day),
        next_day=as_date(next_day),
        last_day=as_date(days[-1]) if days else None,
        slices=slices,
        current=current,
        highlight=highlight.id if highlight is not None else None,
    )
