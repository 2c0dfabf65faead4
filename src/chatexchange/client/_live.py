"""Live streams: one transport watcher per watched room, shared by every stream that needs it.

A :class:`RoomFeed` owns the room's ``Watcher`` (websocket, reconnect, gap filling, polling
fallback), writes every event into the archive as it arrives (with what the other feeds received
meanwhile, one transaction: ``_Archiver``) and then hands ``(event, message row)`` to each
subscribed stream. The watcher is started before a subscription is returned, and it delivers
everything after the event cursor it read at start, so a stream misses nothing posted after it
subscribed. ``all_replies()`` additionally archives the room's
recent messages right after subscribing, so replies posted just before are "known" ones. A feed
stops when its last subscriber leaves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from .. import store
from .._parser.records import Event, UnknownEvent
from .._time import EPOCH
from ..event_types import EventType
from . import _archive
from ._bounds import Window, window_now

if TYPE_CHECKING:
    from ._async import AsyncClient
    from .objects import Message, Room, Server, User

__all__ = ["Live", "RoomFeed", "Stream", "Subscription"]

log = logging.getLogger("chatexchange.client.live")

_END: Any = object()
#: Event types that announce a new message (posted; a reply notification to the parent's author).
_NEW = (EventType.MESSAGE_POSTED, EventType.MESSAGE_REPLY)


#: Most events archived in one transaction by a room feed.
_BATCH = 200


class _Failure:
    __slots__ = ("error",)

    def __init__(self, error: BaseException) -> None:
        self.error = error


def _record_batch(
    conn: Connection, server_meta_id: int, events: list[Any], now: Any, via_room: int | None = None
) -> list[dict[str, Any] | None]:
    """Archive ``events`` in order; for each, the message row it touched, else None."""
    return _record_groups(conn, now, [(server_meta_id, events, via_room)])[0]


def _record_groups(
    conn: Connection, now: Any, groups: list[tuple[int, list[Any], int | None]]
) -> list[list[dict[str, Any] | None]]:
    """Archive several feeds' batches ``(server meta_id, events, delivering room)`` in one
    transaction; for each batch, the message row each of its events touched, else None.

    The events go in as runs in which no message comes twice (a few statements per run, not
    several per event), and each run's messages are read right after it is written: an event's
    row is the message as that event left it, as if the events had been written one by one.
    """
    results: list[list[dict[str, Any] | None]] = [[] for _ in groups]
    # (server, group index, event): a group's order is kept; groups of one server go together
    items = sorted(
        ((sid, g, event, via) for g, (sid, events, via) in enumerate(groups) for event in events),
        key=lambda item: item[0],
    )
    start = 0
    while start < len(items):
        sid = items[start][0]
        messages: set[int] = set()
        end = start
        while end < len(items) and items[end][0] == sid:
            message_id = getattr(items[end][2], "message_id", None)
            if message_id is not None:
                if message_id in messages:
                    break
                messages.add(message_id)
            end += 1
        run = items[start:end]
        touched = store.record_events(
            conn, sid, [item[2] for item in run], now=now, via_rooms=[item[3] for item in run]
        )
        found = _archive.messages_by_ids(conn, sid, [t for t in touched if t is not None])
        for (_, g, _, _), message_id in zip(run, touched, strict=True):
            results[g].append(None if message_id is None else found.get(message_id))
        start = end
    return results


class _Archiver:
    """Writes the live events of all a client's room feeds: what the feeds hand in while one write
    runs goes into the next one, together, so 20 busy rooms cost one transaction per turn of the
    database thread instead of one per room and burst. Each feed gets its own rows back once
    that transaction is committed (archived before delivered)."""

    def __init__(self, live: Live) -> None:
        self.live = live
        self.pending: list[tuple[int, list[Any], int | None, asyncio.Future[Any]]] = []
        self.task: asyncio.Task[None] | None = None

    async def write(
        self, server_meta_id: int, events: list[Any], via_room: int | None
    ) -> list[dict[str, Any] | None]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self.pending.append((server_meta_id, events, via_room, future))
        if self.task is None:
            self.task = loop.create_task(self._run(), name="chatexchange-live-archive")
        return await future  # type: ignore[no-any-return]

    async def _run(self) -> None:
        db = self.live.client._db
        try:
            while self.pending:
                taken, self.pending = self.pending, []
                groups = [(sid, events, via) for sid, events, via, _ in taken]
                try:
                    results = await db.write(_record_groups, self.live.client.now(), groups)
                except asyncio.CancelledError:
                    for *_, future in taken:
                        future.cancel()
                    raise
                except Exception as error:
                    if len(taken) == 1:
                        _settle(taken[0][3], error=error)
                        continue
                    # one feed's bad batch must not fail the others: each alone
                    for sid, events, via, future in taken:
                        try:
                            rows = await db.write(
                                _record_batch, sid, events, self.live.client.now(), via
                            )
                        except Exception as alone:
                            _settle(future, error=alone)
                        else:
                            _settle(future, rows)
                    continue
                for (*_, future), rows in zip(taken, results, strict=True):
                    _settle(future, rows)
        finally:
            self.task = None
            for *_, future in self.pending:  # only when cancelled
                future.cancel()


def _settle(
    future: asyncio.Future[Any], result: Any = None, error: BaseException | None = None
) -> None:
    if future.done():  # its feed was cancelled meanwhile
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


class Subscription:
    """The queue one stream reads; it may be attached to several room feeds.

    The queue is bounded (``QUEUE_SIZE`` events). A stream that reads slower than its rooms
    deliver makes the feeds wait for it, and so the transport stops reading from the server:
    nothing is dropped, memory stays bounded, and a warning says which stream is behind (once per
    stall, at most once a minute). Other streams of the same rooms wait with it.
    """

    QUEUE_SIZE = 100

    def __init__(self, live: Live) -> None:
        self.live = live
        self.queue: asyncio.Queue[Any] = asyncio.Queue(self.QUEUE_SIZE)
        self.feeds: set[RoomFeed] = set()
        self.closed = False
        self._end: Any = None  # the end or failure that did not fit the full queue
        self._stalled = False
        self._warned_at: float | None = None

    async def put(self, item: Any) -> None:
        """Hand an event to the stream, waiting while its queue is full (a feed calls this)."""
        if self.closed:
            return
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            if not self._stalled:
                self._stalled = True
                now = time.monotonic()
                if self._warned_at is None or now - self._warned_at >= 60.0:
                    self._warned_at = now
                    log.warning(
                        "a live stream of %s is %d events behind; its rooms wait for it "
                        "(nothing is dropped)",
                        ", ".join(repr(feed) for feed in self.feeds), self.queue.qsize(),
                    )
            await self.queue.put(item)

    def finish(self, item: Any) -> None:
        """End the stream (``_END`` or a failure) after what is queued; never waits."""
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            if self._end is None:
                self._end = item

    async def items(self, bounds: Window) -> AsyncIterator[tuple[Any, dict[str, Any] | None]]:
        """``(event, message row)`` pairs until the feed ends or fails (raised) or ``until``."""
        client = self.live.client
        while True:
            timeout = None
            if bounds.until_time is not None:
                timeout = (bounds.until_time - client.now()).total_seconds()
                if timeout <= 0:
                    return
            if self._end is not None and self.queue.empty():
                item, self._end = self._end, None
            else:
                try:
                    item = await asyncio.wait_for(self.queue.get(), timeout)
                except TimeoutError:
                    return
                if self._stalled and self.queue.empty():
                    self._stalled = False
            if item is _END:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item

    async def close(self) -> None:
        """Leave every feed; a feed waiting on the full queue goes on, a reader waiting ends."""
        self.closed = True
        while not self.queue.empty():
            self.queue.get_nowait()
        self.finish(_END)
        feeds, self.feeds = self.feeds, set()
        for feed in feeds:
            await feed.remove(self)


class Stream:
    """A live stream: an async iterator whose subscription can be started before iterating.

    ``await stream.start()`` (or ``async with stream``) subscribes at once, so nothing posted after
    that is missed even if the first ``__anext__`` comes later; otherwise the first ``__anext__``
    subscribes. ``BlockingClient`` starts every stream before handing it out.
    """

    #: ``aclose()`` may be called while another task waits in ``__anext__`` (see there).
    closes_while_running = True

    def __init__(self, subscribe: Any, body: Any) -> None:
        self._subscribe = subscribe
        self._body = body
        self._subscription: Subscription | None = None
        self._iterator: AsyncIterator[Any] | None = None
        self._closed = False
        self._busy = False

    async def start(self) -> Stream:
        if self._iterator is None and not self._closed:
            self._subscription = await self._subscribe()
            self._iterator = self._body(self._subscription)
        return self

    def __aiter__(self) -> Stream:
        return self

    async def __anext__(self) -> Any:
        await self.start()
        if self._iterator is None:
            raise StopAsyncIteration
        self._busy = True
        try:
            item = await self._iterator.__anext__()
        finally:
            self._busy = False
        if self._closed:  # closed by another task while we waited: the item is not wanted
            await self.aclose()
            raise StopAsyncIteration
        return item

    async def aclose(self) -> None:
        """End the stream and unsubscribe its rooms; safe from any task, also while another task
        waits in ``__anext__`` (that wait then ends with ``StopAsyncIteration``)."""
        self._closed = True
        if self._subscription is not None:
            await self._subscription.close()  # a waiting reader gets the end marker
        if self._busy:
            return  # the waiting __anext__ closes the iterator when it wakes
        iterator, self._iterator = self._iterator, None
        if iterator is not None:
            await iterator.aclose()  # type: ignore[attr-defined]

    async def __aenter__(self) -> Stream:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class RoomFeed:
    """The live events of one room, archived, fanned out to subscriptions."""

    def __init__(self, live: Live, slug: str, room_id: int, after: int | None = None) -> None:
        self.live = live
        self.slug = slug
        self.room_id = room_id
        self.after = after  # a chat event id: start right after it (a feed of its own)
        self.subscribers: set[Subscription] = set()
        self.watcher: Any = None
        self.connection: Any = None
        self.task: asyncio.Task[None] | None = None
        self.closed = False

    def __repr__(self) -> str:
        return f"<RoomFeed {self.slug}/r/{self.room_id} subscribers={len(self.subscribers)}>"

    async def start(self) -> None:
        client = self.live.client
        connection = self.connection = await client._reader(self.slug)
        options = dict(client._watch_options)
        if self.after is not None:
            options["since"] = self.after
        self.watcher = connection.watch(self.room_id, **options)
        await self.watcher.start()
        self.task = asyncio.get_running_loop().create_task(
            self._pump(), name=f"chatexchange-feed-{self.slug}-{self.room_id}"
        )

    def add(self, subscription: Subscription) -> None:
        self.subscribers.add(subscription)
        subscription.feeds.add(self)

    async def remove(self, subscription: Subscription) -> None:
        self.subscribers.discard(subscription)
        if not self.subscribers:
            await self.close()

    async def _broadcast(self, item: Any) -> None:
        for subscription in list(self.subscribers):
            await subscription.put(item)

    def _finish(self, item: Any) -> None:
        for subscription in list(self.subscribers):
            subscription.finish(item)

    async def _pump(self) -> None:
        client = self.live.client
        sid = client.server(self.slug).meta_id
        try:
            async for event in self.watcher:
                # what else has arrived goes into the same transaction: a busy room costs one
                # commit per burst, not one per event
                batch = [event, *self.watcher.ready(_BATCH - 1)]
                for i, item in enumerate(batch):
                    if item.__class__ is UnknownEvent:
                        self.live.unknown(item)
                    elif item.content and "partial" in item.content[:200]:
                        # a long message shortened in the event: archive and yield its full text
                        batch[i] = await self.connection.full_event(item)
                rows = await self.live.archiver.write(sid, batch, self.room_id)
                for pair in zip(batch, rows, strict=True):
                    await self._broadcast(pair)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.warning("live events of %s/r/%s failed: %s", self.slug, self.room_id, error)
            self._finish(_Failure(error))
        else:
            self._finish(_END)
        finally:
            self.live._forget(self)

    async def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.live._forget(self)
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task
        if self.watcher is not None:
            with contextlib.suppress(Exception):
                await self.watcher.aclose()
        self._finish(_END)


class Live:
    def __init__(self, client: AsyncClient) -> None:
        self.client = client
        self.feeds: dict[tuple[str, int], RoomFeed] = {}
        self._locks: dict[tuple[str, int], asyncio.Lock] = {}
        self._unknown_types: set[Any] = set()
        self.archiver = _Archiver(self)

    def unknown(self, event: Event) -> None:
        """Log an event type without a record of its own, once per type (it is still delivered)."""
        if event.event_type not in self._unknown_types:
            self._unknown_types.add(event.event_type)
            log.warning(
                "chat sent an event of unknown type %r (delivered as UnknownEvent): %s",
                event.event_type,
                _short(event.raw),
            )

    def _forget(self, feed: RoomFeed) -> None:
        key = (feed.slug, feed.room_id)
        if self.feeds.get(key) is feed:
            del self.feeds[key]

    async def subscribe(
        self, slug: str, room_ids: Iterable[int], after: Mapping[int, int] | None = None
    ) -> Subscription:
        """A subscription to the rooms' live events; every feed is started when this returns.

        ``after``: rooms that start right after a given chat event get a feed of their own (its
        events since then are not news to other streams of the room)."""
        subscription = Subscription(self)
        try:
            for room_id in dict.fromkeys(room_ids):
                if after and room_id in after:
                    own = RoomFeed(self, slug, room_id, after[room_id])
                    await own.start()
                    own.add(subscription)
                    continue
                key = (slug, room_id)
                lock = self._locks.setdefault(key, asyncio.Lock())
                async with lock:
                    feed = self.feeds.get(key)
                    if feed is None or feed.closed:
                        feed = RoomFeed(self, slug, room_id)
                        await feed.start()
                        self.feeds[key] = feed
                    feed.add(subscription)
        except BaseException:
            await subscription.close()
            raise
        return subscription

    async def close(self) -> None:
        for feed in list(self.feeds.values()):
            await feed.close()

    # -- the streams ------------------------------------------------------------------------------

    def _message(self, slug: str, row: dict[str, Any]) -> Message:
        from .objects import Message

        return self.client._obj(Message, slug, row)

    async def _deliveries(
        self, subscription: Subscription, bounds: Window
    ) -> AsyncIterator[tuple[Event, dict[str, Any] | None]]:
        """Each archived event once, in arrival order, with the message row it touched.

        Every stream is a filter over this: an event repeated by the transport (same chat event
        id; for the id-less entries of a gap fill, same message) is passed on only once.
        """
        seen = _Recent(2_000)  # the watcher already drops repeats; this catches a restarted feed's
        async for event, row in subscription.items(bounds):
            key: Any = event.id
            if key is None:
                key = (event.event_type, event.room_id, getattr(event, "message_id", None))
            if key in seen:
                continue
            seen.add(key)
            yield event, row

    async def _events(
        self, subscription: Subscription, bounds: Window, keep: Any
    ) -> AsyncIterator[Event]:
        try:
            async for event, _row in self._deliveries(subscription, bounds):
                if not keep(event):
                    continue
                if bounds.ended(event.time_stamp, None):
                    return
                yield event
        finally:
            await subscription.close()

    def room_events(self, room: Room, types: Any, user: Any, until: Any) -> Stream:
        bounds = _event_window(until)
        keep = _event_filter(types, user)
        return self._stream(
            room.server.slug, [room.id], lambda sub: self._events(sub, bounds, keep)
        )

    def server_events(
        self, server: Server, types: Any, rooms: Any, user: Any, until: Any, after: Any = None
    ) -> Stream:
        if rooms is None or isinstance(rooms, (str, bytes)):
            raise TypeError("server.events() needs rooms=[...]: the rooms to watch")
        room_ids = [getattr(room, "id", room) for room in rooms]
        if not room_ids or not all(type(r) is int for r in room_ids):
            raise TypeError("rooms= must be rooms or room ids (at least one)")
        bounds = _event_window(until)
        keep = _event_filter(types, user)
        if after is not None:
            after = {int(room): int(event_id) for room, event_id in dict(after).items()}
        return self._stream(
            server.slug, room_ids, lambda sub: self._events(sub, bounds, keep), after
        )

    async def _new(
        self,
        slug: str,
        subscription: Subscription,
        bounds: Window,
        seen: set[int],
        keep: Any,
    ) -> AsyncIterator[Message]:
        # ``seen``: what the history part yielded; ``recent``: live messages (a message comes
        # twice when we are the parent's author: posted, and the reply notice). Bounded: memory
        # does not grow with the messages of a long-running stream.
        recent = _Recent(1_000)
        ceiling = max(seen, default=0)
        try:
            async for event, row in self._deliveries(subscription, bounds):
                if event.event_type not in _NEW or row is None:
                    continue
                key = row["id"]
                if key in recent or (key <= ceiling and key in seen) or not keep(row):
                    continue
                if bounds.ended(row["time"], row["id"]):
                    return
                if bounds.before(row["time"], row["id"]):
                    continue
                recent.add(key)
                if key > ceiling and seen:
                    seen.clear()  # live has passed the history
                yield self._message(slug, row)
        finally:
            await subscription.close()

    def _stream(self, slug: str, room_ids: Any, body: Any, after: Any = None) -> Stream:
        async def subscribe() -> Subscription:
            ids = await room_ids() if callable(room_ids) else room_ids
            return await self.subscribe(slug, ids, after)

        return Stream(subscribe, body)

    def room_new_messages(self, room: Room, until: Any) -> Stream:
        slug = room.server.slug
        bounds = window_now(EPOCH, until)
        return self._stream(slug, [room.id], lambda sub: self._new(slug, sub, bounds, set(), _any))

    def room_all_messages(
        self, room: Room, since: Any, until: Any, max_age: float | None
    ) -> Stream:
        slug = room.server.slug
        bounds = window_now(since, until)

        async def body(subscription: Subscription) -> AsyncIterator[Message]:
            seen: set[int] = set()
            try:
                async for message in self.client._history.messages(room, since, until, max_age):
                    seen.add(message.id)
                    yield message
            except BaseException:
                await subscription.close()
                raise
            async for message in self._new(slug, subscription, bounds, seen, _any):
                yield message

        return self._stream(slug, [room.id], body)

    async def known_replies(
        self, message: Message, since: Any, until: Any
    ) -> AsyncIterator[Message]:
        client = self.client
        bounds = window_now(since, until)
        server = message.server
        rows = await client._db.read(
            _archive.replies, server.meta_id, message.id, *bounds.filter_args()
        )
        for row in rows:
            yield self._message(server.slug, row)

    def new_replies(self, message: Message, until: Any) -> Stream:
        slug = message.server.slug
        bounds = window_now(EPOCH, until)
        parent = message.id
        return self._stream(
            slug,
            [message.room_id],
            lambda sub: self._new(slug, sub, bounds, set(), lambda r: r["parent_id"] == parent),
        )

    def all_replies(self, message: Message, since: Any, until: Any) -> Stream:
        slug = message.server.slug
        bounds = window_now(since, until)
        parent = message.id

        async def body(subscription: Subscription) -> AsyncIterator[Message]:
            seen: set[int] = set()
            try:
                await self._backfill(slug, message.room_id)
                async for reply in self.known_replies(message, since, until):
                    seen.add(reply.id)
                    yield reply
            except BaseException:
                await subscription.close()
                raise
            async for reply in self._new(
                slug, subscription, bounds, seen, lambda r: r["parent_id"] == parent
            ):
                yield reply

        return self._stream(slug, [message.room_id], body)

    async def _backfill(self, slug: str, room_id: int) -> None:
        """Archive the room's latest messages (what happened just before we subscribed)."""
        client = self.client
        try:
            connection = await client._reader(slug)
            response = await connection.room_events(room_id, msg_count=100)
        except Exception as error:  # the stream still works; only "known" may miss a few
            log.warning("could not read recent messages of %s/r/%s: %s", slug, room_id, error)
            return
        await client._db.write(
            _record_batch, client.server(slug).meta_id, list(response.events), client.now()
        )

    async def _user_rooms(self, user: User, rooms: list[int] | None) -> list[int]:
        if rooms:
            return list(rooms)
        client = self.client
        slug = user.server.slug
        found: list[int] = []
        meta_id = user._values.get("meta_id")
        if meta_id is None:
            row = await client._db.read(_archive.user, user.server.meta_id, user.id)
            meta_id = None if row is None else row["meta_id"]
        if meta_id is not None:
            found = await client._db.read(_archive.user_room_ids, meta_id)
        found += [room_id for (s, room_id) in self.feeds if s == slug]
        if not found:
            raise ValueError(
                f"no rooms known for {user!r}: pass rooms=[...] to say which rooms to watch"
            )
        return list(dict.fromkeys(found))

    def user_new_messages(self, user: User, until: Any, rooms: list[int] | None) -> Stream:
        slug = user.server.slug
        bounds = window_now(EPOCH, until)
        uid = user.id
        return self._stream(
            slug,
            lambda: self._user_rooms(user, rooms),
            lambda sub: self._new(slug, sub, bounds, set(), lambda r: r["owner_id"] == uid),
        )

    def user_all_messages(
        self, user: User, since: Any, until: Any, rooms: list[int] | None
    ) -> Stream:
        slug = user.server.slug
        bounds = window_now(since, until)
        uid = user.id

        async def body(subscription: Subscription) -> AsyncIterator[Message]:
            seen: set[int] = set()
            try:
                async for message in self.client._user_messages(user, since, until):
                    seen.add(message.id)
                    yield message
            except BaseException:
                await subscription.close()
                raise
            async for message in self._new(
                slug, subscription, bounds, seen, lambda r: r["owner_id"] == uid
            ):
                yield message

        return self._stream(slug, lambda: self._user_rooms(user, rooms), body)


def _short(raw: Any) -> str:
    text = repr(raw)
    return text if len(text) <= 300 else text[:299] + "…"


def _any(row: dict[str, Any]) -> bool:
    return True


class _Recent:
    """A bounded set: the last ``size`` keys (a repeat comes soon after the original or never)."""

    __slots__ = ("keys", "size")

    def __init__(self, size: int) -> None:
        self.keys: dict[Any, None] = {}
        self.size = size

    def __contains__(self, key: Any) -> bool:
        return key in self.keys

    def add(self, key: Any) -> None:
        self.keys[key] = None
        if len(self.keys) > self.size:
            del self.keys[next(iter(self.keys))]


def _event_window(until: Any) -> Window:
    if isinstance(until, bool) or not isinstance(until, datetime):
        raise TypeError(f"until= of an event stream must be a datetime, not {type(until).__name__}")
    return window_now(EPOCH, until)


def _event_filter(types: Any, user: Any) -> Any:
    """The test an event stream applies: any of ``types`` (all when empty), by or about ``user``."""
    wanted = frozenset(int(t) for t in types) if types else None
    if user is None:
        uids = None
    else:
        users = user if isinstance(user, (list, tuple, set, frozenset)) else [user]
        uids = frozenset(getattr(u, "id", u) for u in users)

    def keep(event: Event) -> bool:
        if wanted is not None and event.event_type not in wanted:
            return False
        return uids is None or event.user_id in uids or event.target_user_id in uids

    return keep
