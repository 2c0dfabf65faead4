"""The full-text index: kept up to date by the database as messages are stored, edited and removed,
built for an archive that predates it, and searched with the same query language on SQLite (FTS5)
and PostgreSQL (GIN on to_tsvector)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import delete, text, update

from chatexchange import store
from chatexchange._time import UTC
from chatexchange.models import Message
from chatexchange.store import fulltext as _search

from .factories import message

TEXTS = {
    1: "the websocket keeps reconnecting after a timeout",
    2: "talking about limits on the rate, and throttling",
    3: "we talked about the release; the rate limit is fine",
    4: "websocket release notes",
    5: "nothing to see here",
}


def _store_texts(engine: Any, texts: dict[int, str]) -> dict[int, int]:
    records = [
        message(
            mid, content_html=body, content_text=body, time=dt.datetime(2024, 1, mid, tzinfo=UTC)
        )
        for mid, body in texts.items()
    ]
    server = store.server_meta_id(engine, "se")
    store.upsert_messages(engine, server, records)
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT meta_id, id FROM messages")).all())


def _ids(engine: Any, query: str, **kw: Any) -> list[int]:
    with engine.connect() as conn:
        meta_to_id = dict(conn.execute(text("SELECT meta_id, id FROM messages")).all())
        return [meta_to_id[hit.meta_id] for hit in _search.search(conn, query, **kw)]


def test_the_query_language_and_ranking(db_engine: Any) -> None:
    _store_texts(db_engine, TEXTS)
    assert sorted(_ids(db_engine, "websocket")) == [1, 4]
    assert sorted(_ids(db_engine, "talk")) == [2, 3]  # stemmed: talking, talked
    assert _ids(db_engine, '"rate limit"') == [3]  # the phrase, in order (2 has both words apart)
    assert sorted(_ids(db_engine, "websocket OR throttling")) == [1, 2, 4]
    assert _ids(db_engine, "websocket -release") == [1]
    assert _ids(db_engine, "release websocket") == [4]  # every word must occur
    assert _ids(db_engine, "absent") == []
    assert _ids(db_engine, "websocket", since=dt.datetime(2024, 1, 2, tzinfo=UTC)) == [4]
    assert _ids(db_engine, "websocket", until=4) == [1]
    assert len(_ids(db_engine, "rate OR websocket", limit=2)) == 2
    with db_engine.connect() as conn:
        (hit,) = _search.search(conn, '"rate limit"')
    assert "[rate limit]" in hit.snippet.replace("] [", " ") and hit.score > 0
    # More occurrences of the word rank higher.
    _store_texts(db_engine, {6: "websocket websocket websocket, the websocket again"})
    assert _ids(db_engine, "websocket")[0] == 6
    for nothing in ("", "-release", "OR", '""', "!!!"):
        with pytest.raises(_search.SearchQueryError):
            _ids(db_engine, nothing)


def test_the_index_follows_edits_and_deletions(db_engine: Any) -> None:
    ids = _store_texts(db_engine, TEXTS)
    meta_of = {chat_id: meta_id for meta_id, chat_id in ids.items()}
    # A re-import of the same text, an edit through the store's upsert, a row deleted outright.
    _store_texts(db_engine, {1: TEXTS[1], 2: "an edited text about gardening"})
    assert _ids(db_engine, "talk") == [3] and _ids(db_engine, "gardening") == [2]
    with db_engine.begin() as conn:
        conn.execute(delete(Message).where(Message.meta_id == meta_of[4]))
        conn.execute(
            update(Message).where(Message.meta_id == meta_of[5]).values(content_text="websocket!")
        )
    assert sorted(_ids(db_engine, "websocket")) == [1, 5]


def test_an_archive_without_the_index_gets_it_when_opened(db_url: str) -> None:
    engine = store.open_engine(db_url)
    _store_texts(engine, TEXTS)
    with engine.begin() as conn:  # as an archive written before the index existed
        if conn.dialect.name == "sqlite":
            for name in ("insert", "delete", "update"):
                conn.exec_driver_sql(f"DROP TRIGGER {_search.FTS_TABLE}_queue_{name}")
            conn.exec_driver_sql(f"DROP TABLE {_search.FTS_TABLE}")
            conn.exec_driver_sql(f"DROP TABLE {_search.PENDING_TABLE}")
        else:
            conn.exec_driver_sql(f"DROP INDEX {_search.PG_INDEX}")
    engine.dispose()
    engine = store.open_engine(db_url)
    try:
        assert sorted(_ids(engine, "websocket")) == [1, 4]
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                conn.exec_driver_sql("SET enable_seqscan = off")
                plan = "\n".join(
                    conn.exec_driver_sql(
                        "EXPLAIN SELECT meta_id FROM messages WHERE "
                        f"{_search.PG_DOCUMENT} @@ websearch_to_tsquery('english', 'x')"
                    ).scalars()
                )
            assert _search.PG_INDEX in plan
    finally:
        engine.dispose()


def test_a_read_only_archive_is_searched_as_its_index_stands(
    tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from sqlalchemy import create_engine

    path = tmp_path / "archive.db"
    engine = store.open_engine(f"sqlite:///{path}")
    (indexed,) = _store_texts(engine, {1: TEXTS[1]})
    assert _ids(engine, "websocket") == [1]  # indexed
    _store_texts(engine, {4: TEXTS[4]})  # queued, not yet indexed
    engine.dispose()
    readonly = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        with readonly.connect() as conn:
            hits = _search.search(conn, "websocket")
        assert [hit.meta_id for hit in hits] == [indexed]  # not message 4, still queued
        assert "could not be brought up to date" in caplog.text
    finally:
        readonly.dispose()
