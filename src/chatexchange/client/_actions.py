"""The owner and user actions behind ``Message``, ``Room``, ``User`` and ``Server`` methods.

Each action goes through the server's transport connection (writes through its ordered queue with
throttle handling, reads as plain GETs), turns the answer into a record of ``client.actions`` and
brings the archive up to date: a message we changed is marked stale (the next lookup reads chat
again), users and rooms that a page showed are stored. Refusals arrive as the
``chatexchange.errors`` class the transport chose, carrying the server's text.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .. import errors, store
from .._transport import ServerConnection
from . import _archive
from .actions import (
    AccessLevel,
    Bookmark,
    Mention,
    PingableUser,
    Revision,
    RoomDetails,
    RoomUser,
    UserProfile,
)

log = logging.getLogger("chatexchange.client")

if TYPE_CHECKING:
    from ._async import AsyncClient
    from .objects import Message, Room, Server, User


def chat_id(value: Any, what: str) -> int:
    """A chat id from an object with ``.id`` or an int (checked when the call is made, before any
    task starts: bad input fails at once)."""
    raw = getattr(value, "id", value)
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise TypeError(f"{what} must be a client object or an int id, not {type(value).__name__}")
    return raw


def access_level(level: Any) -> AccessLevel:
    try:
        return AccessLevel(level)
    except ValueError:
        raise ValueError(
            f"unknown access level {level!r}; use chatexchange.client.AccessLevel"
        ) from None


def message_ids(messages: Iterable[Any], what: str) -> list[int]:
    if isinstance(messages, (str, bytes)) or not isinstance(messages, Iterable):
        raise TypeError(f"{what} must be a list of messages or message ids")
    ids = [m.message_id if isinstance(m, Mention) else chat_id(m, what) for m in messages]
    return ids


def bookmark_slug(bookmark: Any) -> str:
    slug = bookmark.slug if isinstance(bookmark, Bookmark) else bookmark
    if not isinstance(slug, str) or not slug or "/" in slug:
        raise ValueError(f"not a bookmark or bookmark slug: {bookmark!r}")
    return slug


def _room_user(card: Any) -> RoomUser:
    return RoomUser(card.user_id, card.name, card.moderator, card.reputation)


class Actions:
    """One per client; holds no state of its own."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def _reader(self, slug: str) -> ServerConnection:
        """Logged in when the client has credentials (some answers depend on the viewer),
        anonymous otherwise."""
        client = self._client
        if client.authenticated:
            return await client._ensure_login(slug)
        return await client._reader(slug)

    async def _stale(self, server: Server, *message_ids: int) -> None:
        for message_id in message_ids:
            await self._client._db.write(store.mark_stale, server.meta_id, message_id)

    # -- messages ---------------------------------------------------------------------------------

    async def unpin(self, message: Message) -> None:
        connection = await self._client._ensure_login(message.server.slug)
        await connection.unpin(message.id)
        await self._stale(message.server, message.id)

    async def unstar(self, message: Message) -> bool:
        """Remove our star if we gave one (chat's star is a toggle, so look first)."""
        connection = await self._client._ensure_login(message.server.slug)
        page = await connection.message_transcript(message.id)
        ours = next((m for m in page.messages if m.id == message.id), None)
        if ours is None:
            raise errors.NotFoundError(f"message {message.id} is not on its transcript page")
        if not ours.starred:
            return False
        await connection.star(message.id)
        await self._stale(message.server, message.id)
        return True

    async def clear_stars(self, message: Message) -> None:
        connection = await self._client._ensure_login(message.server.slug)
        await connection.clear_stars(message.id)
        await self._stale(message.server, message.id)

    async def flag(self, message: Message) -> None:
        connection = await self._client._ensure_login(message.server.slug)
        await connection.flag(message.id)
        await self._stale(message.server, message.id)

    async def source(self, message: Message) -> str:
        server = message.server
        markdown = await (await self._reader(server.slug)).message_source(message.id)
        await self._client._db.write(
            store.mark_stale, server.meta_id, message.id, content_markdown=markdown
        )
        return markdown

    async def history(self, message: Message) -> tuple[Revision, ...]:
        server = message.server
        page = await (await self._reader(server.slug)).message_history(message.id)
        revisions = tuple(
            Revision(
                page.message_id,
                r.user_id,
                r.user_name,
                r.time_text,
                r.content_html,
                r.content_text,
                r.source,
                r.label,
            )
            for r in page.revisions
        )
        values: dict[str, Any] = {
            "edits": sum(1 for r in revisions if r.label == "edited"),
            "stars": page.stars,
            "pinned": page.pinned,
        }
        if revisions and revisions[0].source is not None and not page.deleted:
            values["content_markdown"] = revisions[0].source
        await self._client._db.write(
            store.record_history, server.meta_id, message.id, revisions, values
        )
        return revisions

    # -- rooms ------------------------------------------------------------------------------------

    async def _refresh_room(self, room: Room) -> None:
        """After an access change: the stored room is stale (its owners may have changed); read
        its info page again now. The action itself succeeded, so a failed read is only logged and
        the next lookup reads the page."""
        client = self._client
        await client._db.write(store.mark_room_stale, room.server.meta_id, room.id)
        try:
            await client._room(room.server, room.id, client._fresh(0, None))
        except errors.ChatExchangeError as exc:
            log.warning("re-reading %r after an access change failed: %s", room, exc)

    async def kick(self, room: Room, user_id: int) -> str:
        connection = await self._client._ensure_login(room.server.slug)
        answer = await connection.kick(room.id, user_id)
        await self._refresh_room(room)
        return answer

    async def set_access(self, room: Room, user_id: int, level: AccessLevel) -> None:
        connection = await self._client._ensure_login(room.server.slug)
        await connection.set_access(room.id, user_id, level.value)
        await self._refresh_room(room)

    async def move_messages(self, room: Room, ids: list[int], target: int) -> int:
        connection = await self._client._ensure_login(room.server.slug)
        moved = await connection.move_messages(room.id, ids, target)
        await self._stale(room.server, *ids)
        return moved

    async def bookmark(self, room: Room, first: int, last: int, title: str) -> Bookmark:
        connection = await self._client._ensure_login(room.server.slug)
        answer = await connection.bookmark(room.id, first, last, title)
        return Bookmark(answer.room_id, answer.slug, answer.title)

    async def delete_bookmark(self, room: Room, slug: str) -> None:
        connection = await self._client._ensure_login(room.server.slug)
        await connection.delete_bookmark(room.id, slug)

    async def _info(self, room: Room) -> Any:
        """The room info page, read now, stored (room row, owners and present users)."""
        client = self._client
        server = room.server
        info = await (await self._reader(server.slug)).room_info(room.id)
        await client._db.call(
            store.upsert_room, client._engine, server.meta_id, info, now=client.now()
        )
        if info.users:
            await client._db.call(
                store.upsert_users, client._engine, server.meta_id, info.users, now=client.now()
            )
        return info

    async def info(self, room: Room) -> RoomDetails:
        info = await self._info(room)
        return RoomDetails(
            info.room_id,
            info.name,
            info.description,
            tuple(info.tags),
            tuple(_room_user(c) for c in info.owners),
            tuple(_room_user(c) for c in info.users),
            info.message_count,
            info.user_count,
            info.first_message,
            info.last_message,
            info.parent_site,
            info.favorite,
        )

    async def current_users(self, room: Room) -> list[User]:
        info = await self._info(room)
        return await self._users(room.server, [c.user_id for c in info.users])

    async def _users(self, server: Server, user_ids: list[int]) -> list[User]:
        from .objects import User

        def read(conn: Any) -> list[dict[str, Any]]:
            rows = (_archive.user(conn, server.meta_id, uid) for uid in user_ids)
            return [row for row in rows if row is not None]

        rows = await self._client._db.read(read)
        return [self._client._obj(User, server.slug, row) for row in rows]

    async def pingable_users(self, room: Room) -> list[PingableUser]:
        client = self._client
        server = room.server
        found = await (await self._reader(server.slug)).pingable(room.id)
        if found:
            await client._db.call(
                store.upsert_users,
                client._engine,
                server.meta_id,
                [(p.user_id, p.name) for p in found],
                now=client.now(),
            )
        return list(found)

    # -- users and the server ---------------------------------------------------------------------

    async def profile(self, user: User) -> UserProfile:
        client = self._client
        server = user.server
        if user.id is None:  # a message's owner the archive knows by name only
            raise errors.NotFoundError(f"{user!r} has no user id, so no profile")
        profile = await (await client._reader(server.slug)).user_profile(user.id)
        await client._db.call(
            store.upsert_users, client._engine, server.meta_id, [profile], now=client.now()
        )
        return UserProfile(
            profile.user_id,
            profile.name,
            profile.moderator,
            profile.reputation,
            profile.message_count,
            profile.room_count,
            profile.user_since,
            profile.last_seen,
            profile.last_message,
            profile.about,
            profile.parent_user_url,
            profile.parent_user_id,
            profile.parent_site,
            tuple((c.room_id, c.name) for c in profile.rooms_owned),
            tuple((c.room_id, c.name) for c in profile.rooms),
        )

    async def mentions(self, server: Server, unread_only: bool) -> list[Mention]:
        connection = await self._client._ensure_login(server.slug)
        session = await connection.current_user()
        if session.user_id is None:
            raise errors.AuthRequiredError(f"mentions: not logged in to {server.slug!r}")
        found = await connection.mentions(session.user_id)
        return [m for m in found if m.unread or not unread_only]

    async def ack_mentions(self, server: Server, ids: list[int]) -> None:
        connection = await self._client._ensure_login(server.slug)
        await connection.ack_mentions(ids)
