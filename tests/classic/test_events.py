"""``chatexchange.events.make()`` for every event type the chat server sends, with the payload
shapes of real events, and for the real events capture. No network: a classic Client that never
logs in only hands out objects."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import chatexchange
import chatexchange.client
import chatexchange.events as events
from chatexchange import _parser

CAPTURE = Path(__file__).parents[1] / "fixtures" / "se-chat" / "events-se-11540-messages.json"

ROOM = {"room_id": 1, "room_name": "Sandbox"}
USER = {"user_id": 2, "user_name": "Bob Builder"}
MESSAGE = {"message_id": 900, "content": "hello <b>world</b>"}

#: type id -> (classic class name, payload fields beyond event_type/time_stamp/id)
SPEC = {
    1: ("MessagePosted", {**ROOM, **USER, **MESSAGE, "parent_id": 899, "show_parent": False}),
    2: ("MessageEdited", {**ROOM, **USER, **MESSAGE, "message_edits": 2}),
    3: ("UserEntered", {**ROOM, **USER, "target_user_id": 2}),
    4: ("UserLeft", {**ROOM, **USER, "target_user_id": 2}),
    5: ("RoomNameChanged", {**ROOM, **USER, "content": "Sandbox / new description"}),
    6: ("MessageStarred", {**ROOM, **MESSAGE, "message_stars": 3, "message_owner_stars": 1}),
    7: ("InternalEvent7", {**ROOM}),
    8: ("UserMentioned", {**ROOM, **USER, **MESSAGE, "target_user_id": 1, "parent_id": 899}),
    9: ("MessageFlagged", {**ROOM, **MESSAGE, "message_flags": 1}),
    10: ("MessageDeleted", {**ROOM, **USER, "message_id": 900, "message_edits": 1}),
    11: ("FileAdded", {**ROOM}),
    12: ("MessageFlaggedForModerator", {**ROOM}),
    13: ("UserSettingsChanged", {**USER}),
    14: ("GlobalNotification", {"content": "maintenance tonight"}),
    15: (
        "AccessLevelChanged",
        {**ROOM, **USER, "target_user_id": 4, "content": "Access now read-only"},
    ),
    16: ("UserNotification", {**USER, "target_user_id": 1, "content": "Bob has requested access"}),
    17: ("Invitation", {**ROOM, **USER, "target_user_id": 1, "content": "Bob has invited you"}),
    18: (
        "MessageReply",
        {**ROOM, **USER, **MESSAGE, "parent_id": 899, "show_parent": True, "target_user_id": 1},
    ),
    19: ("MessageMovedOut", {**ROOM, **USER, **MESSAGE, "moved": True}),
    20: ("MessageMovedIn", {"room_id": 7, "room_name": "Trash", **USER, **MESSAGE, "moved": True}),
    21: ("TimeBreak", {**ROOM}),
    22: ("FeedTicker", {**ROOM, "content": "news"}),
    29: ("UserSuspended", {**ROOM, **USER, "content": '4 {"new": 1}'}),
    30: ("UserMerged", {**USER}),
    34: (
        "UserNameOrAvatarChanged",
        {**ROOM, "user_id": -2, "user_name": "Feeds", "target_user_id": 4},
    ),
    35: ("InternalEvent35", {**ROOM}),
}
SPEC.update({n: (f"InternalEvent{n}", {**ROOM}) for n in (23, 24, 25, 26, 27, 28, 31, 32, 33)})


@pytest.fixture
def client():
    client = chatexchange.client.Client("stackexchange.com")
    yield client
    client.close()


def payload(type_id: int) -> dict:
    base = {"event_type": type_id, "time_stamp": 1700000000, "id": 5000 + type_id}
    return {**base, **SPEC[type_id][1]}


def test_every_type_is_registered():
    assert sorted(events.types) == list(range(1, 36))
    assert sorted(SPEC) == list(range(1, 36))
    for type_id, (name, _) in SPEC.items():
        assert events.types[type_id].__name__ == name
        assert events.types[type_id].type_id == type_id


@pytest.mark.parametrize("type_id", sorted(SPEC))
def test_make_builds_the_class_with_its_attributes(client, type_id):
    data = payload(type_id)
    event = events.make(data, client)
    assert type(event) is events.types[type_id]
    assert isinstance(event, events.Event)
    assert event.data is data and event.client is client
    assert event.type_id == type_id and event.id == 5000 + type_id
    assert event.time_stamp == 1700000000
    if "room_id" in data:
        assert event.room is client.get_room(data["room_id"])
        assert event.room.name == data["room_name"]
    else:
        assert event.room is None
    if "user_id" in data:
        assert event.user is client.get_user(data["user_id"])
        assert event.user.name == data["user_name"]
    else:
        assert event.user is None
    assert event.target_user_id == data.get("target_user_id")
    if isinstance(event, events.MessageEvent):
        message = event.message
        assert message is client.get_message(900)
        assert event.content == data.get("content")
        assert message.content == data.get("content")
        assert message.deleted is (data.get("content") is None)
        assert event.parent_message_id == data.get("parent_id")
        assert event.show_parent == data.get("show_parent", False)
        assert message.edits == data.get("message_edits", 0)
        assert message.stars == data.get("message_stars", 0)
        assert message.pinned is (data.get("message_owner_stars", 0) > 0)
        if data.get("parent_id") is not None:
            assert message.parent is client.get_message(data["parent_id"])
        if type_id == 19:
            assert not events.messages.Message.room.values.get(message)  # moved out: room kept
        else:
            assert message.room is event.room
    repr(event)


def test_message_posted_sets_owner_and_time(client):
    event = events.make(payload(1), client)
    assert event.message.owner is event.user
    assert event.message.time_stamp == 1700000000
    assert event.message.text_content == "hello world"


def test_later_events_update_the_shared_message(client):
    posted = events.make(payload(1), client)
    deleted = events.make(payload(10), client)
    assert posted.message is deleted.message
    assert posted.message.deleted is True and posted.message.content is None


def test_compatibility_aliases():
    assert events.ModeratorFlag is events.MessageFlaggedForModerator
    assert events.AccountLevelChanged is events.AccessLevelChanged
    assert events.MessagedMovedIn is events.MessageMovedIn
    assert chatexchange.events is events


def test_register_type_refuses_duplicates():
    class Again(events.Event):
        type_id = 1

    with pytest.raises(ValueError):
        events.register_type(Again)


def test_wrong_type_for_class(client):
    with pytest.raises(ValueError):
        events.MessagePosted(payload(2), client)


def test_unknown_type_is_a_plain_event(client):
    event = events.make({"event_type": 99, "time_stamp": 1, "id": 1}, client)
    assert type(event) is events.Event and event.type_id == 99


def test_real_capture_and_parser_records(client):
    raw = json.loads(CAPTURE.read_text())["events"]
    made = [events.make(item, client) for item in raw]
    assert made and all(isinstance(e, events.MessagePosted) for e in made)
    assert {e.user.name for e in made} >= {"SmokeDetector"}
    assert made[0].message.content.startswith("tpu- by suraj")
    # a parser record is read through its raw object
    record = _parser.parse_events_response(CAPTURE.read_bytes()).events[1]
    event = events.make(record, client)
    assert event.data is record.raw and event.message.id == record.message_id
