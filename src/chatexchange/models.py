"""The archive: SQLAlchemy 2 declarative models for servers, users, rooms and messages.

Every row carries ``meta_*`` bookkeeping (when *we* created, updated or saw it deleted) separate
from what chat says about it, so the client's freshness rule (``desired_max_age`` /
``required_max_age``) is a comparison against ``meta_updated``. Times are timezone-aware UTC on
every database: SQLite has no time zones, so :class:`UTCDateTime` stores naive UTC there and hands
back aware datetimes.

Chat identifiers (``id``) are unique per server only, hence the unique ``(server_meta_id, id)``
constraint on each kind. Rows point at each other through ``*_meta_id`` foreign keys, except
``Message.parent_id``, which is the chat id of the replied-to message (it may not be archived yet).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any, ClassVar

from lxml import html as lxml_html
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    inspect,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    foreign,
    mapped_column,
    relationship,
    remote,
    validates,
)
from sqlalchemy.types import TypeDecorator

from ._time import UTC, utcnow

__all__ = [
    "Base",
    "BotPosition",
    "Event",
    "Message",
    "MessageRevision",
    "Room",
    "Server",
    "TranscriptPageFetch",
    "UTCDateTime",
    "User",
    "meta_id_from_slug",
    "slug_from_meta_id",
    "text_from_html",
]


# -------------------------------------------------------------------------------------------------
# Slugs: a short, URL-safe, case-insensitive name for a meta_id (the CLI's ``r/B6``).
#
# Crockford's base-32 alphabet (no I, L, O, U), bijective over lengths: the first character is
# always a letter, so a slug can never be mistaken for a chat id, and every non-negative integer has
# exactly one slug. Length-1 slugs cover 0..21, length-2 slugs the next 22*32, and so on.

_DIGITS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_LEADS = "ABCDEFGHJKMNPQRSTVWXYZ"
_DIGIT_VALUE = {c: i for i, c in enumerate(_DIGITS)}
_DIGIT_VALUE.update({"O": 0, "I": 1, "L": 1})  # Crockford's forgiving reads
_LEAD_VALUE = {c: i for i, c in enumerate(_LEADS)}


def slug_from_meta_id(meta_id: int) -> str:
    """The canonical slug of ``meta_id`` (``>= 0``)."""
    if not isinstance(meta_id, int) or isinstance(meta_id, bool) or meta_id < 0:
        raise ValueError(f"a meta_id is a non-negative integer, not {meta_id!r}")
    n = meta_id
    tail = 0  # number of base-32 digits after the lead letter
    block = len(_LEADS)
    while n >= block:
        n -= block
        tail += 1
        block = len(_LEADS) * 32**tail
    digits = []
    for _ in range(tail):
        n, d = divmod(n, 32)
        digits.append(_DIGITS[d])
    return _LEADS[n] + "".join(reversed(digits))


def meta_id_from_slug(slug: str) -> int:
    """The meta_id a slug names; accepts lower case and Crockford's O/I/L look-alikes."""
    if not isinstance(slug, str) or not slug:
        raise ValueError(f"not a slug: {slug!r}")
    text = slug.strip().upper()
    lead = _LEAD_VALUE.get(text[0]) if text else None
    if lead is None:
        raise ValueError(f"not a slug (must start with a letter): {slug!r}")
    n = lead
    for c in text[1:]:
        d = _DIGIT_VALUE.get(c)
        if d is None:
            raise ValueError(f"not a slug (bad character {c!r}): {slug!r}")
        n = n * 32 + d
    tail = len(text) - 1
    return n + sum(len(_LEADS) << (5 * k) for k in range(tail))  # << 5k: times 32**k, as an int


# -------------------------------------------------------------------------------------------------
# Types and helpers


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A datetime column that is always timezone-aware UTC in Python.

    PostgreSQL stores ``timestamptz``; other databases store naive UTC (sortable, index-friendly)
    and get ``tzinfo=UTC`` back on load. On SQLite that is text, always
    ``'YYYY-MM-DD HH:MM:SS.ffffff'`` (SQLAlchemy's SQLite format, the fraction included when it is
    zero), so comparisons and ORDER BY in SQL are exact; whatever writes bypassing SQLAlchemy's
    statement execution must use the dialect's bind processor (``chatexchange.store`` does).
    Naive datetimes are refused on the way in: they are a bug in the caller, not something to
    guess about.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()}: archive times must be aware UTC")
        value = value.astimezone(UTC)
        if dialect.name == "postgresql":
            return value
        return value.replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        # raw SQL on SQLite may hand back the stored text
        stored: dt.datetime = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
        if stored.tzinfo is None:
            return stored.replace(tzinfo=UTC)
        return stored.astimezone(UTC)


# What makes lxml's reading differ from the text itself: markup, entities, CR (made LF) and the
# control characters it refuses.
_NOT_PLAIN = re.compile(r"[<&\x00-\x08\x0b-\x1f\x7f]")


def text_from_html(content_html: str | None) -> str | None:
    """Plain text of a message's rendered HTML (what a reader sees, without markup)."""
    if content_html is None:
        return None
    if not content_html.strip():
        return ""
    if _NOT_PLAIN.search(content_html) is None:  # no markup: the text is itself (no lxml parse)
        return content_html.strip()
    root = lxml_html.fragment_fromstring(content_html, create_parent="div")
    for br in root.iter("br"):  # multi-line messages: keep the line breaks
        br.tail = "\n" + (br.tail or "")
    text: str = root.text_content()
    return text.strip()


_REPR_MAX = 40


# -------------------------------------------------------------------------------------------------
# Models


class Base(DeclarativeBase):
    """Every archived row: a surrogate ``meta_id`` and our own bookkeeping times.

    ``meta_created``/``meta_updated`` say when this archive created/last refreshed the row (the
    freshness rule compares against ``meta_updated``); ``meta_deleted`` is when we learned the thing
    was deleted and ``deleted`` whether it is. A user or room only *mentioned* by something else (a
    message's owner, an event's room) is stored as a stub with ``meta_updated = EPOCH``: its name is
    known, but it was never fetched itself, so a lookup with any max age fetches it.
    """

    type_annotation_map = {dt.datetime: UTCDateTime()}

    if TYPE_CHECKING:  # every model maps one Table (not any FromClause): Model.__table__.insert()
        __table__: ClassVar[Table]

    meta_id: Mapped[int] = mapped_column(
        Integer, primary_key=True, autoincrement=True, sort_order=-5
    )
    meta_created: Mapped[dt.datetime] = mapped_column(
        UTCDateTime(), default=utcnow, nullable=False, sort_order=-4
    )
    meta_updated: Mapped[dt.datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow, nullable=False, sort_order=-3
    )
    meta_deleted: Mapped[dt.datetime | None] = mapped_column(
        UTCDateTime(), default=None, sort_order=-2
    )
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False, sort_order=-1)

    @property
    def meta_slug(self) -> str | None:
        """Short URL-safe name of this row (``None`` until it has a ``meta_id``)."""
        return None if self.meta_id is None else slug_from_meta_id(self.meta_id)

    @classmethod
    def meta_id_from_meta_slug(cls, meta_slug: str) -> int:
        """Inverse of :attr:`meta_slug`; ``ValueError`` if ``meta_slug`` is not a slug."""
        return meta_id_from_slug(meta_slug)

    def set(self, **attrs: Any) -> Any:
        """Assign mapped attributes and return ``self``; unknown names raise ``AttributeError``."""
        mapper = inspect(type(self))
        for name in attrs:
            if name not in mapper.attrs and not hasattr(type(self), name):
                raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")
        for name, value in attrs.items():
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        state = inspect(self)
        loaded = state.dict  # only what is loaded: a repr never queries the database
        parts = []
        meta_id = loaded.get("meta_id")
        if meta_id is None and state.identity:
            meta_id = state.identity[0]
        if meta_id is not None:
            parts.append(f"meta_slug={slug_from_meta_id(meta_id)}")
        for prop in inspect(type(self)).column_attrs:
            key = prop.key
            if key not in loaded or key.startswith("meta_") or key == "deleted":
                continue
            if any(c.info.get("secret") for c in prop.columns):
                continue
            value = loaded[key]
            if value is None:
                continue
            if isinstance(value, str) and len(value) > _REPR_MAX:
                value = value[: _REPR_MAX - 1] + "…"
            elif isinstance(value, dt.datetime):
                value = value.isoformat()
            parts.append(f"{key}={value!r}")
        if loaded.get("deleted"):
            parts.append("deleted=True")
        return f"<{type(self).__name__} {' '.join(parts)}>"


class Server(Base):
    """A chat server (``se``, ``so``, ``mse``); seeded into every new database."""

    __tablename__ = "servers"

    url: Mapped[str] = mapped_column(String(200), unique=True)
    slug: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    chat_host: Mapped[str | None] = mapped_column(String(200))
    login_host: Mapped[str | None] = mapped_column(String(200))


class User(Base):
    """A chat user on one server, with what the profile page and events tell about them."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("server_meta_id", "id", name="uq_user_server_id"),)

    server_meta_id: Mapped[int] = mapped_column(ForeignKey("servers.meta_id"))
    id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(String(200))
    is_moderator: Mapped[bool | None] = mapped_column(Boolean)
    reputation: Mapped[int | None] = mapped_column(Integer)
    message_count: Mapped[int | None] = mapped_column(Integer)
    room_count: Mapped[int | None] = mapped_column(Integer)
    about: Mapped[str | None] = mapped_column(Text)
    #: The "parent user" account on the main site (URL of the profile there).
    parent_user_url: Mapped[str | None] = mapped_column(String(400))
    #: "chat user since" from the profile page.
    since: Mapped[dt.date | None] = mapped_column(Date)
    last_seen: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_message: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    server: Mapped[Server] = relationship()


class Room(Base):
    """A chat room on one server."""

    __tablename__ = "rooms"
    __table_args__ = (
        UniqueConstraint("server_meta_id", "id", name="uq_room_server_id"),
        Index("ix_room_server_activity", "server_meta_id", "last_activity"),
    )

    server_meta_id: Mapped[int] = mapped_column(ForeignKey("servers.meta_id"))
    id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    tags: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True))
    #: Chat user ids of the room owners, when the room info page was read.
    owner_ids: Mapped[list[int] | None] = mapped_column(JSON(none_as_null=True))
    message_count: Mapped[int | None] = mapped_column(Integer)
    user_count: Mapped[int | None] = mapped_column(Integer)
    #: Day of the first message (room info page).
    first_message: Mapped[dt.date | None] = mapped_column(Date)
    #: Latest activity we know of: the room info page, or the newest archived message.
    last_activity: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    frozen: Mapped[bool | None] = mapped_column(Boolean)
    #: The first day that has a transcript (from the transcript's "first day" link).
    first_day: Mapped[dt.date | None] = mapped_column(Date)

    server: Mapped[Server] = relationship()


class Message(Base):
    """A chat message. ``content_text`` follows ``content_html``; ``content_markdown`` is only
    known for messages we sent or read from the history page."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("server_meta_id", "id", name="uq_message_server_id"),
        Index("ix_message_room_time", "room_meta_id", "time"),
        Index("ix_message_room_id", "room_meta_id", "id"),
        Index("ix_message_owner_time", "owner_meta_id", "time"),
        Index("ix_message_server_parent", "server_meta_id", "parent_id"),
    )

    server_meta_id: Mapped[int] = mapped_column(ForeignKey("servers.meta_id"))
    room_meta_id: Mapped[int] = mapped_column(ForeignKey("rooms.meta_id"))
    owner_meta_id: Mapped[int | None] = mapped_column(ForeignKey("users.meta_id"))
    id: Mapped[int] = mapped_column(Integer)
    content_html: Mapped[str | None] = mapped_column(Text)
    content_text: Mapped[str | None] = mapped_column(Text)
    content_markdown: Mapped[str | None] = mapped_column(Text)
    #: Chat id of the message this one replies to (same server).
    parent_id: Mapped[int | None] = mapped_column(Integer)
    #: When it was posted (minute resolution when only a transcript was read).
    time: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    edits: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    stars: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    #: The onebox kind (e.g. ``"ob-image"``) when the message is a onebox.
    onebox: Mapped[str | None] = mapped_column(String(50))
    #: False while the stored content is a transcript's shortened text of a long message (its
    #: "see full text" form); an incomplete text never replaces a complete one.
    text_complete: Mapped[bool] = mapped_column(
        Boolean, default=True, server_default=true(), nullable=False
    )

    server: Mapped[Server] = relationship()
    room: Mapped[Room] = relationship()
    owner: Mapped[User | None] = relationship()
    parent: Mapped[Message | None] = relationship(
        primaryjoin=lambda: and_(
            remote(Message.server_meta_id) == foreign(Message.server_meta_id),
            remote(Message.id) == foreign(Message.parent_id),
        ),
        viewonly=True,
        uselist=False,
    )

    @validates("content_html")
    def _derive_text(self, key: str, value: str | None) -> str | None:
        self.content_text = text_from_html(value)
        return value


class TranscriptPageFetch(Base):
    """One transcript page (room, day, hour slice) we fetched and stored, and when.

    An interrupted import resumes from these rows, and a page fetched within ``max_age`` is not
    fetched again; the stored day links let a walk continue without the page itself.
    """

    __tablename__ = "transcript_page_fetches"
    __table_args__ = (
        UniqueConstraint("room_meta_id", "day", "hour_start", "hour_end", name="uq_page_fetch"),
    )

    room_meta_id: Mapped[int] = mapped_column(ForeignKey("rooms.meta_id"))
    day: Mapped[dt.date] = mapped_column(Date)
    #: UTC hour slice ``[hour_start, hour_end)``; a whole day is 0-24.
    hour_start: Mapped[int] = mapped_column(Integer, default=0)
    hour_end: Mapped[int] = mapped_column(Integer, default=24)
    fetched: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    message_count: Mapped[int] = mapped_column(Integer, default=0)
    first_message_id: Mapped[int | None] = mapped_column(Integer)
    last_message_id: Mapped[int | None] = mapped_column(Integer)
    first_day: Mapped[dt.date | None] = mapped_column(Date)
    previous_day: Mapped[dt.date | None] = mapped_column(Date)
    next_day: Mapped[dt.date | None] = mapped_column(Date)
    last_day: Mapped[dt.date | None] = mapped_column(Date)

    room: Mapped[Room] = relationship()


class MessageRevision(Base):
    """One version of a message as its history page shows it (``message.history()`` stores them).

    ``position`` 0 is the current version, then the revisions newest first, as on the page; a
    later read of the history replaces the message's revisions. ``time_text`` is the page's clock
    time (UTC, no date); ``label`` is "edited", "said", "deleted" or ``None`` (current version).
    """

    __tablename__ = "message_revisions"
    __table_args__ = (
        UniqueConstraint("message_meta_id", "position", name="uq_message_revision"),
    )

    message_meta_id: Mapped[int] = mapped_column(ForeignKey("messages.meta_id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(Integer)
    user_name: Mapped[str | None] = mapped_column(String(200))
    time_text: Mapped[str | None] = mapped_column(String(20))
    label: Mapped[str | None] = mapped_column(String(20))
    content_html: Mapped[str | None] = mapped_column(Text)
    content_text: Mapped[str | None] = mapped_column(Text)
    content_markdown: Mapped[str | None] = mapped_column(Text)

    message: Mapped[Message] = relationship()


class Event(Base):
    """A live chat event as it arrived, so a replay can run event rules over the archive.

    ``raw`` is the event's JSON object as chat sent it (parsed again on replay); the other columns
    are copies for selecting. Only events with a chat event ``id`` are kept (the id-less entries of
    a gap fill are messages, archived as such), once per id.
    """

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("server_meta_id", "id", name="uq_event_server_id"),
        Index("ix_event_room_id", "room_meta_id", "id"),
    )

    server_meta_id: Mapped[int] = mapped_column(ForeignKey("servers.meta_id"))
    #: The room the event happened in; for a personal notification or an invitation, the room
    #: whose feed delivered it (None when not known).
    room_meta_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.meta_id"))
    id: Mapped[int] = mapped_column(Integer)
    event_type: Mapped[int] = mapped_column(Integer)
    time: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    user_id: Mapped[int | None] = mapped_column(Integer)
    target_user_id: Mapped[int | None] = mapped_column(Integer)
    message_id: Mapped[int | None] = mapped_column(Integer)
    raw: Mapped[str] = mapped_column(Text)

    server: Mapped[Server] = relationship()
    room: Mapped[Room | None] = relationship()


class BotPosition(Base):
    """How far a bot has handled a room: the newest message it handled there (answered, or looked
    at and left), so that a bot restarted on this archive catches up from exactly there."""

    __tablename__ = "bot_positions"
    __table_args__ = (
        UniqueConstraint("bot", "server_meta_id", "room_id", name="uq_bot_position"),
    )

    bot: Mapped[str] = mapped_column(String(200))
    server_meta_id: Mapped[int] = mapped_column(ForeignKey("servers.meta_id"))
    room_id: Mapped[int] = mapped_column(Integer)
    message_id: Mapped[int] = mapped_column(Integer)


class BotEventPosition(Base):
    """How far a bot's event routes have read a room: the newest chat event id it passed there
    (routed, or wanted by no route), so that a restarted bot replays exactly the events after it
    (joins, stars, edits, mentions...). Kept only by bots with event routes.

    ``answering_event_id`` / ``answering_after``: an event whose answer was being posted when this
    row was last written, and the newest message id of the room before that answer. A process
    killed after posting and before moving ``event_id`` past the event leaves them set, so the
    next one, replaying the event, finds its answer (a message of the bot's newer than
    ``answering_after``) instead of posting it again. Cleared when ``event_id`` passes the event.
    """

    __tablename__ = "bot_event_positions"
    __table_args__ = (
        UniqueConstraint("bot", "server_meta_id", "room_id", name="uq_bot_event_position"),
    )

    bot: Mapped[str] = mapped_column(String(200))
    server_meta_id: Mapped[int] = mapped_column(ForeignKey("servers.meta_id"))
    room_id: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[int] = mapped_column(Integer)
    answering_event_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    answering_after: Mapped[int | None] = mapped_column(Integer, nullable=True)


class BotLease(Base):
    """Which process of a bot answers in a room: a lease with a fencing token.

    One row per (bot name, server, room). ``holder`` (a process's unique member id) may answer in
    the room until ``expires`` (the database's clock); ``token`` grows by one on every takeover and
    fences the holder's writes (a renewal or a position written with an older token changes
    nothing). ``last_message_id`` is the newest message the holder has handled: a process taking
    the room over answers what came after it. Only bots on PostgreSQL write these rows.
    """

    __tablename__ = "bot_leases"
    __table_args__ = (UniqueConstraint("bot", "server_slug", "room_id", name="uq_bot_lease_room"),)

    bot: Mapped[str] = mapped_column(String(200))
    server_slug: Mapped[str] = mapped_column(String(20))
    room_id: Mapped[int] = mapped_column(Integer)
    holder: Mapped[str | None] = mapped_column(String(200))
    host: Mapped[str | None] = mapped_column(String(200))
    pid: Mapped[int | None] = mapped_column(Integer)
    token: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    since: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    expires: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_message_id: Mapped[int | None] = mapped_column(Integer)


class BotMember(Base):
    """A running process of a bot (active or standby) and the rooms it can serve; alive while
    ``expires`` (the database's clock) is in the future."""

    __tablename__ = "bot_members"
    __table_args__ = (UniqueConstraint("bot", "member", name="uq_bot_member"),)

    bot: Mapped[str] = mapped_column(String(200))
    member: Mapped[str] = mapped_column(String(200))
    host: Mapped[str] = mapped_column(String(200))
    pid: Mapped[int] = mapped_column(Integer)
    started: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    #: The rooms it serves, ``"se/r/1 so/r/5"``.
    rooms: Mapped[str] = mapped_column(Text, default="")


#: Key/value facts about the database itself (schema version, when it was seeded).
database_info = Table(
    "chatexchange_database",
    Base.metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

#: The release schema version of the last release before migrations (2: canonical time text on
#: SQLite; 3: ``messages.text_complete``). Frozen: schema changes are Alembic migrations now
#: (``chatexchange.store.schema``); new archives still record 3 for those releases to read.
SCHEMA_VERSION = 3
