"""Live events of many rooms: websocket with watchdog, reconnect and gap filling; polling fallback.

Spec §4. Per room: read the event cursor ``time`` from ``/chats/<room>/events``, get a fresh socket
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
import random
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Any

import aiohttp

from .. import _parser
from ..errors import (
    AccessDeniedError,
    AuthRequiredError,
    ChatExchangeError,
    ConnectionLostError,
    NotFoundError,
    ParseError,
)
from ..event_types import EventType

if TYPE_CHECKING:
    from .connection import ServerConnection

log = logging.getLogger("chatexchange.transport")

_FATAL = (AuthRequiredError, AccessDeniedError, NotFoundError)
_POSTED = EventType.MESSAGE_POSTED


class _Seen:
    """A bounded set: remembers the last ``size`` keys (older ones cannot come back so late)."""

    def __init__(self, size: int) -> None:
        self._keys: OrderedDict[Any, None] = OrderedDict()
        self._size = size

    def __contains__(self, key: Any) -> bool:
        return key in self._keys

    def add(self, key: Any) -> None:
        self._keys[key] = None
        if len(self._keys) > self._size:
            self._keys.popitem(last=False)


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
    ``max_failures`` (failed attempts in a row before ConnectionLostError), ``on_frame`` (called
    with every ``RoomFrame`` of a watched room as it arrives, heartbeats included: a caller that
    must see the connection alive on a quiet room, like the classic API, listens here).

    Attributes for monitoring: ``reconnects`` (socket re-opens), ``modes`` (room -> "websocket" or
    "polling"), ``delivered``, ``duplicates`` (events dropped as already delivered), ``gap_filled``
    (events recovered from ``/chats/<room>/events`` after a reconnect).
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
        max_failures: int = 8,
        dedupe_window: int = 50_000,
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
        self.max_failures = max(1, max_failures)
        self.on_frame = on_frame

        self.reconnects = 0
        self.delivered = 0
        self.duplicates = 0
        self.gap_filled = 0
        self.modes: dict[int, str] = {}

        self._queue: asyncio.Queue[Any] = asyncio.Queue()
        self._seen_ids = _Seen(dedupe_window)
        self._seen_messages = _Seen(dedupe_window)
        self._floor: dict[int, int] = {}
        self._cursor: dict[int, int] = {}
        self._poll_cursor: dict[int, int] = {}
        self._last_message: dict[int, int] = {}
        self._tasks: dict[Any, asyncio.Task[None]] = {}
        self._sockets: set[aiohttp.ClientWebSocketResponse] = set()
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
        if self._closed and self._queue.empty():
            raise StopAsyncIteration
        if not self._started:
            await self.start()
        item = await self._queue.get()
        if isinstance(item, _Failure):
            await self.aclose()
            raise item.error
        if item is None:
            raise StopAsyncIteration
        return item

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
            self._floor[room] = cursor
            self._cursor[room] = cursor
            self._last_message[room] = last_message
        for room in self.rooms:
            if self.websocket:
                self._start_socket(room, resume=self.since is not None)
            else:
                self._start_polling(room)

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
        self._queue.put_nowait(None)

    close = aclose

    # ----------------------------------------------------------------------------------------------
    # Delivery (synchronous: one event loop, so no locking is needed)

    def _deliver(self, room: int, events: list[Any], *, from_gap: bool = False) -> None:
        floor = self._floor.get(room, 0)
        for event in events:
            event_id = event.id
            message_id = getattr(event, "message_id", None)
            if event_id is not None:
                if event_id <= floor or event_id in self._seen_ids:
                    self.duplicates += event_id > floor
                    continue
                self._seen_ids.add(event_id)
                if event_id > self._cursor.get(room, 0):
                    self._cursor[room] = event_id
            elif not (from_gap and event.event_type == _POSTED and message_id is not None):
                # An event without id cannot be told apart from a repeat: only message entries of
                # mode=Messages gap answers (one per message) are kept.
                continue
            elif (room, message_id) in self._seen_messages:
                self.duplicates += 1
                continue
            elif message_id <= self._last_message.get(room, 0):
                continue  # older than the start of the watch
            if event.event_type == _POSTED and message_id is not None:
                key = (room, message_id)
                if key in self._seen_messages:
                    self.duplicates += 1
                    continue
                self._seen_messages.add(key)
            if message_id is not None and message_id > self._last_message.get(room, 0):
                self._last_message[room] = message_id
            self.delivered += 1
            self._queue.put_nowait(event)

    def _deliver_frames(self, frames: list[Any]) -> None:
        for frame in frames:
            if frame.room_id not in self._cursor:
                continue
            if self.on_frame is not None:
                self.on_frame(frame)
            if frame.events:
                self._deliver(frame.room_id, frame.events)

    def _fail(self, error: BaseException) -> None:
        if not self._closed:
            self._queue.put_nowait(_Failure(error))

    def _backoff(self, failures: int) -> float:
        base = min(self.backoff_max, self.backoff_initial * (2 ** max(0, failures - 1)))
        return base * (0.5 + random.random() / 2)

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
        self._deliver(room, events, from_gap=True)
        self.gap_filled += self.delivered - before

    # ----------------------------------------------------------------------------------------------
    # Websocket

    def _start_socket(self, room: int, *, resume: bool) -> None:
        self.modes[room] = "websocket"
        self._tasks[("ws", room)] = asyncio.get_running_loop().create_task(
            self._guard(self._socket_loop(room, resume=resume)), name=f"chatexchange-ws-{room}"
        )

    async def _guard(self, coro: Any) -> None:
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._fail(exc)

    async def _socket_loop(self, room: int, *, resume: bool) -> None:
        http = self.connection.http
        failures = 0
        gap = resume
        while not self._closed:
            ws: aiohttp.ClientWebSocketResponse | None = None
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
                await asyncio.sleep(self._backoff(failures))
                continue
            self._sockets.add(ws)
            log.info("websocket for room %d open", room)
            try:
                got_frame = await self._read_socket(room, ws)
            finally:
                self._sockets.discard(ws)
                with contextlib.suppress(Exception):
                    await ws.close()
            if self._closed:
                return
            failures = 0 if got_frame else failures + 1
            if failures >= self.max_failures:
                raise ConnectionLostError(
                    f"room {room}: the websocket kept closing without a frame"
                )
            self.reconnects += 1
            gap = True
            await asyncio.sleep(self._backoff(max(1, failures)))

    async def _read_socket(self, room: int, ws: aiohttp.ClientWebSocketResponse) -> bool:
        """Read frames until the socket closes or falls silent; returns whether any frame came."""
        got_frame = False
        while True:
            try:
                msg = await ws.receive(timeout=self.silence_timeout)
            except TimeoutError:
                log.warning("room %d: no frame for %.1f s; reconnecting", room,
                            self.silence_timeout)
                return got_frame
            if msg.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                got_frame = True
                try:
                    frames = _parser.parse_ws_frame(msg.data)
                except ParseError as exc:
                    # it may have carried events: re-read the room (gap fill, replay after l=)
                    log.warning("room %d: malformed frame (%s); reconnecting", room, exc)
                    return got_frame
                self._deliver_frames(frames)
                continue
            if msg.type == aiohttp.WSMsgType.ERROR:
                log.info("room %d: websocket error (%s); reconnecting", room,
                         type(ws.exception()).__name__)
            else:
                log.info("room %d: websocket closed (%s); reconnecting", room, msg.type.name)
            return got_frame

    # ----------------------------------------------------------------------------------------------
    # Polling

    def _start_polling(self, room: int) -> None:
        self.modes[room] = "polling"
        self._polling[room] = time.monotonic()
        self._poll_cursor[room] = max(self._poll_cursor.get(room, 0), self._cursor[room])
        if "poll" not in self._tasks or self._tasks["poll"].done():
            self._tasks["poll"] = asyncio.get_running_loop().create_task(
                self._guard(self._poll_loop()), name="chatexchange-poll"
            )
        self._polling_wakeup.set()

    async def _poll_loop(self) -> None:
        failures = 0
        while not self._closed and self._polling:
            rooms = list(self._polling)
            cursors = {room: max(self._poll_cursor[room], self._cursor[room]) for room in rooms}
            try:
                frames = await self.connection.poll_events(cursors)
            except _FATAL:
                raise
            except (ChatExchangeError, aiohttp.ClientError, TimeoutError, OSError) as exc:
                failures += 1
                if failures >= self.max_failures:
                    raise ConnectionLostError(
                        f"polling {self.connection.slug} failed {failures} times in a row "
                        f"({type(exc).__name__})"
                    ) from None
                await asyncio.sleep(self._backoff(failures))
                continue
            failures = 0
            self._deliver_frames(frames)
            for frame in frames:
                if frame.room_id in self._poll_cursor and frame.t is not None:
                    self._poll_cursor[frame.room_id] = max(
                        self._poll_cursor[frame.room_id], frame.t
                    )
            if self.websocket:
                now = time.monotonic()
                for room in rooms:
                    if now - self._polling[room] >= self.websocket_retry:
                        del self._polling[room]
                        self._start_socket(room, resume=True)
            self._polling_wakeup.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._polling_wakeup.wait(), self.poll_interval)
