"""The blocking twins of the async client classes. GENERATED: do not edit.

Written by ``python -m chatexchange.client._blocking_gen`` from ``AsyncClient``, ``Server``,
``User``, ``Room`` and ``Message``; each method runs its async original on the client's loop thread
and waits for it. See ``_blocking_gen`` for the rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._time import EPOCH, SUNSET
from ._async import AsyncClient
from ._blocking_base import Blocking, same, unwrap
from ._loop import BridgedIterator
from .objects import Message, Room, Server, User

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from datetime import date, datetime
    from typing import Any

    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from .._parser.records import Event as ChatEvent
    from ._history import ImportStats, ProgressCallback
    from .actions import (
        AccessLevel,
        Bookmark,
        Mention,
        PingableUser,
        Revision,
        RoomDetails,
        UserProfile,
    )
    from .objects import Bound


__all__ = [
    "BlockingClientBase", "BlockingMessage", "BlockingRoom", "BlockingServer", "BlockingUser"
]


class BlockingServer(Blocking[Server]):
    """The blocking twin of ``Server``: each call waits for its result."""

    __slots__ = ()

    def ack_mentions(self, mentions: Iterable[Mention | int]) -> None:
        """Mark mentions (records or message ids) as seen: they stop being ``unread``."""
        return self._call(self._target.ack_mentions, mentions)

    @property
    def client(self) -> AsyncClient:
        return self._target.client

    def events(
        self,
        *types: int,
        rooms: Iterable[BlockingRoom | Room | int],
        user: BlockingUser | User | int | Iterable[BlockingUser | User | int] | None = None,
        until: datetime = SUNSET,
        after: Mapping[int, int] | None = None,
    ) -> BridgedIterator[ChatEvent]:
        """``Room.events`` of several rooms of this server in one stream (in arrival order).

        ``after``: ``{room id: chat event id}``: such a room starts right after that event instead
        of now; chat replays what came since (a stream that resumes where an earlier one stopped;
        the room gets a watcher of its own for it).
        """
        return self._iterate(
            same,
            self._target.events,
            *types,
            rooms=unwrap(rooms),
            user=unwrap(user),
            until=until,
            after=after,
        )

    def favorite_rooms(self) -> BridgedIterator[BlockingRoom]:
        """The logged-in user's favorite rooms (needs credentials)."""
        return self._iterate(
            lambda item: BlockingRoom(self._loop_thread, item), self._target.favorite_rooms
        )

    def me(self) -> BlockingUser | None:
        """The logged-in user, or ``None`` for an anonymous client."""
        found = self._call(self._target.me)
        return None if found is None else BlockingUser(self._loop_thread, found)

    def mentions(self, *, unread_only: bool = False) -> list[Mention]:
        """Messages that mentioned or replied to you, newest first (needs credentials)."""
        return self._call(self._target.mentions, unread_only=unread_only)

    def message(
        self,
        message_id: int | None = None,
        *,
        id: int | None = None,
        desired_max_age: float | None = None,
        required_max_age: float | None = None,
    ) -> BlockingMessage:
        """The message with chat id ``message_id`` (its transcript page; freshness rule)."""
        found = self._call(
            self._target.message,
            message_id,
            id=id,
            desired_max_age=desired_max_age,
            required_max_age=required_max_age,
        )
        return BlockingMessage(self._loop_thread, found)

    @property
    def meta_slug(self) -> str | None:
        return self._target.meta_slug

    def room(
        self,
        room_id: int | None = None,
        *,
        id: int | None = None,
        desired_max_age: float | None = None,
        required_max_age: float | None = None,
    ) -> BlockingRoom:
        """The room with chat id ``room_id`` (``id=`` works too) from its info page."""
        found = self._call(
            self._target.room,
            room_id,
            id=id,
            desired_max_age=desired_max_age,
            required_max_age=required_max_age,
        )
        return BlockingRoom(self._loop_thread, found)

    def rooms(self, *, max_pages: int | None = None) -> BridgedIterator[BlockingRoom]:
        """All rooms of the server, most recently active first (the rooms list, page by page)."""
        return self._iterate(
            lambda item: BlockingRoom(self._loop_thread, item),
            self._target.rooms,
            max_pages=max_pages,
        )

    @property
    def server_slug(self) -> str:
        return self._target.server_slug

    def snapshot(self) -> dict[str, Any]:
        """The row values this object was built from (a copy)."""
        return self._call_plain(self._target.snapshot)

    def user(
        self,
        id: int,
        *,
        desired_max_age: float | None = None,
        required_max_age: float | None = None,
    ) -> BlockingUser:
        """The user with chat id ``id`` (profile page, under the freshness rule)."""
        found = self._call(
            self._target.user,
            id,
            desired_max_age=desired_max_age,
            required_max_age=required_max_age,
        )
        return BlockingUser(self._loop_thread, found)


class BlockingUser(Blocking[User]):
    """The blocking twin of ``User``: each call waits for its result."""

    __slots__ = ()

    @property
    def about(self) -> str | None:
        return self._target.about

    def all_messages(
        self, since: Bound = EPOCH, until: Bound = SUNSET, *, rooms: list[int] | None = None
    ) -> BridgedIterator[BlockingMessage]:
        """Archived messages, then new ones as they are posted."""
        return self._iterate(
            lambda item: BlockingMessage(self._loop_thread, item),
            self._target.all_messages,
            since,
            until,
            rooms=rooms,
        )

    @property
    def client(self) -> AsyncClient:
        return self._target.client

    @property
    def id(self) -> int | None:
        return self._target.id

    @property
    def is_moderator(self) -> bool | None:
        return self._target.is_moderator

    @property
    def last_message(self) -> datetime | None:
        return self._target.last_message

    @property
    def last_seen(self) -> datetime | None:
        return self._target.last_seen

    @property
    def message_count(self) -> int | None:
        return self._target.message_count

    def messages(
        self, since: Bound = EPOCH, until: Bound = SUNSET
    ) -> BridgedIterator[BlockingMessage]:
        """This user's archived messages in ``[since, until)``, oldest first; then it ends.

        Chat has no per-user transcript; import the rooms you care about first
        (``room.import_history()``) or watch them.
        """
        return self._iterate(
            lambda item: BlockingMessage(self._loop_thread, item),
            self._target.messages,
            since,
            until,
        )

    @property
    def meta_slug(self) -> str | None:
        return self._target.meta_slug

    @property
    def name(self) -> str | None:
        return self._target.name

    def new_messages(
        self, until: Bound = SUNSET, *, rooms: list[int] | None = None
    ) -> BridgedIterator[BlockingMessage]:
        """Messages this user posts from now on in ``rooms``, until ``until``.

        Without ``rooms``: the rooms the archive holds messages of theirs in, plus the rooms this
        client already watches; ``ValueError`` when that is none (chat cannot say where a user
        will talk).
        """
        return self._iterate(
            lambda item: BlockingMessage(self._loop_thread, item),
            self._target.new_messages,
            until,
            rooms=rooms,
        )

    @property
    def parent_site(self) -> str | None:
        return self._target.parent_site

    @property
    def parent_user_id(self) -> int | None:
        return self._target.parent_user_id

    @property
    def parent_user_url(self) -> str | None:
        """The user's account on the parent site (protocol-relative, as the page links it)."""
        return self._target.parent_user_url

    def profile(self) -> UserProfile:
        """Every field of the profile page, read now (and archived), rooms included."""
        return self._call(self._target.profile)

    @property
    def reputation(self) -> int | None:
        """The parent site's reputation, as chat shows it."""
        return self._target.reputation

    @property
    def room_count(self) -> int | None:
        return self._target.room_count

    @property
    def server(self) -> BlockingServer:
        return BlockingServer(self._loop_thread, self._target.server)

    @property
    def server_slug(self) -> str:
        return self._target.server_slug

    @property
    def since(self) -> date | None:
        """The day the user first used chat."""
        return self._target.since

    def snapshot(self) -> dict[str, Any]:
        """The row values this object was built from (a copy)."""
        return self._call_plain(self._target.snapshot)


class BlockingRoom(Blocking[Room]):
    """The blocking twin of ``Room``: each call waits for its result."""

    __slots__ = ()

    def all_messages(
        self, since: Bound = EPOCH, until: Bound = SUNSET, *, max_age: float | None = None
    ) -> BridgedIterator[BlockingMessage]:
        """The transcript from ``since``, then new messages as they are posted."""
        return self._iterate(
            lambda item: BlockingMessage(self._loop_thread, item),
            self._target.all_messages,
            since,
            until,
            max_age=max_age,
        )

    def bookmark(
        self,
        first: BlockingMessage | Message | int,
        last: BlockingMessage | Message | int,
        title: str,
    ) -> Bookmark:
        """Bookmark the conversation from ``first`` to ``last`` under ``title``."""
        return self._call(self._target.bookmark, unwrap(first), unwrap(last), title)

    @property
    def client(self) -> AsyncClient:
        return self._target.client

    def current_users(self) -> list[BlockingUser]:
        """The users in the room now (room info page; archived)."""
        found = self._call(self._target.current_users)
        return [BlockingUser(self._loop_thread, item) for item in found]

    def delete_bookmark(self, bookmark: Bookmark | str) -> None:
        """Delete a bookmark (a :class:`Bookmark` or its slug): its creator or a room owner."""
        return self._call(self._target.delete_bookmark, bookmark)

    def events(
        self,
        *types: int,
        user: BlockingUser | User | int | Iterable[BlockingUser | User | int] | None = None,
        until: datetime = SUNSET,
    ) -> BridgedIterator[ChatEvent]:
        """Every chat event of this room from now on, each once and archived before it is
        yielded: typed records (``UserEntered``, ``MessageStarred``..., ``UnknownEvent`` for a
        type without its own record). ``types``: only these ``EventType``s; ``user``: only events
        by or about these users (``user_id`` or ``target_user_id``); ends at ``until``.
        """
        return self._iterate(same, self._target.events, *types, user=unwrap(user), until=until)

    @property
    def id(self) -> int:
        return self._target.id

    def import_history(
        self,
        *,
        since: Bound = EPOCH,
        until: Bound = SUNSET,
        max_age: float | None = None,
        progress: ProgressCallback | None = None,
    ) -> ImportStats:
        """Archive the transcript in ``[since, until)`` (see ``chatexchange.client._history``)."""
        return self._call(
            self._target.import_history,
            since=since,
            until=until,
            max_age=max_age,
            progress=progress,
        )

    def info(self) -> RoomDetails:
        """The room info page, read now (and archived): description, tags, owners, counts."""
        return self._call(self._target.info)

    def kick(self, user: BlockingUser | User | int) -> str:
        """Kick-mute (room owners and moderators): the user leaves and may not talk here for a
        while. Chat has one action for both; the result is the server's sentence about it.
        """
        return self._call(self._target.kick, unwrap(user))

    def message(
        self,
        message_id: int,
        *,
        desired_max_age: float | None = None,
        required_max_age: float | None = None,
    ) -> BlockingMessage:
        """A message of this room (as ``server.message``; ``NotFoundError`` if in another room)."""
        found = self._call(
            self._target.message,
            message_id,
            desired_max_age=desired_max_age,
            required_max_age=required_max_age,
        )
        return BlockingMessage(self._loop_thread, found)

    def messages(
        self, since: Bound = EPOCH, until: Bound = SUNSET, *, max_age: float | None = None
    ) -> BridgedIterator[BlockingMessage]:
        """Messages in ``[since, until)`` oldest first, from the transcript, then the iterator ends.

        Day pages not stored within ``max_age`` seconds (default: the client's ``desired_max_age``)
        are fetched and archived one transaction per page; the rest come from the archive.
        """
        return self._iterate(
            lambda item: BlockingMessage(self._loop_thread, item),
            self._target.messages,
            since,
            until,
            max_age=max_age,
        )

    @property
    def meta_slug(self) -> str | None:
        return self._target.meta_slug

    def move_messages(
        self,
        messages: Iterable[BlockingMessage | Message | int],
        to_room: BlockingRoom | Room | int,
    ) -> int:
        """Move messages of this room to another (room owners); the result is how many moved."""
        return self._call(self._target.move_messages, unwrap(messages), unwrap(to_room))

    @property
    def name(self) -> str | None:
        return self._target.name

    def new_messages(self, until: Bound = SUNSET) -> BridgedIterator[BlockingMessage]:
        """Messages posted from now on (live events, archived as they arrive), until ``until``."""
        return self._iterate(
            lambda item: BlockingMessage(self._loop_thread, item), self._target.new_messages, until
        )

    def ping(self, user: BlockingUser | User | str | int, content_markdown: str) -> BlockingMessage:
        """Post ``@Name content`` (``user`` is a User, a display name or a user id)."""
        found = self._call(self._target.ping, unwrap(user), content_markdown)
        return BlockingMessage(self._loop_thread, found)

    def pingable_users(self) -> list[PingableUser]:
        """The users a ``@name`` here reaches (in the room now or lately). Chat answers an
        anonymous visitor with an empty list.
        """
        return self._call(self._target.pingable_users)

    def recent_messages(self, count: int = 100) -> list[BlockingMessage]:
        """The room's newest ``count`` messages, oldest first, read now from the room's events
        endpoint (exact times, unlike transcript pages; the server gives at most a few hundred)
        and archived.
        """
        found = self._call(self._target.recent_messages, count)
        return [BlockingMessage(self._loop_thread, item) for item in found]

    def send(self, content_markdown: str) -> BlockingMessage:
        """Post a message (needs credentials); the task's result is the new :class:`Message`."""
        found = self._call(self._target.send, content_markdown)
        return BlockingMessage(self._loop_thread, found)

    @property
    def server(self) -> BlockingServer:
        return BlockingServer(self._loop_thread, self._target.server)

    @property
    def server_slug(self) -> str:
        return self._target.server_slug

    def set_access(self, user: BlockingUser | User | int, level: AccessLevel | str) -> None:
        """Set a user's access (room owners): ``AccessLevel.READ_ONLY``, ``READ_WRITE``,
        ``OWNER`` or ``DEFAULT`` (the explicit grant is removed).
        """
        return self._call(self._target.set_access, unwrap(user), level)

    def snapshot(self) -> dict[str, Any]:
        """The row values this object was built from (a copy)."""
        return self._call_plain(self._target.snapshot)


class BlockingMessage(Blocking[Message]):
    """The blocking twin of ``Message``: each call waits for its result."""

    __slots__ = ()

    def all_replies(
        self, since: Bound = EPOCH, until: Bound = SUNSET
    ) -> BridgedIterator[BlockingMessage]:
        """Known replies, then new ones as they arrive (what the seed README's example needs)."""
        return self._iterate(
            lambda item: BlockingMessage(self._loop_thread, item),
            self._target.all_replies,
            since,
            until,
        )

    def clear_stars(self) -> None:
        """Remove every star and the pin (room owners)."""
        return self._call(self._target.clear_stars)

    @property
    def client(self) -> AsyncClient:
        return self._target.client

    @property
    def content_html(self) -> str | None:
        return self._target.content_html

    @property
    def content_markdown(self) -> str | None:
        return self._target.content_markdown

    @property
    def content_text(self) -> str | None:
        return self._target.content_text

    def delete(self) -> None:
        return self._call(self._target.delete)

    @property
    def deleted(self) -> bool:
        return self._target.deleted

    def edit(self, content_markdown: str) -> None:
        """Replace the text (author only, within two minutes)."""
        return self._call(self._target.edit, content_markdown)

    @property
    def edits(self) -> int:
        return self._target.edits

    def flag(self) -> None:
        """Flag as spam or offensive (once; not your own message unless you own the room)."""
        return self._call(self._target.flag)

    def history(self) -> tuple[Revision, ...]:
        """The edit history, current version first (edit count, stars and pin archived)."""
        return self._call(self._target.history)

    @property
    def id(self) -> int:
        return self._target.id

    @property
    def meta_id(self) -> int:
        return self._target.meta_id

    @property
    def meta_slug(self) -> str | None:
        return self._target.meta_slug

    @property
    def meta_updated(self) -> datetime:
        return self._target.meta_updated

    @property
    def name(self) -> str | None:
        """The poster's display name."""
        return self._target.name

    def new_replies(self, until: Bound = SUNSET) -> BridgedIterator[BlockingMessage]:
        """Replies posted from now on (live), until ``until``."""
        return self._iterate(
            lambda item: BlockingMessage(self._loop_thread, item), self._target.new_replies, until
        )

    @property
    def onebox(self) -> str | None:
        return self._target.onebox

    @property
    def owner(self) -> BlockingUser:
        """The author (what the message row knows; ``await server.user(id)`` for more)."""
        return BlockingUser(self._loop_thread, self._target.owner)

    @property
    def owner_id(self) -> int | None:
        return self._target.owner_id

    @property
    def owner_name(self) -> str | None:
        return self._target.owner_name

    def parent(
        self, *, desired_max_age: float | None = None, required_max_age: float | None = None
    ) -> BlockingMessage | None:
        """The message this one replies to, or ``None``."""
        found = self._call(
            self._target.parent, desired_max_age=desired_max_age, required_max_age=required_max_age
        )
        return None if found is None else BlockingMessage(self._loop_thread, found)

    @property
    def parent_id(self) -> int | None:
        return self._target.parent_id

    def pin(self) -> None:
        """Toggle the pin (room owners)."""
        return self._call(self._target.pin)

    @property
    def pinned(self) -> bool:
        return self._target.pinned

    def replies(
        self, since: Bound = EPOCH, until: Bound = SUNSET
    ) -> BridgedIterator[BlockingMessage]:
        """The archived replies to this message, oldest first; then the iterator ends."""
        return self._iterate(
            lambda item: BlockingMessage(self._loop_thread, item),
            self._target.replies,
            since,
            until,
        )

    def reply(self, content_markdown: str) -> BlockingMessage:
        """Post ``:<id> content`` in this message's room; the task's result is the reply."""
        found = self._call(self._target.reply, content_markdown)
        return BlockingMessage(self._loop_thread, found)

    @property
    def room(self) -> BlockingRoom:
        """The room (snapshot of what the archive knows; ``await server.room(id)`` to refresh)."""
        return BlockingRoom(self._loop_thread, self._target.room)

    @property
    def room_id(self) -> int:
        return self._target.room_id

    @property
    def room_name(self) -> str | None:
        return self._target.room_name

    @property
    def server(self) -> BlockingServer:
        return BlockingServer(self._loop_thread, self._target.server)

    @property
    def server_slug(self) -> str:
        return self._target.server_slug

    def snapshot(self) -> dict[str, Any]:
        """The row values this object was built from (a copy)."""
        return self._call_plain(self._target.snapshot)

    def source(self) -> str:
        """The Markdown source, from the server (archived as ``content_markdown``)."""
        return self._call(self._target.source)

    def star(self) -> None:
        """Toggle your star."""
        return self._call(self._target.star)

    @property
    def stars(self) -> int:
        return self._target.stars

    @property
    def text(self) -> str | None:
        return self._target.text

    @property
    def text_complete(self) -> bool:
        return self._target.text_complete

    @property
    def time(self) -> datetime | None:
        return self._target.time

    def unpin(self) -> None:
        """Remove the pin (room owners); refused when the message is not pinned."""
        return self._call(self._target.unpin)

    def unstar(self) -> bool:
        """Remove your star if you gave one; the result says whether there was one."""
        return self._call(self._target.unstar)


class BlockingClientBase(Blocking[AsyncClient]):
    """The blocking twin of ``AsyncClient``: each call waits for its result."""

    __slots__ = ()

    def advance_bot_position(
        self, bot: str, room: BlockingRoom | Room, message_id: int, *, events: bool = False
    ) -> None:
        """Record that ``bot`` has handled ``room`` up to ``message_id`` (``events=True``: passed
        its events up to that event id); never moves back.
        """
        return self._call(
            self._target.advance_bot_position, bot, unwrap(room), message_id, events=events
        )

    @property
    def authenticated(self) -> bool:
        """Whether the client has credentials (not whether it has logged in yet)."""
        return self._target.authenticated

    def bot_answering(self, bot: str, room: BlockingRoom | Room) -> tuple[int, int] | None:
        """The event whose answer ``bot`` was posting in ``room`` when its event position was last
        written, and the room's newest message id before that answer; None when no answer was
        in flight (see :meth:`note_bot_answering`).
        """
        return self._call(self._target.bot_answering, bot, unwrap(room))

    def bot_position(
        self, bot: str, room: BlockingRoom | Room, *, events: bool = False
    ) -> int | None:
        """The newest message id the bot named ``bot`` has handled in ``room`` (None: never ran
        there), as kept in the archive (``models.BotPosition``); ``events=True``: the newest chat
        event id its event routes passed there (``models.BotEventPosition``).
        """
        return self._call(self._target.bot_position, bot, unwrap(room), events=events)

    def close(self) -> None:
        """Stop live streams, close connections and the database thread. Idempotent."""
        return self._call(self._target.close)

    def login(self, slug: str = 'se') -> BlockingUser:
        """Log in to one server now (else it happens on the first write); returns who we are."""
        found = self._call(self._target.login, slug)
        return BlockingUser(self._loop_thread, found)

    @property
    def mse(self) -> BlockingServer:
        return BlockingServer(self._loop_thread, self._target.mse)

    def note_bot_answering(
        self, bot: str, room: BlockingRoom | Room, event_id: int, after_message_id: int
    ) -> bool:
        """Record, before posting it, that ``bot`` answers event ``event_id`` in ``room`` whose
        newest message id is ``after_message_id``: a process killed before its event position
        passes the event lets the next one find that answer (a message of the bot's newer than
        it) instead of posting it again. Only where the bot has an event position; returns
        whether it was recorded. Cleared when the event position passes the event.
        """
        return self._call(
            self._target.note_bot_answering, bot, unwrap(room), event_id, after_message_id
        )

    def now(self) -> datetime:
        return self._call_plain(self._target.now)

    @property
    def se(self) -> BlockingServer:
        return BlockingServer(self._loop_thread, self._target.se)

    def server(self, slug: str) -> BlockingServer:
        """The server ``se``, ``so`` or ``mse`` (or its chat host, ``chat.stackexchange.com``)."""
        found = self._call_plain(self._target.server, slug)
        return BlockingServer(self._loop_thread, found)

    @property
    def so(self) -> BlockingServer:
        return BlockingServer(self._loop_thread, self._target.so)

    @property
    def sql_engine(self) -> Engine:
        return self._target.sql_engine

    def sql_session(self, **kwargs: Any) -> Session:
        """A new ORM Session bound to the archive (use it as a context manager)."""
        return self._call_plain(self._target.sql_session, **kwargs)
