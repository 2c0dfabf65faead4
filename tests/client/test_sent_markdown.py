"""The markdown the client records for a message it sent outlives the message's live event."""

from __future__ import annotations

import datetime as dt

from chatexchange import store
from chatexchange._parser.records import MessageEdited, MessagePosted
from chatexchange._time import UTC
from chatexchange.client import _archive

T0 = dt.datetime(2026, 11, 16, 19, 50, tzinfo=UTC)


def _event(cls, etype: int, content: str, **kw):
    return cls(
        event_type=etype,
        id=900 + etype,
        time_stamp=T0,
        room_id=1,
        room_name="Sandbox",
        user_id=1,
        user_name="alice",
        raw={},
        message_id=42,
        content=content,
        **kw,
    )


def test_the_live_event_of_a_sent_message_keeps_its_markdown(db_url) -> None:
    engine = store.open_engine(db_url)
    try:
        sid = store.server_meta_id(engine, "se")
        with engine.begin() as conn:  # what AsyncClient.send records
            store.record_sent(conn, sid, 1, "Sandbox", (1, "alice"), 42, T0, "hi **all**", T0)
            sent = _archive.message(conn, sid, 42)
        assert sent is not None
        assert (sent["content_markdown"], sent["content_html"]) == ("hi **all**", None)
        # what the live feed records when the message's event arrives
        store.record_event(engine, sid, _event(MessagePosted, 1, "hi <b>all</b>"))
        with engine.connect() as conn:
            row = _archive.message(conn, sid, 42)
        assert row is not None
        assert (row["content_html"], row["content_markdown"]) == ("hi <b>all</b>", "hi **all**")
        # someone else's edit (a changed HTML) makes it unknown
        store.record_event(engine, sid, _event(MessageEdited, 2, "bye", message_edits=1))
        with engine.connect() as conn:
            row = _archive.message(conn, sid, 42)
        assert row is not None and row["content_markdown"] is None
    finally:
        engine.dispose()
