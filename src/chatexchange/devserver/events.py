"""Event envelopes and the websocket fan-out.

Each open socket watches one room for one viewer and has a queue; ``ChatServer.emit`` calls
:meth:`Hub.dispatch` synchronously, which only appends to queues, and a writer task per socket
batches whatever is queued into one ``{"r<room>": {"e": [...], "t": ..., "d": ...}}`` frame.
Replay (``l=``) and registration happen without an ``await`` in between, so no event is lost or
sent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from typing import Any

import orjson
from aiohttp import web

from .state import ChatServer, Event

#: How many events a socket opened with ``l=0`` (or no ``l``) gets replayed.
BACKLOG = 100
#: Most events packed into one frame, and into one room's entry of an ``/events`` answer.
MAX_BATCH = 200


def visible_events(
    server: ChatServer,
    room_id: int,
    viewer: int | None,
    after: int,
    limit: int | None = None,
    *,
    through: int | None = None,
) -> list[Event]:
    """Events of a room (and the viewer's room-less notifications) with id > ``after`` (and
    <= ``through``), oldest first."""
    events = [
        e for e in server.events_after(room_id, after, limit, through=through)
        if e.visible_to(viewer)
    ]
    if viewer is not None:
        personal = server.user_notifications_after(viewer, after, through)
        if personal:
            events = sorted(events + personal, key=lambda e: e.id)
    return events


def envelope(
    server: ChatServer, room_id: int, events: list[Event], viewer: int | None,
    t: int | None = None,
) -> dict[str, Any]:
    """One room's entry of a frame or ``/events`` answer (``t``: the cursor to go on from, by
    default the server's latest event id)."""
    t = server.last_event_id if t is None else t
    if not events:
        return {"t": t, "d": 0}
    return {"e": [e.render(viewer) for e in events], "t": t, "d": len(events)}


class Connection:
    """One open websocket."""

    __slots__ = ("closed", "queue", "room_id", "server", "silenced", "task", "user_id", "ws")

    def __init__(
        self, ws: web.WebSocketResponse, server: ChatServer, room_id: int, user_id: int | None
    ) -> None:
        self.ws = ws
        self.server = server
        self.room_id = room_id
        self.user_id = user_id
        self.queue: asyncio.Queue[Event | None] = asyncio.Queue()
        self.task: asyncio.Task[None] | None = None
        self.closed = False
        self.silenced = False

    async def send_events(self, events: list[Event]) -> None:
        """Send ``events`` in frames of at most ``MAX_BATCH`` (a long replay too)."""
        for start in range(0, len(events), MAX_BATCH):
            batch = events[start:start + MAX_BATCH]
            # the frame is assembled from each event's cached JSON: one serialisation per event,
            # not one per listener
            parts = b",".join(e.json(self.user_id) for e in batch)
            frame = b'{"r%d":{"e":[%b],"t":%d,"d":%d}}' % (
                self.room_id,
                parts,
                self.server.last_event_id,
                len(batch),
            )
            await self.ws.send_str(frame.decode())

    async def writer(self, heartbeat: float) -> None:
        key = f"r{self.room_id}"
        idle = orjson.dumps({key: {}}).decode()
        try:
            while not self.closed:
                try:
                    first = await asyncio.wait_for(self.queue.get(), heartbeat)
                except TimeoutError:
                    if not self.silenced:
                        await self.ws.send_str(idle)
                    continue
                if first is None:
                    break
                batch = [first]
                while len(batch) < MAX_BATCH and not self.queue.empty():
                    item = self.queue.get_nowait()
                    if item is None:
                        self.closed = True
                        break
                    batch.append(item)
                if not self.silenced:
                    await self.send_events(batch)
        except (ConnectionResetError, RuntimeError, asyncio.CancelledError):
            pass


class Hub:
    """All open sockets, by (server slug, room id) and by (slug, user id)."""

    def __init__(self) -> None:
        self.by_room: dict[tuple[str, int], set[Connection]] = defaultdict(set)
        self.by_user: dict[tuple[str, int], set[Connection]] = defaultdict(set)
        self.all: set[Connection] = set()

    def attach(self, server: ChatServer) -> None:
        server.subscribe(lambda event: self.dispatch(server.slug, event))

    def add(self, conn: Connection) -> None:
        self.all.add(conn)
        self.by_room[(conn.server.slug, conn.room_id)].add(conn)
        if conn.user_id is not None:
            self.by_user[(conn.server.slug, conn.user_id)].add(conn)

    def remove(self, conn: Connection) -> None:
        self.all.discard(conn)
        self.by_room[(conn.server.slug, conn.room_id)].discard(conn)
        if conn.user_id is not None:
            self.by_user[(conn.server.slug, conn.user_id)].discard(conn)

    def dispatch(self, slug: str, event: Event) -> None:
        if event.key_room == 0:
            for target in event.targets or ():
                for conn in self.by_user.get((slug, target), ()):
                    conn.queue.put_nowait(event)
            return
        for conn in self.by_room.get((slug, event.key_room), ()):
            if event.targets is None or conn.user_id in event.targets:
                conn.queue.put_nowait(event)

    async def drop_all(self) -> int:
        """Close every open socket (clients must reconnect); returns how many were closed."""
        conns = list(self.all)
        for conn in conns:
            self.remove(conn)
            conn.closed = True
            conn.queue.put_nowait(None)
            with contextlib.suppress(Exception):
                await conn.ws.close(code=1001, message=b"going away")
        return len(conns)

    def silence(self, on: bool = True) -> None:
        """Stop (or resume) sending frames on every open socket, without closing them."""
        for conn in self.all:
            conn.silenced = on
