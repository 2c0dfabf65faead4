"""Plain typed records produced by the parsers.

Every record is a frozen, slotted dataclass: cheap to build (the client turns every live event
into one) and safe to hand across threads. Times are timezone-aware UTC datetimes; a value the page
or payload did not carry is ``None`` rather than a guess. Secrets (the fkey) are left out of reprs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

__all__ = [
    "AccessLevelChanged",
    "ChatSession",
    "DebugMessage",
    "Event",
    "EventsResponse",
    "FeedTicker",
    "FileAdded",
    "GlobalNotification",
    "HourSlice",
    "Invitation",
    "MessageDeleted",
    "MessageEdited",
    "MessageEvent",
    "MessageFlagged",
    "MessageHistory",
    "MessageMovedIn",
    "MessageMovedOut",
    "MessagePosted",
    "MessageReply",
    "MessageStarred",
    "ModeratorFlag",
    "Revision",
    "RoomCard",
    "RoomFrame",
    "RoomInfo",
    "RoomNameChanged",
    "RoomsList",
    "TimeBreak",
    "TranscriptMessage",
    "TranscriptPage",
    "UnknownEvent",
    "UserCard",
    "UserEntered",
    "UserLeft",
    "UserMentioned",
    "UserMerged",
    "UserNameOrAvatarChanged",
    "UserNotification",
    "UserProfile",
    "UserSettingsChanged",
    "UserSuspended",
]


# --------------------------------------------------------------------------------------------------
# Sessions


@dataclass(frozen=True, slots=True)
class ChatSession:
    """The chat fkey and the logged-in user of a chat page (user fields ``None``: anonymous)."""

    fkey: str = field(repr=False)
    user_id: int | None
    user_name: str | None


# --------------------------------------------------------------------------------------------------
# Transcripts


@dataclass(frozen=True, slots=True)
class HourSlice:
    """One entry of a transcript day's hour pager: UTC hours ``start``..``end`` (24 = midnight)."""

    start: int
    end: int
    current: bool


@dataclass(frozen=True, slots=True)
class TranscriptMessage:
    """One message as a transcript page shows it.

    ``time`` is a minute-resolution lower bound (see docs/parsing.md); ``time_shown`` says whether
    the page printed a timestamp for this very message. ``edits`` is 1 for "edited" (the page does
    not say how often) and 0 otherwise. ``stars`` counts stars, ``pinned`` is the owners' star.
    """

    id: int
    room_id: int
    owner_id: int
    owner_name: str | None
    content_html: str
    content_text: str
    parent_id: int | None
    edits: int
    deleted: bool
    stars: int
    pinned: bool
    onebox: str | None
    time: datetime
    time_shown: bool = False
    starred: bool = False
    partial: bool = False
    highlighted: bool = False
    mine: bool = False


@dataclass(frozen=True, slots=True)
class TranscriptPage:
    """A transcript page (day, hour slice or message-anchored page); messages in document order."""

    url: str
    room_id: int
    room_name: str
    date: date
    first_day: dt.date | None  # dt.: the field 'date' above hides the type here
    previous_day: dt.date | None  # dt.: the field 'date' above hides the type here
    next_day: dt.date | None  # dt.: the field 'date' above hides the type here
    last_day: dt.date | None  # dt.: the field 'date' above hides the type here
    hours: tuple[HourSlice, ...]
    messages: list[TranscriptMessage]
    start_hour: int = 0
    end_hour: int = 24
    viewer_id: int | None = None


# --------------------------------------------------------------------------------------------------
# Rooms and users


@dataclass(frozen=True, slots=True)
class UserCard:
    """A user as a room info page lists them (owners, current users)."""

    user_id: int
    name: str
    moderator: bool
    reputation: int | None
    about: str | None = None
    #: Their messages in this room, and their latest one (current users' cards only).
    message_count: int | None = None
    last_message_id: int | None = None


@dataclass(frozen=True, slots=True)
class RoomCard:
    """A room as a profile page or the rooms list shows it.

    On a profile page the card counts the profile user's messages in the room
    (``user_message_count``) and not the room's (``message_count`` is then ``None``).
    ``last_activity`` is how long ago (``"23h ago"``), ``last_user_id`` who posted last.
    """

    room_id: int
    name: str
    description: str | None
    message_count: int | None = None
    last_activity: str | None = None
    user_ids: tuple[int, ...] = ()
    deleted: bool = False
    frozen: bool = False
    user_message_count: int | None = None
    last_user_id: int | None = None


@dataclass(frozen=True, slots=True)
class RoomInfo:
    """``/rooms/info/<id>``: what the room is, who owns it and who is in it now."""

    url: str
    room_id: int
    name: str
    description: str | None
    description_html: str | None
    tags: tuple[str, ...]
    owners: tuple[UserCard, ...]
    users: tuple[UserCard, ...]
    message_count: int | None
    user_count: int | None
    first_message: date | None = None
    last_message: str | None = None
    parent_site: str | None = None
    favorite: bool = False


@dataclass(frozen=True, slots=True)
class UserProfile:
    """``/users/<id>``: the chat user, their parent-site account and their rooms.

    ``last_seen`` / ``last_message`` are how long ago, as the page says it (``None`` for "n/a").
    """

    url: str
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
    rooms_owned: tuple[RoomCard, ...] = ()
    rooms: tuple[RoomCard, ...] = ()


@dataclass(frozen=True, slots=True)
class RoomsList:
    """``/rooms``: one page of the room list."""

    url: str
    rooms: list[RoomCard]
    page: int | None = None
    page_count: int | None = None


@dataclass(frozen=True, slots=True)
class Revision:
    """One version of a message on its history page, newest first; ``label`` is e.g. "edited"."""

    user_id: int | None
    user_name: str | None
    time_text: str | None
    content_html: str
    content_text: str
    source: str | None
    label: str | None


@dataclass(frozen=True, slots=True)
class MessageHistory:
    """``/messages/<id>/history``: the current version first, then older revisions."""

    url: str
    message_id: int
    room_id: int | None
    revisions: tuple[Revision, ...]
    stars: int
    pinned: bool
    pinned_by: tuple[int, ...]
    deleted: bool


# --------------------------------------------------------------------------------------------------
# Events (docs/parsing.md lists the types). Base fields are present on every event, ``None``
# when the payload lacked them.


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """A chat event. ``raw`` is the decoded JSON object itself (not a copy; do not mutate it)."""

    event_type: int
    id: int | None
    time_stamp: datetime | None
    room_id: int | None
    room_name: str | None
    user_id: int | None
    user_name: str | None
    content: str | None = None
    target_user_id: int | None = None
    raw: dict[str, Any] = field(repr=False, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageEvent(Event):
    """Events about one message (types 1, 2, 6, 8, 9, 10, 12, 18, 19, 20)."""

    message_id: int | None
    parent_id: int | None = None
    show_parent: bool = False
    message_edits: int = 0
    message_stars: int = 0
    message_owner_stars: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class MessagePosted(MessageEvent):
    """1: a new message (also server notices such as "messages moved")."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageEdited(MessageEvent):
    """2: a message was edited; ``content`` is the new HTML."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UserEntered(Event):
    """3: a user entered the room."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UserLeft(Event):
    """4: a user left the room (also the first half of a kick)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomNameChanged(Event):
    """5: name, description or tags changed; ``content`` describes the change."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageStarred(MessageEvent):
    """6: stars or pin changed. User fields and the two viewer flags exist only for the actor."""

    message_starred: bool = False
    message_owner_starred: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class DebugMessage(Event):
    """7: internal."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UserMentioned(MessageEvent):
    """8: you were pinged (sent only to the pinged user)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageFlagged(MessageEvent):
    """9: a spam/offensive flag (only for users who can see flags)."""

    message_flags: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageDeleted(MessageEvent):
    """10: a message was deleted (no ``content``)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FileAdded(Event):
    """11: legacy file feature."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ModeratorFlag(MessageEvent):
    """12: a flag for moderators."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UserSettingsChanged(Event):
    """13: ignore/unignore."""


@dataclass(frozen=True, slots=True, kw_only=True)
class GlobalNotification(Event):
    """14: a banner notification."""


@dataclass(frozen=True, slots=True, kw_only=True)
class AccessLevelChanged(Event):
    """15: ``target_user_id``'s access changed; ``content`` is e.g. "Access now read-only"."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UserNotification(Event):
    """16: a personal notification (e.g. an access request, to room owners); no room fields."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Invitation(Event):
    """17: an invitation; ``room_id``/``room_name`` name the room you are invited to."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageReply(MessageEvent):
    """18: a reply to your message (only to the parent's author), just before the type-1 event."""


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageMovedOut(MessageEvent):
    """19: a message was moved out of the room."""

    moved: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageMovedIn(MessageEvent):
    """20: a message was moved into the room."""

    moved: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class TimeBreak(Event):
    """21."""


@dataclass(frozen=True, slots=True, kw_only=True)
class FeedTicker(Event):
    """22: a feed/ticker item."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UserSuspended(Event):
    """29: a chat suspension added or removed; ``content`` is "<code> <json>"."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UserMerged(Event):
    """30: accounts were merged."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UserNameOrAvatarChanged(Event):
    """34: ``target_user_id`` changed their name or avatar."""


@dataclass(frozen=True, slots=True, kw_only=True)
class UnknownEvent(Event):
    """Any other event type (or a malformed event): kept, with the base fields it could read."""


# --------------------------------------------------------------------------------------------------
# Event envelopes


@dataclass(frozen=True, slots=True)
class EventsResponse:
    """``POST /chats/<room>/events``: events oldest first, ``time`` = event-id cursor for ``l=``."""

    events: list[Event]
    time: int | None
    sync: datetime | None
    ms: int | None = None


@dataclass(frozen=True, slots=True)
class RoomFrame:
    """One ``r<room>`` entry of a websocket frame or ``/events`` poll answer.

    ``t`` is the latest event id (``None`` on a bare heartbeat); ``events`` may be empty.
    """

    room_id: int
    t: int | None
    d: int | None
    events: list[Event]
