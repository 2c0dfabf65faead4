"""Long multi-line messages: transcripts show them shortened (``.partial``); the archive and every
reader get the full text, and the archive says when it could only keep the shortened one."""

from __future__ import annotations

import pytest
from lxml import html as lxml_html
from sqlalchemy import select

from chatexchange.client import AsyncClient
from chatexchange.models import Message

ROOM = 61
LINES = [f"line {k}: " + " ".join(["word"] * 12) for k in range(30)]
LONG = "\n".join(LINES)


@pytest.fixture
def long_message(devserver):
    devserver.add_room("se", ROOM, "Long Texts", owners={1})
    now = devserver.server("se").clock.now()
    devserver.add_message("se", ROOM, 1, "short one", now - 120)
    return devserver.add_message("se", ROOM, 2, LONG, now - 60)


async def _stored(client, message_id: int) -> tuple[str, bool]:
    with client.sql_engine.connect() as conn:
        row = conn.execute(
            select(Message.content_text, Message.text_complete).where(Message.id == message_id)
        ).one()
    return row[0], row[1]


async def test_the_transcript_shows_it_shortened(devserver, long_message) -> None:
    async with AsyncClient(server_url=devserver.url) as client:
        connection = await client._reader("se")
        body = await connection.get_page(f"/transcript/{ROOM}")
    root = lxml_html.fromstring(body)
    (content,) = root.xpath(f"//div[@id='message-{long_message.id}']/div[@class='content']")
    (partial,) = content.xpath("./div[@class='partial']")
    shown = partial.text_content()
    assert shown and shown in LONG.replace("\n", "") and len(shown) < len(LONG) // 2
    (more,) = content.xpath("./a[@class='more-data']/@href")
    assert more == f"/messages/{ROOM}/{long_message.id}"


async def test_readers_and_the_archive_get_the_full_text(devserver, long_message) -> None:
    async with AsyncClient(server_url=devserver.url) as client:
        room = await client.se.room(ROOM)
        texts = {m.id: m.text async for m in room.messages()}
        assert texts[long_message.id] == LONG
        assert await _stored(client, long_message.id) == (LONG, True)


async def test_when_the_full_text_is_unavailable_the_archive_says_so(devserver, long_message):
    devserver.fail(rf"/message/{long_message.id}$", status=404, times=None)
    async with AsyncClient(server_url=devserver.url) as client:
        room = await client.se.room(ROOM)
        await room.import_history(max_age=0)
        text, complete = await _stored(client, long_message.id)
        assert not complete and LINES[0].strip() in text and LINES[-1] not in text
        devserver.clear_failures()
        await room.import_history(max_age=0)
        assert await _stored(client, long_message.id) == (LONG, True)
        # a later shortened page never replaces the full text
        devserver.fail(rf"/message/{long_message.id}$", status=404, times=None)
        await room.import_history(max_age=0)
        assert await _stored(client, long_message.id) == (LONG, True)


async def test_an_event_with_the_shortened_content_gets_the_full_one(devserver, long_message):
    from chatexchange._parser import parse_event

    shortened = "<div class='partial'>line 0: word</div>"
    raw = {"event_type": 1, "message_id": long_message.id, "content": shortened, "room_id": ROOM}
    async with AsyncClient(server_url=devserver.url) as client:
        connection = await client._reader("se")
        full = await connection.full_event(parse_event(raw))
        assert full.content == long_message.html and full.message_id == long_message.id
        plain = parse_event({**raw, "content": "short and whole"})
        assert await connection.full_event(plain) is plain
        devserver.fail(rf"/message/{long_message.id}$", status=404, times=None)
        kept = parse_event(raw)
        assert await connection.full_event(kept) is kept, "a failed read keeps the event"
