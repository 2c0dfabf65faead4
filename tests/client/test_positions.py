"""A room's recent messages from the events endpoint, and bots' positions kept in the archive."""

from __future__ import annotations

import pytest

from chatexchange.client import AsyncClient


async def test_recent_messages_have_exact_times_and_are_archived(devserver) -> None:
    async with AsyncClient(auth=False, server_url=devserver.url) as client:
        room = await client.se.room(1)
        posted = []
        for i in range(3):
            posted.append(devserver.post("se", 1, 2, f"recent {i}"))
            devserver.advance_clock(61)
        recent = await room.recent_messages(2)
        assert [m.id for m in recent] == [p.id for p in posted[1:]]
        assert [m.time.timestamp() for m in recent] == [int(p.time) for p in posted[1:]]
        stored = await client.se.message(posted[2].id, desired_max_age=3600)
        assert stored.content_text == "recent 2"
        with pytest.raises(ValueError):
            await room.recent_messages(0)


async def test_bot_positions_move_forward_only_and_persist(devserver, db_url) -> None:
    archive = db_url  # a file, and PostgreSQL when the suite has one
    async with AsyncClient(archive, auth=False, server_url=devserver.url) as client:
        room = await client.se.room(1)
        assert await client.bot_position("echo", room) is None
        await client.advance_bot_position("echo", room, 500)
        await client.advance_bot_position("echo", room, 400)  # never backwards
        await client.advance_bot_position("other", room, 7)
        assert await client.bot_position("echo", room) == 500
    async with AsyncClient(archive, auth=False, server_url=devserver.url) as client:
        room = await client.se.room(1)
        assert await client.bot_position("echo", room) == 500
        assert await client.bot_position("other", room) == 7


async def test_an_answer_in_flight_is_kept_until_the_event_position_passes_it(
    devserver, db_url
) -> None:
    async with AsyncClient(db_url, auth=False, server_url=devserver.url) as client:
        room = await client.se.room(1)
        # no event position yet: nothing to protect (a restart would replay nothing)
        assert await client.note_bot_answering("greeter", room, 90, 1_000) is False
        await client.advance_bot_position("greeter", room, 100, events=True)
        assert await client.note_bot_answering("greeter", room, 100, 1_000) is False  # passed
        assert await client.note_bot_answering("greeter", room, 105, 1_001) is True
        await client.advance_bot_position("greeter", room, 104, events=True)  # not past it
    async with AsyncClient(db_url, auth=False, server_url=devserver.url) as client:
        room = await client.se.room(1)
        assert await client.bot_answering("greeter", room) == (105, 1_001)
        assert await client.bot_answering("other", room) is None
        await client.advance_bot_position("greeter", room, 105, events=True)
        assert await client.bot_answering("greeter", room) is None
        assert await client.bot_position("greeter", room, events=True) == 105
