"""A room's history from the transcript: complete, in order, archived page by page, resumable."""

from __future__ import annotations

import pytest

from chatexchange import errors
from chatexchange.client import AsyncClient

ROOM = 500


@pytest.fixture
async def generated(devserver):
    devserver.configure(transcript_page_size=100)  # busy days come in hour slices
    generated = devserver.generate("se", messages=3000, seed=7, room_id=ROOM)
    expected = [m.id for m in devserver.server("se").room_messages(ROOM)]
    assert len(expected) == generated.message_count == 3000
    return expected


async def test_messages_reads_the_whole_history_in_order(devserver, generated):
    async with AsyncClient(server_url=devserver.url) as client:
        room = await client.se.room(ROOM)
        seen = [m async for m in room.messages()]
        assert [m.id for m in seen] == generated
        times = [m.time for m in seen]
        assert times == sorted(times)
        assert {m.room_id for m in seen} == {ROOM}
        assert all(m.owner_id is not None and m.name for m in seen)
        # the archive holds exactly the devserver's messages
        with client.sql_engine.connect() as conn:
            from chatexchange.client import _archive

            assert _archive.count_room_messages(conn, room.meta_id) == len(generated)


async def test_import_reports_progress_and_is_not_repeated_within_max_age(devserver, generated):
    async with AsyncClient(server_url=devserver.url) as client:
        room = await client.se.room(ROOM)
        reports = []
        stats = await room.import_history(max_age=3600, progress=reports.append)
        assert stats.messages_stored == len(generated)
        assert stats.days > 5  # thousands of messages over many days
        assert stats.pages_fetched > stats.days  # busy days were read hour slice by slice
        assert [r.day for r in reports] == sorted(r.day for r in reports)
        assert reports[-1].total_messages_stored == len(generated)
        assert sum(r.messages for r in reports) == len(generated)

        async def async_progress(report):
            reports.append(report)

        again = await room.import_history(max_age=3600, progress=async_progress)
        assert again.pages_fetched == 0 and again.days_skipped == again.days == stats.days
        assert [m.id async for m in room.messages(max_age=3600)] == generated


async def test_an_interrupted_import_resumes(devserver, generated):
    async with AsyncClient(server_url=devserver.url) as client:
        room = await client.se.room(ROOM)
        reports = []
        stats = await room.import_history(max_age=0, progress=reports.append)
        pages = {r.day: r.pages for r in reports}  # requests per day: busy days are sliced
        days = sorted(pages)
        assert days[0] == stats.first_day and max(pages.values()) > 1
        # a fresh client on a fresh archive; the server fails on the 4th day's transcript
        broken = days[3]
    async with AsyncClient(server_url=devserver.url) as client:
        room = await client.se.room(ROOM)
        devserver.fail(rf"^/se/transcript/{ROOM}/{broken.year}/{broken.month}/{broken.day}\b", 500)
        with pytest.raises(errors.ServerError):
            await room.import_history(max_age=3600)
        resumed = await room.import_history(max_age=3600)
        # not fetched again: the three days before the failure, and the latest day when it is one
        # page (it was read first, to learn where the transcript starts)
        latest_done = pages[days[-1]] == 1
        assert resumed.days_skipped == 3 + latest_done
        assert resumed.pages_fetched == sum(pages[d] for d in days[3:]) - latest_done
        assert [m.id async for m in room.messages(max_age=3600)] == generated


async def test_since_and_until_by_time_and_by_message_id(devserver, generated):
    async with AsyncClient(server_url=devserver.url) as client:
        room = await client.se.room(ROOM)
        everything = [m async for m in room.messages()]
        a, b = everything[1000], everything[2000]
        by_id = [m.id async for m in room.messages(since=a.id, until=b.id, max_age=3600)]
        assert by_id == generated[1000:2000]
        by_time = [m async for m in room.messages(since=a.time, until=b.time, max_age=3600)]
        assert by_time and all(a.time <= m.time < b.time for m in by_time)
        expected = [m.id for m in everything if a.time <= m.time < b.time]
        assert [m.id for m in by_time] == expected
        with pytest.raises(ValueError):
            [m async for m in room.messages(since=a.time.replace(tzinfo=None))]
        with pytest.raises(TypeError):
            [m async for m in room.messages(since="yesterday")]
