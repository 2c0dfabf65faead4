"""``chatexchange.EventType``: the number of every chat event type, in one place.

Chat sends each event with an ``event_type`` integer. Every layer that needs one of those numbers
(parsing, the archive, the client's streams, bots, the classic API) names it through this enum, so
a number is stated once and a reader sees ``EventType.USER_JOINED`` rather than ``3``. The members
are ints, so they compare equal to the numbers in payloads and archived rows.

This module imports nothing of the package: it is the bottom of every layer. The devserver keeps
its own table on purpose (it is the independent oracle the client is tested against).
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["EventType"]


class EventType(IntEnum):
    """Every event type chat is known to send (numbers without a known meaning are INTERNAL_n)."""

    #: A new message (also server notices such as "3 messages moved to ...").
    MESSAGE_POSTED = 1
    #: A message was edited; the event carries the new content.
    MESSAGE_EDITED = 2
    #: A user entered the room.
    USER_JOINED = 3
    #: A user left the room (also the first half of a kick).
    USER_LEFT = 4
    #: The room's name, description or tags changed.
    ROOM_CHANGED = 5
    #: A message's stars or pin changed.
    MESSAGE_STARRED = 6
    #: Internal to chat.
    DEBUG_MESSAGE = 7
    #: You were pinged (sent only to the pinged user).
    USER_MENTIONED = 8
    #: A message was flagged as spam or offensive (only for users who can see flags).
    MESSAGE_FLAGGED = 9
    #: A message was deleted.
    MESSAGE_DELETED = 10
    #: The legacy file feature.
    FILE_ADDED = 11
    #: A message was flagged for moderators.
    MODERATOR_FLAG = 12
    #: You ignored or unignored someone.
    USER_SETTINGS_CHANGED = 13
    #: A banner notification.
    GLOBAL_NOTIFICATION = 14
    #: A user's access to the room changed (read-only, read-write, default, request).
    ACCESS_CHANGED = 15
    #: A personal notification, e.g. to room owners when someone requests access (no room).
    USER_NOTIFICATION = 16
    #: You were invited to another room.
    INVITATION = 17
    #: A reply to one of your messages (just before the new message's own event).
    MESSAGE_REPLY = 18
    #: A message was moved out of the room.
    MESSAGE_MOVED_OUT = 19
    #: A message was moved into the room.
    MESSAGE_MOVED_IN = 20
    TIME_BREAK = 21
    #: A feed or ticker item.
    FEED_TICKER = 22
    INTERNAL_23 = 23
    INTERNAL_24 = 24
    INTERNAL_25 = 25
    INTERNAL_26 = 26
    INTERNAL_27 = 27
    INTERNAL_28 = 28
    #: A chat suspension was added or removed.
    USER_SUSPENDED = 29
    #: Two accounts were merged.
    USER_MERGED = 30
    INTERNAL_31 = 31
    INTERNAL_32 = 32
    INTERNAL_33 = 33
    #: A user's name or avatar changed.
    USER_NAME_CHANGED = 34
    INTERNAL_35 = 35
