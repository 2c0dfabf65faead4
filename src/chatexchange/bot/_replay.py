"""Replay: a bot's rules over archived messages, without network and without posting.

One select of the room's messages in id order, built with SQLAlchemy Core (no ORM objects): the
few columns a rule can see, times left as stored and parsed only when a rule reads
``message.time``. Its rows are read in chunks from the DB-API cursor of the same connection (the
statement and parameters SQLAlchemy compiled), not through SQLAlchemy's Result rows; the room's
authors are read once. Each message becomes a small slotted object, so the cost per message is the
engine's, not the database layer's.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import logging
import re
from collections.abc import Generator, Iterator
from types import SimpleNamespace
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, String, select, type_coerce

from .. import errors
from .._time import EPOCH, SUNSET, UTC
from ..models import Message, Room, Server, User, meta_id_from_slug
from ._core import _Memory, answer_text

__all__ = [
    "ReplayMessage",
    "ReplayRoom",
    "ReplayUser",
    "Replayed",
    "parse_room_text",
    "replay",
    "resolve_room",
]

log = logging.getLogger("chatexchange.bot")

M = Message.__table__
U = User.__table__
R = Room.__table__
S = Server.__table__


class ReplayUser:
    """An archived user as a rule sees it in a replay."""

    __slots__ = ("id", "is_moderator", "meta_id", "name", "reputation", "server_slug")

    def __init__(
        self,
        server_slug: str,
        meta_id: int | None,
        id: int | None,
        name: str | None,
        is_moderator: bool | None = None,
        reputation: int | None = None,
    ) -> None:
        self.server_slug = server_slug
        self.meta_id = meta_id
        self.id = id
        self.name = name
        self.is_moderator = bool(is_moderator)
        self.reputation = reputation

    def __repr__(self) -> str:
        return f"<ReplayUser {self.server_slug}/u/{self.id} {self.name!r}>"


class ReplayRoom:
    """An archived room: ``tags`` and ``owner_ids`` feed the bot's tag rules."""

    __slots__ = ("id", "meta_id", "name", "owner_ids", "server_slug", "tags")

    def __init__(
        self,
        server_slug: str,
        meta_id: int,
        id: int,
        name: str | None,
        tags: Any = None,
        owner_ids: Any = None,
    ) -> None:
        self.server_slug = server_slug
        self.meta_id = meta_id
        self.id = id
        self.name = name
        self.tags = tuple(tags or ())
        self.owner_ids = frozenset(owner_ids or ())

    def __repr__(self) -> str:
        return f"<ReplayRoom {self.server_slug}/r/{self.id} {self.name!r}>"


def _as_time(value: Any) -> dt.datetime | None:
    if value is None or (isinstance(value, dt.datetime) and value.tzinfo is not None):
        return value
    stored: dt.datetime = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return stored.replace(tzinfo=UTC) if stored.tzinfo is None else stored.astimezone(UTC)


class ReplayMessage:
    """An archived message: ``id``, ``text`` (= ``content_text``), ``content_html``,
    ``parent_id``, ``time``, ``owner`` (also ``user``), ``room``, ``name`` (the owner's)."""

    # ``text`` is a plain attribute, not a property: rules read it on every message.
    __slots__ = (
        "_time",
        "content_html",
        "content_text",
        "id",
        "owner",
        "parent_id",
        "room",
        "text",
    )

    def __init__(
        self,
        id: int,
        content_text: str | None,
        content_html: str | None,
        parent_id: int | None,
        time: Any,
        owner: ReplayUser,
        room: ReplayRoom,
    ) -> None:
        self.id = id
        self.content_text = self.text = content_text
        self.content_html = content_html
        self.parent_id = parent_id
        self._time = time
        self.owner = owner
        self.room = room

    @property
    def name(self) -> str | None:
        return self.owner.name

    @property
    def owner_id(self) -> int | None:
        return self.owner.id

    @property
    def room_id(self) -> int:
        return self.room.id

    @property
    def time(self) -> dt.datetime | None:
        return _as_time(self._time)

    def __repr__(self) -> str:
        text = self.content_text or ""
        if len(text) > 40:
            text = text[:39] + "…"
        return f"<ReplayMessage {self.room.server_slug}/m/{self.id} by {self.name!r}: {text!r}>"


class Replayed(NamedTuple):
    """One archived message and what the bot would have answered (None: nothing)."""

    message: ReplayMessage
    answer: str | None


def archived_room(room: Any, database: Any, what: str) -> tuple[Engine, ReplayRoom]:
    """The archive to read (``database``: an Engine or URL, by default the archive of ``room``'s
    client) and the room in it; ``what`` names the caller in the error."""
    if database is None:
        client = getattr(getattr(room, "async_object", room), "client", None)
        if client is None or not hasattr(client, "sql_engine"):
            raise TypeError(f"{what} needs database= unless the room comes from a client")
        database = client.sql_engine
    if isinstance(database, Engine):
        engine = database
    else:
        from ..client import open_archive

        engine = open_archive(database)
    return engine, resolve_room(engine, room)


def resolve_room(engine: Engine, room: Any) -> ReplayRoom:
    """The archived room named by ``room``: a client ``Room``, ``"se/r/1"``, ``"r/<slug>"``,
    ``("se", 1)``, or a CLI ``RoomRef`` (server + room_id, server + message_id, or meta_slug)."""
    slug: str | None = None
    room_id: int | None = None
    message_id: int | None = None
    meta_id: int | None = None
    values = getattr(room, "_values", None)
    if isinstance(values, dict) and "id" in values:  # a client Room (or a blocking proxy's target)
        slug, room_id = values.get("server_slug"), values["id"]
    elif hasattr(room, "async_object"):
        return resolve_room(engine, room.async_object)
    elif isinstance(room, tuple) and len(room) == 2:
        slug, room_id = room
    elif isinstance(room, str):
        return resolve_room(engine, parse_room_text(room))
    elif hasattr(room, "meta_slug") and hasattr(room, "room_id"):  # RoomRef
        if room.meta_slug is not None:
            meta_id = meta_id_from_slug(room.meta_slug)
        slug, room_id, message_id = room.server, room.room_id, room.message_id
    else:
        raise TypeError(f"cannot tell which room {room!r} is")
    columns = (S.c.slug, R.c.meta_id, R.c.id, R.c.name, R.c.tags, R.c.owner_ids)
    query = select(*columns).select_from(R.join(S, S.c.meta_id == R.c.server_meta_id))
    if meta_id is not None:
        query = query.where(R.c.meta_id == meta_id)
    elif message_id is not None:
        owner = select(M.c.room_meta_id).join(S, S.c.meta_id == M.c.server_meta_id)
        room_of = owner.where(S.c.slug == slug, M.c.id == message_id).scalar_subquery()
        query = query.where(R.c.meta_id == room_of)
    else:
        query = query.where(S.c.slug == slug, R.c.id == int(room_id))
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        raise errors.NotFoundError(f"room {room} is not in the archive")
    return ReplayRoom(*row)


_ROOM_TEXT = re.compile(
    r"^(?P<slug>[a-z]+)/r(?:ooms?)?/(?P<id>\d+)/?$|^r/(?P<meta>[A-Za-z0-9]+)/?$"
)


def parse_room_text(text: str) -> Any:
    """``"se/r/1"`` -> ``("se", 1)``; ``"r/B6"`` -> an object naming the archived room by slug."""
    m = _ROOM_TEXT.match(text.strip())
    if m is None:
        raise ValueError(f"{text!r} names no room: expected e.g. se/r/1 or r/<slug>")
    if m["meta"]:
        return SimpleNamespace(meta_slug=m["meta"], server=None, room_id=None, message_id=None)
    return (m["slug"], int(m["id"]))


_SLACK = dt.timedelta(seconds=1)


def _bounds(query: Any, since: Any, until: Any) -> tuple[Any, Any, Any]:
    """The query with ``since``/``until`` applied, and the exact time bounds to check in Python.

    SQLite compares stored times as text, whose form need not match the bound's, so time bounds
    are widened by a second in SQL and applied exactly to each row's parsed time.
    """
    exact: list[Any] = [None, None]
    for bound, is_since in ((since, True), (until, False)):
        if isinstance(bound, bool) or not isinstance(bound, (int, dt.datetime)):
            raise TypeError("since/until must be a datetime or a message id")
        if isinstance(bound, dt.datetime):
            if bound.tzinfo is None:
                raise ValueError("since/until must be aware datetimes")
            bound = bound.astimezone(UTC)
            if is_since and bound > EPOCH:
                query = query.where(M.c.time >= bound - _SLACK)
                exact[0] = bound
            elif not is_since and bound < SUNSET:
                query = query.where(M.c.time < bound + _SLACK)
                exact[1] = bound
        else:
            query = query.where(M.c.id >= bound if is_since else M.c.id < bound)
    return query, exact[0], exact[1]


def replay(
    bot: Any,
    room: Any,
    since: Any = EPOCH,
    until: Any = SUNSET,
    *,
    database: Any = None,
    include_deleted: bool = False,
    batch: int = 10_000,
) -> Iterator[Replayed]:
    """Every archived message of ``room`` in ``[since, until)``, oldest first, with the answer.

    ``database``: an SQLAlchemy Engine or URL; by default the archive of ``room``'s client.
    Nothing is posted and nothing touches the network: the context's ``client`` and ``event``
    are None. An async event is awaited on a private event loop.
    """
    engine, target = archived_room(room, database, "replay")
    slug = target.server_slug
    authors = select(M.c.owner_meta_id).where(M.c.room_meta_id == target.meta_id).distinct()
    user_query = select(U.c.meta_id, U.c.id, U.c.name, U.c.is_moderator, U.c.reputation).where(
        U.c.meta_id.in_(authors)
    )
    query = select(
        M.c.id,
        M.c.content_text,
        M.c.content_html,
        M.c.parent_id,
        type_coerce(M.c.time, String),  # parsed only if a rule reads it
        M.c.owner_meta_id,
    ).where(M.c.room_meta_id == target.meta_id)
    if not include_deleted:
        query = query.where(M.c.deleted.is_(False))
    query, since_time, until_time = _bounds(query, since, until)
    query = query.order_by(M.c.id)
    timed = since_time is not None or until_time is not None

    handle = bot.handle
    new_tuple = tuple.__new__  # Replayed without its Python-level __new__, once per message
    use_tags = bot._use_tags
    tags_for = bot.tags_for
    memory = _Memory(100_000)
    nobody = ReplayUser(slug, None, None, None)
    loop: asyncio.AbstractEventLoop | None = None
    with engine.connect() as conn:
        # Equal tag sets share one object, so the engine switches plans only on a real change.
        interned: dict[frozenset[str], frozenset[str]] = {}
        users: dict[Any, tuple[ReplayUser, frozenset[str], dict[str, Any]]] = {}
        for meta_id, uid, name, moderator, reputation in conn.execute(user_query):
            user = ReplayUser(slug, meta_id, uid, name, moderator, reputation)
            tags = interned.setdefault(tags_for(target, user), tags_for(target, user))
            users[meta_id] = (user, tags, _context(bot, target, user, memory.of((target.id, uid))))
        tags = interned.setdefault(tags_for(target, nobody), tags_for(target, nobody))
        none_entry = (nobody, tags, _context(bot, target, nobody, memory.of((target.id, None))))
        chunks = _chunks(conn, query, batch)
        try:
            for rows in chunks:
                for mid, text, html, parent, time, owner_meta_id in rows:
                    if timed:
                        when = _as_time(time)
                        if when is None or (since_time is not None and when < since_time):
                            continue
                        if until_time is not None and when >= until_time:
                            continue
                    user, tags, template = users.get(owner_meta_id, none_entry)
                    message = ReplayMessage(mid, text, html, parent, time, user, target)
                    if tags is not bot._next_tags:
                        use_tags(tags)
                    context = template.copy()  # each message its own context
                    context["message"] = message
                    try:
                        answer = handle((text or "",), context)
                        value = answer[0]
                        if len(answer) == 3 and answer[1] < 0:
                            value = None
                        elif value is not None and value.__class__ is not str:
                            if inspect.isawaitable(value):
                                if loop is None:
                                    loop = asyncio.new_event_loop()
                                value = loop.run_until_complete(_wait(value))
                            value = answer_text(value)
                    except Exception:  # as live: a failing rule is logged, the bot goes on
                        log.exception("%s failed on %r", bot.name, message)
                        value = None
                    yield new_tuple(Replayed, (message, value or None))
        finally:
            chunks.close()  # the cursor, before the connection goes back to the pool
            if loop is not None:
                loop.close()


def _chunks(conn: Connection, query: Any, size: int) -> Generator[list[Any], None, None]:
    """The rows of ``query`` in lists of up to ``size``, from the DB-API cursor of ``conn``.

    SQLAlchemy compiles the statement and processes the parameters (a bound datetime is stored
    text on SQLite); reading plain tuples from the driver skips a Row object per message. On
    PostgreSQL the cursor is a server-side one, so the rows are streamed, not all held at once.
    """
    dialect = conn.dialect
    compiled = query.compile(dialect=dialect)
    params = compiled.construct_params()
    for name, bind in compiled.binds.items():
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None and name in params:
            params[name] = process(params[name])
    args: Any = [params[name] for name in compiled.positiontup or ()] if compiled.positional \
        else params
    raw: Any = conn.connection.dbapi_connection
    if dialect.name == "postgresql":
        cursor = raw.cursor(name="chatexchange_replay")
    else:
        cursor = raw.cursor()
    try:
        cursor.execute(str(compiled), args)
        while rows := cursor.fetchmany(size):
            yield rows
    finally:
        cursor.close()


def _context(bot: Any, room: ReplayRoom, user: ReplayUser, memory: Any) -> dict[str, Any]:
    """What a rule sees besides the message (the same for all of one user's messages)."""
    return {
        "message": None,
        "room": room,
        "user": user,
        "server": room.server_slug,
        "event": None,
        "chat_event": None,
        "client": None,
        "memory": memory,
        "bot": bot,
    }


async def _wait(awaitable: Any) -> Any:
    return await awaitable
