"""Running a bot on live rooms, through the client's public event streams.

One consumer per chat server reads ``server.events(rooms=...)`` (the transport's watcher behind it:
websocket with reconnect and gap filling, polling fallback; every event archived before it is
handed out). Every event goes to the bot's routes of its kind; each new message (posted, or a reply
notification) also goes to the message rules, once: message ids already handled are remembered,
so an event the transport repeats, or a message seen again while catching up, is never answered
twice. If the stream fails altogether, the consumer subscribes again and reads the rooms' messages
posted since the last one it saw (``room.messages(since=...)``), so nothing posted meanwhile is
lost. Answers go through ``message.reply()`` / ``room.send()``, the transport's ordered,
throttle-aware write queue.

With a :class:`~._fleet.Fleet` (several processes on PostgreSQL) a room is handled only while this
process holds its lease: on taking a room over, the messages after the position the lease row holds
(else the bot's saved position) are caught up as after a restart (what already has our reply is
not answered again); then live events of the room are handled again. Every answer is posted only
while the lease is locally valid, and each handled message advances the lease's position (fenced).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import math
import time
from collections import OrderedDict
from datetime import datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, select
from sqlalchemy.exc import SQLAlchemyError

from .. import _fencing, errors
from .._rules import backoff
from ..client import Room, User, event_record
from ..event_types import EventType
from ..models import Event as EventRow
from ..models import Room as RoomRow
from ._core import answer_text
from ._delivery import Delivery

__all__ = ["LiveRun"]

log = logging.getLogger("chatexchange.bot")

_POSTED = (EventType.MESSAGE_POSTED, EventType.MESSAGE_REPLY)
_EDITED = EventType.MESSAGE_EDITED
_ROOM_CHANGED = (EventType.ROOM_CHANGED, EventType.ACCESS_CHANGED)
_USER_TTL = 3600.0
#: Messages asked of a room's events endpoint when catching up (beyond: transcript pages).
_RECENT = 100
#: Message ids per room a run remembers exactly (older ones are under the room's floor).
_HANDLED_WINDOW = 2_000
#: The archive's database failed (a lost session, a partition, a server restart, a deadlock):
#: SQLAlchemy's errors reach us from the archive's reads and writes, ``StorageError`` from the
#: store's, and the driver's own (its DB-API ``Error``) from the store's raw batched writes.
_DATABASE_ERRORS: tuple[type[BaseException], ...] = (SQLAlchemyError, errors.StorageError)


def _database_errors(*engines: Any) -> tuple[type[BaseException], ...]:
    drivers = {getattr(getattr(e.dialect, "dbapi", None), "Error", None) for e in engines}
    return _DATABASE_ERRORS + tuple(d for d in drivers if isinstance(d, type))
#: Archived events read at once when a room taken over is caught up.
_EVENT_BATCH = 200


def _archived_events(
    conn: Connection, server_meta_id: int, room_id: int, after: int, limit: int
) -> list[str]:
    """The payloads of the room's archived chat events after event id ``after``, oldest first."""
    rooms, events = RoomRow.__table__, EventRow.__table__
    return list(conn.execute(
        select(events.c.raw)
        .join(rooms, rooms.c.meta_id == events.c.room_meta_id)
        .where(rooms.c.server_meta_id == server_meta_id, rooms.c.id == room_id,
               events.c.id > after)
        .order_by(events.c.id)
        .limit(limit)
    ).scalars())


class _Seen(OrderedDict[Any, Any]):
    def __init__(self, size: int = 50_000) -> None:
        super().__init__()
        self.size = size

    def add(self, key: Any, value: Any = None) -> None:
        self[key] = value
        self.move_to_end(key)
        if len(self) > self.size:
            self.popitem(last=False)


class _Handled:
    """The messages handled, per room: the last ``size`` ids exactly, and below them a floor (the
    highest id pushed out) at or under which a message counts as handled. Memory stays bounded
    (about 0.4 MiB a room for 2,000 ids) and a repeat is still never answered: a room's messages
    are handled in id order (catch-up reads them ascending, the feed delivers them so)."""

    def __init__(self, size: int | None = None) -> None:
        self.size = size or _HANDLED_WINDOW
        self.rooms: dict[tuple[str, int], tuple[OrderedDict[int, None], list[int]]] = {}

    def _room(self, room: tuple[str, int]) -> tuple[OrderedDict[int, None], list[int]]:
        found = self.rooms.get(room)
        if found is None:
            found = self.rooms[room] = (OrderedDict(), [0])
        return found

    def add(self, room: tuple[str, int], message_id: int) -> None:
        recent, floor = self._room(room)
        recent[message_id] = None
        recent.move_to_end(message_id)
        if len(recent) > self.size:
            pushed_out, _ = recent.popitem(last=False)
            floor[0] = max(floor[0], pushed_out)

    def seen(self, room: tuple[str, int], message_id: int) -> bool:
        recent, floor = self._room(room)
        return message_id in recent or message_id <= floor[0]

    def recent(self, room: tuple[str, int], message_id: int) -> bool:
        """Handled lately (an edit of an older message is not answered again)."""
        return message_id in self._room(room)[0]

    def up_to(self, room: tuple[str, int], message_id: int) -> None:
        """Count every message of ``room`` up to ``message_id`` as handled (a position taken
        over: those were handled, or deliberately left, before)."""
        floor = self._room(room)[1]
        floor[0] = max(floor[0], message_id)

    def discard(self, room: tuple[str, int], message_id: int) -> None:
        self._room(room)[0].pop(message_id, None)


class LiveRun:
    """One ``bot.run(*rooms)``: the rooms, who we are, and what was handled."""

    def __init__(
        self,
        bot: Any,
        rooms: list[Any],
        *,
        post: bool = True,
        catch_up: str | float = "all",
        delivery: Delivery | None = None,
        coordination: Any = None,
        archive: Any = None,
    ) -> None:
        if not rooms:
            raise ValueError("run() needs at least one room")
        if archive is not None and coordination is False:
            raise ValueError("archive= names the database to coordinate through, but "
                             "coordination=False turns coordination off: give one of them")
        if archive is not None and getattr(coordination, "database", None) is not None:
            raise ValueError("the database to coordinate through is given twice: as archive= "
                             "and as Coordination(database=...); give it once")
        if not (catch_up in ("all", "skip") or (
            isinstance(catch_up, (int, float)) and not isinstance(catch_up, bool) and catch_up >= 0
        )):
            raise ValueError(
                f"catch_up={catch_up!r}: use 'all', 'skip' or a number of seconds (answer the "
                "missed commands younger than that)"
            )
        self.catch_up = catch_up
        self.delivery = delivery or Delivery()
        self.bot = bot
        self.client = rooms[0].client
        self.post = post
        self.rooms: dict[tuple[str, int], Any] = {}
        for room in rooms:
            if room.client is not self.client:
                raise ValueError("all rooms of one run must come from the same client")
            self.rooms[(room.server.slug, room.id)] = room
        self.me: dict[str, int | None] = {}
        self.handled = _Handled()
        # (slug, message id) -> our answer (a client Message), kept only for edits="update"
        self.answers = _Seen(5_000)
        self.last_seen: dict[tuple[str, int], int] = {}
        self.saved: dict[tuple[str, int], int] = {}  # positions as written to the archive
        # handled before this run (the saved position at the start): a replayed event of one of
        # these messages is not news
        self.floor: dict[tuple[str, int], int] = {}
        # event routes: the newest chat event passed per room, and as written to the archive
        self.routes_events = any(b.observers for b in bot._reach())
        self.event_seen: dict[tuple[str, int], int] = {}
        self.event_saved: dict[tuple[str, int], int] = {}
        # an event whose answer a killed process may have posted (its id, the room's newest
        # message id before that answer), per room, as the archive had it at the start
        self.answering: dict[tuple[str, int], tuple[int, int]] = {}
        self.posted: dict[tuple[str, int], int] = {}  # the newest answer of ours per room
        self.users: dict[tuple[str, int | None], tuple[float, Any]] = {}
        self.stopping = asyncio.Event()
        self.running = asyncio.Event()
        self.coordination = coordination
        self.archive = archive
        self.database_errors = _database_errors(self.client.sql_engine)
        self.stream_errors: tuple[type[BaseException], ...] = (
            errors.ChatExchangeError, *self.database_errors)
        self.fleet: Any = None
        self.ready: set[tuple[str, int]] = set()  # rooms held and caught up
        self.catching: set[tuple[str, int]] = set()  # rooms held, being caught up
        self.lock = asyncio.Lock()  # one message handled at a time (catch-up vs live events)
        self._takeovers: set[asyncio.Task[None]] = set()

    # -- setup -----------------------------------------------------------------------------------

    async def _prepare(self) -> None:
        client = self.client
        for slug in {slug for slug, _ in self.rooms}:
            me = await client.server(slug).me() if client.authenticated else None
            if me is None and self.post:
                raise errors.AuthRequiredError(
                    "a bot needs credentials to answer: give the client auth=(email, password) "
                    "or run with post=False to only log what it would answer"
                )
            self.me[slug] = None if me is None else me.id
        for key, room in list(self.rooms.items()):
            self.rooms[key] = await self._fresh_room(room)

    async def _fresh_room(self, room: Any) -> Any:
        try:
            return await room.server.room(room.id, desired_max_age=0, required_max_age=None)
        except errors.ChatExchangeError as error:
            log.warning("could not read room %s/r/%s: %s", room.server.slug, room.id, error)
            return room

    async def _user(self, slug: str, user_id: int | None, name: str | None) -> Any:
        if user_id is None:
            return None
        key = (slug, user_id)
        now = time.monotonic()
        cached = self.users.get(key)
        if cached is not None and now - cached[0] < _USER_TTL:
            return cached[1]
        client = self.client
        user = User(client, {"server_slug": slug, "id": user_id, "name": name})
        if user_id > 0:
            try:
                user = await client.server(slug).user(user_id, desired_max_age=_USER_TTL)
            except errors.ChatExchangeError as error:
                log.debug("no profile for %s/u/%s: %s", slug, user_id, error)
        self.users[key] = (now, user)
        return user

    async def _message(self, slug: str, message_id: int | None) -> Any:
        """The message as the archive has it (the event was archived before it reached us)."""
        if message_id is None:
            return None
        try:
            return await self.client.server(slug).message(message_id, desired_max_age=math.inf)
        except self.database_errors:
            raise
        except errors.ChatExchangeError as error:
            log.debug("no message %s/m/%s: %s", slug, message_id, error)
            return None

    # -- running ---------------------------------------------------------------------------------

    def _active(self, room_key: tuple[str, int] | None) -> bool:
        """Whether this process answers in ``room_key`` now (always without a fleet)."""
        if self.fleet is None:
            return True
        if room_key is None or room_key not in self.rooms:
            room_key = next(iter(self.rooms))  # events of no watched room: the first room's holder
        ours = room_key in self.ready or room_key in self.catching
        return ours and self.fleet.holds(room_key)

    async def _start_fleet(self) -> list[asyncio.Future[Any]]:
        from ._fleet import Coordination, Fleet, coordination_engine, guard_archive

        config = self.coordination
        if config is False:
            return []
        if config is None or config is True:
            config = Coordination()
        database = config.database
        if database is None:
            database = self.archive if self.archive is not None else self.client.sql_engine
        engine = await asyncio.to_thread(coordination_engine, database)
        if engine is None:
            log.debug("%s: not on PostgreSQL: one process, no coordination", self.bot.name)
            return []
        guard_archive(self.client.sql_engine, config.lease)
        self.database_errors = _database_errors(self.client.sql_engine, engine)
        self.stream_errors = (errors.ChatExchangeError, *self.database_errors)
        self.fleet = Fleet(
            engine, self.bot.name, list(self.rooms), config,
            on_acquired=self._acquired, on_lost=self.ready.discard,
        )
        await self.fleet.start()
        return [asyncio.ensure_future(self.fleet.run())]

    def _acquired(self, room_key: tuple[str, int], position: int | None) -> None:
        self.ready.discard(room_key)
        task = asyncio.ensure_future(self._take_over(room_key, position))
        self._takeovers.add(task)
        task.add_done_callback(self._takeovers.discard)

    async def _take_over(self, room_key: tuple[str, int], position: int | None) -> None:
        """Answer what was posted in the room after the position and has no answer yet, then
        handle its live events (see the module docstring)."""
        slug, room_id = room_key
        fleet = self.fleet
        async with self.lock:
            while fleet.holds(room_key):
                try:
                    if position is None:  # first coordinated run: the bot's saved position
                        position = await self.client.bot_position(
                            self.bot.name, self.rooms[room_key])
                    self.catching.add(room_key)
                    events = await self._event_position(room_key)
                    if position is None:  # nobody handled this room before: start from now
                        self.last_seen.pop(room_key, None)
                        await self._note_newest(slug, [room_id])
                        fleet.advance(room_key, self.last_seen.get(room_key, 0))
                        await fleet.flush()
                        await self._save_position(room_key)
                    else:
                        # a live event of an older message may still come (its archive write
                        # waited, e.g. on rows a stalled holder had locked): never answered here
                        self.last_seen[room_key] = position
                        self.handled.up_to(room_key, position)
                        await self._catch_up_room(slug, room_id, position + 1)
                    if events is not None:
                        await self._catch_up_events(room_key)
                    if fleet.holds(room_key):
                        self.ready.add(room_key)
                        fleet.steady()
                    return
                except self.database_errors as error:
                    self._database_lost(error)
                    return
                except errors.ChatExchangeError as error:
                    log.warning("%s: could not catch up %s/r/%s (%s); again shortly",
                                self.bot.name, slug, room_id, error)
                    await asyncio.sleep(1.0)
                except Exception:  # a bug: the room goes to a process that may do better
                    log.exception("%s: catching up %s/r/%s failed", self.bot.name, slug, room_id)
                    fleet.stand_by(f"catching up {slug}/r/{room_id} failed")
                    return
                finally:
                    self.catching.discard(room_key)

    async def _event_position(self, room_key: tuple[str, int]) -> int | None:
        """On taking a room over: the event position its previous holders kept, from which the
        event routes resume (None: no event routes, or none ran there before: from now on). What
        this process passed while standing by was not routed, so it goes back there."""
        if not self.routes_events:
            return None
        room = self.rooms[room_key]
        position = await self.client.bot_position(self.bot.name, room, events=True)
        if position is not None:
            self.event_seen[room_key] = self.event_saved[room_key] = position
        return position  # type: ignore[no-any-return]

    async def _catch_up_events(self, room_key: tuple[str, int]) -> None:
        """Route the room's chat events after its event position as live. Every process archives
        the live events of all its rooms, standbys too, so the events of the takeover gap are in
        the archive; live events after them follow once the room is ready."""
        room = self.rooms[room_key]
        while self.fleet.holds(room_key):
            payloads = await self.client._db.read(
                _archived_events, room.server.meta_id, room_key[1],
                self.event_seen[room_key], _EVENT_BATCH,
            )
            for payload in payloads:
                await self._on_event(room_key[0], event_record(orjson.loads(payload)))
            if len(payloads) < _EVENT_BATCH:
                return

    async def run(self) -> None:
        self.started = self.client.now()
        await self._prepare()
        extra = await self._start_fleet()
        slugs: dict[str, list[int]] = {}
        for slug, room_id in self.rooms:
            slugs.setdefault(slug, []).append(room_id)
        tasks: list[asyncio.Future[Any]] = [
            asyncio.ensure_future(self._consume(slug, room_ids)) for slug, room_ids in slugs.items()
        ]
        tasks += extra
        stop = asyncio.ensure_future(self.stopping.wait())
        try:
            done, _ = await asyncio.wait([*tasks, stop], return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task is not stop and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
        finally:
            for task in [*tasks, stop, *self._takeovers]:
                task.cancel()
            for task in [*tasks, *self._takeovers]:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            if self.fleet is not None:
                await self.fleet.close()
                self.fleet.engine.dispose()
            self.running.clear()

    async def _consume(self, slug: str, room_ids: list[int]) -> None:
        server = self.client.server(slug)
        failures = 0
        lost: datetime | None = None
        while True:
            after = await self._events_after(slug, room_ids, first=lost is None)
            stream = server.events(rooms=room_ids, after=after)
            try:
                await stream.start()
                async with self.lock:
                    if lost is None and self.fleet is not None:
                        await self._note_newest(slug, room_ids)  # the fleet's takeovers catch up
                    elif lost is None:
                        await self._begin(slug, room_ids)
                    else:
                        await self._catch_up(slug, room_ids, lost)
                self.running.set()
                async for event in stream:
                    failures = 0
                    async with self.lock:
                        await self._on_event(slug, event)
                return  # the stream ended (the client closes)
            except asyncio.CancelledError:
                raise
            except self.stream_errors as error:
                if isinstance(error, self.database_errors):
                    self._database_lost(error)
                failures += 1
                lost = lost or self.client.now()
                self.bot.stats["resubscribed"] += 1
                delay = backoff(failures, 1.0, 30.0)
                log.warning("live events of %s failed (%s); again in %.1fs", slug,
                            str(error).splitlines()[0] if str(error) else repr(error), delay)
                await asyncio.sleep(delay)
            finally:
                await stream.aclose()

    async def _events_after(
        self, slug: str, room_ids: list[int], *, first: bool
    ) -> dict[int, int] | None:
        """Where each room's events resume for the event routes: after the event position kept in
        the archive (at the start) or after the last event passed (after a failed feed), so that
        joins, stars, edits... of the time away are routed too, each once. None: from now on (no
        event routes, a first start in the room, or a fleet, whose takeovers catch up)."""
        if not self.routes_events or self.fleet is not None:
            return None
        after: dict[int, int] = {}
        for room_id in room_ids:
            key = (slug, room_id)
            if first:
                saved = await self.client.bot_position(self.bot.name, self.rooms[key], events=True)
                if saved is not None:
                    self.event_saved[key] = max(saved, self.event_saved.get(key, 0))
                    self.event_seen[key] = max(saved, self.event_seen.get(key, 0))
                    doubt = await self.client.bot_answering(self.bot.name, self.rooms[key])
                    if doubt is not None and doubt[0] > saved:
                        self.answering[key] = doubt
            if key in self.event_seen:
                after[room_id] = self.event_seen[key]
        return after or None

    async def _note_newest(self, slug: str, room_ids: list[int]) -> None:
        """Note each room's newest message (from the room's events endpoint), so that a catch-up
        never answers what was posted before the bot started (the stream is open already: what
        follows comes through it)."""
        for room_id in room_ids:
            key = (slug, room_id)
            try:
                recent = await self.rooms[key].recent_messages(1)
            except self.database_errors:
                raise
            except errors.ChatExchangeError as error:
                log.warning("could not read recent messages of %s/r/%s: %s", slug, room_id, error)
                continue
            self.last_seen[key] = max(self.last_seen.get(key, 0), recent[-1].id if recent else 0)

    async def _begin(self, slug: str, room_ids: list[int]) -> None:
        """At the start: a room this bot has handled before (its position is in the archive)
        catches up from the message after it; a new one starts with what comes next."""
        for room_id in room_ids:
            key = (slug, room_id)
            saved = await self.client.bot_position(self.bot.name, self.rooms[key])
            if saved is None:
                await self._note_newest(slug, [room_id])
                await self._save_position(key)
                continue
            self.last_seen[key] = self.saved[key] = self.floor[key] = saved
            await self._catch_up_room(slug, room_id, saved + 1)

    async def _catch_up(self, slug: str, room_ids: list[int], lost: datetime) -> None:
        """Answer what was posted while no stream was open: each room's messages after the last
        one seen (or, in a room quiet for an hour before the start, since shortly before the
        stream was lost: transcript times are minutes)."""
        for room_id in room_ids:
            floor = self.last_seen.get((slug, room_id))
            since: Any = self.started - timedelta(minutes=2) if floor is None else floor + 1
            await self._catch_up_room(slug, room_id, since)

    async def _catch_up_room(self, slug: str, room_id: int, since: Any) -> None:
        """The room's messages from ``since`` (a message id or a time) up to now, read fresh from
        the transcript, through the message rules as if live, minus what the ``catch_up`` policy
        skips (logged) and what we had answered already (our reply is in the room: a restart
        between answering and saving the position).

        Two passes, so that a long gap is never held in memory at once: the first reads (and
        archives) the gap a day at a time and keeps only the ids of what has our reply and what
        the policy skips; the second reads it back from the archive, a day at a time, and answers
        the rest."""
        key = (slug, room_id)
        me = self.me.get(slug)
        room = self.rooms[key]
        exact, covered = await self._recent(room, since)
        now = self.client.now()

        def stale(message: Any) -> bool:
            return message.owner_id != me and (self.catch_up == "skip" or (
                not isinstance(self.catch_up, str)
                and (now - message.time).total_seconds() > self.catch_up
            ))

        answered: set[int] = set()
        skipped: list[int] = []
        newest = None
        async for message in self._missed(room, since, exact, covered, max_age=0):
            newest = message.id
            if me is not None and message.owner_id == me and message.parent_id is not None:
                answered.add(message.parent_id)
            if stale(message):
                skipped.append(message.id)
        skipped = [m for m in skipped if m not in answered]
        if skipped:  # said before answering the rest: never silently
            self.bot.stats["skipped"] += len(skipped)
            log.warning(
                "%s skipped %d messages of %s/r/%s posted while it was away (catch_up=%r): %s",
                self.bot.name, len(skipped), slug, room_id, self.catch_up,
                ", ".join(map(str, skipped)),
            )
        if newest is not None:
            async for message in self._missed(room, since, exact, covered, max_age=math.inf):
                if message.id > newest:
                    break  # newer than the first pass: the live feed brings it
                if message.id in answered or stale(message):
                    self.handled.add(key, message.id)
                    continue
                await self._on_message(slug, message, None, edited=False)
            self.last_seen[key] = max(self.last_seen.get(key, 0), newest)
        await self._save_position(key)

    async def _recent(self, room: Any, since: Any) -> tuple[dict[int, Any], bool]:
        """The room's newest messages from its events endpoint (exact times), by id, and whether
        they reach back to ``since`` (then they are the whole gap)."""
        recent: list[Any] = []
        try:
            recent = await room.recent_messages(_RECENT)
        except errors.ChatExchangeError as error:
            log.info("could not read the recent messages of %r (%s); reading the transcript",
                     room, error)
        covers = bool(recent) and (len(recent) < _RECENT or recent[0].id < since)
        return {m.id: m for m in recent}, isinstance(since, int) and covers

    async def _missed(
        self, room: Any, since: Any, exact: dict[int, Any], covered: bool, *, max_age: float
    ) -> Any:
        """The messages from ``since`` on: the events endpoint's answer when it covers the gap,
        else transcript pages (a long gap; the newest messages still get the endpoint's exact
        times, older ones the transcript's, which chat gives per group of messages: a group's
        later messages look as old as its first). ``max_age``: 0 reads the transcript fresh,
        ``math.inf`` reads back what the first pass archived."""
        if covered:
            for message in exact.values():
                if message.id >= since:
                    yield message
            return
        async for message in room.messages(since=since, max_age=max_age):
            yield exact.get(message.id, message)

    async def _save_position(self, key: tuple[str, int]) -> None:
        """Keep the room's position in the archive (a restart resumes from it)."""
        await self._save_event_position(key)
        position = self.last_seen.get(key)
        if self.fleet is not None and position is not None:
            if not self.fleet.holds(key):
                return  # not ours (any more): the holder keeps the position
            self.fleet.advance(key, position)
        if position is None or position <= self.saved.get(key, 0):
            return
        await self.client.advance_bot_position(self.bot.name, self.rooms[key], position)
        self.saved[key] = position

    async def _save_event_position(self, key: tuple[str, int]) -> None:
        """Keep the newest event the room's event routes passed (a restart, or the next process to
        take the room, replays after it). With a fleet only the room's holder writes it."""
        position = self.event_seen.get(key)
        if position is None or position <= self.event_saved.get(key, 0):
            return
        if self.fleet is not None and not self.fleet.holds(key):
            return
        await self.client.advance_bot_position(
            self.bot.name, self.rooms[key], position, events=True
        )
        self.event_saved[key] = position

    async def _on_event(self, slug: str, event: Any) -> None:
        key = (slug, event.room_id)
        event_id = event.id
        if self.routes_events and event_id is not None and key in self.rooms:
            if event_id <= self.event_seen.get(key, 0):
                return  # passed already (a replay after a failed feed or a restart)
            await self._on_new_event(slug, event)
            self.event_seen[key] = max(event_id, self.event_seen.get(key, 0))
            if key not in self.event_saved or self.bot.has_routes(event.event_type):
                await self._save_event_position(key)
            return
        await self._on_new_event(slug, event)

    async def _on_new_event(self, slug: str, event: Any) -> None:
        kind = event.event_type
        if kind in _ROOM_CHANGED:
            key = (slug, event.room_id)
            if key in self.rooms:
                self.rooms[key] = await self._fresh_room(self.rooms[key])
                self.bot.forget_tags()
        mine = event.user_id is not None and event.user_id == self.me.get(slug)
        message = None
        message_id = getattr(event, "message_id", None)
        watched = (slug, event.room_id) in self.rooms
        if watched and message_id is not None and (kind in _POSTED or kind == _EDITED):
            message = await self._message(slug, message_id)
            if message is not None:
                await self._on_message(slug, message, event, edited=kind == _EDITED)
        if mine or not self.bot.has_routes(kind) or not self._active((slug, event.room_id)):
            return
        if message is None and message_id is not None:
            message = await self._message(slug, message_id)
        await self._route(slug, event, message)

    async def _on_message(self, slug: str, message: Any, event: Any, *, edited: bool) -> None:
        room_key = (slug, message.room_id)
        if room_key not in self.rooms or not self._active(room_key):
            return  # (another process answers there; it catches up from the room's position)
        if not edited:
            self.last_seen[room_key] = max(self.last_seen.get(room_key, 0), message.id)
            if self.handled.seen(room_key, message.id) or message.id <= self.floor.get(room_key, 0):
                return
            self.handled.add(room_key, message.id)
        elif self.bot.edits == "ignore" or not self.handled.recent(room_key, message.id):
            return  # an edit of a message from before we started
        try:
            await self._handle(slug, event, message, edited=edited)
            if not edited:  # handled (and answered): from now on a restart starts after it
                await self._save_position(room_key)
        except self.database_errors:
            if not edited:  # read again by the next catch-up (an answer it finds counts)
                self.handled.discard(room_key, message.id)
                self.last_seen[room_key] = min(self.last_seen[room_key], message.id - 1)
            raise

    def _room_of(self, slug: str, event: Any) -> Any:
        room = self.rooms.get((slug, event.room_id))
        if room is None and event.room_id is not None:
            room = Room(
                self.client, {"server_slug": slug, "id": event.room_id, "name": event.room_name}
            )
        return room

    async def _route(self, slug: str, event: Any, message: Any) -> None:
        bot = self.bot
        client = self.client
        room = self._room_of(slug, event)
        user = await self._user(slug, event.user_id, event.user_name)
        tags = bot._cached_tags((slug, getattr(room, "id", None), event.user_id), room, user)
        context = bot.context_for(
            message, room, user, server=client.server(slug), event=event, client=client
        )
        route = None
        try:
            route, value = bot.answer_event(event, context, tags)
            if route is None:
                return
            bot.stats["events"] += 1
            if inspect.isawaitable(value):
                value = await value
        except Exception as error:
            bot.stats["errors"] += 1
            value = await self._failed(error, context, route.owner if route else bot)
        text = answer_text(value)
        if text is not None and await self._answered_before(slug, event, message, text):
            return
        if text is not None:
            await self._note_answering(slug, event)
        await self._post(
            slug, room, message, text, event, context=context,
            owner=route.owner if route else bot,
        )

    async def _note_answering(self, slug: str, event: Any) -> None:
        """Before an event's answer leaves: note it in the archive with the room's newest message
        id, so that a process killed before the event position passes the event does not answer
        it twice (see :meth:`_answered_before`)."""
        key = (slug, event.room_id)
        if (
            not self.post or self.fleet is not None or event.id is None
            or key not in self.rooms or key not in self.event_saved
        ):
            return
        after = max(self.last_seen.get(key, 0), self.posted.get(key, 0))
        await self.client.note_bot_answering(self.bot.name, self.rooms[key], event.id, after)

    async def _answered_before(self, slug: str, event: Any, message: Any, text: str) -> bool:
        """Whether the event the previous process was answering when it stopped (noted in the
        archive) has its answer in the room already: a message of ours newer than the room's
        newest when it was noted, replying to the same message (or, for an answer into the
        room, with the same text). Asked once, for that event only."""
        key = (slug, event.room_id)
        doubt = self.answering.get(key)
        me = self.me.get(slug)
        if doubt is None or event.id != doubt[0] or me is None:
            return False
        del self.answering[key]
        target = message.id if message is not None and message.room_id == event.room_id else None
        wanted = " ".join(text.split())
        try:
            async for found in self.rooms[key].messages(since=doubt[1] + 1, max_age=0):
                if found.owner_id != me:
                    continue
                if (found.parent_id == target) if target is not None else (
                    " ".join((found.content_text or "").split()) == wanted
                ):
                    self.bot.stats["recovered"] += 1
                    log.info("%s: the answer to event %s is in %s/r/%s already (#%s, posted "
                             "before the restart); not posted again", self.bot.name, event.id,
                             slug, event.room_id, found.id)
                    return True
        except errors.ChatExchangeError as error:
            log.warning("%s: could not check %s/r/%s for an answer to event %s (%s); answering",
                        self.bot.name, slug, event.room_id, event.id, error)
        return False

    async def _failed(self, error: Exception, context: dict[str, Any], owner: Any) -> Any:
        try:
            value = self.bot.handle_error(error, context, owner)
            if inspect.isawaitable(value):
                value = await value
            return value
        except Exception:
            log.exception("the error hook of %s failed", self.bot.name)
            return None

    async def _handle(self, slug: str, event: Any, message: Any, *, edited: bool) -> None:
        bot = self.bot
        if message.owner_id is not None and message.owner_id == self.me.get(slug):
            bot.stats["own"] += 1
            return
        client = self.client
        room = self.rooms[(slug, message.room_id)]
        user = await self._user(slug, message.owner_id, message.name)
        tags = bot._cached_tags((slug, room.id, message.owner_id), room, user)
        context = bot.context_for(
            message, room, user, server=client.server(slug), event=event, client=client
        )
        bot.stats["handled"] += 1
        try:
            value = bot.answer(message.content_text or "", context, tags)
            if inspect.isawaitable(value):
                value = await value
        except Exception as error:
            bot.stats["errors"] += 1
            value = await self._failed(error, context, bot.rule_owner(context))
        await self._post(
            slug, room, message, answer_text(value), event, edited=edited, context=context,
            owner=bot.rule_owner(context),
        )

    async def _post(
        self,
        slug: str,
        room: Any,
        message: Any,
        text: str | None,
        event: Any,
        *,
        edited: bool = False,
        context: dict[str, Any] | None = None,
        owner: Any = None,
    ) -> None:
        """Post an answer: a reply to ``message`` when there is one in a watched room, else into
        ``room`` (nothing for events without a watched room). Delivered by :class:`Delivery`
        (retries, never twice); an answer that finally fails goes to the error hooks."""
        bot = self.bot
        if text is None:
            return
        if message is not None and (slug, message.room_id) not in self.rooms:
            message = None
        if message is None and (room is None or (slug, room.id) not in self.rooms):
            log.info("%s answered %r outside the watched rooms: not posted", bot.name, event)
            return
        guard = None
        if self.fleet is not None:
            key = (slug, message.room_id) if message is not None else (slug, room.id)
            if not self.fleet.holds(key):
                self._fenced(slug, key, message, event)
                return
        if not self.post:
            log.info("%s would answer %r with %r", bot.name, message or event, text)
            return
        if self.fleet is not None:
            guard = _fencing.WRITE_GUARD.set(lambda: self.fleet.holds(key))
        try:
            me = self.me.get(slug)
            if message is None:
                sent = await self.delivery.send(room, text, me)
                self._posted((slug, room.id), sent)
                bot.stats["answered"] += 1
                return
            previous = self.answers.get((slug, message.id)) if edited else None
            if previous is not None and bot.edits == "update":
                try:
                    await previous.edit(f":{message.id} {text}")  # still a reply
                    bot.stats["answered"] += 1
                    return
                except errors.RefusedError:  # too late to edit: answer anew
                    pass
            answer = await self.delivery.reply(message, text, me)
            self._posted((slug, message.room_id), answer)
            if bot.edits == "update":
                self.answers.add((slug, message.id), answer)
            bot.stats["answered"] += 1
        except errors.FencedError:  # the lease lapsed while the answer waited to leave
            self._fenced(slug, key, message, event)
        except self.database_errors:  # not the answer's failure: the run stands by (it may be sent)
            raise
        except errors.ChatExchangeError as error:
            bot.stats["errors"] += 1
            bot.stats["undelivered"] += 1
            log.warning("%s could not answer %r: %s", bot.name, message or event, error)
            if context is not None:  # the hook hears of it; its own answer is not posted
                await self._failed(error, {**context, "text": text}, owner or bot)
        finally:
            if guard is not None:
                _fencing.WRITE_GUARD.reset(guard)

    def _database_lost(self, error: BaseException) -> None:
        """The archive's database failed: with a fleet, answer nowhere until a room is taken
        anew (it is caught up from its position then, by whichever process takes it); alone,
        the run reads the rooms again from the last message handled once its stream is back."""
        self.bot.stats["database_lost"] += 1
        reason = str(error).splitlines()[0] if str(error) else ""
        if self.fleet is None:
            log.warning("%s: the archive database failed (%s: %s); reading the rooms again",
                        self.bot.name, type(error).__name__, reason)
            return
        self.fleet.stand_by(f"the archive database failed: {type(error).__name__}: {reason}")

    def _posted(self, key: tuple[str, int], answer: Any) -> None:
        answer_id = getattr(answer, "id", None)
        if isinstance(answer_id, int) and answer_id > self.posted.get(key, 0):
            self.posted[key] = answer_id

    def _fenced(self, slug: str, key: tuple[str, int], message: Any, event: Any) -> None:
        """An answer not posted because this process lost the room's lease (the next holder
        answers it: its catch-up starts at the position, which this message did not pass)."""
        self.bot.stats["fenced"] += 1
        if message is not None:  # unhandled here: if this room comes back, it is read again
            self.handled.discard(key, message.id)
        log.warning("%s: lease of %s/r/%s lost; %r not answered here", self.bot.name, slug,
                    key[1], message or event)
