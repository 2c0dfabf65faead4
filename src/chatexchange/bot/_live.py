"""Running a bot on live rooms.

One consumer per chat server reads the client's shared room feeds (the transport's watcher:
websocket with reconnect and gap filling, polling fallback; every event archived as it arrives).
Each new message is handled once: message ids already handled are remembered, so an event the
transport repeats, or a message seen again while catching up, is never answered twice. If a feed
fails altogether, the consumer subscribes again and catches up from the room's recent events, so
nothing posted meanwhile is lost. Answers are posted with ``message.reply()``, which goes through
the transport's ordered, throttle-aware write queue.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import time
from collections import OrderedDict
from typing import Any

from .. import errors
from .._time import EPOCH, SUNSET
from ..event_types import EventType
from ._core import answer_text

__all__ = ["LiveRun"]

log = logging.getLogger("chatexchange.bot")

_POSTED = (EventType.MESSAGE_POSTED, EventType.MESSAGE_REPLY)
_EDITED = EventType.MESSAGE_EDITED
_ROOM_CHANGED = (EventType.ROOM_CHANGED, EventType.ACCESS_CHANGED)
_USER_TTL = 3600.0


class _Seen(OrderedDict):
    def __init__(self, size: int = 50_000) -> None:
        super().__init__()
        self.size = size

    def add(self, key: Any, value: Any = None) -> None:
        self[key] = value
        self.move_to_end(key)
        if len(self) > self.size:
            self.popitem(last=False)


class LiveRun:
    """One ``bot.run(*rooms)``: the rooms, who we are, and what was handled."""

    def __init__(self, bot: Any, rooms: list[Any], *, post: bool = True) -> None:
        if not rooms:
            raise ValueError("run() needs at least one room")
        self.bot = bot
        self.client = rooms[0].client
        self.post = post
        self.rooms: dict[tuple[str, int], Any] = {}
        for room in rooms:
            if room.client is not self.client:
                raise ValueError("all rooms of one run must come from the same client")
            self.rooms[(room.server.slug, room.id)] = room
        self.me: dict[str, int | None] = {}
        self.handled = _Seen()
        self.answers = _Seen(5_000)  # (slug, message id) -> our answer (a client Message)
        self.last_seen: dict[tuple[str, int], int] = {}
        self.users: dict[tuple[str, int | None], tuple[float, Any]] = {}
        self.stopping = asyncio.Event()
        self.running = asyncio.Event()

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
        key = (slug, user_id)
        now = time.monotonic()
        cached = self.users.get(key)
        if cached is not None and now - cached[0] < _USER_TTL:
            return cached[1]
        client = self.client
        user = client._stub_user(slug, user_id, name)
        if user_id is not None and user_id > 0:
            try:
                user = await client.server(slug).user(user_id, desired_max_age=_USER_TTL)
            except errors.ChatExchangeError as error:
                log.debug("no profile for %s/u/%s: %s", slug, user_id, error)
        self.users[key] = (now, user)
        return user

    # -- running ---------------------------------------------------------------------------------

    async def run(self) -> None:
        await self._prepare()
        slugs: dict[str, list[int]] = {}
        for slug, room_id in self.rooms:
            slugs.setdefault(slug, []).append(room_id)
        tasks = [
            asyncio.ensure_future(self._consume(slug, room_ids)) for slug, room_ids in slugs.items()
        ]
        stop = asyncio.ensure_future(self.stopping.wait())
        try:
            done, _ = await asyncio.wait([*tasks, stop], return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task is not stop and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
        finally:
            for task in [*tasks, stop]:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            self.running.clear()

    async def _consume(self, slug: str, room_ids: list[int]) -> None:
        from ..client._bounds import window_now

        live = self.client._live
        failures = 0
        first = True
        while True:
            subscription = None
            try:
                subscription = await live.subscribe(slug, room_ids)
                await self._catch_up(slug, room_ids, answer=not first)
                first = False
                self.running.set()
                async for event, row in subscription.items(window_now(EPOCH, SUNSET)):
                    failures = 0
                    await self._on_event(slug, event, row)
                return  # the feed ended (the client closes)
            except asyncio.CancelledError:
                raise
            except errors.ChatExchangeError as error:
                failures += 1
                self.bot.stats["resubscribed"] += 1
                delay = min(30.0, 0.5 * 2 ** min(failures, 6))
                log.warning("live events of %s failed (%s); again in %.1fs", slug, error, delay)
                await asyncio.sleep(delay)
            finally:
                if subscription is not None:
                    await subscription.close()

    async def _catch_up(self, slug: str, room_ids: list[int], *, answer: bool) -> None:
        """Handle what was posted while no feed was open (the recent events of each room).

        At the first subscription (``answer=False``) only each room's newest message id is noted,
        so a later catch-up never answers what was posted before the bot started.
        """
        from ..client._live import _record

        client = self.client
        connection = await client._reader(slug)
        sid = client.server(slug).meta_id
        for room_id in room_ids:
            response = await connection.room_events(room_id, msg_count=100 if answer else 1)
            key = (slug, room_id)
            floor = self.last_seen.get(key, 0)
            for event in response.events:
                mid = getattr(event, "message_id", None)
                if event.event_type != EventType.MESSAGE_POSTED or mid is None or mid <= floor:
                    continue
                if not answer:
                    self.last_seen[key] = max(self.last_seen.get(key, 0), mid)
                    continue
                row = await client._db.write(_record, sid, event, client.now())
                if row is not None:
                    await self._on_event(slug, event, row)

    async def _on_event(self, slug: str, event: Any, row: dict[str, Any] | None) -> None:
        kind = event.event_type
        if kind in _ROOM_CHANGED:
            key = (slug, event.room_id)
            if key in self.rooms:
                self.rooms[key] = await self._fresh_room(self.rooms[key])
                self.bot.forget_tags()
            return
        if row is None or (slug, row["room_id"]) not in self.rooms:
            return
        key = (slug, row["id"])
        if kind in _POSTED:
            room_key = (slug, row["room_id"])
            self.last_seen[room_key] = max(self.last_seen.get(room_key, 0), row["id"])
            if key in self.handled:
                return
            self.handled.add(key)
            await self._handle(slug, event, row, edited=False)
        elif kind == _EDITED and self.bot.edits != "ignore":
            if key not in self.handled:  # an edit of a message from before we started
                return
            await self._handle(slug, event, row, edited=True)

    async def _handle(self, slug: str, event: Any, row: dict[str, Any], *, edited: bool) -> None:
        from ..client.objects import Message

        bot = self.bot
        if row.get("owner_id") is not None and row["owner_id"] == self.me.get(slug):
            bot.stats["own"] += 1
            return
        client = self.client
        message = Message(client, {**row, "server_slug": slug})
        room = self.rooms[(slug, row["room_id"])]
        user = await self._user(slug, row.get("owner_id"), row.get("owner_name"))
        tags = bot._cached_tags((slug, room.id, user.id), room, user)
        context = bot.context_for(
            message, room, user, server=client.server(slug), event=event, client=client
        )
        bot.stats["handled"] += 1
        try:
            value = bot.answer(row.get("content_text") or "", context, tags)
            if inspect.isawaitable(value):
                value = await value
        except Exception:
            bot.stats["errors"] += 1
            log.exception("%s failed on %r", bot.name, message)
            return
        text = answer_text(value)
        if text is None:
            return
        if not self.post:
            log.info("%s would answer %r with %r", bot.name, message, text)
            return
        try:
            previous = self.answers.get((slug, message.id)) if edited else None
            if previous is not None and bot.edits == "update":
                try:
                    await previous.edit(f":{message.id} {text}")  # still a reply
                    bot.stats["answered"] += 1
                    return
                except errors.RefusedError:  # too late to edit: answer anew
                    pass
            answer = await message.reply(text)
            self.answers.add((slug, message.id), answer)
            bot.stats["answered"] += 1
        except errors.ChatExchangeError as error:
            bot.stats["errors"] += 1
            log.warning("%s could not answer %r: %s", bot.name, message, error)
