"""The history import overlaps the network, the parser and the database: the next day's page is
requested as soon as the parser has read its link (while the page's messages are still being
parsed) and while the previous day's pages are written; every page is still its own transaction."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from chatexchange import _parser
from chatexchange._transport import ServerConnection
from chatexchange.client import AsyncClient, _history

ROOM = 501


def _record_requests(monkeypatch) -> dict[object, threading.Event]:
    """Day -> an Event set once that day's page is requested (any thread may wait on it)."""
    requested: dict[object, threading.Event] = {}
    transcript_response = ServerConnection.transcript_response

    async def recording(self, room_id, date=None, hours=None):
        if date is not None and hours is None:
            requested.setdefault(date, threading.Event()).set()
        return await transcript_response(self, room_id, date, hours)

    monkeypatch.setattr(ServerConnection, "transcript_response", recording)
    return requested


def _latest_day(devserver):
    stamps = [m.time for m in devserver.server("se").room_messages(ROOM)]
    return datetime.fromtimestamp(max(stamps), UTC).date()  # stored first, not walked


async def _import_all(devserver) -> None:
    async with AsyncClient(server_url=devserver.url) as client:
        room = await client.se.room(ROOM)
        reports = []
        stats = await room.import_history(progress=reports.append)
        assert stats.messages_stored == 1200
        # each day is reported once its pages are committed, in order
        assert [r.day for r in reports] == sorted({r.day for r in reports})
        assert reports[-1].total_messages_stored == 1200
        ids = [m.id async for m in room.messages(max_age=3600)]
        assert ids == [m.id for m in devserver.server("se").room_messages(ROOM)]


async def test_the_next_day_is_requested_while_a_day_is_written(devserver, monkeypatch):
    devserver.generate("se", messages=1200, seed=5, room_id=ROOM, per_day=200)
    latest = _latest_day(devserver)
    requested = _record_requests(monkeypatch)
    overlapped: list[bool] = []
    store = _history._stored_count

    def waiting_store(engine, server_meta_id, page, fetched):
        # On the database thread: the walk has already asked for the next day (it does not wait
        # for this write to finish). Without the overlap this waits in vain.
        if page.next_day is not None and page.next_day != latest:
            seen = requested.setdefault(page.next_day, threading.Event()).wait(10)
            overlapped.append(seen)
        return store(engine, server_meta_id, page, fetched)

    monkeypatch.setattr(_history, "_stored_count", waiting_store)
    await _import_all(devserver)
    assert len(overlapped) >= 4 and all(overlapped)


async def test_the_next_day_is_requested_while_a_page_is_parsed(devserver, monkeypatch):
    devserver.generate("se", messages=1200, seed=5, room_id=ROOM, per_day=200)
    latest = _latest_day(devserver)
    requested = _record_requests(monkeypatch)
    overlapped: list[bool] = []
    page = _parser.TranscriptReader.page

    def messages_read(reader):
        # The parser has read the page's links and starts on its messages: the request for the
        # next day is already out. Without the overlap it is made only after this returns.
        if reader.next_day is not None and reader.next_day != latest:
            overlapped.append(requested.get(reader.next_day, threading.Event()).is_set())
        return page(reader)

    monkeypatch.setattr(_parser.TranscriptReader, "page", messages_read)
    await _import_all(devserver)
    assert len(overlapped) >= 4 and all(overlapped)
