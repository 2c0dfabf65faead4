"""Reading a room's history from its transcript, archiving it page by page.

Public entry points (methods of :class:`~chatexchange.client.Room`)::

    stats = await room.import_history(since=EPOCH, until=SUNSET, max_age=None, progress=None)
    async for message in room.messages(since=EPOCH, until=SUNSET, max_age=None): ...

``import_history`` archives every transcript day in ``[since, until)`` and returns an
:class:`ImportStats`; ``progress`` (a plain or async callable) receives a :class:`PageProgress`
after every day: ``fetched`` says whether pages were requested or the stored ones were fresh
enough. The
CLI and the bot replay build on these two.

How a walk goes: it starts at the room's first day (the transcript's "first day" link, remembered in
the room row) or at ``since``'s day, and follows each page's "next day" link, so days without
messages cost nothing. A day is one page, or on busy days one page per hour slice of the day's
pager; each page is stored in one transaction together with a fetch record
(``TranscriptPageFetch``). A
day whose stored pages cover all 24 hours and were fetched within ``max_age`` seconds is not fetched
again — which is also how an interrupted import resumes: the days it finished are fresh. When a
fetch fails, stored pages within the client's ``required_max_age`` are used with a warning (the
freshness rule).

The walk is a pipeline: the next day's page is requested as soon as the parser has read the
"next day" link, before it reads the messages, and a parsed page goes to the database thread
without waiting. So the server's answer, the parser and the database overlap. At most one page
is requested ahead and two parsed pages wait for the database, so memory does not grow with the
room.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from .. import store
from .._time import UTC
from ..errors import StorageError
from . import _archive
from ._bounds import Window, window
from .freshness import Freshness, age_seconds, resolve

if TYPE_CHECKING:
    from ._async import AsyncClient
    from .objects import Message, Room

__all__ = ["History", "ImportStats", "PageProgress", "ProgressCallback"]

log = logging.getLogger("chatexchange.client.history")


@dataclass(frozen=True, slots=True)
class PageProgress:
    """One transcript day done: ``pages`` requested for it (0 when the stored copy was fresh)."""

    server: str
    room_id: int
    day: date
    fetched: bool
    pages: int
    messages: int
    total_days: int
    total_pages_fetched: int
    total_messages_stored: int


ProgressCallback = Callable[[PageProgress], "Awaitable[None] | None"]


@dataclass(slots=True)
class ImportStats:
    """What an import did: days walked, pages fetched, days served from the archive, messages."""

    server: str
    room_id: int
    days: int = 0
    pages_fetched: int = 0
    days_skipped: int = 0
    messages_stored: int = 0
    first_day: date | None = None
    last_day: date | None = None
    failed_days: list[date] = field(default_factory=list)


def _covering(records: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
    """Stored fetch records that together cover hours 0-24 of a day, or None."""
    by_start: dict[int, dict[str, Any]] = {}
    for record in records:
        best = by_start.get(record["hour_start"])
        if best is None or record["hour_end"] > best["hour_end"]:
            by_start[record["hour_start"]] = record
    chosen = []
    hour = 0
    while hour < 24:
        found = by_start.get(hour)
        if found is None or found["hour_end"] <= hour:
            return None
        chosen.append(found)
        hour = record["hour_end"]
    return chosen


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), UTC)


class History:
    def __init__(self, client: AsyncClient) -> None:
        self.client = client

    async def import_history(
        self,
        room: Room,
        since: Any,
        until: Any,
        max_age: float | None,
        progress: ProgressCallback | None,
    ) -> ImportStats:
        stats = ImportStats(room.server.slug, room.id)
        bounds = await window(room.server, since, until)
        async for _day in self._walk(room, bounds, max_age, stats, progress):
            pass
        return stats

    async def messages(
        self, room: Room, since: Any, until: Any, max_age: float | None
    ) -> AsyncIterator[Message]:
        from .objects import Message

        client = self.client
        stats = ImportStats(room.server.slug, room.id)
        bounds = await window(room.server, since, until)
        room_meta_id = await self._room_meta_id(room)
        slug = room.server.slug
        async for day in self._walk(room, bounds, max_age, stats, None):
            start = _day_start(day)
            rows = await client._db.read(
                _archive.room_messages,
                room_meta_id,
                start,
                start + timedelta(days=1),
                *bounds.filter_args(),
            )
            for row in rows:
                yield client._obj(Message, slug, row)

    async def _room_meta_id(self, room: Room) -> int:
        meta_id: int | None = room._values.get("meta_id")
        if meta_id is not None:
            return meta_id
        client = self.client
        sid = room.server.meta_id
        row = await client._db.read(_archive.room, sid, room.id)
        if row is None:
            await client._db.call(store.upsert_rooms, client._engine, sid, [(room.id, room.name)])
            row = await client._db.read(_archive.room, sid, room.id)
        if row is None:
            raise StorageError(f"room {room.id} is missing right after it was written")
        stored: int = row["meta_id"]
        return stored

    async def _walk(
        self,
        room: Room,
        bounds: Window,
        max_age: float | None,
        stats: ImportStats,
        progress: ProgressCallback | None,
    ) -> AsyncIterator[date]:
        """Make sure every day of ``bounds`` is archived, yielding each day once it is.

        Fetching and parsing run ahead of storing: a page is handed to the database thread and
        the next one is requested while it is written, so the server's answer, the parser and
        the database overlap. A day is counted, reported and yielded once its pages are
        committed; at most two pages wait for the database (memory does not grow with the room).
        """
        client = self.client
        fresh = client.freshness.override(max_age)
        room_meta_id = await self._room_meta_id(room)
        prefetched: dict[date, tuple[int, int]] = {}
        first = await self._first_day(room, room_meta_id, prefetched)
        day: date | None = first
        if bounds.first_day is not None and (day is None or bounds.first_day > day):
            day = bounds.first_day
        stats.first_day = day
        records = _Records(client, room_meta_id)
        inflight: list[asyncio.Future[int]] = []
        ahead: dict[date, asyncio.Task[Any]] = {}  # the next day's page, requested early

        def request_ahead(current: date, next_day: date | None) -> None:
            """Request ``next_day``'s page now (unless it is fresh in the archive): the server
            answers while ``current`` is parsed and written."""
            if (
                next_day is None
                or next_day <= current
                or next_day in ahead
                or (bounds.last_day is not None and next_day > bounds.last_day)
            ):
                return
            ahead[next_day] = asyncio.ensure_future(
                self._response_if_stale(room, next_day, records, fresh)
            )

        # Days whose pages were handed to the database thread and are not counted yet, oldest
        # first: (day, pages fetched, their stores); a day is done once the next one is fetched.
        waiting: list[tuple[date, int, list[asyncio.Future[int]]]] = []

        async def done() -> date:
            day, fetched_pages, stores = waiting[0]
            count = sum([await pending for pending in stores])
            waiting.pop(0)
            if not fetched_pages and day in prefetched:  # fetched just now to find the first day
                fetched_pages, count = prefetched.pop(day)
            stats.days += 1
            stats.last_day = day
            if fetched_pages:
                stats.pages_fetched += fetched_pages
                stats.messages_stored += count
            else:
                stats.days_skipped += 1
            if progress is not None:
                result = progress(
                    PageProgress(
                        room.server.slug,
                        room.id,
                        day,
                        bool(fetched_pages),
                        fetched_pages,
                        count,
                        stats.days,
                        stats.pages_fetched,
                        stats.messages_stored,
                    )
                )
                if inspect.isawaitable(result):
                    await result
            return day

        try:
            while day is not None and (bounds.last_day is None or day <= bounds.last_day):
                cover = _covering(await records.of(day))
                next_day, fetched_pages, stores = await self._ensure_day(
                    room,
                    day,
                    cover,
                    fresh,
                    inflight,
                    ahead.pop(day, None),
                    functools.partial(request_ahead, day),
                )
                waiting.append((day, fetched_pages, stores))
                # A day served from the archive was not parsed: its next day is requested here.
                request_ahead(day, next_day)
                if len(waiting) > 1:
                    yield await done()
                if next_day is not None and next_day <= day:  # a malformed link must not loop
                    log.warning(
                        "transcript of room %s: next day %s after %s", room.id, next_day, day
                    )
                    next_day = None
                day = next_day
            while waiting:
                yield await done()
        finally:
            for task in ahead.values():
                if task.done() and not task.cancelled():
                    task.exception()  # not needed after all: neither its page nor its error
                task.cancel()
            # Interrupted: pages already handed over still commit; count them.
            for day, _pages, stores in waiting:
                results = await asyncio.gather(*stores, return_exceptions=True)
                stored = [r for r in results if isinstance(r, int)]
                if stored:
                    stats.days += 1
                    stats.last_day = day
                    stats.pages_fetched += len(stored)
                    stats.messages_stored += sum(stored)

    async def _first_day(
        self, room: Room, room_meta_id: int, prefetched: dict[date, tuple[int, int]] | None = None
    ) -> date | None:
        """The room's first transcript day (remembered in the room row once a page told us).

        Finding it out means reading the latest day's page, which is stored like any other and
        noted in ``prefetched`` (day -> pages, messages) so the walk reports it as fetched.
        """
        client = self.client
        row = await client._db.read(_archive.room, room.server.meta_id, room.id)
        if row is not None and row.get("first_day") is not None:
            known: date = row["first_day"]
            return known
        connection = await client._reader(room.server.slug)
        page = await connection.transcript(room.id)
        count = await self._store(room.server.meta_id, page)
        if prefetched is not None and not page.hours:
            prefetched[page.date] = (1, count)
        first: date = page.first_day or page.date
        return first

    async def _ensure_day(
        self,
        room: Room,
        day: date,
        cover: list[dict[str, Any]] | None,
        fresh: Freshness,
        inflight: list[asyncio.Future[int]],
        first_page: asyncio.Task[Any] | None,
        on_next_day: Callable[[date | None], None],
    ) -> tuple[date | None, int, list[asyncio.Future[int]]]:
        """Archive one day unless stored fresh (``cover``: its stored page records):
        ``(next day, pages fetched, the stores of its pages, each giving a message count)``.
        ``first_page``: the day's page, already requested (None inside if it was found fresh);
        ``on_next_day`` is told the next day as soon as the day's page links to it."""
        client = self.client
        local: tuple[date | None, int, list[asyncio.Future[int]]] | None = None
        updated = None
        if cover is not None:
            local = (cover[-1]["next_day"], 0, [])
            updated = min(r["fetched"] for r in cover)

        async def fetch() -> tuple[date | None, int, list[asyncio.Future[int]]]:
            return await self._fetch_day(room, day, inflight, first_page, on_next_day)

        if first_page is not None and not _stale(cover, fresh, client.now()):
            first_page.cancel()  # fresh after all (stored meanwhile by someone else)
            first_page = None

        return await resolve(
            f"transcript {room.server.slug}/r/{room.id} {day.isoformat()}",
            local,
            updated,
            fetch,
            fresh,
            client.now(),
        )

    async def _fetch_day(
        self,
        room: Room,
        day: date,
        inflight: list[asyncio.Future[int]],
        first_page: asyncio.Task[Any] | None,
        on_next_day: Callable[[date | None], None],
    ) -> tuple[date | None, int, list[asyncio.Future[int]]]:
        sid = room.server.meta_id
        connection = await self.client._reader(room.server.slug)
        response = None if first_page is None else await first_page
        if response is None:
            response = await connection.transcript_response(room.id, day)
        page = await connection.transcript_page(response, on_next_day)
        stores = [await self._store_soon(sid, page, inflight)]
        if page.hours:
            done = {(page.start_hour, page.end_hour)}
            for hour_slice in page.hours:
                key = (hour_slice.start, hour_slice.end)
                if key in done:
                    continue
                done.add(key)
                slice_page = await connection.transcript(room.id, day, key)
                stores.append(await self._store_soon(sid, slice_page, inflight))
        return page.next_day, len(stores), stores

    async def _response_if_stale(
        self, room: Room, day: date, records: _Records, fresh: Freshness
    ) -> Any:
        """``day``'s page as it arrived, not parsed yet; None when the archive's copy is fresh."""
        if not _stale(_covering(await records.of(day)), fresh, self.client.now()):
            return None
        connection = await self.client._reader(room.server.slug)
        return await connection.transcript_response(room.id, day)

    async def _store_soon(
        self, server_meta_id: int, page: Any, inflight: list[asyncio.Future[int]]
    ) -> asyncio.Future[int]:
        """Hand ``page`` to the database thread (one page, one transaction) without waiting for
        it; waits only while two pages are already waiting, so parsed pages do not pile up."""
        while len(inflight) >= _INFLIGHT:
            await asyncio.wait([inflight[0]])
            inflight.pop(0)
        client = self.client
        future = client._db.submit(
            _stored_count, client._engine, server_meta_id, page, client.now()
        )
        inflight.append(future)
        return future

    async def _store(self, server_meta_id: int, page: Any) -> int:
        """One page, one transaction (messages, owners, room and the fetch record)."""
        client = self.client
        return await client._db.call(
            _stored_count, client._engine, server_meta_id, page, client.now()
        )


#: Pages handed to the database thread and not yet written, at most.
_INFLIGHT = 2
#: Days of page fetch records read at once (one read instead of one per day).
_RECORD_DAYS = 64


def _stale(cover: list[dict[str, Any]] | None, fresh: Freshness, now: datetime) -> bool:
    """Whether a day with these stored page records is fetched (the freshness rule's first
    step)."""
    if cover is None:
        return True
    return age_seconds(min(r["fetched"] for r in cover), now) >= fresh.desired_max_age


def _stored_count(engine: Any, server_meta_id: int, page: Any, fetched: datetime) -> int:
    return store.upsert_transcript_page(engine, server_meta_id, page, fetched=fetched).messages


class _Records:
    """The stored page fetch records of a room, read ``_RECORD_DAYS`` days at a time."""

    def __init__(self, client: AsyncClient, room_meta_id: int) -> None:
        self.client = client
        self.room_meta_id = room_meta_id
        self.start: date | None = None
        self.end: date | None = None
        self.by_day: dict[date, list[dict[str, Any]]] = {}

    async def of(self, day: date) -> list[dict[str, Any]]:
        if self.start is None or self.end is None or not self.start <= day < self.end:
            start, end = day, day + timedelta(days=_RECORD_DAYS)
            rows = await self.client._db.read(
                _archive.page_fetches_between, self.room_meta_id, start, end
            )
            by_day: dict[date, list[dict[str, Any]]] = {}
            for row in rows:
                by_day.setdefault(row["day"], []).append(row)
            # Set together after the read: the walk and an early request may both be reading.
            self.start, self.end, self.by_day = start, end, by_day
        return self.by_day.get(day, [])
