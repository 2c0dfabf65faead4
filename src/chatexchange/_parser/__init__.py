"""Pages and payloads of Stack Exchange chat -> plain typed records.

Pure functions: bytes or str in, frozen records out; no network, no SQL. HTML is read with lxml
(selectors compiled once, at import of the module that uses them), JSON with orjson. Anything that
is not the page or payload that was expected raises ``chatexchange.errors.ParseError`` naming the
URL.

The parse functions are imported on first use, so code that only decodes events never loads lxml.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .records import (
    AccessLevelChanged,
    ChatSession,
    DebugMessage,
    Event,
    EventsResponse,
    FeedTicker,
    FileAdded,
    GlobalNotification,
    HourSlice,
    Invitation,
    MessageDeleted,
    MessageEdited,
    MessageEvent,
    MessageFlagged,
    MessageHistory,
    MessageMovedIn,
    MessageMovedOut,
    MessagePosted,
    MessageReply,
    MessageStarred,
    ModeratorFlag,
    Revision,
    RoomCard,
    RoomFrame,
    RoomInfo,
    RoomNameChanged,
    RoomsList,
    TimeBreak,
    TranscriptMessage,
    TranscriptPage,
    UnknownEvent,
    UserCard,
    UserEntered,
    UserLeft,
    UserMentioned,
    UserMerged,
    UserNameOrAvatarChanged,
    UserNotification,
    UserProfile,
    UserSettingsChanged,
    UserSuspended,
)

if TYPE_CHECKING:
    from .answers import parse_bookmark_answer, parse_mentions, parse_pingable
    from .events import (
        EVENT_TYPES,
        parse_event,
        parse_events,
        parse_events_response,
        parse_poll_response,
        parse_ws_frame,
    )
    from .pages import (
        parse_favorite,
        parse_login_page,
        parse_message_history,
        parse_message_html,
        parse_message_source,
        parse_room_info,
        parse_rooms_list,
        parse_user_profile,
    )
    from .transcript import TranscriptReader, parse_transcript

_FUNCTIONS = {
    "EVENT_TYPES": "events",
    "parse_event": "events",
    "parse_events": "events",
    "parse_events_response": "events",
    "parse_poll_response": "events",
    "parse_ws_frame": "events",
    "parse_favorite": "pages",
    "parse_login_page": "pages",
    "parse_message_history": "pages",
    "parse_message_html": "pages",
    "parse_message_source": "pages",
    "parse_room_info": "pages",
    "parse_rooms_list": "pages",
    "parse_user_profile": "pages",
    "parse_transcript": "transcript",
    "TranscriptReader": "transcript",
    "parse_pingable": "answers",
    "parse_bookmark_answer": "answers",
    "parse_mentions": "answers",
}

__all__ = [
    "EVENT_TYPES",
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
    "TranscriptReader",
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
    "parse_bookmark_answer",
    "parse_event",
    "parse_events",
    "parse_events_response",
    "parse_favorite",
    "parse_login_page",
    "parse_mentions",
    "parse_message_history",
    "parse_message_html",
    "parse_message_source",
    "parse_pingable",
    "parse_poll_response",
    "parse_room_info",
    "parse_rooms_list",
    "parse_transcript",
    "parse_user_profile",
    "parse_ws_frame",
]


def __getattr__(name: str) -> Any:
    module = _FUNCTIONS.get(name)
    if module is None:
        raise AttributeError(f"module 'chatexchange._parser' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"chatexchange._parser.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
