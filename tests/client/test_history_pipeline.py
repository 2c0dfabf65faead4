"""The history import overlaps the network with the database: the next day's page is requested
while the previous day's pages are written, and every page is still its own transaction."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

from chatexchange._transport import ServerConnection
from chatexchange.client import AsyncClient, _history

ROOM = 501


async def test_the_next_day_is_requested_while_a_day_is_written(devserver, monkeypatch):
    devserver.generate("se", messages=1200, seed=5, room_id=ROOM, per_day=200)
    stamps = [m.time for m in devserver.server("se").room_messages(ROOM)]
    latest = datetime.fromtimestamp(max(stamps), timezone.utc).date()  # stored first, not walked
    requested: dict[object, threading.Event] = {}
    overlapped: list[bool] = []
    transcript = ServerConnection.transcript

    async def recording(self, room_id, date=None, hours=None):
        if date is not None and hours is None:
            requested.setdefault(date, threading.Event()).set()
        return await transcript(self, room_id, date, hours)

    store = _history._stored_count

    def waiting_store(engine, server_meta_id, page, fetched):
        # On the database thread: the walk has already asked for the next day (it does not wait
        # for this write to finish). Without the overlap this waits in vain.
        if page.next_day is not None and page.next_day != latest:
            seen = requested.setdefault(page.next_day, threading.Event()).wait(10)
            overlapped.append(seen)
        return store(engine, server_meta_id, page, fetched)

    monkeypatch.setattr(ServerConnection, "transcript", recording)
    monkeypatch.setattr(_history, "_stored_count", waiting_store)
    async with AsyncClient(server_url=devserver.url) as client:
        room = await client.se.room(ROOM)
        reports = []
        stats = await room.import_history(progress=reports.append)
        assert stats.messages_stored == 1200
        assert len(overlapped) >= 4 and all(overlapped)
        # each day is reported once its pages are committed, in order
        assert [r.day for r in reports] == sorted({r.day for r in reports})
        assert reports[-1].total_messages_stored == 1200
        ids = [m.id async for m in room.messages(max_age=3600)]
        assert ids == [m.id for m in devserver.server("se").room_messages(ROOM)]
