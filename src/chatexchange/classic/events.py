"""Chat events as the classic package presents them: ``make(data, client)`` picks the class by
``data['event_type']``; each event keeps the raw ``data`` and exposes ``id``, ``type_id``,
``room``, ``time_stamp`` (unix seconds, as chat sends it) and, for message events, ``user``,
``content``, ``message`` (the client's shared ``Message``, updated from the event),
``show_parent``, ``target_user_id`` and ``parent_message_id``.

``data`` is the event's JSON object; a parser event record (``chatexchange._parser``) is accepted
too and read through its ``raw`` object.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ..event_types import EventType
from . import messages

if TYPE_CHECKING:
    from .client import Client
    from .rooms import Room
    from .users import User

__all__ = [
    "AccessLevelChanged",
    "AccountLevelChanged",
    "Event",
    "FeedTicker",
    "FileAdded",
    "GlobalNotification",
    "Invitation",
    "MessageDeleted",
    "MessageEdited",
    "MessageEvent",
    "MessageFlagged",
    "MessageFlaggedForModerator",
    "MessageMovedIn",
    "MessageMovedOut",
    "MessagePosted",
    "MessageReply",
    "MessageStarred",
    "MessagedMovedIn",
    "ModeratorFlag",
    "RoomNameChanged",
    "TimeBreak",
    "UserEntered",
    "UserLeft",
    "UserMentioned",
    "UserMerged",
    "UserNameOrAvatarChanged",
    "UserNotification",
    "UserSettingsChanged",
    "UserSuspended",
    "make",
    "register_type",
    "types",
]

#: The classic logger name (bots configure ``chatexchange.events``).
logger = logging.getLogger("chatexchange.events")

#: Event classes by ``event_type``.
types: dict[int, type[Event]] = {}


def make(data: Any, client: Any) -> Event:
    """An instance of the Event subclass registered for ``data['event_type']`` (else ``Event``)."""
    data = getattr(data, "raw", data)
    cls = types.get(data["event_type"], Event)
    return cls(data, client)


def register_type(event_type: type[Event]) -> type[Event]:
    """Class decorator: use ``event_type`` in :func:`make` for its ``type_id``."""
    type_id = event_type.type_id
    if type_id in types:
        raise ValueError(f"event type {type_id} is registered already ({types[type_id]})")
    types[type_id] = event_type
    return event_type


class Event:
    """Any chat event; ``type_id`` comes from the data when the class does not fix it."""

    type_id: int

    def __init__(self, data: dict[str, Any], client: Client) -> None:
        if not data:
            raise ValueError("empty data passed to Event constructor")
        self.logger = logger.getChild(type(self).__name__)
        self.client = client
        self.data = data
        if hasattr(self, "type_id"):
            if self.type_id != data["event_type"]:
                raise ValueError(
                    f"{type(self).__name__} is type {self.type_id}, data is {data['event_type']}"
                )
        else:
            self.type_id = data["event_type"]
        self.id = data.get("id")
        self.room: Room | None
        if "room_id" in data:
            self.room = client.get_room(data["room_id"], name=data.get("room_name"))
        else:
            self.room = None
        self.time_stamp = data.get("time_stamp")
        self._init_from_data()

    def _init_from_data(self) -> None:
        """Type-specific attributes from ``self.data``."""
        self.user: User | None
        if "user_id" in self.data:
            self.user = self.client.get_user(self.data["user_id"], name=self.data.get("user_name"))
        else:
            self.user = None
        self.content = self.data.get("content")
        self.target_user_id = self.data.get("target_user_id")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.data!r}, {self.client!r})"


class MessageEvent(Event):
    """An event about one message; ``message`` is updated with what the event says."""

    def _init_from_data(self) -> None:
        data = self.data
        if "user_id" in data:
            self.user = self.client.get_user(data["user_id"], name=data.get("user_name"))
        else:
            self.user = None
        self.content = data.get("content")
        self._message_id: int = data["message_id"]
        self._message_edits = data.get("message_edits", 0)
        self.show_parent = data.get("show_parent", False)
        self._message_stars = data.get("message_stars", 0)
        self._message_owner_stars = data.get("message_owner_stars", 0)
        self.target_user_id = data.get("target_user_id")
        self.parent_message_id = data.get("parent_id")
        self.message = self.client.get_message(self._message_id)
        self._update_message()

    @property
    def message_id(self) -> int:
        return self._message_id

    def _update_message(self) -> None:
        # The event is newer than anything the message knew.
        message = self.message
        message.content = self.content
        message.deleted = self.content is None
        message.edits = self._message_edits
        message.stars = self._message_stars
        if message.stars == 0:
            message.starred_by_you = False
        pinned = self._message_owner_stars > 0
        if pinned:
            if not messages.Message.pinned.values.get(message):
                # Newly pinned: who pinned it is unknown until scraped again.
                del message.pinner_user_ids
                del message.pinner_user_names
                del message.pins
        else:
            message.pinner_user_ids = []
            message.pinner_user_names = []
            message.pins = 0
        message.pinned = pinned
        message.target_user_id = self.target_user_id
        message._parent_message_id = self.parent_message_id
        if not isinstance(self, MessageMovedOut):
            message.room = self.room


def _event(type_id: int, name: str, base: type[Event] = Event, doc: str = "") -> type[Event]:
    cls = type(name, (base,), {"type_id": type_id, "__doc__": doc, "__module__": __name__})
    return register_type(cls)


@register_type
class MessagePosted(MessageEvent):
    """1: a new message; sets the message's ``owner`` and ``time_stamp``."""

    type_id = EventType.MESSAGE_POSTED

    def _update_message(self) -> None:
        super()._update_message()
        self.message.owner = self.user
        self.message.time_stamp = self.time_stamp


@register_type
class MessageEdited(MessageEvent):
    """2: a message was edited (``user`` is the message's owner)."""

    type_id = EventType.MESSAGE_EDITED


@register_type
class UserEntered(Event):
    """3: ``user`` entered ``room``."""

    type_id = EventType.USER_JOINED


@register_type
class UserLeft(Event):
    """4: ``user`` left ``room``."""

    type_id = EventType.USER_LEFT


@register_type
class RoomNameChanged(Event):
    """5: the room's name, description or tags changed (``content`` describes it)."""

    type_id = EventType.ROOM_CHANGED


@register_type
class MessageStarred(MessageEvent):
    """6: stars or pins of a message changed."""

    type_id = EventType.MESSAGE_STARRED


InternalEvent7 = _event(EventType.DEBUG_MESSAGE, "InternalEvent7")


@register_type
class UserMentioned(MessageEvent):
    """8: you were pinged."""

    type_id = EventType.USER_MENTIONED


@register_type
class MessageFlagged(Event):
    """9: a message was flagged."""

    type_id = EventType.MESSAGE_FLAGGED


@register_type
class MessageDeleted(MessageEvent):
    """10: a message was deleted (``content`` is None, so ``message.deleted`` is True)."""

    type_id = EventType.MESSAGE_DELETED


@register_type
class FileAdded(Event):
    type_id = EventType.FILE_ADDED


@register_type
class MessageFlaggedForModerator(Event):
    type_id = EventType.MODERATOR_FLAG


ModeratorFlag = MessageFlaggedForModerator  # the classic's older name


@register_type
class UserSettingsChanged(Event):
    type_id = EventType.USER_SETTINGS_CHANGED


@register_type
class GlobalNotification(Event):
    type_id = EventType.GLOBAL_NOTIFICATION


@register_type
class AccessLevelChanged(Event):
    """15: ``target_user_id``'s access to the room changed."""

    type_id = EventType.ACCESS_CHANGED


AccountLevelChanged = AccessLevelChanged  # the classic's older name


@register_type
class UserNotification(Event):
    type_id = EventType.USER_NOTIFICATION


@register_type
class Invitation(Event):
    """17: an invitation to ``room``."""

    type_id = EventType.INVITATION


@register_type
class MessageReply(MessageEvent):
    """18: a reply to one of your messages."""

    type_id = EventType.MESSAGE_REPLY


@register_type
class MessageMovedOut(MessageEvent):
    """19: a message was moved out of ``room`` (the message keeps its old room)."""

    type_id = EventType.MESSAGE_MOVED_OUT


@register_type
class MessageMovedIn(MessageEvent):
    """20: a message was moved into ``room``."""

    type_id = EventType.MESSAGE_MOVED_IN


MessagedMovedIn = MessageMovedIn  # the classic's misspelt older name


@register_type
class TimeBreak(Event):
    type_id = EventType.TIME_BREAK


@register_type
class FeedTicker(Event):
    type_id = EventType.FEED_TICKER


InternalEvent23 = _event(EventType.INTERNAL_23, "InternalEvent23")
InternalEvent24 = _event(EventType.INTERNAL_24, "InternalEvent24")
InternalEvent25 = _event(EventType.INTERNAL_25, "InternalEvent25")
InternalEvent26 = _event(EventType.INTERNAL_26, "InternalEvent26")
InternalEvent27 = _event(EventType.INTERNAL_27, "InternalEvent27")
InternalEvent28 = _event(EventType.INTERNAL_28, "InternalEvent28")


@register_type
class UserSuspended(Event):
    type_id = EventType.USER_SUSPENDED


@register_type
class UserMerged(Event):
    type_id = EventType.USER_MERGED


InternalEvent31 = _event(EventType.INTERNAL_31, "InternalEvent31")
InternalEvent32 = _event(EventType.INTERNAL_32, "InternalEvent32")
InternalEvent33 = _event(EventType.INTERNAL_33, "InternalEvent33")


@register_type
class UserNameOrAvatarChanged(Event):
    """34: a user's name or avatar changed (``target_user_id``)."""

    type_id = EventType.USER_NAME_CHANGED


InternalEvent35 = _event(EventType.INTERNAL_35, "InternalEvent35")
