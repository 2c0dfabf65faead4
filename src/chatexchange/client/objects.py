"""The objects the client hands out: ``Server``, ``User``, ``Room``, ``Message``.

Why they do not subclass the ORM models (the seed README sketched "extends ..models.X"): an ORM
instance belongs to one Session on one thread, lazy-loads on attribute access and goes stale or
raises ``DetachedInstanceError`` once its session is gone. Client objects cross threads
(``BlockingClient`` hands them from its loop thread to yours), live for as long as a bot likes and
must never do I/O on attribute access. So each one is an immutable *snapshot* of its archive row
(the same column names as the model: ``obj.name``, ``obj.meta_updated``, ``obj.meta_slug``...)
plus a
reference to the client, and every method that may touch the network is ``async``. To get the ORM
row, query it: ``session.get(models.Message, message.meta_id)`` with ``client.sql_session()``.

Writes (``send``, ``reply``, ``edit``, ``delete``, ``star``, ``pin`` and the owner and user
actions such as ``flag``, ``kick``, ``set_access``, ``move_messages``, ``bookmark``) start at once
and return an ``asyncio.Task``: ``await`` it for the result. An unawaited write is still performed
(the seed README's async example calls ``reply.reply(...)`` without ``await``); if it fails, the
failure is logged as a warning.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from .._time import EPOCH, SUNSET
from ..models import slug_from_meta_id
from . import _actions as _act

if TYPE_CHECKING:
    import asyncio

    from .._parser.records import Event as ChatEvent
    from ._async import AsyncClient
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

__all__ = ["ClientObject", "Message", "Room", "Server", "User"]

Bound = datetime | int


class ClientObject:
    """A snapshot of one archive row plus the client it came from (equal when kind and id match)."""

    __slots__ = ("_client", "_values")
    _kind = "object"

    # Snapshot values (served by __getattr__ from the row) that every object has, declared for
    # type checkers and IDEs; the subclasses declare theirs the same way.
    server_slug: str

    def __init__(self, client: AsyncClient, values: Mapping[str, Any]) -> None:
        self._client = client
        self._values = dict(values)

    def __getattr__(self, name: str) -> Any:
        try:
            return self._values[name]
        except KeyError:
            raise AttributeError(f"{type(self).__name__} has no attribute {name!r}") from None

    @property
    def client(self) -> AsyncClient:
        return self._client

    @property
    def meta_slug(self) -> str | None:
        meta_id = self._values.get("meta_id")
        return None if meta_id is None else slug_from_meta_id(meta_id)

    def snapshot(self) -> dict[str, Any]:
        """The row values this object was built from (a copy)."""
        return dict(self._values)

    def _key(self) -> tuple[Any, ...]:
        return (self._kind, self._values.get("server_slug"), self._values.get("id"))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ClientObject):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._values))


class Server(ClientObject):
    """A chat server (``se``, ``so``, ``mse``): the entry point to its users, rooms and messages."""

    __slots__ = ()
    _kind = "server"

    def _key(self) -> tuple[Any, ...]:
        return ("server", self._values.get("slug"))

    def __repr__(self) -> str:
        return f"<Server {self._values.get('slug')} {self._values.get('url')}>"

    async def user(
        self,
        id: int,
        *,
        desired_max_age: float | None = None,
        required_max_age: float | None = None,
    ) -> User:
        """The user with chat id ``id`` (profile page, under the freshness rule)."""
        return await self._client._user(
            self, id, self._client._fresh(desired_max_age, required_max_age)
        )

    async def room(
        self,
        room_id: int | None = None,
        *,
        id: int | None = None,
        desired_max_age: float | None = None,
        required_max_age: float | None = None,
    ) -> Room:
        """The room with chat id ``room_id`` (``id=`` works too) from its info page."""
        rid = _one_id(room_id, id, "room_id")
        return await self._client._room(
            self, rid, self._client._fresh(desired_max_age, required_max_age)
        )

    async def message(
        self,
        message_id: int | None = None,
        *,
        id: int | None = None,
        desired_max_age: float | None = None,
        required_max_age: float | None = None,
    ) -> Message:
        """The message with chat id ``message_id`` (its transcript page; freshness rule)."""
        mid = _one_id(message_id, id, "message_id")
        return await self._client._message(
            self, mid, self._client._fresh(desired_max_age, required_max_age)
        )

    def rooms(self, *, max_pages: int | None = None) -> AsyncIterator[Room]:
        """All rooms of the server, most recently active first (the rooms list, page by page)."""
        return self._client._rooms(self, "all", max_pages)

    def favorite_rooms(self) -> AsyncIterator[Room]:
        """The logged-in user's favorite rooms (needs credentials)."""
        return self._client._rooms(self, "favorite", None, login=True)

    async def me(self) -> User | None:
        """The logged-in user, or ``None`` for an anonymous client."""
        return await self._client._me(self)

    async def mentions(self, *, unread_only: bool = False) -> list[Mention]:
        """Messages that mentioned or replied to you, newest first (needs credentials)."""
        return await self._client._actions.mentions(self, unread_only)

    def ack_mentions(self, mentions: Iterable[Mention | int]) -> asyncio.Task[None]:
        """Mark mentions (records or message ids) as seen: they stop being ``unread``."""
        return self._client._write(
            self._client._actions.ack_mentions(self, _act.message_ids(mentions, "mentions")),
            f"ack mentions on {self!r}",
        )

    def events(
        self,
        *types: int,
        rooms: Iterable[Room | int],
        user: User | int | Iterable[User | int] | None = None,
        until: datetime = SUNSET,
        after: Mapping[int, int] | None = None,
    ) -> AsyncIterator[ChatEvent]:
        """``Room.events`` of several rooms of this server in one stream (in arrival order).

        ``after``: ``{room id: chat event id}``: such a room starts right after that event instead
        of now; chat replays what came since (a stream that resumes where an earlier one stopped;
        the room gets a watcher of its own for it)."""
        return self._client._live.server_events(self, types, rooms, user, until, after)


class User(ClientObject):
    """A chat user on one server."""

    __slots__ = ()
    _kind = "user"

    id: int | None  # None: a message's owner the archive does not know
    name: str | None

    @property
    def server(self) -> Server:
        return self._client.server(self._values["server_slug"])

    def __repr__(self) -> str:
        return f"<User {self._values.get('server_slug')}/u/{self.id} {self._values.get('name')!r}>"

    # The profile page's fields as the archive holds them (None when only a name is known;
    # ``await server.user(id)`` reads the profile, ``await user.profile()`` reads it now).

    @property
    def is_moderator(self) -> bool | None:
        return self._values.get("is_moderator")

    @property
    def reputation(self) -> int | None:
        """The parent site's reputation, as chat shows it."""
        return self._values.get("reputation")

    @property
    def about(self) -> str | None:
        return self._values.get("about")

    @property
    def message_count(self) -> int | None:
        return self._values.get("message_count")

    @property
    def room_count(self) -> int | None:
        return self._values.get("room_count")

    @property
    def since(self) -> date | None:
        """The day the user first used chat."""
        return self._values.get("since")

    @property
    def last_seen(self) -> datetime | None:
        return self._values.get("last_seen")

    @property
    def last_message(self) -> datetime | None:
        return self._values.get("last_message")

    @property
    def parent_user_url(self) -> str | None:
        """The user's account on the parent site (protocol-relative, as the page links it)."""
        return self._values.get("parent_user_url")

    @property
    def parent_user_id(self) -> int | None:
        match = _PARENT_USER.search(self._values.get("parent_user_url") or "")
        return int(match[2]) if match else None

    @property
    def parent_site(self) -> str | None:
        match = _PARENT_USER.search(self._values.get("parent_user_url") or "")
        return match[1] if match else None

    async def profile(self) -> UserProfile:
        """Every field of the profile page, read now (and archived), rooms included."""
        return await self._client._actions.profile(self)

    def messages(self, since: Bound = EPOCH, until: Bound = SUNSET) -> AsyncIterator[Message]:
        """This user's archived messages in ``[since, until)``, oldest first; then it ends.

        Chat has no per-user transcript; import the rooms you care about first
        (``room.import_history()``) or watch them.
        """
        return self._client._user_messages(self, since, until)

    def new_messages(
        self, until: Bound = SUNSET, *, rooms: list[int] | None = None
    ) -> AsyncIterator[Message]:
        """Messages this user posts from now on in ``rooms``, until ``until``.

        Without ``rooms``: the rooms the archive holds messages of theirs in, plus the rooms this
        client already watches; ``ValueError`` when that is none (chat cannot say where a user
        will talk)."""
        return self._client._user_new_messages(self, until, rooms)

    def all_messages(
        self, since: Bound = EPOCH, until: Bound = SUNSET, *, rooms: list[int] | None = None
    ) -> AsyncIterator[Message]:
        """Archived messages, then new ones as they are posted."""
        return self._client._user_all_messages(self, since, until, rooms)


class Room(ClientObject):
    """A chat room."""

    __slots__ = ()
    _kind = "room"

    id: int
    name: str | None

    @property
    def server(self) -> Server:
        return self._client.server(self._values["server_slug"])

    def __repr__(self) -> str:
        return f"<Room {self._values.get('server_slug')}/r/{self.id} {self._values.get('name')!r}>"

    async def message(
        self,
        message_id: int,
        *,
        desired_max_age: float | None = None,
        required_max_age: float | None = None,
    ) -> Message:
        """A message of this room (as ``server.message``; ``NotFoundError`` if in another room)."""
        message = await self.server.message(
            message_id, desired_max_age=desired_max_age, required_max_age=required_max_age
        )
        if message.room_id != self.id:
            from ..errors import NotFoundError

            raise NotFoundError(f"message {message_id} is not in room {self.id}")
        return message

    def send(self, content_markdown: str) -> asyncio.Task[Message]:
        """Post a message (needs credentials); the task's result is the new :class:`Message`."""
        return self._client._write(self._client._send(self, content_markdown), f"send to {self!r}")

    def ping(self, user: User | str | int, content_markdown: str) -> asyncio.Task[Message]:
        """Post ``@Name content`` (``user`` is a User, a display name or a user id)."""
        return self._client._write(
            self._client._ping(self, user, content_markdown), f"ping in {self!r}"
        )

    def messages(
        self,
        since: Bound = EPOCH,
        until: Bound = SUNSET,
        *,
        max_age: float | None = None,
    ) -> AsyncIterator[Message]:
        """Messages in ``[since, until)`` oldest first, from the transcript, then the iterator ends.

        Day pages not stored within ``max_age`` seconds (default: the client's ``desired_max_age``)
        are fetched and archived one transaction per page; the rest come from the archive.
        """
        return self._client._history.messages(self, since, until, max_age)

    async def recent_messages(self, count: int = 100) -> list[Message]:
        """The room's newest ``count`` messages, oldest first, read now from the room's events
        endpoint (exact times, unlike transcript pages; the server gives at most a few hundred)
        and archived."""
        return await self._client._recent_messages(self, count)

    async def import_history(
        self,
        *,
        since: Bound = EPOCH,
        until: Bound = SUNSET,
        max_age: float | None = None,
        progress: ProgressCallback | None = None,
    ) -> ImportStats:
        """Archive the transcript in ``[since, until)`` (see ``chatexchange.client._history``)."""
        return await self._client._history.import_history(self, since, until, max_age, progress)

    def new_messages(self, until: Bound = SUNSET) -> AsyncIterator[Message]:
        """Messages posted from now on (live events, archived as they arrive), until ``until``."""
        return self._client._live.room_new_messages(self, until)

    def events(
        self,
        *types: int,
        user: User | int | Iterable[User | int] | None = None,
        until: datetime = SUNSET,
    ) -> AsyncIterator[ChatEvent]:
        """Every chat event of this room from now on, each once and archived before it is
        yielded: typed records (``UserEntered``, ``MessageStarred``..., ``UnknownEvent`` for a
        type without its own record). ``types``: only these ``EventType``s; ``user``: only events
        by or about these users (``user_id`` or ``target_user_id``); ends at ``until``."""
        return self._client._live.room_events(self, types, user, until)

    def all_messages(
        self, since: Bound = EPOCH, until: Bound = SUNSET, *, max_age: float | None = None
    ) -> AsyncIterator[Message]:
        """The transcript from ``since``, then new messages as they are posted."""
        return self._client._live.room_all_messages(self, since, until, max_age)

    # -- owner and user actions ------------------------------------------------------------------

    def kick(self, user: User | int) -> asyncio.Task[str]:
        """Kick-mute (room owners and moderators): the user leaves and may not talk here for a
        while. Chat has one action for both; the result is the server's sentence about it."""
        user_id = _act.chat_id(user, "user")
        return self._client._write(self._client._actions.kick(self, user_id), f"kick in {self!r}")

    def set_access(self, user: User | int, level: AccessLevel | str) -> asyncio.Task[None]:
        """Set a user's access (room owners): ``AccessLevel.READ_ONLY``, ``READ_WRITE``,
        ``OWNER`` or ``DEFAULT`` (the explicit grant is removed)."""
        return self._client._write(
            self._client._actions.set_access(
                self, _act.chat_id(user, "user"), _act.access_level(level)
            ),
            f"set access in {self!r}",
        )

    def move_messages(
        self, messages: Iterable[Message | int], to_room: Room | int
    ) -> asyncio.Task[int]:
        """Move messages of this room to another (room owners); the result is how many moved."""
        ids = _act.message_ids(messages, "messages")
        if not ids:
            raise ValueError("no messages to move")
        target = _act.chat_id(to_room, "to_room")
        return self._client._write(
            self._client._actions.move_messages(self, ids, target), f"move messages from {self!r}"
        )

    def bookmark(
        self, first: Message | int, last: Message | int, title: str
    ) -> asyncio.Task[Bookmark]:
        """Bookmark the conversation from ``first`` to ``last`` under ``title``."""
        return self._client._write(
            self._client._actions.bookmark(
                self, _act.chat_id(first, "first"), _act.chat_id(last, "last"), title
            ),
            f"bookmark in {self!r}",
        )

    def delete_bookmark(self, bookmark: Bookmark | str) -> asyncio.Task[None]:
        """Delete a bookmark (a :class:`Bookmark` or its slug): its creator or a room owner."""
        return self._client._write(
            self._client._actions.delete_bookmark(self, _act.bookmark_slug(bookmark)),
            f"delete bookmark in {self!r}",
        )

    async def info(self) -> RoomDetails:
        """The room info page, read now (and archived): description, tags, owners, counts."""
        return await self._client._actions.info(self)

    async def current_users(self) -> list[User]:
        """The users in the room now (room info page; archived)."""
        return await self._client._actions.current_users(self)

    async def pingable_users(self) -> list[PingableUser]:
        """The users a ``@name`` here reaches (in the room now or lately). Chat answers an
        anonymous visitor with an empty list."""
        return await self._client._actions.pingable_users(self)


class Message(ClientObject):
    """A chat message. ``name`` is the poster's display name (as the seed README's example uses)."""

    __slots__ = ()
    _kind = "message"

    # the archive row (models.Message) and its room's and owner's id and name
    id: int
    content_html: str | None
    content_text: str | None
    content_markdown: str | None
    parent_id: int | None
    time: datetime | None
    edits: int
    stars: int
    pinned: bool
    onebox: str | None
    text_complete: bool
    deleted: bool
    meta_id: int
    meta_updated: datetime
    room_id: int
    room_name: str | None
    owner_id: int | None
    owner_name: str | None

    def __repr__(self) -> str:
        text = self._values.get("content_text") or self._values.get("content_markdown") or ""
        if len(text) > 40:
            text = text[:39] + "…"
        return (
            f"<Message {self._values.get('server_slug')}/m/{self.id} "
            f"by {self._values.get('owner_name')!r}: {text!r}>"
        )

    @property
    def server(self) -> Server:
        return self._client.server(self._values["server_slug"])

    @property
    def owner(self) -> User:
        """The author (what the message row knows; ``await server.user(id)`` for more)."""
        return self._client._stub_user(self._values["server_slug"], self.owner_id, self.owner_name)

    @property
    def name(self) -> str | None:
        """The poster's display name."""
        return self._values.get("owner_name")

    @property
    def text(self) -> str | None:
        return self._values.get("content_text")

    @property
    def room(self) -> Room:
        """The room (snapshot of what the archive knows; ``await server.room(id)`` to refresh)."""
        return self._client._stub_room(self._values["server_slug"], self.room_id, self.room_name)

    async def parent(
        self,
        *,
        desired_max_age: float | None = None,
        required_max_age: float | None = None,
    ) -> Message | None:
        """The message this one replies to, or ``None``."""
        if self._values.get("parent_id") is None:
            return None
        return await self.server.message(
            self.parent_id, desired_max_age=desired_max_age, required_max_age=required_max_age
        )

    def reply(self, content_markdown: str) -> asyncio.Task[Message]:
        """Post ``:<id> content`` in this message's room; the task's result is the reply."""
        return self._client._write(
            self._client._send(self.room, f":{self.id} {content_markdown}"), f"reply to {self!r}"
        )

    def edit(self, content_markdown: str) -> asyncio.Task[None]:
        """Replace the text (author only, within two minutes)."""
        return self._client._write(self._client._edit(self, content_markdown), f"edit {self!r}")

    def delete(self) -> asyncio.Task[None]:
        return self._client._write(self._client._delete(self), f"delete {self!r}")

    def star(self) -> asyncio.Task[None]:
        """Toggle your star."""
        return self._client._write(self._client._star(self), f"star {self!r}")

    def pin(self) -> asyncio.Task[None]:
        """Toggle the pin (room owners)."""
        return self._client._write(self._client._pin(self), f"pin {self!r}")

    def unpin(self) -> asyncio.Task[None]:
        """Remove the pin (room owners); refused when the message is not pinned."""
        return self._client._write(self._client._actions.unpin(self), f"unpin {self!r}")

    def unstar(self) -> asyncio.Task[bool]:
        """Remove your star if you gave one; the result says whether there was one."""
        return self._client._write(self._client._actions.unstar(self), f"unstar {self!r}")

    def clear_stars(self) -> asyncio.Task[None]:
        """Remove every star and the pin (room owners)."""
        return self._client._write(
            self._client._actions.clear_stars(self), f"clear stars of {self!r}"
        )

    def flag(self) -> asyncio.Task[None]:
        """Flag as spam or offensive (once; not your own message unless you own the room)."""
        return self._client._write(self._client._actions.flag(self), f"flag {self!r}")

    async def source(self) -> str:
        """The Markdown source, from the server (archived as ``content_markdown``)."""
        return await self._client._actions.source(self)

    async def history(self) -> tuple[Revision, ...]:
        """The edit history, current version first (edit count, stars and pin archived)."""
        return await self._client._actions.history(self)

    def replies(self, since: Bound = EPOCH, until: Bound = SUNSET) -> AsyncIterator[Message]:
        """The archived replies to this message, oldest first; then the iterator ends."""
        return self._client._live.known_replies(self, since, until)

    def new_replies(self, until: Bound = SUNSET) -> AsyncIterator[Message]:
        """Replies posted from now on (live), until ``until``."""
        return self._client._live.new_replies(self, until)

    def all_replies(self, since: Bound = EPOCH, until: Bound = SUNSET) -> AsyncIterator[Message]:
        """Known replies, then new ones as they arrive (what the seed README's example needs)."""
        return self._client._live.all_replies(self, since, until)


_PARENT_USER = re.compile(r"//([^/]+)/users/(-?\d+)")


def _one_id(positional: int | None, keyword: int | None, name: str) -> int:
    if positional is None and keyword is None:
        raise TypeError(f"missing {name}")
    if positional is not None and keyword is not None and positional != keyword:
        raise TypeError(f"give {name} once")
    value = positional if positional is not None else keyword
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    return value
