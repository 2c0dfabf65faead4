"""Parser records as table rows: users, rooms and a transcript page's room."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .._time import EPOCH, parse_ago


def _ago(text: str | None, now: dt.datetime) -> dt.datetime | None:
    """``now`` minus a page's "18 minutes ago"; ``None`` if unreadable."""
    ago = parse_ago(text)
    return None if ago is None else now - ago


_USER_FIELDS = (
    "name",
    "is_moderator",
    "reputation",
    "message_count",
    "room_count",
    "about",
    "parent_user_url",
    "since",
    "last_seen",
    "last_message",
)


def _user_row(server: int, user: Any, now: dt.datetime) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(_USER_FIELDS)
    row.update(server_meta_id=server, meta_created=now, meta_updated=EPOCH, deleted=False)
    if isinstance(user, tuple):
        row["id"], row["name"] = user
        return row
    row["id"] = user.user_id
    row["name"] = user.name
    row["is_moderator"] = user.moderator
    row["reputation"] = user.reputation
    row["about"] = getattr(user, "about", None)
    if hasattr(user, "user_since"):  # a UserProfile: the user's own page, so the row is fresh
        row.update(
            message_count=user.message_count,
            room_count=user.room_count,
            parent_user_url=user.parent_user_url,
            since=user.user_since,
            last_seen=None if user.last_seen is None else now - user.last_seen,
            last_message=None if user.last_message is None else now - user.last_message,
            meta_updated=now,
        )
    return row



_ROOM_FIELDS = (
    "name",
    "description",
    "tags",
    "owner_ids",
    "message_count",
    "user_count",
    "first_message",
    "last_activity",
    "frozen",
    "first_day",
)


def _room_row(server: int, room: Any, now: dt.datetime) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(_ROOM_FIELDS)
    row.update(server_meta_id=server, meta_created=now, meta_updated=EPOCH, deleted=None)
    if isinstance(room, tuple):
        row["id"], row["name"] = room
        return row
    row["id"] = room.room_id
    row["name"] = room.name
    row["description"] = room.description
    row["message_count"] = room.message_count
    if hasattr(room, "owners"):  # a RoomInfo: the room's own page, so the row is fresh
        row.update(
            tags=list(room.tags),
            owner_ids=[o.user_id for o in room.owners],
            user_count=room.user_count,
            first_message=room.first_message,
            last_activity=_ago(room.last_message, now),
            meta_updated=now,
        )
    else:  # a RoomCard (profile page, rooms list)
        row.update(
            last_activity=_ago(room.last_activity, now),
            frozen=room.frozen,
            deleted=room.deleted,
        )
    return row



def _page_room_row(server: int, page: Any, now: dt.datetime) -> dict[str, Any]:
    row = _room_row(server, (page.room_id, page.room_name), now)
    # The first day's page links to no first day and no previous day: it is the first day.
    first = page.first_day
    if first is None and page.previous_day is None and page.messages:
        first = page.date
    row["first_day"] = first
    return row
