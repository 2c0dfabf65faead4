"""Full-text search of the archived messages: the index, kept by the database itself, and the query.

SQLite: an FTS5 table over ``messages.content_text`` with external content (the text is stored
once, in ``messages``). Triggers on every insert, update of the text and delete queue the row (and
take a changed or deleted text out of the index), so no code path that stores messages can forget
it; :func:`search` indexes the queue in one statement before it looks (see :func:`sync` for why).
PostgreSQL: a GIN index on ``to_tsvector('english', content_text)``, which PostgreSQL maintains
itself. Both stem words
(English: "talk" finds "talking") and rank the matches (BM25 on SQLite, ``ts_rank`` on PostgreSQL).

:func:`ensure_index` runs whenever an archive is opened (``chatexchange.store.open_engine``), so an
archive written before this module existed gets its index (built from the stored messages) the
first time it is opened.

The query language is the same on both: words that must all occur, ``"a phrase"``, ``OR`` between
two terms, ``-word`` to exclude (PostgreSQL's ``websearch_to_tsquery``; translated for FTS5).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, text
from sqlalchemy.exc import OperationalError

from ..errors import UsageError
from ..models import UTCDateTime

__all__ = [
    "FTS_TABLE",
    "Hit",
    "SearchQueryError",
    "ensure_index",
    "fts5_query",
    "search",
    "sync",
]

log = logging.getLogger("chatexchange.store")

FTS_TABLE = "messages_fts"
PG_INDEX = "ix_message_fulltext"
#: The document of a message on PostgreSQL; the same expression in the index and in every query,
#: or PostgreSQL will not use the index.
PG_DOCUMENT = "to_tsvector('english', coalesce(content_text, ''))"

PENDING_TABLE = "messages_fts_pending"
_TRIGGERS = (f"{FTS_TABLE}_queue_insert", f"{FTS_TABLE}_queue_update", f"{FTS_TABLE}_queue_delete")
#: Rows already indexed (not waiting in the queue) are taken out of the index with their old text.
_UNINDEX_OLD = (
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, content_text) "
    "SELECT 'delete', old.meta_id, old.content_text "
    f"WHERE NOT EXISTS (SELECT 1 FROM {PENDING_TABLE} WHERE meta_id = old.meta_id); "
)
# Not ``INSERT OR IGNORE``: the conflict clause of the statement that fires a trigger (the store's
# upsert) overrides the one of a statement inside it.
_QUEUE_NEW = (
    f"INSERT INTO {PENDING_TABLE}(meta_id) SELECT new.meta_id "
    f"WHERE NOT EXISTS (SELECT 1 FROM {PENDING_TABLE} WHERE meta_id = new.meta_id);"
)
_SQLITE_DDL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(content_text, "
    "content='messages', content_rowid='meta_id', tokenize='porter unicode61 remove_diacritics 2')",
    f"CREATE TABLE IF NOT EXISTS {PENDING_TABLE} (meta_id INTEGER PRIMARY KEY)",
    # The first version of this index wrote FTS5 from per-row triggers (4x the cost: see below).
    *(f"DROP TRIGGER IF EXISTS {FTS_TABLE}_{kind}" for kind in ("insert", "update", "delete")),
    f"CREATE TRIGGER IF NOT EXISTS {_TRIGGERS[0]} AFTER INSERT ON messages BEGIN {_QUEUE_NEW} END",
    # An upsert that keeps the text (a re-import) costs the index nothing.
    f"CREATE TRIGGER IF NOT EXISTS {_TRIGGERS[1]} AFTER UPDATE OF content_text ON messages "
    f"WHEN old.content_text IS NOT new.content_text BEGIN {_UNINDEX_OLD}"
    f"{_QUEUE_NEW} END",
    f"CREATE TRIGGER IF NOT EXISTS {_TRIGGERS[2]} AFTER DELETE ON messages BEGIN {_UNINDEX_OLD}"
    f"DELETE FROM {PENDING_TABLE} WHERE meta_id = old.meta_id; END",
)


class SearchQueryError(UsageError):
    """The search text has nothing to look for, or the database cannot search."""


@dataclass(frozen=True, slots=True)
class Hit:
    """One match: the message's ``meta_id``, its score (higher is better) and a snippet of its text
    with the matched words in ``[brackets]``."""

    meta_id: int
    score: float
    snippet: str


def ensure_index(target: Engine | Connection) -> bool:
    """Create the full-text index if the archive lacks it (filling it from the stored messages);
    returns whether the database can search. Cheap when the index is there. A ``Connection``
    runs it inside the caller's transaction (the archive's creation, under its lock)."""
    dialect = target.dialect.name
    if dialect == "sqlite":
        return _ensure_sqlite(target)
    if dialect == "postgresql":
        with _begin(target) as conn:
            conn.execute(
                text(f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON messages USING gin ({PG_DOCUMENT})")
            )
        return True
    return False


@contextmanager
def _begin(target: Engine | Connection) -> Iterator[Connection]:
    if isinstance(target, Connection):
        yield target
    else:
        with target.begin() as conn:
            yield conn


def _ensure_sqlite(target: Engine | Connection) -> bool:
    needed = {FTS_TABLE, PENDING_TABLE, *_TRIGGERS}
    with _begin(target) as conn:
        names = conn.execute(
            text("SELECT name FROM sqlite_master WHERE name IN :names").bindparams(
                bindparam("names", expanding=True)
            ),
            {"names": sorted(needed | {f"{FTS_TABLE}_insert"})},
        ).scalars()
        present = set(names)
        if needed <= present:
            return True
        try:
            for statement in _SQLITE_DDL:
                conn.exec_driver_sql(statement)
        except OperationalError as exc:  # an SQLite built without FTS5
            if "fts5" not in str(exc).lower():
                raise
            log.warning("this SQLite has no FTS5: the archive cannot be searched")
            return False
        if FTS_TABLE not in present:  # an archive from before the index: queue every message
            conn.exec_driver_sql(
                f"INSERT OR IGNORE INTO {PENDING_TABLE}(meta_id) SELECT meta_id FROM messages"
            )
    return True


def sync(conn: Connection) -> int:
    """Index the messages stored or changed since the last search (SQLite); returns how many.

    Writing FTS5 from a per-row trigger makes it flush a segment for every row (each trigger runs
    in a savepoint), which cost storing four times more than queueing the row id and indexing the
    queue in one statement here. Committed by the caller; a database that cannot be written
    (read-only, busy beyond the timeout) is searched as its index stands.
    """
    if conn.dialect.name != "sqlite":
        return 0
    try:
        count = conn.exec_driver_sql(
            f"INSERT INTO {FTS_TABLE}(rowid, content_text) SELECT m.meta_id, m.content_text "
            f"FROM {PENDING_TABLE} AS p JOIN messages AS m ON m.meta_id = p.meta_id"
        ).rowcount
        conn.exec_driver_sql(f"DELETE FROM {PENDING_TABLE}")
    except OperationalError as exc:
        if f"no such table: {PENDING_TABLE}" in str(exc) or f"no such table: {FTS_TABLE}" in str(
            exc
        ):
            raise SearchQueryError("this archive has no full-text index (no FTS5)") from None
        log.warning("the full-text index could not be brought up to date: %s", exc)
        conn.rollback()
        return 0
    return count


# -- the query language --------------------------------------------------------------------------

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')


def _terms(query: str) -> list[tuple[str, str]]:
    """``(kind, text)`` tokens: ``word``, ``phrase``, ``not`` (a term to exclude), ``or``."""
    tokens: list[tuple[str, str]] = []
    for m in _TOKEN.finditer(query):
        negated, phrase, word = m.group(1), m.group(2), m.group(3)
        if phrase is not None:
            if phrase.strip():
                tokens.append(("not" if negated else "phrase", phrase))
        elif word == "OR":
            tokens.append(("or", word))
        elif word.startswith("-") and len(word) > 1:
            tokens.append(("not", word[1:]))
        else:
            tokens.append(("word", word))
    return tokens


def _words(term: str) -> str | None:
    """The words of a term (what both tokenizers keep), or None when it has none."""
    words = re.findall(r"\w+", term)
    return " ".join(words) if words else None


def _parse(query: str) -> tuple[list[list[str]], list[str]]:
    """``(groups, excluded)``: every group must match (a group matches when any of its terms
    does); no excluded term may. Terms are words or phrases (several words, in order)."""
    groups: list[list[str]] = []
    excluded: list[str] = []
    join_next = False
    for kind, value in _terms(query):
        if kind == "or":
            join_next = bool(groups)
            continue
        words = _words(value)
        if words is None:
            continue
        if kind == "not":
            excluded.append(words)
        elif join_next:
            groups[-1].append(words)
        else:
            groups.append([words])
        join_next = False
    if not groups:
        raise SearchQueryError(f"nothing to search for in {query!r}: give at least one word")
    return groups, excluded


def _combine(groups: list[list[str]], excluded: list[str], term: Any, ops: tuple[str, ...]) -> str:
    """One boolean expression: ``term(words)`` renders a term, ``ops`` are (and, or, and-not)."""
    and_, or_, and_not = ops
    expression = f" {and_} ".join(
        term(group[0]) if len(group) == 1 else "(" + f" {or_} ".join(map(term, group)) + ")"
        for group in groups
    )
    for words in excluded:
        expression = f"({expression}) {and_not} {term(words)}"
    return expression


def fts5_query(query: str) -> str:
    """The FTS5 expression for the query language (see the module's docstring)."""
    groups, excluded = _parse(query)
    return _combine(groups, excluded, lambda words: f'"{words}"', ("AND", "OR", "NOT"))


def _pg_query(query: str, params: dict[str, Any]) -> str:
    """A ``tsquery`` SQL expression for the query language, its terms bound in ``params``."""
    groups, excluded = _parse(query)

    def term(words: str) -> str:
        name = f"t{len(params)}"
        params[name] = f'"{words}"'  # websearch_to_tsquery: a quoted phrase, words in order
        return f"websearch_to_tsquery('english', :{name})"

    return _combine(groups, excluded, term, ("&&", "||", "&& !!"))


# -- searching -----------------------------------------------------------------------------------


def _filters(
    alias: str,
    rooms: list[int] | None,
    since: datetime | int | None,
    until: datetime | int | None,
) -> tuple[list[str], dict[str, Any], list[Any]]:
    conditions: list[str] = []
    params: dict[str, Any] = {}
    binds: list[Any] = []
    if rooms:
        conditions.append(f"{alias}.room_meta_id IN :rooms")
        params["rooms"] = list(rooms)
        binds.append(bindparam("rooms", expanding=True))
    for name, bound, op in (("since", since, ">="), ("until", until, "<")):
        if bound is None:
            continue
        column = "id" if isinstance(bound, int) else "time"
        conditions.append(f"{alias}.{column} {op} :{name}")
        params[name] = bound
        if column == "time":
            binds.append(bindparam(name, type_=UTCDateTime()))
    return conditions, params, binds


def search(
    conn: Connection,
    query: str,
    *,
    rooms: list[int] | None = None,
    since: datetime | int | None = None,
    until: datetime | int | None = None,
    limit: int | None = 20,
) -> list[Hit]:
    """The messages matching ``query``, best first (at most ``limit``; ``None``: all).

    ``rooms`` are room ``meta_id``s; ``since``/``until`` a time or a message id each (``[since,
    until)``). Raises :class:`SearchQueryError` for a query without a word to look for or a
    database that cannot search.
    """
    conditions, params, binds = _filters("m", rooms, since, until)
    where = "".join(f" AND {c}" for c in conditions)
    limit_sql = "" if limit is None else " LIMIT :limit"
    if limit is not None:
        params["limit"] = limit
    dialect = conn.dialect.name
    if dialect == "sqlite":
        params["q"] = fts5_query(query)
        if sync(conn):
            conn.commit()
        sql = (
            f"SELECT m.meta_id, -bm25({FTS_TABLE}) AS score, "
            f"snippet({FTS_TABLE}, 0, '[', ']', '…', 24) AS snippet "
            f"FROM {FTS_TABLE} JOIN messages AS m ON m.meta_id = {FTS_TABLE}.rowid "
            f"WHERE {FTS_TABLE} MATCH :q{where} ORDER BY bm25({FTS_TABLE}), m.id DESC{limit_sql}"
        )
        try:
            rows = conn.execute(text(sql).bindparams(*binds), params).all()
        except OperationalError as exc:
            if f"no such table: {FTS_TABLE}" in str(exc):
                raise SearchQueryError("this archive has no full-text index (no FTS5)") from None
            raise
    elif dialect == "postgresql":
        tsquery = _pg_query(query, params)
        sql = (
            "SELECT hit.meta_id, hit.score, ts_headline('english', coalesce(hit.content_text, ''), "
            f"{tsquery}, 'StartSel=[, StopSel=], MaxWords=24, MinWords=8, MaxFragments=1, "
            'FragmentDelimiter=" … "\') AS snippet FROM ('
            f"SELECT m.meta_id, m.id, m.content_text, ts_rank({PG_DOCUMENT}, {tsquery}) AS score "
            f"FROM messages AS m WHERE {PG_DOCUMENT} @@ ({tsquery}){where} "
            f"ORDER BY score DESC, m.id DESC{limit_sql}) AS hit "
            "ORDER BY hit.score DESC, hit.id DESC"
        )
        rows = conn.execute(text(sql).bindparams(*binds), params).all()
    else:
        raise SearchQueryError(f"full-text search needs SQLite or PostgreSQL, not {dialect}")
    return [Hit(row[0], float(row[1]), row[2]) for row in rows]
