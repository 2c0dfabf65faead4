"""The real ``/chats/11540/events`` capture against every known fact of its README."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from itertools import pairwise

import orjson
import pytest

from chatexchange._parser import EventsResponse, MessagePosted, parse_events_response
from chatexchange._time import UTC

from .conftest import EVENTS_URL


@pytest.fixture(scope="module")
def response(events_json: bytes) -> EventsResponse:
    return parse_events_response(events_json, EVENTS_URL)


def test_envelope(response: EventsResponse) -> None:
    assert len(response.events) == 100
    assert response.time == 81818807
    assert response.sync == datetime.fromtimestamp(1511383213, UTC)
    assert response.ms == 1


def test_all_message_posted_without_id_or_room_name(response: EventsResponse) -> None:
    assert all(type(e) is MessagePosted for e in response.events)
    assert all(e.event_type == 1 and e.id is None and e.room_name is None for e in response.events)
    assert all(e.room_id == 11540 for e in response.events)
    ids = [e.message_id for e in response.events]
    assert ids[0] == 41294188 and ids[-1] == 41302406
    assert all(a < b for a, b in pairwise(ids))


def test_replies(response: EventsResponse) -> None:
    explicit = [e for e in response.events if e.parent_id is not None and e.show_parent]
    implicit = [e for e in response.events if e.parent_id is not None and not e.show_parent]
    assert (len(explicit), len(implicit)) == (18, 2)


def test_deleted_edited_starred(response: EventsResponse) -> None:
    events = response.events
    assert [e.message_id for e in events if e.content is None] == [41300249, 41301455]
    assert sum(e.message_edits > 0 for e in events) == 3
    assert {e.message_id: e.message_stars for e in events if e.message_stars} == {
        41302187: 1,
        41302326: 3,
    }
    assert all(e.message_owner_stars == 0 for e in events)


def test_users(response: EventsResponse) -> None:
    users = Counter(e.user_name for e in response.events)
    assert len({e.user_id for e in response.events}) == 11
    assert users["SmokeDetector"] == 48 and users["Undo"] == 17


def test_content_keeps_html(response: EventsResponse) -> None:
    contents = [e.content for e in response.events if e.content]
    assert any("&#39;" in c for c in contents)
    assert any("&#91;" in c for c in contents)
    assert any("&lt;/a&gt;" in c for c in contents)
    assert any("<code>" in c for c in contents)
    assert any('href="//' in c for c in contents)


def test_times_and_raw(response: EventsResponse, events_json: bytes) -> None:
    decoded = orjson.loads(events_json)["events"]
    for event, raw in zip(response.events, decoded, strict=True):
        assert event.time_stamp == datetime.fromtimestamp(raw["time_stamp"], UTC)
        assert event.raw == raw
