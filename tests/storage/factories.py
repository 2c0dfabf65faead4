"""Parser records built directly, so storage tests do not depend on page parsing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from chatexchange._parser.records import TranscriptMessage, TranscriptPage
from chatexchange._time import UTC

DAY = dt.date(2020, 3, 30)


def message(mid: int, **overrides: Any) -> TranscriptMessage:
    values: dict[str, Any] = {
        "id": mid,
        "room_id": 1,
        "owner_id": 100 + mid % 5,
        "owner_name": f"user{100 + mid % 5}",
        "content_html": f"message <b>{mid}</b>",
        "content_text": f"message {mid}",
        "parent_id": None,
        "edits": 0,
        "deleted": False,
        "stars": 0,
        "pinned": False,
        "onebox": None,
        "time": dt.datetime(2020, 3, 30, 12, mid % 60, tzinfo=UTC),
    }
    values.update(overrides)
    return TranscriptMessage(**values)


def page(messages: list[TranscriptMessage], **overrides: Any) -> TranscriptPage:
    values: dict[str, Any] = {
        "url": "https://chat.stackexchange.com/transcript/1/2020/3/30/0-24",
        "room_id": 1,
        "room_name": "Sandbox",
        "date": DAY,
        "first_day": dt.date(2013, 1, 1),
        "previous_day": dt.date(2020, 3, 29),
        "next_day": None,
        "last_day": None,
        "hours": (),
        "messages": messages,
    }
    values.update(overrides)
    return TranscriptPage(**values)
