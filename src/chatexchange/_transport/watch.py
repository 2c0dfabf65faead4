"""Live events of many rooms: websocket with watchdog, reconnect and gap filling; polling fallback.

Per room: read the event cursor ``time`` from ``/chats/<room>/events``, get a fresh socket
URL from ``/ws-auth``, open it with the ``Origin`` header and ``l=<last event id seen>``. A closed
socket, no frame for longer than ``silence_timeout``, or a frame that cannot be read (it may have
carried events) means reconnect (fresh ``/ws-auth``, exponential backoff with jitter). Before every
reconnect the gap is filled from ``/chats/<room>/events`` when one answer covers it, and the server
also replays everything after ``l``; events are de-duplicated by event id (and messages by message
id for the id-less entries of ``mode=Messages``), so none is lost and none is delivered twice. When
no socket can be had, the room moves to ``/events`` polling (all polled rooms in one request), and
the socket is tried again after ``websocket_retry`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any

import aiohttp

from .. import _parser
from .._rules import backoff
from ..errors import (
    AccessDeniedError,
    AuthRequiredError,
    ChatExchangeError,
    ConnectionLostError,
    NotFoundError,
    ParseError,
)
from ..event_types import EventType
from .session import AnswerTooLarge

if TYPE_CHECKING:
    from .connection import ServerConnection

log = logging.getLogger("chatexchange.transport")

_FATAL = (AuthRequiredError, AccessDeniedError, NotFoundError)
_POSTED = EventType.MESSAGE_POSTED
#: A poll answer with at least this many events for a room is part of a backlog: the next poll
#: goes out at once instead of after ``poll_interval``.
_BACKLOG_BURST = 100


class _Recent:
    """The ids one room delivered lately, bounded by count and by age, above a floor.

    An id pushed out of the window raises the floor, and any id at or below the floor counts as
    delivered. Ids grow with time and the server replays only after the cursor, so this keeps a
    repeat from ever being delivered twice while memory stays bounded (about 100 bytes an entry:
    the defaults keep each watched room far below 1 MiB). What it gives up: an event that arrives
    later than ``max_count`` events or ``max_age`` seconds after a newer one is taken for a repeat.
    """

    __slots__ = ("floor", "keys", "max_age", "max_count")

    def __init__(self, floor: int, max_count: int, max_age: float) -> None:
        self.floor = floor
        self.keys: dict[int, float] = {}
        self.max_count = max(1, max_count)
        self.max_age = max_age

    def __contains__(self, key: int) -> bool:
        return key <= self.floor or key in self.keys

    def __len__(self) -> int:
        return len(self.keys)

    def add(self, key: int, now: float) -> None:
        keys = self.keys
        keys[key] = now
        if len(keys) > self.max_count or now - next(iter(keys.values())) > self.max_age:
            limit = now - self.max_age
            while keys:
                oldest = next(iter(keys))
                if len(keys) <= self.max_count and keys[oldest] >= limit:
                    break
                del keys[oldest]
                if oldest > self.floor:
                    self.floor = oldest


class _BacklogTooLong(ConnectionLostError):
    """A backlog that polling cannot read within its bound, and no websocket to replay it."""


class _Failure:
    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


class Watcher:
    """Async iterator of parser ``Event`` records from one or more rooms of one server.

    Options: ``since`` (event id to resume after; default: only new events), ``websocket``
    (False = poll only), ``silence_timeout`` (seconds without any frame before reconnecting),
    ``poll_interval``,
    ``backoff_initial`` / ``backoff_max`` (reconnect pauses), ``fallback_after`` (failed socket
    attempts in a row before polling), ``websocket_retry`` (seconds of polling before trying the
    socket again), ``gap_count`` (events read from ``/chats/<room>/events`` to fill a gap),
    ``max_failures`` (failed attempts in a row before ConnectionLostError; ``None``: retry
    forever), ``poll_max_bytes`` (the longest ``/events`` answer read, see below),
    ``dedupe_window`` / ``dedupe_age`` (ids each room remembers to drop repeats, see
    :class:`_Recent`), ``queue_size`` (events waiting for the consumer, see below), ``on_state``
    (called as ``on_state(server_slug, room, state, detail)`` when a room's connection changes:
    ``"connected"`` with "websocket" or "polling", ``"lost"`` with the reason, ``"retrying"`` with
    the pause in seconds), ``on_frame`` (called with every ``RoomFrame`` of a watched room as it
    arrives, heartbeats included: a caller that must see the connection alive on a quiet room,
    like the classic API, listens here).

    A slow consumer: at most ``queue_size`` events wait in memory. When the queue is full the
    watcher stops reading from the server (the socket and the polls wait; TCP pushes back), logs
    a warning when it starts waiting (at most one a minute; ``stalls`` counts them all) and a line
    when the consumer has emptied the queue after a warning. Nothing is dropped: what was not read
    stays on the server, and if the server closes the socket meanwhile the reconnect asks for
    everything after the last event queued.

    A long backlog while polling (the consumer or the network stalled for minutes): no poll answer
    longer than ``poll_max_bytes`` is read. An answer for several rooms that passes it is asked
    again room by room; a single room's that passes it sends the room back to its websocket, whose
    replay after the cursor comes frame by frame under TCP back-pressure (a connection without
    sockets ends with ``ConnectionLostError``). Each answer is delivered and released before the
    next poll, and an answer with a backlog's worth of events is followed by the next poll at once.

    Attributes for monitoring: ``reconnects`` (socket re-opens), ``modes`` (room -> "websocket" or
    "polling"), ``delivered``, ``duplicates`` (events dropped as already delivered), ``gap_filled``
    (events recovered from ``/chats/<room>/events`` after a reconnect), ``stalls`` (times the
    queue was full), ``largest_poll`` (the most events one poll answer brought).
    """

    def __init__(
        self,
        connection: ServerConnection,
        room_ids: Iterable[int] | int,
        *,
        since: int | None = None,
        websocket: bool = True,
        silence_timeout: float = 45.0,
        poll_interval: float = 3.0,
        backoff_initial: float = 0.5,
        backoff_max: float = 30.0,
        fallback_after: int = 2,
        websocket_retry: float = 300.0,
        gap_count: int = 100,
        max_failures: int | None = 8,
        poll_max_bytes: int = 8 << 20,
        dedupe_window: int = 2_000,
        dedupe_age: float = 600.0,
        queue_size: int = 200,
        on_state: Callable[[str, int, str, Any], None] | None = None,
        on_frame: Callable[[Any], None] | None = None,
    ) -> None:
        rooms = (room_ids,) if isinstance(room_ids, int) else tuple(dict.fromkeys(room_ids))
        if not rooms:
            raise ValueError("watch() needs at least one room id")
        self.connection = connection
        self.rooms: tuple[int, ...] = tuple(int(r) for r in rooms)
        self.since = since
        self.websocket = websocket
        self.silence_timeout = silence_timeout
        self.poll_interval = poll_interval
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.fallback_after = max(1, fallback_after)
        self.websocket_retry = websocket_retry
        self.gap_count = gap_count
        self.max_failures = None if max_failures is None else max(1, max_failures)
        self.poll_max_bytes = max(1, poll_max_bytes)
        self.dedupe_window = dedupe_window
        self.dedupe_age = dedupe_age
        self.on_state = on_state
        self.on_frame = on_frame

        self.reconnects = 0
        self.delivered = 0
        self.duplicates = 0
        self.gap_filled = 0
        self.stalls = 0
        self.largest_poll = 0
        self.modes: dict[int, str] = {}

        self._queue: asyncio.Queue[Any] = asyncio.Queue(max(1, queue_size))
        self._end: Any = None  # the failure or end marker that did not fit a full queue
        self._stalled = False
        self._warned = False
        self._warned_at: float | None = None
        self._states: dict[int, str] = {}
        self._seen_ids: dict[int, _Recent] = {}
        self._seen_messages: dict[int, _Recent] = {}
        self._cursor: dict[int, int] = {}
        self._start: dict[int, int] = {}
        self._poll_cursor: dict[int, int] = {}
        self._last_message: dict[int, int] = {}
        self._tasks: dict[Any, asyncio.Task[None]] = {}
        self._sockets: set[aiohttp.ClientWebSocketResponse[bool]] = set()
        self._polling: dict[int, float] = {}
        self._polling_wakeup = asyncio.Event()
        self._started = False
        self._closed = False

    def __repr__(self) -> str:
        return f"<Watcher {self.connection.slug} rooms={list(self.rooms)} modes={self.modes}>"

    # ----------------------------------------------------------------------------------------------
    # Iterator protocol

    def __aiter__(self) -> Watcher:
        return self

    async def __anext__(self) -> Any:
        if self._queue.empty():
            if self._end is not None:
                item, self._end = self._end, None
                return await self._finish(item)
            if self._closed:
                raise StopAsyncIteration
        if not self._started:
            await self.start()
        item = await self._queue.get()
        if item is None or isinstance(item, _Failure):
            return await self._finish(item)
        if self._stalled and self._queue.empty():
            self._caught_up()
        return item

    def ready(self, limit: int) -> list[Any]:
        """Up to ``limit`` more events that are already queued, without waiting.

        A consumer that handles events in batches (one archive transaction for many) takes the
        first with ``__anext__`` and the rest of what has arrived here; the end of the stream or a
        failure is left for the next ``__anext__``.
        """
        queue = self._queue
        items: list[Any] = []
        while len(items) < limit and not queue.empty():
            item = queue.get_nowait()
            if item is None or isinstance(item, _Failure):
                if self._end is None:
                    self._end = item
                self._closed = self._closed or item is None
                break
            items.append(item)
        if self._stalled and queue.empty():
            self._caught_up()
        return items

    def _caught_up(self) -> None:
        self._stalled = False
        if self._warned:
            self._warned = False
            log.info("the consumer of %s has caught up", self)

    async def _finish(self, item: _Failure | None) -> Any:
        if item is not None:
            await self.aclose()
            raise item.error
        raise StopAsyncIteration

    async def __aenter__(self) -> Watcher:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def start(self) -> None:
        """Read each room's cursor and open its socket (or start polling). Idempotent."""
        if self._started:
            return
        self._started = True
        for room in self.rooms:
            response = await self.connection.room_events(room, since=0, msg_count=1)
            cursor = response.time or 0
            last_message = max(
                (getattr(ev, "message_id", None) or 0 for ev in response.events), default=0
            )
            if self.since is not None:
                cursor = int(self.since)
                last_message = 0
            self._begin(room, cursor, last_message)
        for room in self.rooms:
            if self.websocket:
                self._start_socket(room, resume=self.since is not None)
            else:
                self._start_polling(room)

    def _begin(self, room: int, cursor: int, last_message: int) -> None:
        """Start a room's bookkeeping: events after ``cursor``, messages after ``last_message``."""
        self._seen_ids[room] = _Recent(cursor, self.dedupe_window, self.dedupe_age)
        self._seen_messages[room] = _Recent(last_message, self.dedupe_window, self.dedupe_age)
        self._cursor[room] = self._start[room] = cursor
        self._last_message[room] = last_message

    async def aclose(self) -> None:
        """Stop every socket and poll; the iterator then ends."""
        if self._closed:
            return
        self._closed = True
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for ws in list(self._sockets):
            with contextlib.suppress(Exception):
                await ws.close()
        self._sockets.clear()
        self._end_with(None)

    def _end_with(self, item: Any) -> None:
        """Queue the end (or a failure) even when the queue is full: it comes after the events."""
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            if self._end is None:
                self._end = item

    close = aclose

    # ----------------------------------------------------------------------------------------------
    # Delivery (one event loop: no locking is needed)

    async def _deliver(self, room: int, events: list[Any], *, from_gap: bool = False) -> None:
        seen_ids = self._seen_ids[room]
        seen_messages = self._seen_messages[room]
        start = self._start[room]
        now = time.monotonic()
        for event in events:
            event_id = event.id
            message_id = getattr(event, "message_id", None)
            if event_id is not None:
                if event_id in seen_ids:
                    self.duplicates += event_id > start
                    continue
                seen_ids.add(event_id, now)
                if event_id > self._cursor[room]:
                    self._cursor[room] = event_id
            elif not (from_gap and event.event_type == _POSTED and message_id is not None):
                # An event without id cannot be told apart from a repeat: only message entries of
                # mode=Messages gap answers (one per message) are kept.
                continue
            elif message_id in seen_messages:
                self.duplicates += 1
                continue
            elif message_id <= self._last_message.get(room, 0):
                continue  # older than the start of the watch
            if event.event_type == _POSTED and message_id is not None:
                if message_id in seen_messages.keys:
                    self.duplicates += 1
                    continue
                seen_messages.add(message_id, now)
            if message_id is not None and message_id > self._last_message.get(room, 0):
                self._last_message[room] = message_id
            self.delivered += 1
            try:
                self._queue.put_nowait(event)
            except asyncio.QueueFull:
                await self._wait_for_consumer(event)

    async def _wait_for_consumer(self, event: Any) -> None:
        if not self._stalled:
            self._stalled = True
            self.stalls += 1
            now = time.monotonic()
            if self._warned_at is None or now - self._warned_at >= 60.0:
                self._warned_at, self._warned = now, True
                log.warning(
                    "%s: the consumer is %d events behind (%d times so far); reading from the "
                    "server pauses until it catches up (nothing is dropped)",
                    self, self._queue.qsize(), self.stalls,
                )
        await self._queue.put(event)

    async def _deliver_frames(self, frames: list[Any]) -> None:
        for frame in frames:
            if frame.room_id not in self._cursor:
                continue
            if self.on_frame is not None:
                self.on_frame(frame)
            if frame.events:
                await self._deliver(frame.room_id, frame.events)

    def _fail(self, error: BaseException) -> None:
        if not self._closed:
            self._end_with(_Failure(error))

    def _state(self, room: int, state: str, detail: Any = None) -> None:
        """Tell ``on_state`` about a change of a room's connection (a retry is always news)."""
        before = self._states.get(room)
        if before == state and state != "retrying":
            return
        if state == "lost" and before == "retrying":  # still the same outage
            return
        self._states[room] = state
        if self.on_state is not None:
            try:
                self.on_state(self.connection.slug, room, state, detail)
            except Exception:  # a monitoring callback must not stop the watch
                log.exception("on_state callback failed")

    def _gave_up(self, failures: int) -> bool:
        return self.max_failures is not None and failures >= self.max_failures

    def _backoff(self, failures: int) -> float:
        return backoff(failures, self.backoff_initial, self.backoff_max)

    async def _fill_gap(self, room: int) -> None:
        """Deliver what the room saw while we were not listening (``/chats/<room>/events``).

        Only an answer that provably covers the whole gap is delivered: one with fewer events than
        asked for, or one reaching back to the cursor. A full answer that starts after the cursor
        holds only the newest part of the gap; delivering it would move the cursor (and so ``l=``)
        past the older part. It is dropped, and the socket's replay after ``l`` brings everything.
        """
        cursor = self._cursor[room]
        try:
            response = await self.connection.room_events(
                room, since=cursor, msg_count=self.gap_count, mode="Events"
            )
        except ParseError as exc:
            log.warning("gap fill for room %d failed: %s", room, exc)
            return
        events = response.events
        ids = [event.id for event in events if event.id is not None]
        if len(events) >= self.gap_count and not (ids and min(ids) <= cursor):
            log.info("room %d: the gap is longer than %d events; left to the socket's replay",
                     room, self.gap_count)
            return
        before = self.delivered
        await self._deliver(room, events, from_gap=True)
        self.gap_filled += self.delivered - before

    # ----------------------------------------------------------------------------------------------
    # Websocket

    def _start_socket(self, room: int, *, resume: bool) -> None:
        self.modes[room] = "websocket"
        self._tasks[("ws", room)] = asyncio.get_running_loop().create_task(
            self._guard(self._socket_loop, room, resume=resume), name=f"chatexchange-ws-{room}"
        )

    async def _guard(self, loop: Any, *args: Any, **kwargs: Any) -> None:
        # the coroutine is made here, so a task cancelled before it ran leaves none unawaited
        try:
            await loop(*args, **kwargs)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._fail(exc)

    async def _socket_loop(self, room: int, *, resume: bool) -> None:
        http = self.connection.http
        failures = 0
        gap = resume
        while not self._closed:
            ws: aiohttp.ClientWebSocketResponse[bool] | None = None
            try:
                if gap:
                    await self._fill_gap(room)
                url = await self.connection.ws_auth(room)
                joiner = "&" if "?" in url else "?"
                ws = await http.session.ws_connect(
                    f"{url}{joiner}l={self._cursor[room]}",
                    headers={"Origin": http.origin},
                    autoping=True,
                )
            except (ChatExchangeError, aiohttp.ClientError, TimeoutError, OSError) as exc:
                # The room itself was checked by start(); here any refusal means "no socket for
                # us" (anonymous visitors get none at all): polling decides whether it is fatal.
                failures += 1
                log.info("websocket for room %d not opened (%s), attempt %d", room,
                         type(exc).__name__, failures)
                self._state(room, "lost", f"no websocket ({type(exc).__name__})")
                if failures >= self.fallback_after or isinstance(exc, AuthRequiredError):
                    # Anonymous visitors never get a socket: polling is the normal path for
                    # them, not something to warn about.
                    level = logging.INFO if isinstance(exc, AuthRequiredError) else logging.WARNING
                    log.log(level, "room %d: no websocket after %d attempts; polling instead",
                            room, failures)
                    del self._tasks[("ws", room)]
                    self._start_polling(room)
                    return
                gap = True
                await self._pause(room, self._backoff(failures))
                continue
            self._sockets.add(ws)
            log.info("websocket for room %d open", room)
            self._state(room, "connected", "websocket")
            try:
                got_frame, reason = await self._read_socket(room, ws)
            finally:
                self._sockets.discard(ws)
                with contextlib.suppress(Exception):
                    await ws.close()
            if self._closed:
                return
            self._state(room, "lost", reason)
            failures = 0 if got_frame else failures + 1
            if self._gave_up(failures):
                raise ConnectionLostError(
                    f"room {room}: the websocket kept closing without a frame"
                )
            self.reconnects += 1
            gap = True
            await self._pause(room, self._backoff(max(1, failures)))

    async def _pause(self, room: int, delay: float) -> None:
        self._state(room, "retrying", delay)
        await asyncio.sleep(delay)

    async def _read_socket(
        self, room: int, ws: aiohttp.ClientWebSocketResponse[bool]
    ) -> tuple[bool, str]:
        """Read frames until the socket closes or falls silent; returns whether any frame came,
        and why it ended."""
        got_frame = False
        while True:
            try:
                msg = await ws.receive(timeout=self.silence_timeout)
            except TimeoutError:
                log.warning("room %d: no frame for %.1f s; reconnecting", room,
                            self.silence_timeout)
                return got_frame, f"no frame for {self.silence_timeout:g} s"
            if msg.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                got_frame = True
                try:
                    frames = _parser.parse_ws_frame(msg.data)
                except ParseError as exc:
                    # it may have carried events: re-read the room (gap fill, replay after l=)
                    log.warning("room %d: malformed frame (%s); reconnecting", room, exc)
                    return got_frame, "malformed frame"
                await self._deliver_frames(frames)
                continue
            if msg.type == aiohttp.WSMsgType.ERROR:
                log.info("room %d: websocket error (%s); reconnecting", room,
                         type(ws.exception()).__name__)
                return got_frame, f"websocket error ({type(ws.exception()).__name__})"
            log.info("room %d: websocket closed (%s); reconnecting", room, msg.type.name)
            return got_frame, "websocket closed"

    # ----------------------------------------------------------------------------------------------
    # Polling

    def _start_polling(self, room: int) -> None:
        self.modes[room] = "polling"
        self._polling[room] = time.monotonic()
        self._poll_cursor[room] = max(self._poll_cursor.get(room, 0), self._cursor[room])
        if "poll" not in self._tasks or self._tasks["poll"].done():
            self._tasks["poll"] = asyncio.get_running_loop().create_task(
                self._guard(self._poll_loop), name="chatexchange-poll"
            )
        self._polling_wakeup.set()

    async def _poll_loop(self) -> None:
        failures = 0
        while not self._closed and self._polling:
            rooms = list(self._polling)
            try:
                burst = await self._poll(rooms)
            except (*_FATAL, _BacklogTooLong):
                raise
            except (ChatExchangeError, aiohttp.ClientError, TimeoutError, OSError) as exc:
                failures += 1
                if self._gave_up(failures):
                    raise ConnectionLostError(
                        f"polling {self.connection.slug} failed {failures} times in a row "
                        f"({type(exc).__name__})"
                    ) from None
                delay = self._backoff(failures)
                for room in rooms:
                    self._state(room, "lost", f"polling failed ({type(exc).__name__})")
                    self._state(room, "retrying", delay)
                await asyncio.sleep(delay)
                continue
            failures = 0
            if self.websocket:
                now = time.monotonic()
                for room in rooms:
                    if room in self._polling and now - self._polling[room] >= self.websocket_retry:
                        del self._polling[room]
                        self._start_socket(room, resume=True)
            self._polling_wakeup.clear()
            if burst:
                continue  # a backlog: read on at once
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._polling_wakeup.wait(), self.poll_interval)

    async def _poll(self, rooms: list[int]) -> bool:
        """One poll of ``rooms`` (room by room when their answer together is too long); whether
        some room's answer was a backlog's worth."""
        try:
            return await self._poll_once(rooms)
        except AnswerTooLarge:
            if len(rooms) == 1:
                return self._too_large(rooms[0])
        burst = False
        log.info("the poll answer for %d rooms passed %d bytes; polling them one by one",
                 len(rooms), self.poll_max_bytes)
        too_large = []
        for room in rooms:
            try:
                burst = await self._poll_once([room]) or burst
            except AnswerTooLarge:
                too_large.append(room)
        for room in too_large:  # after the others' answers are delivered
            burst = self._too_large(room) or burst
        return burst

    def _too_large(self, room: int) -> bool:
        if not self.websocket:
            raise _BacklogTooLong(
                f"room {room}: the events waiting since event {self._cursor[room]} pass "
                f"{self.poll_max_bytes} bytes, more than one poll may read, and this connection "
                "gets no websocket to replay them"
            )
        log.warning("room %d: the events waiting since event %d pass %d bytes; reading them from "
                    "the websocket's replay instead of polling", room, self._cursor[room],
                    self.poll_max_bytes)
        del self._polling[room]
        self._start_socket(room, resume=True)
        return True

    async def _poll_once(self, rooms: list[int]) -> bool:
        cursors = {room: max(self._poll_cursor[room], self._cursor[room]) for room in rooms}
        frames = await self.connection.poll_events(cursors, max_bytes=self.poll_max_bytes)
        for room in rooms:
            self._state(room, "connected", "polling")
        sizes = [len(frame.events or ()) for frame in frames]
        self.largest_poll = max(self.largest_poll, sum(sizes))
        await self._deliver_frames(frames)
        for frame in frames:
            if frame.room_id in self._poll_cursor and frame.t is not None:
                self._poll_cursor[frame.room_id] = max(self._poll_cursor[frame.room_id], frame.t)
        return max(sizes, default=0) >= _BACKLOG_BURST
