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

Writes (``send``, ``reply``, ``edit``, ``delete``, ``star``, ``pin``) start at once and return an
``asyncio.Task``: ``await`` it for the result. An unawaited write is still performed (the seed
README's async example calls ``reply.reply(...)`` without ``await``); if it fails, the failure is
logged as a warning.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .._time import EPOCH, SUNSET
from ..models import slug_from_meta_id

if TYPE_CHECKING:
    import asyncio

    from ._async import AsyncClient
    from ._history import ImportStats, ProgressCallback

__all__ = ["ClientObject", "Message", "Room", "Server", "User"]

Bound = datetime | int


class ClientObject:
    """A snapshot of one archive row plus the client it came from (equal when kind and id match)."""

    __slots__ = ("_client", "_values")
    _kind = "object"

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


class User(ClientObject):
    """A chat user on one server."""

    __slots__ = ()
    _kind = "user"

    @property
    def server(self) -> Server:
        return self._client.server(self._values["server_slug"])

    def __repr__(self) -> str:
        return f"<User {self._values.get('server_slug')}/u/{self.id} {self._values.get('name')!r}>"

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

    def all_messages(
        self, since: Bound = EPOCH, until: Bound = SUNSET, *, max_age: float | None = None
    ) -> AsyncIterator[Message]:
        """The transcript from ``since``, then new messages as they are posted."""
        return self._client._live.room_all_messages(self, since, until, max_age)


class Message(ClientObject):
    """A chat message. ``name`` is the poster's display name (as the seed README's example uses)."""

    __slots__ = ()
    _kind = "message"

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

    def replies(self, since: Bound = EPOCH, until: Bound = SUNSET) -> AsyncIterator[Message]:
        """The archived replies to this message, oldest first; then the iterator ends."""
        return self._client._live.known_replies(self, since, until)

    def new_replies(self, until: Bound = SUNSET) -> AsyncIterator[Message]:
        """Replies posted from now on (live), until ``until``."""
        return self._client._live.new_replies(self, until)

    def all_replies(self, since: Bound = EPOCH, until: Bound = SUNSET) -> AsyncIterator[Message]:
        """Known replies, then new ones as they arrive (what the seed README's example needs)."""
        return self._client._live.all_replies(self, since, until)


def _one_id(positional: int | None, keyword: int | None, name: str) -> int:
    if positional is None and keyword is None:
        raise TypeError(f"missing {name}")
    if positional is not None and keyword is not None and positional != keyword:
        raise TypeError(f"give {name} once")
    value = positional if positional is not None else keyword
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {type(value).__name__}")
    return value
