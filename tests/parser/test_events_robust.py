"""Events and websocket frames: one record class per type, tolerance of absent fields, unknown
types kept, frames carrying several rooms, heartbeats, and malformed payloads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chatexchange._parser import (
    EVENT_TYPES,
    AccessLevelChanged,
    Event,
    Invitation,
    MessageDeleted,
    MessageEdited,
    MessageEvent,
    MessageFlagged,
    MessageMovedOut,
    MessagePosted,
    MessageReply,
    MessageStarred,
    RoomFrame,
    UnknownEvent,
    UserEntered,
    UserLeft,
    UserMentioned,
    UserNameOrAvatarChanged,
    UserNotification,
    parse_event,
    parse_events_response,
    parse_ws_frame,
)
from chatexchange._time import UTC
from chatexchange.errors import ParseError

T = 1539079436
ROOM = {"room_id": 15, "room_name": "Android"}

# Event shapes as the real server sends them (live frames of chat.SO room 15).
SAMPLES: dict[int, dict[str, Any]] = {
    1: {"event_type": 1, "time_stamp": T, "content": "hello", "id": 90287708, "user_id": 4875631,
        "user_name": "FrankerZ", **ROOM, "message_id": 44402065},
    2: {"event_type": 2, "time_stamp": T, "content": "hello!", "id": 90287709, "user_id": 4875631,
        "user_name": "FrankerZ", **ROOM, "message_id": 44402065, "message_edits": 1},
    3: {"event_type": 3, "time_stamp": T, "id": 90287710, "user_id": 1, "target_user_id": 1,
        "user_name": "Jeff", **ROOM},
    4: {"event_type": 4, "time_stamp": T, "id": 90287711, "user_id": 1, "target_user_id": 1,
        "user_name": "Jeff", **ROOM},
    5: {"event_type": 5, "time_stamp": T, "id": 90287712, "user_id": 1, "user_name": "Jeff",
        "content": "Android<br>new description", **ROOM},
    6: {"event_type": 6, "time_stamp": T, "content": "hello!", "id": 90287713, **ROOM,
        "message_id": 44402065, "message_stars": 2},
    8: {"event_type": 8, "time_stamp": T, "content": "@Jeff hi", "id": 90287714, "user_id": 2,
        "user_name": "Ann", "target_user_id": 1, **ROOM, "message_id": 44402066,
        "parent_id": 44402065},
    9: {"event_type": 9, "time_stamp": T, "content": "spam", "id": 90287715, **ROOM,
        "message_id": 44402067, "message_flags": 1},
    10: {"event_type": 10, "time_stamp": T, "id": 90287716, "user_id": 2, "user_name": "Ann",
         **ROOM, "message_id": 44402067, "message_edits": 2},
    15: {"event_type": 15, "time_stamp": T, "content": "Access now read-only", "id": 90287717,
         "user_id": 1, "target_user_id": 2, "user_name": "Jeff", **ROOM},
    16: {"event_type": 16, "time_stamp": T, "content": '<a href="/users/2">Ann</a> has requested '
         'access to <a href="/rooms/info/15?tab=access">Android</a>.', "id": 90287718,
         "user_id": 2, "user_name": "Ann", "target_user_id": 1},
    17: {"event_type": 17, "time_stamp": T, "content": "Ann has invited you", "id": 90287719,
         "user_id": 2, "user_name": "Ann", "target_user_id": 1, "room_id": 1,
         "room_name": "Sandbox"},
    18: {"event_type": 18, "time_stamp": T, "content": "@Jeff yes", "id": 90287720,
         "user_id": 2, "user_name": "Ann", "target_user_id": 1, **ROOM, "message_id": 44402068,
         "parent_id": 44402065, "show_parent": True},
    19: {"event_type": 19, "time_stamp": T, "content": "moved", "id": 90287721, "user_id": 1,
         "user_name": "Jeff", **ROOM, "message_id": 44402069, "moved": True},
    34: {"event_type": 34, "time_stamp": T, "id": 90287722, "user_id": -2, "user_name": "Feeds",
         "target_user_id": 2, **ROOM},
}  # fmt: skip


@pytest.mark.parametrize("event_type", sorted(SAMPLES))
def test_each_type_has_its_class(event_type: int) -> None:
    raw = SAMPLES[event_type]
    event = parse_event(raw)
    assert type(event) is EVENT_TYPES[event_type]
    assert event.event_type == event_type
    assert event.id == raw["id"]
    assert event.time_stamp == datetime.fromtimestamp(T, UTC)
    assert event.room_id == raw.get("room_id")
    assert event.room_name == raw.get("room_name")
    assert event.user_id == raw.get("user_id")
    assert event.user_name == raw.get("user_name")
    assert event.content == raw.get("content")
    assert event.target_user_id == raw.get("target_user_id")
    assert event.raw is raw
    if isinstance(event, MessageEvent):
        assert event.message_id == raw["message_id"]
        assert event.parent_id == raw.get("parent_id")
        assert event.show_parent is raw.get("show_parent", False)
        assert event.message_edits == raw.get("message_edits", 0)
        assert event.message_stars == raw.get("message_stars", 0)


def test_type_specific_fields() -> None:
    assert isinstance(parse_event(SAMPLES[1]), MessagePosted)
    assert parse_event(SAMPLES[2]).message_edits == 1
    assert isinstance(parse_event(SAMPLES[2]), MessageEdited)
    assert isinstance(parse_event(SAMPLES[3]), UserEntered)
    assert isinstance(parse_event(SAMPLES[4]), UserLeft)
    starred = parse_event(SAMPLES[6])
    assert isinstance(starred, MessageStarred)
    assert (starred.user_id, starred.message_starred, starred.message_owner_starred) == (
        None,
        False,
        False,
    )
    mine = parse_event({**SAMPLES[6], "user_id": 1, "user_name": "Jeff", "message_starred": True,
                        "message_owner_stars": 1, "message_owner_starred": True})  # fmt: skip
    assert (mine.user_id, mine.message_starred, mine.message_owner_starred) == (1, True, True)
    assert mine.message_owner_stars == 1
    assert isinstance(parse_event(SAMPLES[8]), UserMentioned)
    flagged = parse_event(SAMPLES[9])
    assert isinstance(flagged, MessageFlagged) and flagged.message_flags == 1
    deleted = parse_event(SAMPLES[10])
    assert isinstance(deleted, MessageDeleted) and deleted.content is None
    assert isinstance(parse_event(SAMPLES[15]), AccessLevelChanged)
    notification = parse_event(SAMPLES[16])
    assert isinstance(notification, UserNotification) and notification.room_id is None
    invitation = parse_event(SAMPLES[17])
    assert isinstance(invitation, Invitation)
    assert (invitation.room_id, invitation.target_user_id) == (1, 1)
    reply = parse_event(SAMPLES[18])
    assert isinstance(reply, MessageReply) and reply.show_parent
    moved = parse_event(SAMPLES[19])
    assert isinstance(moved, MessageMovedOut) and moved.moved
    changed = parse_event(SAMPLES[34])
    assert isinstance(changed, UserNameOrAvatarChanged) and changed.target_user_id == 2


@settings(max_examples=300, deadline=None)
@given(
    event_type=st.sampled_from(sorted(SAMPLES)),
    drop=st.sets(st.text(min_size=1, max_size=20).filter(lambda k: k != "event_type")
                 | st.sampled_from(sorted(
        {key for sample in SAMPLES.values() for key in sample} - {"event_type"}))),
)  # fmt: skip
def test_absent_fields_are_tolerated(event_type: int, drop: set[str]) -> None:
    raw = {k: v for k, v in SAMPLES[event_type].items() if k not in drop}
    event = parse_event(raw)
    assert type(event) is EVENT_TYPES[event_type]
    assert event.id == raw.get("id")
    assert event.user_id == raw.get("user_id")
    assert event.room_name == raw.get("room_name")
    assert (event.time_stamp is None) == ("time_stamp" not in raw)
    if isinstance(event, MessageEvent):
        assert event.message_id == raw.get("message_id")


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=5,
)


@settings(max_examples=300, deadline=None)
@given(
    event_type=st.sampled_from(sorted(SAMPLES)),
    key=st.sampled_from(["id", "time_stamp", "room_id", "room_name", "user_id", "user_name",
                         "content", "message_id", "parent_id", "message_stars", "event_type"]),
    value=JSON_VALUES,
)  # fmt: skip
def test_wrong_field_types_never_crash(event_type: int, key: str, value: Any) -> None:
    raw = {**SAMPLES[event_type], key: value}
    event = parse_event(raw)
    assert isinstance(event, Event)
    assert event.raw is raw
    if type(event) is not UnknownEvent:
        assert type(event) is EVENT_TYPES[event_type]
    else:
        assert event.event_type == (raw["event_type"] if type(raw["event_type"]) is int else -1)


@settings(max_examples=200, deadline=None)
@given(
    event_type=st.integers().filter(lambda n: n not in EVENT_TYPES),
    extra=st.dictionaries(st.text(max_size=10), JSON_VALUES, max_size=4),
)
def test_unknown_types_are_kept(event_type: int, extra: dict[str, Any]) -> None:
    raw = {**extra, "event_type": event_type, "id": 5, "user_id": 7, "room_id": 3}
    event = parse_event(raw)
    assert type(event) is UnknownEvent
    assert (event.event_type, event.id, event.user_id, event.room_id) == (event_type, 5, 7, 3)
    assert event.raw is raw


# Every type with a meaning of its own (23-28, 31-33 and 35 are internal events: UnknownEvent).
SPEC_TYPES = {
    1: "MessagePosted", 2: "MessageEdited", 3: "UserEntered", 4: "UserLeft",
    5: "RoomNameChanged", 6: "MessageStarred", 7: "DebugMessage", 8: "UserMentioned",
    9: "MessageFlagged", 10: "MessageDeleted", 11: "FileAdded", 12: "ModeratorFlag",
    13: "UserSettingsChanged", 14: "GlobalNotification", 15: "AccessLevelChanged",
    16: "UserNotification", 17: "Invitation", 18: "MessageReply", 19: "MessageMovedOut",
    20: "MessageMovedIn", 21: "TimeBreak", 22: "FeedTicker", 29: "UserSuspended",
    30: "UserMerged", 34: "UserNameOrAvatarChanged",
}  # fmt: skip
MESSAGE_TYPES = {1, 2, 6, 8, 9, 10, 12, 18, 19, 20}


@pytest.mark.parametrize("event_type", sorted(SPEC_TYPES))
def test_every_spec_type_has_a_record(event_type: int) -> None:
    cls = EVENT_TYPES[event_type]
    assert cls.__name__ == SPEC_TYPES[event_type]
    assert issubclass(cls, MessageEvent) == (event_type in MESSAGE_TYPES)
    raw = {"event_type": event_type, "id": 7, "time_stamp": T, "user_id": 3, "user_name": "U",
           "content": "c", **ROOM}  # fmt: skip
    if event_type in MESSAGE_TYPES:
        raw["message_id"] = 11
    event = parse_event(raw)
    assert type(event) is cls
    assert (event.event_type, event.id, event.user_id, event.content) == (event_type, 7, 3, "c")
    assert getattr(event, "message_id", 11) == 11
    assert set(EVENT_TYPES) == set(SPEC_TYPES)


def test_internal_types_are_unknown_events() -> None:
    for event_type in (23, 28, 31, 33, 35, 99):
        event = parse_event({"event_type": event_type, "id": 1, "time_stamp": T})
        assert type(event) is UnknownEvent and event.event_type == event_type


def test_missing_event_type() -> None:
    event = parse_event({"id": 3, "content": "x"})
    assert type(event) is UnknownEvent and event.event_type == -1 and event.content == "x"


FRAME_ROOMS = st.dictionaries(
    st.integers(min_value=1, max_value=10**9),
    st.tuples(
        st.none() | st.integers(min_value=0, max_value=10**12),
        st.none() | st.integers(min_value=0, max_value=100),
        st.none() | st.lists(st.sampled_from(sorted(SAMPLES)) | st.integers(100, 200), max_size=5),
    ),
    max_size=5,
)


@settings(max_examples=200, deadline=None)
@given(rooms=FRAME_ROOMS)
def test_frames_with_several_rooms(rooms: dict[int, tuple]) -> None:
    payload: dict[str, Any] = {}
    for room_id, (t, d, types) in rooms.items():
        entry: dict[str, Any] = {}
        if t is not None:
            entry["t"] = t
        if d is not None:
            entry["d"] = d
        if types is not None:
            entry["e"] = [SAMPLES.get(n, {"event_type": n, "id": n}) for n in types]
        payload[f"r{room_id}"] = entry
    frames = parse_ws_frame(orjson.dumps(payload))
    assert [f.room_id for f in frames] == list(rooms)
    for frame, (t, d, types) in zip(frames, rooms.values(), strict=True):
        assert (frame.t, frame.d) == (t, d)
        assert [e.event_type for e in frame.events] == (types or [])


def test_heartbeat_and_cursor_only_frames() -> None:
    assert parse_ws_frame(b'{"r17":{}}') == [RoomFrame(17, None, None, [])]
    assert parse_ws_frame('{"r17":{"t":23531002,"d":3}}') == [RoomFrame(17, 23531002, 3, [])]
    assert parse_ws_frame(b"{}") == []


def test_reply_frame_keeps_order() -> None:
    frame = {"r15": {"e": [SAMPLES[18], {**SAMPLES[1], "message_id": 44402068}], "t": 9, "d": 2}}
    (room,) = parse_ws_frame(orjson.dumps(frame))
    assert [type(e) for e in room.events] == [MessageReply, MessagePosted]
    assert room.events[0].message_id == room.events[1].message_id


def test_invitation_under_the_current_room_key() -> None:
    (room,) = parse_ws_frame(orjson.dumps({"r15": {"e": [SAMPLES[17]], "t": 1, "d": 1}}))
    assert room.room_id == 15 and room.events[0].room_id == 1


def test_keys_that_are_not_rooms_are_ignored() -> None:
    frames = parse_ws_frame(b'{"x":1,"r":{},"r1a":{},"r\xc2\xb2":{},"r5":{"t":1}}')
    assert frames == [RoomFrame(5, 1, None, [])]


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"<html><body>502 Bad Gateway</body></html>",
        b"[1, 2]",
        b'"ok"',
        b'{"r1": []}',
        b'{"r1": {"e": {}}}',
        b'{"r1": {"e": [1]}}',
    ],
)
def test_malformed_frames_raise(body: bytes) -> None:
    with pytest.raises(ParseError) as info:
        parse_ws_frame(body, "wss://chat.sockets.stackexchange.com/events/1/x")
    assert info.value.url == "wss://chat.sockets.stackexchange.com/events/1/x"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<!DOCTYPE html><html><title>Oops</title></html>", "not JSON"),
        (b'{"time": 5}', "no 'events'"),
        (b'{"events": {}, "time": 5}', "not a JSON array"),
        (b'{"events": [], "time": "5"}', "'time'"),
        (b'{"events": [], "time": 5, "sync": "now"}', "'sync'"),
    ],
)
def test_malformed_events_responses_raise(body: bytes, message: str) -> None:
    url = "https://chat.stackexchange.com/chats/1/events"
    with pytest.raises(ParseError, match=message) as info:
        parse_events_response(body, url)
    assert info.value.url == url


def test_events_response_with_null_time() -> None:
    response = parse_events_response(b'{"events": [], "time": null, "sync": 1511383213}', "u")
    assert response.time is None and response.events == []
