"""The archive: opening it, its schema, and every write into it.

Modules, each for one thing:

* ``urls`` — what a user gives (a path, ``sqlite://./data``, a URL) as an SQLAlchemy URL; error
  text without passwords;
* ``engine`` — :func:`open_engine`: the engine, SQLite's pragmas, the schema made ready;
* ``schema`` — on opening: a new archive made and stamped, an older one migrated (under a lock),
  seed rows applied once;
* ``migrations`` — the Alembic migrations (``versions/``) and their runner, loaded only when an
  archive is behind; ``legacy`` — the steps of the release schema versions before them;
* ``tables`` — the models' Core tables;
* ``upsert`` — batched ``INSERT ... ON CONFLICT DO UPDATE`` (update-then-insert elsewhere), the
  compiled SQLite fast path, and the one-transaction wrapper;
* ``merge`` — the merge rules: what an upsert sets on a row already stored;
* ``rows`` — parser records (profiles, cards, pages) as rows;
* ``writes`` — users, rooms, messages, transcript pages, and the client's own actions;
* ``live`` — live events: the event itself and what it says about its message, user and room;
* ``fulltext`` — the full-text index of the messages (kept by the database) and the query;
* ``positions`` — bots' positions per room;
* ``reads`` — server ids and page-fetch records, which writers' callers need.

Other layers import from this package only (an import-linter contract says so).
"""

from __future__ import annotations

from .engine import archive_revision, open_engine
from .fulltext import Hit, SearchQueryError, search
from .live import record_event, record_events
from .positions import advance_bot_position, bot_answering, bot_position, note_bot_answering
from .reads import page_fetch, server_meta_id, server_meta_ids
from .schema import HEAD, Revision
from .urls import DEFAULT_URL, database_url
from .writes import (
    PageStored,
    mark_room_stale,
    mark_stale,
    record_deleted,
    record_edit,
    record_history,
    record_page_fetch,
    record_sent,
    upsert_messages,
    upsert_room,
    upsert_rooms,
    upsert_transcript_page,
    upsert_users,
)

__all__ = [
    "DEFAULT_URL",
    "HEAD",
    "Hit",
    "PageStored",
    "Revision",
    "SearchQueryError",
    "advance_bot_position",
    "archive_revision",
    "bot_answering",
    "bot_position",
    "database_url",
    "mark_room_stale",
    "mark_stale",
    "note_bot_answering",
    "open_engine",
    "page_fetch",
    "record_deleted",
    "record_edit",
    "record_event",
    "record_events",
    "record_history",
    "record_page_fetch",
    "record_sent",
    "search",
    "server_meta_id",
    "server_meta_ids",
    "upsert_messages",
    "upsert_room",
    "upsert_rooms",
    "upsert_transcript_page",
    "upsert_users",
]
