"""What the owner and user actions take and give: ``AccessLevel`` and the typed records.

The records are plain, frozen data (no client reference, no I/O), so ``BlockingClient`` hands them
over unchanged and they can be kept, compared and printed freely. Actions that touch a user or a
room also update the archive; these records are the answer of the one call.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, timedelta

from .._parser.answers import Mention, PingableUser

__all__ = [
    "AccessLevel",
    "Bookmark",
    "Mention",
    "PingableUser",
    "Revision",
    "RoomDetails",
    "RoomUser",
    "UserProfile",
]


class AccessLevel(enum.StrEnum):
    """A user's access to a room, as a room owner sets it (``room.set_access``)."""

    #: may read, may not talk (what a kick leaves behind for a while)
    READ_ONLY = "read-only"
    #: may talk (in a gallery room this is a grant)
    READ_WRITE = "read-write"
    #: a room owner
    OWNER = "owner"
    #: back to the room's default (the explicit grant is removed)
    DEFAULT = "remove"


@dataclass(frozen=True, slots=True)
class Revision:
    """One version of a message on its history page; the current version comes first.

    ``label`` is how the page introduces it: ``None`` for the current version, then ``"edited"``
    for edits, ``"said"`` for the original, ``"deleted"`` for a deletion. ``time_text`` is the
    page's clock time (``"3:04 PM"``, UTC; the page shows no date)."""

    message_id: int
    user_id: int | None
    user_name: str | None
    time_text: str | None
    content_html: str
    content_text: str
    source: str | None
    label: str | None


@dataclass(frozen=True, slots=True)
class Bookmark:
    """A bookmarked conversation (``room.bookmark``); ``url`` is its page, relative to the chat
    root. Delete it with ``room.delete_bookmark(bookmark)``."""

    room_id: int
    slug: str
    title: str

    @property
    def url(self) -> str:
        return f"/rooms/{self.room_id}/conversation/{self.slug}"


@dataclass(frozen=True, slots=True)
class RoomUser:
    """A user as the room info page shows them (an owner, or someone in the room now)."""

    user_id: int
    name: str
    moderator: bool
    reputation: int | None


@dataclass(frozen=True, slots=True)
class RoomDetails:
    """``room.info()``: what the room info page says, read now."""

    room_id: int
    name: str
    description: str | None
    tags: tuple[str, ...]
    owners: tuple[RoomUser, ...]
    current_users: tuple[RoomUser, ...]
    message_count: int | None
    user_count: int | None
    first_message: date | None
    last_message: str | None
    parent_site: str | None
    favorite: bool


@dataclass(frozen=True, slots=True)
class UserProfile:
    """``user.profile()``: every field of the user's profile page, read now.

    ``last_seen`` / ``last_message`` are how long ago, as the page says it (``None`` for "n/a");
    ``rooms_owned`` / ``rooms`` are ``(room id, name)`` pairs."""

    user_id: int
    name: str
    moderator: bool
    reputation: int | None
    message_count: int | None
    room_count: int | None
    user_since: date | None
    last_seen: timedelta | None
    last_message: timedelta | None
    about: str | None
    parent_user_url: str | None
    parent_user_id: int | None
    parent_site: str | None
    rooms_owned: tuple[tuple[int, str], ...]
    rooms: tuple[tuple[int, str], ...]
