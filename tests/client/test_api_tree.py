"""The rest of the seed README's API tree, against the devserver: listings (``rooms()``,
``favorite_rooms()``), a user's streams, and what can be done to a message (``star``, ``pin``,
``delete``, ``parent``, ``new_replies``, ``ping``).

Live streams are started (subscribed) before anything is posted, and every wait has a timeout.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

import chatexchange.aio as aio
from chatexchange import errors, models
from chatexchange.client import AsyncClient

ALICE = ("alice@example.com", "alice-password")
BOB = 2


async def _next(stream):
    return await asyncio.wait_for(aio.anext(stream), 10)


@pytest.fixture
async def alice(devserver):
    async with AsyncClient(server_url=devserver.url, auth=ALICE) as client:
        yield client


# -- Server -----------------------------------------------------------------------------------


def _busy_rooms(devserver, count: int) -> None:
    """``count`` more public rooms on se, each with one message at a distinct time."""
    now = devserver.now()
    for n in range(count):
        room = devserver.add_room("se", None, f"Room {n}")
        devserver.add_message("se", room.id, 1 + n % 3, f"in room {n}", now - 7 * 3600 + n * 60)


def _by_activity(devserver, viewer=None) -> list[int]:
    """The devserver's own order of the rooms a viewer may read, most recently active first."""
    server = devserver.server("se")

    def last(room):
        messages = server.room_messages(room.id)
        return messages[-1].time if messages else room.created

    rooms = [r for r in server.rooms.values() if not r.deleted and server.can_read(r, viewer)]
    return [r.id for r in sorted(rooms, key=lambda r: -last(r))]


async def test_rooms_pages_through_every_room_most_recently_active_first(devserver):
    _busy_rooms(devserver, 45)  # the rooms list shows 20 per page: three pages
    expected = _by_activity(devserver)
    async with AsyncClient(server_url=devserver.url) as client:
        rooms = [room async for room in client.se.rooms()]
        assert [r.id for r in rooms] == expected and len(expected) > 40
        assert [r.id async for r in client.se.rooms(max_pages=1)] == expected[:20]
        # archived as stubs with what the list shows
        room = next(r for r in rooms if r.name == "Room 7")
        assert room.meta_slug and room.last_activity is not None


async def test_rooms_lists_each_room_once_when_activity_reorders_the_pages(devserver):
    _busy_rooms(devserver, 25)
    async with AsyncClient(server_url=devserver.url) as client:
        listing = client.se.rooms()
        first_page = [await aio.anext(listing) for _ in range(20)]
        # a room on page 2 becomes the most active: page 1's last room slides onto page 2
        order = _by_activity(devserver)
        moved = next(rid for rid in order[20:] if not devserver.room("se", rid).frozen)
        assert devserver.post("se", moved, 2, "wake up") is not None
        rest = [r async for r in listing]
        ids = [r.id for r in first_page + rest]
        assert len(ids) == len(set(ids))


async def test_favorite_rooms_are_the_logged_in_users(devserver, alice):
    _busy_rooms(devserver, 3)
    for room_id in (3, 4, 6):  # Gallery and two of the new rooms
        devserver.room("se", room_id).favorites.add(1)
    favorites = [r.id async for r in alice.se.favorite_rooms()]
    expected = [rid for rid in _by_activity(devserver) if rid in (1, 3, 4, 6)]
    assert favorites == expected and len(favorites) == 4
    async with AsyncClient(server_url=devserver.url) as anonymous:
        with pytest.raises(errors.AuthRequiredError):
            await aio.anext(anonymous.se.favorite_rooms())


async def test_servers_sessions_and_me(devserver, alice):
    assert alice.server("chat.stackexchange.com") is alice.se
    assert [alice.se.slug, alice.so.slug, alice.mse.slug] == ["se", "so", "mse"]
    with pytest.raises(errors.NotFoundError):
        alice.server("chat.example.com")
    me = await alice.so.me()
    assert (me.id, me.name) == (1001, "Alice") and me.server is alice.so
    room = await alice.se.room(1)
    with alice.sql_session() as session:
        row = session.get(models.Room, room.meta_id)
        assert (row.id, row.name) == (1, "Sandbox")
        slugs = session.scalars(select(models.Server.slug).order_by(models.Server.meta_id))
        assert slugs.all() == ["se", "so", "mse"]


# -- User ---------------------------------------------------------------------------------------


async def test_user_new_messages_watch_the_rooms_they_posted_in(devserver, alice):
    room = await alice.se.room(1)
    [m async for m in room.messages()]  # the archive now knows bob posts in room 1
    bob = await alice.se.user(BOB)
    stream = await bob.new_messages().start()
    devserver.post("se", 1, 3, "not bob")
    devserver.post("se", 1, BOB, "bob, live")
    message = await _next(stream)
    assert (message.owner_id, message.content_text, message.room_id) == (BOB, "bob, live", 1)
    await stream.aclose()
    # rooms= says where to watch; without rooms nobody knows where a silent user talks
    devserver.add_room("se", 40, "Elsewhere")
    stream = await bob.new_messages(rooms=[40]).start()
    devserver.post("se", 40, BOB, "bob elsewhere")
    assert (await _next(stream)).room_id == 40
    await stream.aclose()
    carol = await alice.se.user(4)
    with pytest.raises(ValueError, match="rooms="):
        await carol.new_messages().start()


async def test_user_all_messages_are_archived_ones_then_new_ones(devserver, alice):
    room = await alice.se.room(1)
    [m async for m in room.messages()]
    bob = await alice.se.user(BOB)
    archived = [m.id async for m in bob.messages()]
    assert archived and all(m.user_id == BOB for m in map(devserver.server("se").message, archived))
    stream = await bob.all_messages().start()
    seen = [(await _next(stream)).id for _ in archived]
    assert seen == archived
    devserver.post("se", 1, BOB, "and one more")
    assert (await _next(stream)).content_text == "and one more"
    await stream.aclose()


# -- Room and Message ---------------------------------------------------------------------------


async def test_room_all_messages_reads_the_transcript_then_live(devserver, alice):
    room = await alice.se.room(1)
    history = [m.id for m in devserver.server("se").room_messages(1)]
    stream = await room.all_messages().start()
    assert [(await _next(stream)).id for _ in history] == history
    devserver.post("se", 1, BOB, "new in the room")
    assert (await _next(stream)).content_text == "new in the room"
    await stream.aclose()


async def test_star_pin_and_delete(devserver, alice):
    theirs = devserver.post("se", 1, BOB, "star me")
    message = await alice.se.message(theirs.id)
    assert (message.stars, message.pinned) == (0, False)
    await message.star()
    assert devserver.server("se").message(theirs.id).stars == {1}
    # the archived row went stale with our action: the next lookup sees the star
    assert (await alice.se.message(theirs.id)).stars == 1
    await message.pin()  # alice owns the Sandbox
    assert devserver.server("se").message(theirs.id).pinners == {1}
    assert (await alice.se.message(theirs.id)).pinned is True

    mine = await (await alice.se.room(1)).send("delete me")
    await mine.delete()
    assert devserver.server("se").message(mine.id).deleted
    gone = await alice.se.message(mine.id, desired_max_age=3600)
    assert gone.deleted and gone.meta_deleted is not None


async def test_replies_parent_and_ping(devserver, alice):
    room = await alice.se.room(1)
    hello = await room.send("who is there?")
    stream = await hello.new_replies().start()
    devserver.post("se", 1, BOB, "not a reply")
    devserver.post("se", 1, BOB, f":{hello.id} me")
    reply = await _next(stream)
    assert (reply.parent_id, reply.owner_id) == (hello.id, BOB)
    assert reply.content_text.endswith(" me")
    await stream.aclose()
    parent = await reply.parent()
    assert parent.id == hello.id and await hello.parent() is None
    assert [r.id async for r in hello.replies()] == [reply.id]
    assert [r.id async for r in hello.replies(since=reply.id + 1)] == []

    bob = await alice.se.user(BOB)
    ping = await room.ping(bob, "look")
    assert devserver.server("se").message(ping.id).source == "@BobBuilder look"
    assert (await room.ping(BOB, "too")).content_markdown == "@BobBuilder too"
