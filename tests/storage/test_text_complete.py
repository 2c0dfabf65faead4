"""``messages.text_complete``: a transcript's shortened text of a long message never replaces the
full text, and archives from before the column get it (partial rows marked) when opened."""

from __future__ import annotations

from sqlalchemy import select, text, update

from chatexchange import store
from chatexchange.models import SCHEMA_VERSION, Message, database_info

from .factories import message, page

PARTIAL_HTML = (
    '<div class="partial">a long mess… <a href="/transcript/message/7">see full text</a></div>'
)
FULL_HTML = "a long message, all of it"


def _stored(engine, mid: int) -> tuple[str, str, bool]:
    with engine.connect() as conn:
        row = conn.execute(
            select(Message.content_html, Message.content_text, Message.text_complete).where(
                Message.id == mid
            )
        ).one()
    return tuple(row)


def _store_page(engine, *messages) -> None:
    store.upsert_transcript_page(engine, store.server_meta_id(engine, "se"), page(list(messages)))


def test_a_partial_text_never_replaces_a_full_one(db_engine) -> None:
    full = message(7, content_html=FULL_HTML, content_text=FULL_HTML)
    partial = message(7, content_html=PARTIAL_HTML, content_text="a long mess… see full text",
                      partial=True)  # fmt: skip
    _store_page(db_engine, full)
    _store_page(db_engine, partial)
    assert _stored(db_engine, 7) == (FULL_HTML, FULL_HTML, True)


def test_a_full_text_replaces_a_partial_one(db_engine) -> None:
    partial = message(8, content_html=PARTIAL_HTML, content_text="short", partial=True)
    _store_page(db_engine, partial)
    assert _stored(db_engine, 8) == (PARTIAL_HTML, "short", False)
    _store_page(db_engine, message(8, content_html=PARTIAL_HTML + " ", content_text="shorter",
                                   partial=True))  # fmt: skip
    assert _stored(db_engine, 8) == (PARTIAL_HTML + " ", "shorter", False)
    _store_page(db_engine, message(8, content_html=FULL_HTML, content_text=FULL_HTML))
    assert _stored(db_engine, 8) == (FULL_HTML, FULL_HTML, True)


def test_an_archive_without_the_column_is_upgraded(db_url: str) -> None:
    engine = store.open_engine(db_url)
    _store_page(
        engine,
        message(1, content_html=PARTIAL_HTML, content_text="short", partial=True),
        message(2, content_html=FULL_HTML, content_text=FULL_HTML),
    )
    with engine.begin() as conn:  # what version 2 had: no column
        conn.execute(text("ALTER TABLE messages DROP COLUMN text_complete"))
        conn.execute(text("DROP TABLE alembic_version"))  # nor migrations
        conn.execute(
            update(database_info).where(database_info.c.key == "schema_version").values(value="2")
        )
    engine.dispose()
    engine = store.open_engine(db_url)
    try:
        assert _stored(engine, 1)[2] is False
        assert _stored(engine, 2)[2] is True
        with engine.connect() as conn:
            version = conn.scalar(
                select(database_info.c.value).where(database_info.c.key == "schema_version")
            )
        assert version == str(SCHEMA_VERSION) == "3"
        _store_page(engine, message(3))  # new rows get the column's value
        assert _stored(engine, 3)[2] is True
    finally:
        engine.dispose()
