"""The Python interface: ``AsyncClient`` (the source of truth), ``BlockingClient`` (the same API,
blocking) and the objects they hand out (``Server``, ``User``, ``Room``, ``Message``).

See ``docs/client.md``. The classic package's ``Client`` is added to this namespace by the legacy
API (``chatexchange.classic``), imported only when asked for.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .._parser.records import (
    AccessLevelChanged,
    DebugMessage,
    Event,
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
from ._async import AsyncClient, Credentials
from ._blocking import (
    Blocking,
    BlockingClient,
    BlockingMessage,
    BlockingRoom,
    BlockingServer,
    BlockingUser,
)
from ._history import ImportStats, PageProgress, ProgressCallback
from ._loop import BlockingCallInLoopError, BridgedIterator, new_event_loop
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
from .freshness import Freshness
from .objects import ClientObject, Message, Room, Server, User


def event_record(payload: dict[str, Any]) -> Event:
    """The typed record of one chat event's JSON object (as ``room.events()`` yields it; an
    ``UnknownEvent`` for anything unexpected). Replay uses it on archived payloads."""
    from .._parser import parse_event

    return parse_event(payload)


def open_archive(url: Any = None) -> Engine:
    """An SQLAlchemy Engine on the archive at ``url`` (as ``AsyncClient(db_path)`` opens it:
    ``sqlite://./file`` and plain paths work, missing tables are created)."""
    from .. import store

    return store.open_engine(store.DEFAULT_URL if url is None else url)


#: The chat event records ``room.events()`` yields (the parser's own frozen records, unchanged).
EVENT_RECORDS = (
    AccessLevelChanged,
    DebugMessage,
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

if TYPE_CHECKING:
    from sqlalchemy import Engine

__all__ = [
    "EVENT_RECORDS",
    "AccessLevel",
    "AccessLevelChanged",
    "AsyncClient",
    "Blocking",
    "BlockingCallInLoopError",
    "BlockingClient",
    "BlockingMessage",
    "BlockingRoom",
    "BlockingServer",
    "BlockingUser",
    "Bookmark",
    "BridgedIterator",
    "ClientObject",
    "Credentials",
    "DebugMessage",
    "Event",
    "FeedTicker",
    "FileAdded",
    "Freshness",
    "GlobalNotification",
    "ImportStats",
    "Invitation",
    "Mention",
    "Message",
    "MessageDeleted",
    "MessageEdited",
    "MessageEvent",
    "MessageFlagged",
    "MessageMovedIn",
    "MessageMovedOut",
    "MessagePosted",
    "MessageReply",
    "MessageStarred",
    "ModeratorFlag",
    "PageProgress",
    "PingableUser",
    "ProgressCallback",
    "Revision",
    "Room",
    "RoomDetails",
    "RoomNameChanged",
    "RoomUser",
    "Server",
    "TimeBreak",
    "UnknownEvent",
    "User",
    "UserEntered",
    "UserLeft",
    "UserMentioned",
    "UserMerged",
    "UserNameOrAvatarChanged",
    "UserNotification",
    "UserProfile",
    "UserSettingsChanged",
    "UserSuspended",
    "event_record",
    "new_event_loop",
    "open_archive",
]

#: Names of the classic ``chatexchange.client`` module, provided by the legacy API and imported
#: on first use (so the new API never loads ``requests``).
_LAZY = {
    name: ("chatexchange.classic.client", name)
    for name in ("Client", "ChatActionError", "PeekableQueue", "TOO_FAST_RE", "logger")
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'chatexchange.client' has no attribute {name!r}")
