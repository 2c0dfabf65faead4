"""``room.events()`` / ``server.events()``: every chat event, typed, once, archived before yielded.

Payloads come from the devserver (the independent oracle): its own actions where it has them, and
its generic ``emit`` for the types no action produces, shaped as the protocol describes them.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import select

import chatexchange.aio as aio
from chatexchange import EventType, errors
from chatexchange import client as public
from chatexchange.client import AsyncClient, BlockingClient, UnknownEvent
from chatexchange.models import Event as EventRow

ALICE = ("alice@example.com", "alice-password")
T = EventType

#: What a record of each type is called, for the types that have their own record.
RECORD = {
    T.MESSAGE_POSTED: "MessagePosted",
    T.MESSAGE_EDITED: "MessageEdited",
    T.USER_JOINED: "UserEntered",
    T.USER_LEFT: "UserLeft",
    T.ROOM_CHANGED: "RoomNameChanged",
    T.MESSAGE_STARRED: "MessageStarred",
    T.DEBUG_MESSAGE: "DebugMessage",
    T.USER_MENTIONED: "UserMentioned",
    T.MESSAGE_FLAGGED: "MessageFlagged",
    T.MESSAGE_DELETED: "MessageDeleted",
    T.FILE_ADDED: "FileAdded",
    T.MODERATOR_FLAG: "ModeratorFlag",
    T.USER_SETTINGS_CHANGED: "UserSettingsChanged",
    T.GLOBAL_NOTIFICATION: "GlobalNotification",
    T.ACCESS_CHANGED: "AccessLevelChanged",
    T.USER_NOTIFICATION: "UserNotification",
    T.INVITATION: "Invitation",
    T.MESSAGE_REPLY: "MessageReply",
    T.MESSAGE_MOVED_OUT: "MessageMovedOut",
    T.MESSAGE_MOVED_IN: "MessageMovedIn",
    T.TIME_BREAK: "TimeBreak",
    T.FEED_TICKER: "FeedTicker",
    T.USER_SUSPENDED: "UserSuspended",
    T.USER_MERGED: "UserMerged",
    T.USER_NAME_CHANGED: "UserNameOrAvatarChanged",
}
MESSAGE_TYPES = {1, 2, 6, 8, 9, 10, 12, 18, 19, 20}


def emit_every_type(devserver: Any, message_id: int) -> list[int]:
    """One event of every protocol type, then an unknown type and a malformed one, in room 1."""
    se = devserver.server("se")
    room = se.room(1)
    sent = []
    for event_type in EventType:
        fields: dict[str, Any] = {"user_id": 2, "user_name": "Bob Builder", "content": "x"}
        if event_type in MESSAGE_TYPES:
            fields.update(message_id=message_id, parent_id=None)
        if event_type in (T.USER_JOINED, T.USER_LEFT, T.ACCESS_CHANGED, T.USER_NAME_CHANGED):
            fields["target_user_id"] = 2
        se.emit(int(event_type), room, fields)
        sent.append(int(event_type))
    se.emit(99, room, {"user_id": 2, "content": {"not": "a string"}})
    se.emit(3, room, {"user_id": "two", "user_name": 5})  # types no real server sends
    se.emit(1, room, {"user_id": 2, "user_name": "Bob Builder", "content": "still here"})
    return [*sent, 99, 3, 1]


async def _take(stream: Any, n: int) -> list[Any]:
    return [await asyncio.wait_for(aio.anext(stream), 10) for _ in range(n)]


def _archived(client: AsyncClient, event_id: int) -> bool:
    with client.sql_engine.connect() as conn:
        return conn.execute(select(EventRow.id).where(EventRow.id == event_id)).first() is not None


async def test_every_event_type_reaches_room_events_typed_and_archived(
    devserver, caplog, tmp_path
) -> None:
    caplog.set_level(logging.WARNING, "chatexchange.client.live")
    # a file archive: the test reads it on its own connection while the client writes
    db = tmp_path / "archive.db"
    async with AsyncClient(db, server_url=devserver.url, auth=ALICE) as client:
        await client.login()
        room = await client.se.room(1)
        message = devserver.post("se", 1, 2, "the message events are about")
        stream = await room.events().start()
        sent = emit_every_type(devserver, message.id)
        emit_every_type(devserver, message.id)  # an unknown type is logged once, not per event
        got = []
        for _ in range(len(sent)):
            event = await asyncio.wait_for(aio.anext(stream), 10)
            assert _archived(client, event.id)  # in the archive before it was handed out
            got.append(event)
        await stream.aclose()
    assert [e.event_type for e in got] == sent
    for event in got[: len(EventType)]:
        name = RECORD.get(event.event_type, "UnknownEvent")
        assert type(event).__name__ == name and type(event) is getattr(public, name)
        assert event.room_id == 1 and event.user_id == 2
        if event.event_type in MESSAGE_TYPES and name != "UnknownEvent":
            assert event.message_id == message.id
    unknown, malformed, last = got[-3:]
    assert isinstance(unknown, UnknownEvent) and unknown.raw["content"] == {"not": "a string"}
    assert isinstance(malformed, UnknownEvent) and malformed.event_type == T.USER_JOINED
    assert type(last).__name__ == "MessagePosted" and last.content == "still here"
    warned = [r for r in caplog.records if "unknown type 99" in r.getMessage()]
    assert len(warned) == 1


async def test_real_actions_give_their_records_across_rooms(devserver) -> None:
    se = devserver.server("se")
    alice, bob, mod, carol = (se.users[i] for i in (1, 2, 3, 4))
    sandbox, gallery = se.room(1), se.room(3)
    async with AsyncClient(server_url=devserver.url, auth=ALICE) as client:
        await client.login()
        stream = await client.se.events(rooms=[await client.se.room(1), 3]).start()
        mine = se.post(1, alice, "mine")
        theirs = se.post(1, bob, f":{mine.id} a reply")  # 18 (to alice) then 1
        se.edit(theirs.id, bob, "an edited reply")  # 2
        se.enter(sandbox, carol)  # 3
        se.leave(sandbox, carol)  # 4
        se.rename_room(sandbox, alice, None, "a new description", None)  # 5
        se.star(mine.id, mod)  # 6
        se.post(1, bob, "hi @Alice")  # 8 (to alice) and 1
        se.set_access(sandbox, alice, bob, "read-only")  # 15
        se.invite(sandbox, mod, alice, gallery)  # 17
        se.move_messages(sandbox, alice, [theirs.id], gallery)  # 19, 20 (gallery), 1 (notice)
        se.delete(mine.id, alice)  # 10
        se.rename_user(carol, "Caroline", [sandbox])  # 34
        expected = Counter([18, 1, 1, 2, 3, 4, 5, 6, 8, 1, 15, 17, 19, 20, 1, 10, 34])
        got = []
        while expected - Counter(e.event_type for e in got):  # posting also enters bob (3)
            got.append(await asyncio.wait_for(aio.anext(stream), 10))
        await stream.aclose()
    by_type = {e.event_type: e for e in got}
    assert by_type[T.MESSAGE_REPLY].parent_id == mine.id
    joined = [e.user_id for e in got if e.event_type == T.USER_JOINED]
    assert 4 in joined and set(joined) <= {2, 4}
    assert by_type[T.ACCESS_CHANGED].target_user_id == 2
    assert by_type[T.ACCESS_CHANGED].content == "Access now read-only"
    assert by_type[T.MESSAGE_MOVED_IN].room_id == 3 and by_type[T.MESSAGE_MOVED_OUT].room_id == 1
    assert by_type[T.INVITATION].room_id == 3  # the room alice is invited to
    assert by_type[T.USER_NAME_CHANGED].target_user_id == 4


async def test_filters_by_type_and_user(devserver) -> None:
    se = devserver.server("se")
    sandbox, bob, carol = se.room(1), se.users[2], se.users[4]
    async with AsyncClient(server_url=devserver.url, auth=ALICE) as client:
        await client.login()
        room = await client.se.room(1)
        joins = await room.events(T.USER_JOINED, T.USER_LEFT).start()
        carols = await room.events(user=4).start()
        se.post(1, bob, "noise")  # posting enters the room first (3, then 1)
        se.post(1, carol, "carol speaks")
        se.leave(sandbox, bob)
        got = await _take(joins, 3)
        assert [(e.event_type, e.user_id) for e in got] == [(3, 2), (3, 4), (4, 2)]
        got = await _take(carols, 2)
        assert [(e.event_type, e.user_id) for e in got] == [(3, 4), (1, 4)]
        await joins.aclose()
        await carols.aclose()
        with pytest.raises(TypeError):
            client.se.events(rooms=None)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            room.events(until=5)  # type: ignore[arg-type]


async def test_new_messages_is_a_filter_over_the_same_events(devserver) -> None:
    se = devserver.server("se")
    async with AsyncClient(server_url=devserver.url, auth=ALICE) as client:
        await client.login()
        room = await client.se.room(1)
        events = await room.events().start()
        messages = await room.new_messages().start()
        se.enter(se.room(1), se.users[4])
        mine = se.post(1, se.users[1], "mine")
        reply = se.post(1, se.users[2], f":{mine.id} answer")  # 18 then 1: one message
        got = await _take(messages, 2)
        assert [m.id for m in got] == [mine.id, reply.id]
        # carol enters, alice posts, bob enters (posting enters) and replies: 18, then 1
        assert [e.event_type for e in await _take(events, 5)] == [3, 1, 3, 18, 1]
        await events.aclose()
        await messages.aclose()


def test_blocking_client_iterates_events(devserver_thread) -> None:
    with BlockingClient(server_url=devserver_thread.url, auth=ALICE) as chat:
        chat.login()
        message = devserver_thread.post("se", 1, 2, "for the blocking client")
        stream = chat.se.room(1).events()  # started before it is handed out
        sent = devserver_thread.call(lambda d: emit_every_type(d, message.id))
        got = [next(stream) for _ in range(len(sent))]
        stream.close()
    assert [e.event_type for e in got] == sent
    assert type(got[0]).__name__ == "MessagePosted" and isinstance(got[-3], UnknownEvent)


async def test_the_message_of_an_event_is_read_from_the_archive(devserver) -> None:
    """What the docs promise: the event was archived first, so its message needs no request."""
    async with AsyncClient(server_url=devserver.url, auth=ALICE) as client:
        await client.login()
        room = await client.se.room(1)
        stream = await room.events(T.MESSAGE_POSTED).start()
        posted = devserver.post("se", 1, 2, "look me up")
        event = await asyncio.wait_for(aio.anext(stream), 10)
        await stream.aclose()
        devserver.fail(r"/transcript", status=500, times=None)  # any request would now fail
        with pytest.raises(errors.ChatExchangeError):  # a fetch fails indeed
            await room.server.message(event.message_id, desired_max_age=0, required_max_age=0)
        message = await room.server.message(event.message_id, desired_max_age=math.inf)
    assert (message.id, message.content_text) == (posted.id, "look me up")


async def test_a_shortened_message_event_arrives_and_is_archived_in_full(devserver) -> None:
    """Chat shortens long multi-line messages in events too; the stream reads the full text."""
    lines = "\n".join(f"line {n} of a long message" for n in range(40))
    async with AsyncClient(server_url=devserver.url, auth=ALICE) as client:
        await client.login()
        room = await client.se.room(1)
        posted = devserver.post("se", 1, 2, lines)
        stream = await room.events(T.MESSAGE_EDITED).start()
        shortened = "<div class='partial'>line 0 of a long message<br>line 1 of a</div>"
        fields = {"user_id": 2, "user_name": "Bob Builder", "message_id": posted.id}
        se = devserver.server("se")
        se.emit(2, se.room(1), {**fields, "content": shortened})
        event = await asyncio.wait_for(aio.anext(stream), 10)
        await stream.aclose()
        message = await room.server.message(posted.id, desired_max_age=math.inf)
    assert "line 39 of a long message" in event.content and "partial" not in event.content
    assert "line 39 of a long message" in message.content_text
