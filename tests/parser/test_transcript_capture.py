"""The real chat.SE transcript capture against every known fact of its README."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

import pytest

from chatexchange._parser import HourSlice, TranscriptPage, parse_transcript
from chatexchange._time import UTC

from .conftest import TRANSCRIPT_URL


@pytest.fixture(scope="module")
def page(transcript_html: bytes) -> TranscriptPage:
    return parse_transcript(transcript_html, TRANSCRIPT_URL)


def test_room_and_date(page: TranscriptPage) -> None:
    assert page.url == TRANSCRIPT_URL
    assert page.room_id == 11540
    assert page.room_name == "Charcoal HQ"
    assert page.date == date(2017, 11, 17)
    assert (page.start_hour, page.end_hour) == (1, 2)
    assert page.viewer_id == 1251


def test_day_navigation(page: TranscriptPage) -> None:
    assert page.first_day == date(2013, 11, 16)
    assert page.previous_day == date(2017, 11, 16)
    assert page.next_day == date(2017, 11, 18)
    assert page.last_day == date(2017, 11, 22)


def test_hour_pager(page: TranscriptPage) -> None:
    assert page.hours == (
        HourSlice(0, 1, False),
        HourSlice(1, 2, True),
        HourSlice(2, 13, False),
        HourSlice(13, 24, False),
    )


def test_counts(page: TranscriptPage) -> None:
    messages = page.messages
    assert len(messages) == 61
    assert sum(m.parent_id is not None for m in messages) == 18
    assert [m.id for m in messages if m.edits] == [41198635]
    assert [m.id for m in messages if m.deleted] == [41198629, 41198776]
    assert [(m.id, m.onebox) for m in messages if m.onebox] == [(41197805, "image")]
    assert all(m.stars == 0 and not m.pinned and not m.starred for m in messages)
    assert all(m.room_id == 11540 for m in messages)


def test_first_and_last(page: TranscriptPage) -> None:
    first, last = page.messages[0], page.messages[-1]
    assert (first.id, first.owner_id, first.owner_name, first.parent_id) == (
        41197805,
        205533,
        "Videonauth",
        None,
    )
    assert last.id == 41198893


def test_messages_per_author(page: TranscriptPage) -> None:
    counts = Counter((m.owner_id, m.owner_name) for m in page.messages)
    assert counts == {
        (205533, "Videonauth"): 17,
        (120914, "SmokeDetector"): 17,
        (155243, "Nisse Engström"): 14,
        (137388, "QPaysTaxes"): 12,
        (167070, "quartata"): 1,
    }


def test_document_order_is_kept(page: TranscriptPage) -> None:
    ids = [m.id for m in page.messages]
    i = ids.index(41198876)
    assert ids[i : i + 4] == [41198876, 41198880, 41198879, 41198882]
    assert ids != sorted(ids)


def test_shown_times(page: TranscriptPage) -> None:
    shown = [m.time.strftime("%H:%M") for m in page.messages if m.time_shown]
    assert shown == ["01:00", "01:15", "01:28", "01:45", "01:54", "01:58", "01:59"]


def test_inferred_times(page: TranscriptPage) -> None:
    """Every message has an aware UTC time in the slice, non-decreasing in document order."""
    times = [m.time for m in page.messages]
    assert all(t.tzinfo is UTC for t in times)
    start = datetime(2017, 11, 17, 1, tzinfo=UTC)
    assert all(start <= t < start + timedelta(hours=1) for t in times)
    assert times == sorted(times)
    by_id = {m.id: m for m in page.messages}
    # The second message of the first monologue inherits 1:00; the reply before the 1:15
    # monologue too; the last message inherits its monologue's 1:59.
    assert by_id[41197807].time == start
    assert not by_id[41197807].time_shown
    assert by_id[41198028].time == start
    assert by_id[41198159].time == start.replace(minute=15)
    assert by_id[41198893].time == start.replace(minute=59)


def test_content(page: TranscriptPage) -> None:
    by_id = {m.id: m for m in page.messages}
    assert by_id[41197807].content_text == "and this :)"
    assert by_id[41197807].content_html == "and this :)"
    onebox = by_id[41197805]
    assert onebox.content_html.startswith('<div class="onebox ob-image">')
    assert 'src="//i.stack.imgur.com/mdGKA.jpg"' in onebox.content_html
    ci = by_id[41197915]
    assert "<code>afbbeba</code>" in ci.content_html
    assert "Message contains 'autopull', pulling..." in ci.content_text
    assert by_id[41198240].content_text.startswith("[ SmokeDetector | MS ] Blacklisted user: ¿Cómo")
    deleted = by_id[41198629]
    assert deleted.deleted and deleted.content_html == "" and deleted.content_text == ""


def test_reply_parents(page: TranscriptPage) -> None:
    by_id = {m.id: m for m in page.messages}
    assert by_id[41198889].parent_id == 41198879
    assert by_id[41198893].parent_id == 41198882
    assert by_id[41198884].parent_id == 41198876


def test_str_body_gives_the_same_page(transcript_html: bytes, page: TranscriptPage) -> None:
    assert parse_transcript(transcript_html.decode("utf-8"), TRANSCRIPT_URL) == page
