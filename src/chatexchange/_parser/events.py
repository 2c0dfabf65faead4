"""Chat events: ``/chats/<room>/events`` answers, websocket frames and ``/events`` poll answers.

Decoded with orjson; each event becomes the record class of its numeric ``event_type``. Fields
the server leaves out for some viewers (user fields on other people's stars, ``id`` and
``room_name`` in ``mode=Messages``, ``content`` of deleted messages) are ``None`` or their zero
value. An unknown type, or an event whose fields have unexpected types, becomes an
``UnknownEvent`` — never dropped, never an exception. Only a payload that is not the expected JSON
shape at all raises ``ParseError``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from .._time import UTC
from ..errors import ParseError
from ..event_types import EventType as T
from ._guard import guarded
from .records import (
    AccessLevelChanged,
    DebugMessage,
    Event,
    EventsResponse,
    FeedTicker,
    FileAdded,
    GlobalNotification,
    Invitation,
    MessageDeleted,
    MessageEdited,
    MessageEvent,
    MessageFlagged,
    MessageMovedIn,
    MessageMovedOut,
    MessagePosted,
    MessageReply,
    MessageStarred,
    ModeratorFlag,
    RoomFrame,
    RoomNameChanged,
    TimeBreak,
    UnknownEvent,
    UserEntered,
    UserLeft,
    UserMentioned,
    UserMerged,
    UserNameOrAvatarChanged,
    UserNotification,
    UserSettingsChanged,
    UserSuspended,
)

__all__ = [
    "EVENT_TYPES",
    "parse_event",
    "parse_events",
    "parse_events_response",
    "parse_poll_response",
    "parse_ws_frame",
]

_loads = orjson.loads
_fromtimestamp = datetime.fromtimestamp

# Plain events: base fields only (content and target_user_id included).
_PLAIN: dict[int, type[Event]] = {
    T.USER_JOINED: UserEntered,
    T.USER_LEFT: UserLeft,
    T.ROOM_CHANGED: RoomNameChanged,
    T.DEBUG_MESSAGE: DebugMessage,
    T.FILE_ADDED: FileAdded,
    T.USER_SETTINGS_CHANGED: UserSettingsChanged,
    T.GLOBAL_NOTIFICATION: GlobalNotification,
    T.ACCESS_CHANGED: AccessLevelChanged,
    T.USER_NOTIFICATION: UserNotification,
    T.INVITATION: Invitation,
    T.TIME_BREAK: TimeBreak,
    T.FEED_TICKER: FeedTicker,
    T.USER_SUSPENDED: UserSuspended,
    T.USER_MERGED: UserMerged,
    T.USER_NAME_CHANGED: UserNameOrAvatarChanged,
}
# Message events: base fields plus the message fields.
_MESSAGE: dict[int, type[Event]] = {
    T.MESSAGE_POSTED: MessagePosted,
    T.MESSAGE_EDITED: MessageEdited,
    T.USER_MENTIONED: UserMentioned,
    T.MESSAGE_DELETED: MessageDeleted,
    T.MODERATOR_FLAG: ModeratorFlag,
    T.MESSAGE_REPLY: MessageReply,
}
#: event_type -> record class, for every type with its own class.
EVENT_TYPES: dict[int, type[Event]] = {
    **_PLAIN,
    **_MESSAGE,
    T.MESSAGE_STARRED: MessageStarred,
    T.MESSAGE_FLAGGED: MessageFlagged,
    T.MESSAGE_MOVED_OUT: MessageMovedOut,
    T.MESSAGE_MOVED_IN: MessageMovedIn,
}


_PLAIN_CLASSES = frozenset(_PLAIN.values())


class _BadField(Exception):
    """A field had a type no real server sends; the event becomes an UnknownEvent."""


_NoneType = type(None)
_new = object.__new__


def _setter(cls: type, name: str) -> Any:
    """The slot descriptor's setter: stores into a frozen instance without ``__setattr__``."""
    return cls.__dict__[name].__set__


# Records are built by storing each slot directly. A frozen dataclass's ``__init__`` goes through
# ``object.__setattr__`` once per field, which made building an event five times slower than
# decoding it; this is the same result (all fields set, nothing else) at a fraction of the cost.
_S_EVENT_TYPE = _setter(Event, "event_type")
_S_ID = _setter(Event, "id")
_S_TIME_STAMP = _setter(Event, "time_stamp")
_S_ROOM_ID = _setter(Event, "room_id")
_S_ROOM_NAME = _setter(Event, "room_name")
_S_USER_ID = _setter(Event, "user_id")
_S_USER_NAME = _setter(Event, "user_name")
_S_CONTENT = _setter(Event, "content")
_S_TARGET_USER_ID = _setter(Event, "target_user_id")
_S_RAW = _setter(Event, "raw")
_S_MESSAGE_ID = _setter(MessageEvent, "message_id")
_S_PARENT_ID = _setter(MessageEvent, "parent_id")
_S_SHOW_PARENT = _setter(MessageEvent, "show_parent")
_S_MESSAGE_EDITS = _setter(MessageEvent, "message_edits")
_S_MESSAGE_STARS = _setter(MessageEvent, "message_stars")
_S_MESSAGE_OWNER_STARS = _setter(MessageEvent, "message_owner_stars")
_EXTRA: dict[type[Event], tuple[tuple[Any, str], ...]] = {
    MessageStarred: (
        (_setter(MessageStarred, "message_starred"), "message_starred"),
        (_setter(MessageStarred, "message_owner_starred"), "message_owner_starred"),
    ),
    MessageFlagged: ((_setter(MessageFlagged, "message_flags"), "message_flags"),),
    MessageMovedOut: ((_setter(MessageMovedOut, "moved"), "moved"),),
    MessageMovedIn: ((_setter(MessageMovedIn, "moved"), "moved"),),
}
_COUNT_FIELDS = {"message_flags"}

_last_stamp: tuple[Any, datetime | None] = (None, None)


def _time(value: Any) -> datetime | None:
    """Unix seconds -> aware UTC datetime; events of one burst share a second, so the last
    conversion is reused."""
    global _last_stamp
    if value is None:
        return None
    last = _last_stamp
    if value == last[0] and value.__class__ is last[0].__class__:
        return last[1]
    if value.__class__ is int or value.__class__ is float:
        try:
            stamp = _fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise _BadField
        _last_stamp = (value, stamp)
        return stamp
    raise _BadField


def _typed(raw: dict[str, Any], cls: type[Event], event_type: int) -> Event:
    get = raw.get
    id_ = get("id")
    room_id = get("room_id")
    room_name = get("room_name")
    user_id = get("user_id")
    user_name = get("user_name")
    content = get("content")
    target = get("target_user_id")
    if not (
        (id_ is None or id_.__class__ is int)
        and (room_id is None or room_id.__class__ is int)
        and (user_id is None or user_id.__class__ is int)
        and (target is None or target.__class__ is int)
        and (room_name is None or room_name.__class__ is str)
        and (user_name is None or user_name.__class__ is str)
        and (content is None or content.__class__ is str)
    ):
        raise _BadField
    event = _new(cls)
    _S_EVENT_TYPE(event, event_type)
    _S_ID(event, id_)
    _S_TIME_STAMP(event, _time(get("time_stamp")))
    _S_ROOM_ID(event, room_id)
    _S_ROOM_NAME(event, room_name)
    _S_USER_ID(event, user_id)
    _S_USER_NAME(event, user_name)
    _S_CONTENT(event, content)
    _S_TARGET_USER_ID(event, target)
    _S_RAW(event, raw)
    if cls in _PLAIN_CLASSES:
        return event
    message_id = get("message_id")
    parent_id = get("parent_id")
    edits = get("message_edits")
    stars = get("message_stars")
    owner_stars = get("message_owner_stars")
    if edits is None:
        edits = 0
    if stars is None:
        stars = 0
    if owner_stars is None:
        owner_stars = 0
    if not (
        (message_id is None or message_id.__class__ is int)
        and (parent_id is None or parent_id.__class__ is int)
        and edits.__class__ is int
        and stars.__class__ is int
        and owner_stars.__class__ is int
    ):
        raise _BadField
    _S_MESSAGE_ID(event, message_id)
    _S_PARENT_ID(event, parent_id)
    _S_SHOW_PARENT(event, get("show_parent") is True)
    _S_MESSAGE_EDITS(event, edits)
    _S_MESSAGE_STARS(event, stars)
    _S_MESSAGE_OWNER_STARS(event, owner_stars)
    extra = _EXTRA.get(cls)
    if extra is not None:
        for setter, key in extra:
            value = get(key)
            if key in _COUNT_FIELDS:
                if value is None:
                    value = 0
                elif value.__class__ is not int:
                    raise _BadField
            else:
                value = value is True
            setter(event, value)
    return event


def _lenient(value: Any, kind: type) -> Any:
    return value if value.__class__ is kind else None


def _unknown(raw: dict[str, Any]) -> UnknownEvent:
    """Whatever base fields have the right type; the rest is in ``raw``."""
    get = raw.get
    event_type = get("event_type")
    try:
        stamp = _time(get("time_stamp"))
    except _BadField:
        stamp = None
    return UnknownEvent(
        event_type=event_type if event_type.__class__ is int else -1,
        id=_lenient(get("id"), int),
        time_stamp=stamp,
        room_id=_lenient(get("room_id"), int),
        room_name=_lenient(get("room_name"), str),
        user_id=_lenient(get("user_id"), int),
        user_name=_lenient(get("user_name"), str),
        content=_lenient(get("content"), str),
        target_user_id=_lenient(get("target_user_id"), int),
        raw=raw,
    )


def parse_event(raw: dict[str, Any]) -> Event:
    """One decoded event object -> its typed record (``UnknownEvent`` for anything unexpected)."""
    event_type = raw.get("event_type")
    if event_type.__class__ is int:
        cls = EVENT_TYPES.get(event_type)
        if cls is not None:
            try:
                return _typed(raw, cls, event_type)
            except _BadField:
                pass
    return _unknown(raw)


def parse_events(items: list[Any], url: str | None = None) -> list[Event]:
    """A JSON array of event objects -> records, in order."""
    if items.__class__ is not list:
        raise ParseError("event list is not a JSON array", url)
    out: list[Event] = []
    append = out.append
    types = EVENT_TYPES
    for raw in items:
        if raw.__class__ is not dict:
            raise ParseError("event entry is not a JSON object", url)
        event_type = raw.get("event_type")
        if event_type.__class__ is int:
            cls = types.get(event_type)
            if cls is not None:
                try:
                    append(_typed(raw, cls, event_type))
                    continue
                except _BadField:
                    pass
        append(_unknown(raw))
    return out


def _decode(body: bytes | str | dict[str, Any], url: str | None, what: str) -> dict[str, Any]:
    if isinstance(body, dict):
        return body
    try:
        data = _loads(body)
    except orjson.JSONDecodeError:
        raise ParseError(f"{what} is not JSON", url)
    if data.__class__ is not dict:
        raise ParseError(f"{what} is not a JSON object", url)
    return data


@guarded
def parse_events_response(body: bytes | str, url: str | None = None) -> EventsResponse:
    """``POST /chats/<room>/events`` -> events (oldest first), ``time`` cursor, ``sync`` time."""
    data = _decode(body, url, "events response")
    if "events" not in data:
        raise ParseError("events response has no 'events' key", url)
    events = parse_events(data["events"], url)
    cursor = data.get("time")
    if cursor is not None and cursor.__class__ is not int:
        raise ParseError("events response 'time' is not an integer", url)
    sync = data.get("sync")
    try:
        sync_time = None if sync is None else _time(sync)
    except _BadField:
        raise ParseError("events response 'sync' is not a unix time", url)
    ms = data.get("ms")
    return EventsResponse(events, cursor, sync_time, ms if ms.__class__ is int else None)


_S_FRAME_ROOM = _setter(RoomFrame, "room_id")
_S_FRAME_T = _setter(RoomFrame, "t")
_S_FRAME_D = _setter(RoomFrame, "d")
_S_FRAME_EVENTS = _setter(RoomFrame, "events")
_room_keys: dict[str, int] = {}


def _room_key(key: str) -> int | None:
    """``"r17"`` -> 17 (remembered: a client sees few rooms); ``None`` for other keys."""
    tail = key[1:]
    if key[:1] != "r" or not (tail.isascii() and tail.isdigit()) or len(tail) > 18:
        return None
    room_id = int(tail)
    if len(_room_keys) < 4096:
        _room_keys[key] = room_id
    return room_id


def parse_ws_frame(body: bytes | str, url: str | None = None) -> list[RoomFrame]:
    """A websocket frame (or ``/events`` answer) -> one ``RoomFrame`` per ``r<room>`` key, in order.

    Heartbeats (``{"r1": {}}``) give a frame with ``t=None`` and no events; keys that are not
    ``r<digits>`` are ignored (they carry no room).
    """
    data = _decode(body, url, "event frame")
    frames = []
    for key, value in data.items():
        room_id = _room_keys.get(key)
        if room_id is None:
            room_id = _room_key(key)
            if room_id is None:
                continue
        if value.__class__ is not dict:
            raise ParseError(f"event frame entry {key!r} is not a JSON object", url)
        items = value.get("e")
        t = value.get("t")
        d = value.get("d")
        frame = _new(RoomFrame)
        _S_FRAME_ROOM(frame, room_id)
        _S_FRAME_T(frame, t if t.__class__ is int else None)
        _S_FRAME_D(frame, d if d.__class__ is int else None)
        _S_FRAME_EVENTS(frame, [] if items is None else parse_events(items, url))
        frames.append(frame)
    return frames


#: ``POST /events`` answers have the websocket frame shape.
parse_poll_response = parse_ws_frame
