"""Chat events: ``/chats/<room>/events`` answers, websocket frames and ``/events`` poll answers.

Decoded with orjson; each event becomes the record class of its ``event_type`` (spec §5). Fields
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
    3: UserEntered,
    4: UserLeft,
    5: RoomNameChanged,
    7: DebugMessage,
    11: FileAdded,
    13: UserSettingsChanged,
    14: GlobalNotification,
    15: AccessLevelChanged,
    16: UserNotification,
    17: Invitation,
    21: TimeBreak,
    22: FeedTicker,
    29: UserSuspended,
    30: UserMerged,
    34: UserNameOrAvatarChanged,
}
# Message events: base fields plus the message fields.
_MESSAGE: dict[int, type[Event]] = {
    1: MessagePosted,
    2: MessageEdited,
    8: UserMentioned,
    10: MessageDeleted,
    12: ModeratorFlag,
    18: MessageReply,
}
#: event_type -> record class, for every type with its own class.
EVENT_TYPES: dict[int, type[Event]] = {
    **_PLAIN,
    **_MESSAGE,
    6: MessageStarred,
    9: MessageFlagged,
    19: MessageMovedOut,
    20: MessageMovedIn,
}


class _BadField(Exception):
    """A field had a type no real server sends; the event becomes an UnknownEvent."""


def _int(value: Any) -> int | None:
    if value is None or value.__class__ is int:
        return value
    raise _BadField


def _str(value: Any) -> str | None:
    if value is None or value.__class__ is str:
        return value
    raise _BadField


def _count(value: Any) -> int:
    if value is None:
        return 0
    if value.__class__ is int:
        return value
    raise _BadField


def _flag(value: Any) -> bool:
    return value is True


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    if value.__class__ is int or value.__class__ is float:
        try:
            return _fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise _BadField
    raise _BadField


def _typed(raw: dict[str, Any], event_type: int) -> Event:
    get = raw.get
    cls = _MESSAGE.get(event_type)
    if cls is not None:
        return cls(
            event_type=event_type,
            id=_int(get("id")),
            time_stamp=_time(get("time_stamp")),
            room_id=_int(get("room_id")),
            room_name=_str(get("room_name")),
            user_id=_int(get("user_id")),
            user_name=_str(get("user_name")),
            content=_str(get("content")),
            target_user_id=_int(get("target_user_id")),
            raw=raw,
            message_id=_int(get("message_id")),
            parent_id=_int(get("parent_id")),
            show_parent=_flag(get("show_parent")),
            message_edits=_count(get("message_edits")),
            message_stars=_count(get("message_stars")),
            message_owner_stars=_count(get("message_owner_stars")),
        )
    cls = _PLAIN.get(event_type)
    if cls is not None:
        return cls(
            event_type=event_type,
            id=_int(get("id")),
            time_stamp=_time(get("time_stamp")),
            room_id=_int(get("room_id")),
            room_name=_str(get("room_name")),
            user_id=_int(get("user_id")),
            user_name=_str(get("user_name")),
            content=_str(get("content")),
            target_user_id=_int(get("target_user_id")),
            raw=raw,
        )
    common = {
        "event_type": event_type,
        "id": _int(get("id")),
        "time_stamp": _time(get("time_stamp")),
        "room_id": _int(get("room_id")),
        "room_name": _str(get("room_name")),
        "user_id": _int(get("user_id")),
        "user_name": _str(get("user_name")),
        "content": _str(get("content")),
        "target_user_id": _int(get("target_user_id")),
        "raw": raw,
        "message_id": _int(get("message_id")),
        "parent_id": _int(get("parent_id")),
        "show_parent": _flag(get("show_parent")),
        "message_edits": _count(get("message_edits")),
        "message_stars": _count(get("message_stars")),
        "message_owner_stars": _count(get("message_owner_stars")),
    }
    if event_type == 6:
        return MessageStarred(
            **common,
            message_starred=_flag(get("message_starred")),
            message_owner_starred=_flag(get("message_owner_starred")),
        )
    if event_type == 9:
        return MessageFlagged(**common, message_flags=_count(get("message_flags")))
    if event_type == 19:
        return MessageMovedOut(**common, moved=_flag(get("moved")))
    if event_type == 20:
        return MessageMovedIn(**common, moved=_flag(get("moved")))
    raise _BadField


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
    if event_type.__class__ is int and event_type in EVENT_TYPES:
        try:
            return _typed(raw, event_type)
        except _BadField:
            pass
    return _unknown(raw)


def parse_events(items: list[Any], url: str | None = None) -> list[Event]:
    """A JSON array of event objects -> records, in order."""
    if items.__class__ is not list:
        raise ParseError("event list is not a JSON array", url)
    out = []
    append = out.append
    for raw in items:
        if raw.__class__ is not dict:
            raise ParseError("event entry is not a JSON object", url)
        event_type = raw.get("event_type")
        if event_type.__class__ is int and event_type in EVENT_TYPES:
            try:
                append(_typed(raw, event_type))
                continue
            except _BadField:
                pass
        append(_unknown(raw))
    return out


def _decode(body: bytes | str | dict[str, Any], url: str | None, what: str) -> dict[str, Any]:
    if body.__class__ is dict:
        return body  # type: ignore[return-value]
    try:
        data = _loads(body)
    except orjson.JSONDecodeError:
        raise ParseError(f"{what} is not JSON", url)
    if data.__class__ is not dict:
        raise ParseError(f"{what} is not a JSON object", url)
    return data


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


def parse_ws_frame(body: bytes | str, url: str | None = None) -> list[RoomFrame]:
    """A websocket frame (or ``/events`` answer) -> one ``RoomFrame`` per ``r<room>`` key, in order.

    Heartbeats (``{"r1": {}}``) give a frame with ``t=None`` and no events; keys that are not
    ``r<digits>`` are ignored (they carry no room).
    """
    data = _decode(body, url, "event frame")
    frames = []
    for key, value in data.items():
        if not (key[:1] == "r" and key[1:].isascii() and key[1:].isdigit()):
            continue
        if value.__class__ is not dict:
            raise ParseError(f"event frame entry {key!r} is not a JSON object", url)
        t = value.get("t")
        d = value.get("d")
        items = value.get("e")
        events = [] if items is None else parse_events(items, url)
        frames.append(
            RoomFrame(
                int(key[1:]),
                t if t.__class__ is int else None,
                d if d.__class__ is int else None,
                events,
            )
        )
    return frames


#: ``POST /events`` answers have the websocket frame shape.
parse_poll_response = parse_ws_frame
