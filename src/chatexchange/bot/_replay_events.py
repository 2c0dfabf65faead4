"""Replay of archived chat events through a bot's event routes (``bot.replay_events``).

The live client archives every event it receives (``models.Event``: the payload as chat sent it).
A replay reads a room's events in chat's order, turns each payload into the same typed record the
live stream gave (``client.event_record``) and routes it as live: same observers, filters, tags
and error hooks, with archived users, the room and the archived message as context. Nothing is
posted and nothing touches the network.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import logging
from collections.abc import Iterator
from typing import Any, NamedTuple

import orjson
from sqlalchemy import and_, select

from .._time import EPOCH, SUNSET
from ..models import Event, Message, Room, User
from ._core import answer_text
from ._replay import ReplayMessage, ReplayUser, _as_time, archived_room

__all__ = ["ReplayedEvent", "replay_events"]

log = logging.getLogger("chatexchange.bot")

E = Event.__table__
M = Message.__table__
R = Room.__table__
U = User.__table__


class ReplayedEvent(NamedTuple):
    """One archived event a route took, and what the bot would have answered (None: nothing)."""

    event: Any
    answer: str | None


def replay_events(
    bot: Any,
    room: Any,
    since: Any = EPOCH,
    until: Any = SUNSET,
    *,
    database: Any = None,
    types: Any = (),
) -> Iterator[ReplayedEvent]:
    """The archived events of ``room`` in ``[since, until)`` (datetimes) that one of the bot's
    routes takes, oldest first, with the answer; ``types`` limits the event types read."""
    from ..client import event_record

    engine, target = archived_room(room, database, "replay_events")
    slug = target.server_slug
    message_join = and_(M.c.server_meta_id == E.c.server_meta_id, M.c.id == E.c.message_id)
    query = (
        select(
            E.c.raw,
            M.c.id,
            M.c.content_text,
            M.c.content_html,
            M.c.parent_id,
            M.c.time,
            M.c.owner_meta_id,
        )
        .select_from(E.outerjoin(M, message_join))
        .where(E.c.room_meta_id == target.meta_id)
        .order_by(E.c.id)
    )
    if types:
        query = query.where(E.c.event_type.in_([int(t) for t in types]))
    for bound in (since, until):
        if not isinstance(bound, dt.datetime) or bound.tzinfo is None:
            raise TypeError("since/until of an event replay must be aware datetimes")
    server_meta_id = select(R.c.server_meta_id).where(R.c.meta_id == target.meta_id)
    users_of_room = select(E.c.user_id).where(E.c.room_meta_id == target.meta_id).distinct()
    user_query = select(U.c.meta_id, U.c.id, U.c.name, U.c.is_moderator, U.c.reputation).where(
        U.c.id.in_(users_of_room)
    )
    loop: asyncio.AbstractEventLoop | None = None
    with engine.connect() as conn:
        sid = conn.execute(server_meta_id).scalar_one()
        user_query = user_query.where(U.c.server_meta_id == sid)
        by_id = {row[1]: ReplayUser(slug, *row) for row in conn.execute(user_query)}
        by_meta = {user.meta_id: user for user in by_id.values()}
        try:
            for raw, mid, text, html, parent, time, owner_meta_id in conn.execute(query):
                event = event_record(orjson.loads(raw))
                stamp = event.time_stamp
                if stamp is not None and not since <= stamp < until:
                    continue
                if not bot.has_routes(event.event_type):
                    continue
                user = by_id.get(event.user_id)
                if user is None and event.user_id is not None:
                    user = ReplayUser(slug, None, event.user_id, event.user_name)
                message = None
                if mid is not None:
                    owner = by_meta.get(owner_meta_id) or ReplayUser(slug, None, None, None)
                    message = ReplayMessage(mid, text, html, parent, _as_time(time), owner, target)
                context = bot.context_for(message, target, user, server=slug, event=event)
                tags = bot.tags_for(target, user)
                route = None
                try:
                    route, value = bot.answer_event(event, context, tags)
                    if route is None:
                        continue
                    if inspect.isawaitable(value):
                        loop = loop or asyncio.new_event_loop()
                        value = loop.run_until_complete(_wait(value))
                except Exception as error:  # as live: the error hooks, then the next event
                    value = bot.handle_error(error, context, route.owner if route else bot)
                    if inspect.isawaitable(value):
                        loop = loop or asyncio.new_event_loop()
                        value = loop.run_until_complete(_wait(value))
                yield ReplayedEvent(event, answer_text(value))
        finally:
            if loop is not None:
                loop.close()


async def _wait(awaitable: Any) -> Any:
    return await awaitable
