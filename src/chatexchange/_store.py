"""Opening the archive and writing parser records into it, fast.

``open_engine`` turns what a user typed into an engine that is ready: tables created and the seed
rows applied once. The ``upsert_*`` functions take ``chatexchange._parser`` records and write them
with SQLAlchemy Core, batched (one ``executemany`` per table), with the dialect's
``INSERT ... ON CONFLICT DO UPDATE`` on SQLite and PostgreSQL and an update-then-insert fallback
elsewhere. Each function takes an ``Engine`` (it runs one transaction of its own) or a
``Connection`` (it runs inside the caller's transaction), so one transcript page is one
transaction.

Merge rules, so that re-importing changes nothing but ``meta_updated`` and richer data wins:

* a message's content and markdown survive its deletion; ``meta_deleted`` is when we first saw it
  deleted;
* the markdown we know (of a message we sent) survives the arrival of its first HTML and is
  dropped only when a known HTML changes;
* ``edits`` only grows (a transcript says "edited", 1; a live event says how often);
* a transcript's minute-resolution ``time`` never replaces a known time; a posted event's exact
  time does;
* users and rooms merely mentioned by a page or an event are stubs (``meta_updated = EPOCH``); only
  their own page (profile, room info) makes them fresh.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import (
    DDL,
    Connection,
    Engine,
    Table,
    Text,
    and_,
    bindparam,
    case,
    create_engine,
    event,
    func,
    insert,
    inspect,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.exc import ArgumentError, IntegrityError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool
from sqlalchemy.schema import CreateColumn

from . import _search, _seed
from ._time import EPOCH, UTC, utcnow
from .errors import StorageError
from .event_types import EventType as T
from .models import (
    SCHEMA_VERSION,
    Base,
    Event,
    Message,
    Room,
    Server,
    TranscriptPageFetch,
    User,
    UTCDateTime,
    database_info,
    text_from_html,
)

__all__ = [
    "DEFAULT_URL",
    "PageStored",
    "database_url",
    "open_engine",
    "page_fetch",
    "record_event",
    "record_page_fetch",
    "server_meta_id",
    "server_meta_ids",
    "upsert_messages",
    "upsert_room",
    "upsert_rooms",
    "upsert_transcript_page",
    "upsert_users",
]

log = logging.getLogger("chatexchange.store")

DEFAULT_URL = "sqlite:///:memory:"

_messages: Table = Message.__table__  # type: ignore[assignment]
_users: Table = User.__table__  # type: ignore[assignment]
_rooms: Table = Room.__table__  # type: ignore[assignment]
_servers: Table = Server.__table__  # type: ignore[assignment]
_fetches: Table = TranscriptPageFetch.__table__  # type: ignore[assignment]
_events: Table = Event.__table__  # type: ignore[assignment]

# ---------------------------------------------------------------------------------------------
# Opening

_SQLITE_SHORT = re.compile(r"^(sqlite(?:\+\w+)?)://(?!/)(.+)$")


def database_url(url: str | os.PathLike[str] | URL | None) -> URL:
    """The SQLAlchemy URL for what a user gave.

    ``None``/``""`` is the in-memory default; ``sqlite://./data`` (the seed README's form, which
    SQLAlchemy would read as a host name) is the relative file ``./data``; a ``Path`` or a string
    without a scheme is an SQLite file path; ``postgresql://`` without a driver uses psycopg 3.
    """
    if url is None or (isinstance(url, str) and not url.strip()):
        return make_url(DEFAULT_URL)
    if isinstance(url, os.PathLike):
        return URL.create("sqlite", database=os.fspath(url))
    if isinstance(url, str):
        text = url.strip()
        short = _SQLITE_SHORT.match(text)
        if short:
            text = f"{short.group(1)}:///{short.group(2)}"
        elif "://" not in text:
            text = f"sqlite:///{text}"
        try:
            url = make_url(text)
        except ArgumentError:
            raise StorageError(f"not a database URL: {_redact(text)!r}") from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def _redact(text: str) -> str:
    """``text`` with any ``user:password@`` credentials masked."""
    return re.sub(r"(://[^/:@]*:)[^@/]*@", r"\1***@", text)


def _display(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _is_memory(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.execute("PRAGMA cache_size=-32768")  # 32 MiB
        cursor.execute("PRAGMA busy_timeout=10000")
    finally:
        cursor.close()


def _sqlite_memory_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
    finally:
        cursor.close()


def open_engine(url: str | os.PathLike[str] | URL | None = None, *, echo: bool = False) -> Engine:
    """An engine for the archive at ``url`` with tables and seed rows in place.

    The in-memory default is one database shared by every thread of the process (a
    ``StaticPool``); SQLite files run in WAL mode. Raises :class:`StorageError` (with a message
    that names the database but never its password) when the database cannot be opened.
    """
    sa_url = database_url(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if sa_url.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"check_same_thread": False}
        if _is_memory(sa_url):
            kwargs["poolclass"] = StaticPool
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(sa_url, **kwargs)
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise StorageError(f"cannot open the database {_display(sa_url)}: {exc}") from None
    if sa_url.get_backend_name() == "sqlite":
        listener = _sqlite_memory_pragmas if _is_memory(sa_url) else _sqlite_pragmas
        event.listen(engine, "connect", listener)
    try:
        Base.metadata.create_all(engine)
        _apply_seed(engine)
        _upgrade(engine)
        _search.ensure_index(engine)
    except SQLAlchemyError as exc:
        engine.dispose()
        raise StorageError(
            f"cannot open the database {_display(sa_url)}: {_reason(exc, sa_url)}"
        ) from None
    return engine


def _reason(exc: SQLAlchemyError, url: URL) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip().splitlines()
    reason = text[0] if text else type(exc).__name__
    if url.password:
        reason = reason.replace(str(url.password), "***")
    return _redact(reason)


def _apply_seed(engine: Engine) -> None:
    """Insert the seed rows, once per database (a marker row says it was done)."""
    with engine.begin() as conn:
        done = conn.execute(
            select(database_info.c.value).where(database_info.c.key == "seeded")
        ).scalar()
        if done is not None:
            return
        try:
            with conn.begin_nested():
                conn.execute(
                    insert(database_info),
                    [
                        {"key": "seeded", "value": utcnow().isoformat()},
                        {"key": "schema_version", "value": str(SCHEMA_VERSION)},
                    ],
                )
                with Session(bind=conn, join_transaction_mode="create_savepoint") as session:
                    session.add_all(_seed.data())
                    session.commit()  # releases the session's savepoint, not the transaction
        except IntegrityError:
            log.debug("seed rows were applied concurrently by another connection")


def _upgrade(engine: Engine) -> None:
    """Bring an archive written by an older version up to ``SCHEMA_VERSION``.

    Version 2: on SQLite every time is text in one format, ``'YYYY-MM-DD HH:MM:SS.ffffff'``, so
    comparisons and ORDER BY in SQL are exact. Version 1 stored times written by the batched
    upserts without the fraction when it was zero (``'19:50:00'`` sorts before
    ``'19:50:00.000000'``, the same instant written by any other path).

    Version 3: ``messages.text_complete``; a stored message whose HTML is the transcript's
    shortened form (``class="partial"``) is marked incomplete.
    """
    key = database_info.c.key
    with engine.begin() as conn:
        stored = conn.execute(select(database_info.c.value).where(key == "schema_version")).scalar()
        if stored is None or int(stored) >= SCHEMA_VERSION:
            return
        if int(stored) < 3 and "text_complete" not in {
            c["name"] for c in inspect(conn).get_columns(_messages.name)
        }:
            column = _messages.c.text_complete
            ddl = CreateColumn(column).compile(dialect=conn.dialect)
            conn.execute(DDL(f"ALTER TABLE {_messages.name} ADD COLUMN {ddl}"))
            html = _messages.c.content_html
            conn.execute(
                update(_messages)
                .where(or_(html.like('%class="partial"%'), html.like("%class='partial'%")))
                .values(text_complete=False)
            )
        if int(stored) < 2 and conn.dialect.name == "sqlite":
            for table in Base.metadata.sorted_tables:
                for column in table.columns:
                    if isinstance(column.type, UTCDateTime):
                        stored_text = type_coerce(column, Text())
                        conn.execute(
                            update(table)
                            .where(func.typeof(column) == "text", func.length(stored_text) == 19)
                            .values({column.name: stored_text + ".000000"})
                        )
        conn.execute(
            update(database_info).where(key == "schema_version").values(value=str(SCHEMA_VERSION))
        )
        log.info("archive schema upgraded from version %s to %s", stored, SCHEMA_VERSION)


# ---------------------------------------------------------------------------------------------
# Upsert machinery


Merge = Callable[[Table, Callable[[str], Any]], dict[str, Any]]

# Built statements, by (dialect, table, conflict keys, merge): building and cache-keying an
# ON CONFLICT statement with its CASE expressions costs more than running it on a small page.
_statements: dict[tuple[Any, ...], Any] = {}
# SQLite fast path: SQL text, parameter order and bind processors of a compiled upsert.
_compiled: dict[tuple[Any, ...], tuple[str, list[str], list[Any]]] = {}


def _upsert_statement(dialect: str, table: Table, keys: tuple[str, ...], merge: Merge) -> Any:
    cache_key = (dialect, table.name, keys, merge)
    stmt = _statements.get(cache_key)
    if stmt is None:
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as dialect_insert
        else:
            from sqlalchemy.dialects.postgresql import insert as dialect_insert
        ins = dialect_insert(table)
        stmt = ins.on_conflict_do_update(
            index_elements=list(keys), set_=merge(table, lambda name: ins.excluded[name])
        )
        _statements[cache_key] = stmt
    return stmt


def _upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    keys: tuple[str, ...],
    merge: Merge,
    *,
    raw: bool = False,
) -> None:
    """Insert ``rows``; where ``keys`` already exist, set what ``merge`` says.

    ``merge(table, incoming)`` builds the SET clause; ``incoming(name)`` is the new value of a
    column (``excluded.name`` on SQLite/PostgreSQL, a bound parameter in the fallback). All rows
    have the same keys. ``raw=True`` (big batches) runs SQLite's ``executemany`` on the compiled
    statement with the column types' own bind processors, skipping per-row statement work.
    """
    if not rows:
        return
    dialect = conn.dialect.name
    if dialect in ("sqlite", "postgresql"):
        stmt = _upsert_statement(dialect, table, keys, merge)
        if raw and dialect == "sqlite" and _upsert_raw(conn, stmt, table, keys, merge, rows):
            return
        conn.execute(stmt, list(rows))
        return
    # Anything else: update by key, insert what was not there; row by row, but correct.
    columns = list(rows[0].keys())
    set_ = merge(table, lambda name: bindparam(f"new_{name}", type_=table.c[name].type))
    upd = (
        update(table).where(and_(*(table.c[k] == bindparam(f"key_{k}") for k in keys))).values(set_)
    )
    for row in rows:
        params = {f"new_{c}": row[c] for c in columns}
        params.update({f"key_{k}": row[k] for k in keys})
        if conn.execute(upd, params).rowcount == 0:
            conn.execute(insert(table), dict(row))


def _upsert_raw(
    conn: Connection,
    stmt: Any,
    table: Table,
    keys: tuple[str, ...],
    merge: Merge,
    rows: Sequence[Mapping[str, Any]],
) -> bool:
    columns = tuple(rows[0].keys())
    cache_key = (conn.dialect.name, table.name, keys, merge, columns)
    entry = _compiled.get(cache_key)
    if entry is None:
        compiled = stmt.compile(dialect=conn.dialect, column_keys=list(columns))
        names = list(compiled.positiontup or ())
        if not names or not set(names) <= set(columns):
            return False  # a shape this path does not handle: let SQLAlchemy do it
        # The dialect's own processors, as SQLAlchemy would use: the generic types' processors
        # leave datetimes to the driver, and sqlite3's default adapter drops a zero fraction
        # ('19:50:00' instead of the '19:50:00.000000' every other path stores).
        procs = [_bind_processor(compiled.binds[n].type, conn.dialect) for n in names]
        entry = (compiled.string, names, procs, {})
        _compiled[cache_key] = entry
    sql, names, procs, multi = entry
    get = itemgetter(*names)
    # Only typed columns need converting (datetimes, dates); their values repeat a lot (the same
    # "now", minute-resolution times), so each distinct value is converted once.
    typed = [(i, proc, {}) for i, proc in enumerate(procs) if proc is not None]
    params = []
    for row in rows:
        values = list(get(row)) if len(names) > 1 else [get(row)]
        for i, proc, seen in typed:
            value = values[i]
            if value is not None:
                try:
                    values[i] = seen[value]
                except KeyError:
                    values[i] = seen[value] = proc(value)
                except TypeError:  # unhashable (JSON)
                    values[i] = proc(value)
        params.append(tuple(values))
    _execute_rows(conn, sql, len(names), params, multi)
    return True


# Parameters per statement: SQLite's smallest compiled-in limit (999 before version 3.32).
_SQLITE_MAX_PARAMETERS = 999


def _execute_rows(
    conn: Connection, sql: str, width: int, params: list[tuple[Any, ...]], multi: dict[int, str]
) -> None:
    """Run a one-row ``INSERT ... VALUES (?, ...)`` for every row of ``params``, as few
    multi-row statements as SQLite takes (``VALUES (...), (...), ...``).

    The driver runs each statement with the GIL released; one statement per row would take the
    GIL back for every row, and with another thread busy (the history import parses the next
    page meanwhile) each of those waits costs milliseconds.
    """
    one = "(" + ", ".join(["?"] * width) + ")"
    per = max(1, _SQLITE_MAX_PARAMETERS // width)
    if per == 1 or sql.count(one) != 1:
        conn.exec_driver_sql(sql, params)
        return
    for start in range(0, len(params), per):
        chunk = params[start : start + per]
        text = multi.get(len(chunk))
        if text is None:
            text = multi[len(chunk)] = sql.replace(one, ", ".join([one] * len(chunk)))
        conn.exec_driver_sql(text, tuple(chain.from_iterable(chunk)))


def _bind_processor(type_: Any, dialect: Any) -> Callable[[Any], Any] | None:
    if dialect.name == "sqlite" and isinstance(type_, UTCDateTime):
        return _sqlite_time_text
    return type_.dialect_impl(dialect).bind_processor(dialect)


def _sqlite_time_text(value: dt.datetime) -> str:
    """What ``UTCDateTime`` and SQLite's DATETIME store for ``value``
    (``'YYYY-MM-DD HH:MM:SS.ffffff'``, naive UTC), in one C call instead of two layers of
    processors: an import converts a time per message."""
    if value.__class__ is not dt.datetime or value.tzinfo is None:
        return _sqlite_time_slow(value)
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_time_slow(value: Any) -> Any:
    """The column type's own processors (they refuse naive datetimes with a clear error)."""
    from sqlalchemy.dialects import sqlite

    dialect = sqlite.dialect()
    return UTCDateTime().dialect_impl(dialect).bind_processor(dialect)(value)


def _max(existing: Any, incoming: Any) -> Any:
    """The larger of two nullable values, in portable SQL."""
    return case(
        (incoming.is_(None), existing),
        (or_(existing.is_(None), incoming > existing), incoming),
        else_=existing,
    )


def _transaction(target: Engine | Connection, work: Callable[[Connection], Any]) -> Any:
    try:
        if isinstance(target, Engine):
            with target.begin() as conn:
                return work(conn)
        return work(target)
    except SQLAlchemyError as exc:
        raise StorageError(f"writing to the archive failed: {_reason(exc, _url_of(target))}")


def _url_of(target: Engine | Connection) -> URL:
    return target.engine.url


# ---------------------------------------------------------------------------------------------
# Servers


def server_meta_ids(target: Engine | Connection) -> dict[str, int]:
    """``{slug: meta_id}`` of the servers in the archive."""

    def work(conn: Connection) -> dict[str, int]:
        return dict(conn.execute(select(_servers.c.slug, _servers.c.meta_id)).all())

    return _transaction(target, work)


def server_meta_id(target: Engine | Connection, slug: str) -> int:
    """The ``meta_id`` of the server ``slug`` (``se``, ``so``, ``mse``)."""
    ids = server_meta_ids(target)
    try:
        return ids[slug]
    except KeyError:
        raise StorageError(f"no server {slug!r} in the archive (known: {sorted(ids)})") from None


# ---------------------------------------------------------------------------------------------
# Users

_ago_re = re.compile(
    r"^\s*(\d+)\s*(s|sec|secs|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|y|yrs?|years?)"
    r"\s+ago\s*$",
    re.IGNORECASE,
)
_AGO_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "y": 365 * 86400}


def _ago(text: str | None, now: dt.datetime) -> dt.datetime | None:
    """``now`` minus a page's "18 minutes ago" / "49m ago" / "just now"; ``None`` if unreadable."""
    if not text:
        return None
    if text.strip().lower() in ("just now", "now"):
        return now
    m = _ago_re.match(text)
    if not m:
        return None
    unit = m.group(2).lower()
    seconds = _AGO_UNITS["m" if unit.startswith("mi") else unit[0]]
    return now - dt.timedelta(seconds=int(m.group(1)) * seconds)


def _merge_user(table: Table, new: Callable[[str], Any]) -> dict[str, Any]:
    c = table.c
    return {
        "name": func.coalesce(new("name"), c.name),
        "is_moderator": func.coalesce(new("is_moderator"), c.is_moderator),
        "reputation": func.coalesce(new("reputation"), c.reputation),
        "message_count": func.coalesce(new("message_count"), c.message_count),
        "room_count": func.coalesce(new("room_count"), c.room_count),
        "about": func.coalesce(new("about"), c.about),
        "parent_user_url": func.coalesce(new("parent_user_url"), c.parent_user_url),
        "since": func.coalesce(new("since"), c.since),
        "last_seen": _max(c.last_seen, new("last_seen")),
        "last_message": _max(c.last_message, new("last_message")),
        "meta_updated": _max(c.meta_updated, new("meta_updated")),
    }


_USER_FIELDS = (
    "name",
    "is_moderator",
    "reputation",
    "message_count",
    "room_count",
    "about",
    "parent_user_url",
    "since",
    "last_seen",
    "last_message",
)


def _user_row(server: int, user: Any, now: dt.datetime) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(_USER_FIELDS)
    row.update(server_meta_id=server, meta_created=now, meta_updated=EPOCH, deleted=False)
    if isinstance(user, tuple):
        row["id"], row["name"] = user
        return row
    row["id"] = user.user_id
    row["name"] = user.name
    row["is_moderator"] = user.moderator
    row["reputation"] = user.reputation
    row["about"] = getattr(user, "about", None)
    if hasattr(user, "user_since"):  # a UserProfile: the user's own page, so the row is fresh
        row.update(
            message_count=user.message_count,
            room_count=user.room_count,
            parent_user_url=user.parent_user_url,
            since=user.user_since,
            last_seen=None if user.last_seen is None else now - user.last_seen,
            last_message=None if user.last_message is None else now - user.last_message,
            meta_updated=now,
        )
    return row


def upsert_users(
    target: Engine | Connection,
    server_meta_id: int,
    users: Iterable[Any],
    *,
    now: dt.datetime | None = None,
) -> dict[int, int]:
    """Store users; returns ``{user id: meta_id}``.

    ``users`` holds ``UserProfile`` records (the user's own page: the row becomes fresh),
    ``UserCard`` records or ``(id, name)`` pairs (stubs: known fields only, freshness unchanged).
    A later entry for the same id wins.
    """
    now = now or utcnow()
    by_id: dict[int, dict[str, Any]] = {}
    for user in users:
        row = _user_row(server_meta_id, user, now)
        by_id[row["id"]] = row

    def work(conn: Connection) -> dict[int, int]:
        return _upsert_user_rows(conn, server_meta_id, list(by_id.values()))

    return _transaction(target, work)


def _upsert_user_rows(
    conn: Connection, server_meta_id: int, rows: list[dict[str, Any]]
) -> dict[int, int]:
    if not rows:
        return {}
    _upsert(conn, _users, rows, ("server_meta_id", "id"), _merge_user, raw=True)
    ids = [r["id"] for r in rows]
    result = conn.execute(
        select(_users.c.id, _users.c.meta_id).where(
            _users.c.server_meta_id == server_meta_id, _users.c.id.in_(ids)
        )
    )
    return dict(result.all())


# ---------------------------------------------------------------------------------------------
# Rooms


def _merge_room(table: Table, new: Callable[[str], Any]) -> dict[str, Any]:
    c = table.c
    return {
        "name": func.coalesce(new("name"), c.name),
        "description": func.coalesce(new("description"), c.description),
        "tags": func.coalesce(new("tags"), c.tags),
        "owner_ids": func.coalesce(new("owner_ids"), c.owner_ids),
        "message_count": func.coalesce(new("message_count"), c.message_count),
        "user_count": func.coalesce(new("user_count"), c.user_count),
        "first_message": func.coalesce(new("first_message"), c.first_message),
        "last_activity": _max(c.last_activity, new("last_activity")),
        "frozen": func.coalesce(new("frozen"), c.frozen),
        "first_day": func.coalesce(new("first_day"), c.first_day),
        "deleted": func.coalesce(new("deleted"), c.deleted),
        "meta_updated": _max(c.meta_updated, new("meta_updated")),
    }


_ROOM_FIELDS = (
    "name",
    "description",
    "tags",
    "owner_ids",
    "message_count",
    "user_count",
    "first_message",
    "last_activity",
    "frozen",
    "first_day",
)


def _room_row(server: int, room: Any, now: dt.datetime) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(_ROOM_FIELDS)
    row.update(server_meta_id=server, meta_created=now, meta_updated=EPOCH, deleted=None)
    if isinstance(room, tuple):
        row["id"], row["name"] = room
        return row
    row["id"] = room.room_id
    row["name"] = room.name
    row["description"] = room.description
    row["message_count"] = room.message_count
    if hasattr(room, "owners"):  # a RoomInfo: the room's own page, so the row is fresh
        row.update(
            tags=list(room.tags),
            owner_ids=[o.user_id for o in room.owners],
            user_count=room.user_count,
            first_message=room.first_message,
            last_activity=_ago(room.last_message, now),
            meta_updated=now,
        )
    else:  # a RoomCard (profile page, rooms list)
        row.update(
            last_activity=_ago(room.last_activity, now),
            frozen=room.frozen,
            deleted=room.deleted,
        )
    return row


def _upsert_room_rows(
    conn: Connection, server_meta_id: int, rows: list[dict[str, Any]]
) -> dict[int, int]:
    if not rows:
        return {}
    # ``deleted`` is merged only from records that know it (room cards); for the others it is
    # only the value a new row starts with.
    known = [r for r in rows if r["deleted"] is not None]
    stubs = [r for r in rows if r["deleted"] is None]
    for row in stubs:
        row["deleted"] = False
    if stubs:
        _upsert(conn, _rooms, stubs, ("server_meta_id", "id"), _merge_room_stub)
    if known:
        _upsert(conn, _rooms, known, ("server_meta_id", "id"), _merge_room)
    ids = [r["id"] for r in rows]
    result = conn.execute(
        select(_rooms.c.id, _rooms.c.meta_id).where(
            _rooms.c.server_meta_id == server_meta_id, _rooms.c.id.in_(ids)
        )
    )
    return dict(result.all())


def _merge_room_stub(table: Table, new: Callable[[str], Any]) -> dict[str, Any]:
    merged = _merge_room(table, new)
    del merged["deleted"]
    return merged


def upsert_rooms(
    target: Engine | Connection,
    server_meta_id: int,
    rooms: Iterable[Any],
    *,
    now: dt.datetime | None = None,
) -> dict[int, int]:
    """Store rooms; returns ``{room id: meta_id}``.

    ``rooms`` holds ``RoomInfo`` records (the room's own page: the row becomes fresh, its owners
    are stored as users), ``RoomCard`` records or ``(id, name)`` pairs (stubs).
    """
    now = now or utcnow()
    by_id: dict[int, dict[str, Any]] = {}
    owners: list[Any] = []
    for room in rooms:
        row = _room_row(server_meta_id, room, now)
        by_id[row["id"]] = row
        owners.extend(getattr(room, "owners", ()))

    def work(conn: Connection) -> dict[int, int]:
        if owners:
            _upsert_user_rows(
                conn, server_meta_id, [_user_row(server_meta_id, o, now) for o in owners]
            )
        return _upsert_room_rows(conn, server_meta_id, list(by_id.values()))

    return _transaction(target, work)


def upsert_room(
    target: Engine | Connection,
    server_meta_id: int,
    room: Any,
    *,
    now: dt.datetime | None = None,
) -> int:
    """Store one room (``RoomInfo``, ``RoomCard`` or ``(id, name)``); returns its ``meta_id``."""
    ids = upsert_rooms(target, server_meta_id, [room], now=now)
    room_id = room[0] if isinstance(room, tuple) else room.room_id
    return ids[room_id]


# ---------------------------------------------------------------------------------------------
# Messages


def _merge_message(exact_time: bool) -> Callable[[Table, Callable[[str], Any]], dict[str, Any]]:
    def merge(table: Table, new: Callable[[str], Any]) -> dict[str, Any]:
        c = table.c
        # A deleted message keeps its last content; a shortened text never replaces a full one.
        keep_content = or_(
            and_(new("deleted"), c.content_html.is_not(None)),
            and_(~new("text_complete"), c.text_complete, c.content_html.is_not(None)),
        )
        # The markdown we know (we sent or edited the message) describes the HTML until a known
        # HTML changes; the first HTML to arrive is the rendering of that markdown.
        html_changed = and_(
            ~keep_content,
            c.content_html.is_not(None),
            new("content_html").is_not(None),
            c.content_html != new("content_html"),
        )
        return {
            "room_meta_id": new("room_meta_id"),
            "owner_meta_id": func.coalesce(new("owner_meta_id"), c.owner_meta_id),
            "content_html": case(
                (or_(keep_content, new("content_html").is_(None)), c.content_html),
                else_=new("content_html"),
            ),
            "content_text": case(
                (or_(keep_content, new("content_html").is_(None)), c.content_text),
                else_=new("content_text"),
            ),
            "text_complete": case(
                (or_(keep_content, new("content_html").is_(None)), c.text_complete),
                else_=new("text_complete"),
            ),
            "content_markdown": func.coalesce(
                new("content_markdown"), case((html_changed, None), else_=c.content_markdown)
            ),
            "parent_id": func.coalesce(new("parent_id"), c.parent_id),
            "time": (
                func.coalesce(new("time"), c.time)
                if exact_time
                else func.coalesce(c.time, new("time"))
            ),
            "edits": _max(c.edits, new("edits")),
            "stars": new("stars"),
            "pinned": new("pinned"),
            "onebox": new("onebox"),
            "deleted": new("deleted"),
            "meta_deleted": case(
                (new("deleted"), func.coalesce(c.meta_deleted, new("meta_deleted"))), else_=None
            ),
            "meta_updated": new("meta_updated"),
        }

    return merge


_merge_message_transcript = _merge_message(exact_time=False)
_merge_message_exact = _merge_message(exact_time=True)


def upsert_messages(
    target: Engine | Connection,
    server_meta_id: int,
    messages: Sequence[Any],
    *,
    room_names: Mapping[int, str] | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Store ``TranscriptMessage`` records with their owners and rooms; returns how many.

    Owners and rooms are stored as stubs first (``room_names`` supplies names the records lack).
    """
    now = now or utcnow()

    def work(conn: Connection) -> int:
        return _store_messages(conn, server_meta_id, messages, room_names or {}, now)[0]

    return _transaction(target, work)


def _store_messages(
    conn: Connection,
    server: int,
    messages: Sequence[Any],
    room_names: Mapping[int, str],
    now: dt.datetime,
    extra_rooms: Sequence[dict[str, Any]] = (),
) -> tuple[int, dict[int, int]]:
    """Store messages (owners and rooms first, as stubs); returns (count, {room id: meta_id})."""
    owners: dict[int, str | None] = {}
    rooms: dict[int, dict[str, Any]] = {r["id"]: r for r in extra_rooms}
    for m in messages:
        if m.owner_name is not None or m.owner_id not in owners:
            owners[m.owner_id] = m.owner_name
        if m.room_id not in rooms:
            rooms[m.room_id] = _room_row(server, (m.room_id, room_names.get(m.room_id)), now)
    user_ids = _upsert_user_rows(
        conn, server, [_user_row(server, pair, now) for pair in owners.items()]
    )
    room_rows = list(rooms.values())
    latest: dict[int, dt.datetime] = {}
    for m in messages:
        if m.time is not None and (m.room_id not in latest or m.time > latest[m.room_id]):
            latest[m.room_id] = m.time
    for row in room_rows:
        row["last_activity"] = latest.get(row["id"])
    room_ids = _upsert_room_rows(conn, server, room_rows)
    rows = []
    seen: dict[int, int] = {}
    for m in messages:
        row = {
            "server_meta_id": server,
            "room_meta_id": room_ids[m.room_id],
            "owner_meta_id": user_ids.get(m.owner_id),
            "id": m.id,
            "content_html": m.content_html,
            "content_text": m.content_text,
            "content_markdown": None,
            "parent_id": m.parent_id,
            "time": m.time,
            "edits": m.edits,
            "stars": m.stars,
            "pinned": m.pinned,
            "onebox": m.onebox,
            "text_complete": not getattr(m, "partial", False),
            "deleted": m.deleted,
            "meta_deleted": now if m.deleted else None,
            "meta_created": now,
            "meta_updated": now,
        }
        if m.id in seen:  # one statement cannot touch a row twice (PostgreSQL refuses)
            rows[seen[m.id]] = row
        else:
            seen[m.id] = len(rows)
            rows.append(row)
    _upsert(conn, _messages, rows, ("server_meta_id", "id"), _merge_message_transcript, raw=True)
    return len(rows), room_ids


# ---------------------------------------------------------------------------------------------
# Transcript pages


@dataclass(frozen=True, slots=True)
class PageStored:
    """What :func:`upsert_transcript_page` wrote."""

    room_meta_id: int
    messages: int
    fetched: dt.datetime


def upsert_transcript_page(
    target: Engine | Connection,
    server_meta_id: int,
    page: Any,
    *,
    fetched: dt.datetime | None = None,
) -> PageStored:
    """Store a whole ``TranscriptPage`` (room, owners, messages, and the page-fetch record) in one
    transaction; a page already stored is merged, changing nothing but ``meta_updated``."""
    now = fetched or utcnow()

    def work(conn: Connection) -> PageStored:
        count, room_ids = _store_messages(
            conn,
            server_meta_id,
            page.messages,
            {},
            now,
            [_page_room_row(server_meta_id, page, now)],
        )
        room_meta_id = room_ids[page.room_id]
        _store_fetch(conn, room_meta_id, page, now)
        return PageStored(room_meta_id=room_meta_id, messages=count, fetched=now)

    return _transaction(target, work)


def _page_room_row(server: int, page: Any, now: dt.datetime) -> dict[str, Any]:
    row = _room_row(server, (page.room_id, page.room_name), now)
    # The first day's page links to no first day and no previous day: it is the first day.
    first = page.first_day
    if first is None and page.previous_day is None and page.messages:
        first = page.date
    row["first_day"] = first
    return row


def _merge_fetch(table: Table, new: Callable[[str], Any]) -> dict[str, Any]:
    names = (
        "fetched",
        "message_count",
        "first_message_id",
        "last_message_id",
        "first_day",
        "previous_day",
        "next_day",
        "last_day",
        "meta_updated",
    )
    return {n: new(n) for n in names}


def _store_fetch(conn: Connection, room_meta_id: int, page: Any, now: dt.datetime) -> None:
    ids = [m.id for m in page.messages]
    row = {
        "room_meta_id": room_meta_id,
        "day": page.date,
        "hour_start": page.start_hour,
        "hour_end": page.end_hour,
        "fetched": now,
        "message_count": len(ids),
        "first_message_id": ids[0] if ids else None,
        "last_message_id": ids[-1] if ids else None,
        "first_day": page.first_day,
        "previous_day": page.previous_day,
        "next_day": page.next_day,
        "last_day": page.last_day,
        "deleted": False,
        "meta_created": now,
        "meta_updated": now,
    }
    _upsert(conn, _fetches, [row], ("room_meta_id", "day", "hour_start", "hour_end"), _merge_fetch)


def record_page_fetch(
    target: Engine | Connection, room_meta_id: int, page: Any, *, fetched: dt.datetime | None = None
) -> None:
    """Record that ``page`` was fetched (already part of :func:`upsert_transcript_page`)."""
    now = fetched or utcnow()
    _transaction(target, lambda conn: _store_fetch(conn, room_meta_id, page, now))


def page_fetch(
    target: Engine | Connection,
    room_meta_id: int,
    day: dt.date,
    hour_start: int = 0,
    hour_end: int = 24,
) -> Any:
    """The fetch record of one transcript page (a Core row with the model's columns), or ``None``.

    A client compares its ``fetched`` with ``max_age`` to decide whether to fetch the page again;
    ``previous_day`` lets a walk back through history continue without it.
    """

    def work(conn: Connection) -> Any:
        return conn.execute(
            select(_fetches).where(
                _fetches.c.room_meta_id == room_meta_id,
                _fetches.c.day == day,
                _fetches.c.hour_start == hour_start,
                _fetches.c.hour_end == hour_end,
            )
        ).first()

    return _transaction(target, work)


# ---------------------------------------------------------------------------------------------
# Live events

# Message events whose ``user_*`` fields are the message's author.
_AUTHORED = {
    T.MESSAGE_POSTED,
    T.MESSAGE_EDITED,
    T.USER_MENTIONED,
    T.MESSAGE_REPLY,
    T.MESSAGE_MOVED_OUT,
    T.MESSAGE_MOVED_IN,
}
# Message events whose ``content`` is the message's current HTML and whose counters are current.
_CONTENT = {
    T.MESSAGE_POSTED,
    T.MESSAGE_EDITED,
    T.MESSAGE_STARRED,
    T.USER_MENTIONED,
    T.MESSAGE_REPLY,
    T.MESSAGE_MOVED_IN,
}
# Message events whose time stamp is the message's own time.
_TIMED = _CONTENT - {T.MESSAGE_STARRED}
# Events whose room fields do not name the room they happened in (none; the invited room).
_ROOMLESS = {T.USER_NOTIFICATION, T.INVITATION}


def record_event(
    target: Engine | Connection,
    server_meta_id: int,
    ev: Any,
    *,
    now: dt.datetime | None = None,
    via_room: int | None = None,
) -> int | None:
    """Apply one live event to the archive; returns the ``meta_id`` of the message it touched.

    ``via_room``: the chat id of the room whose feed delivered the event; the archived event is
    filed under it when the event's own room fields name no room of its own (a personal
    notification, an invitation to another room).

    Posted/edited/reply/mention/moved-in and star events upsert the message (an edit replaces the
    content, stars and pins are set); a deletion marks it deleted and keeps its content; the
    acting user and the room are stored as stubs with their current names. A name/avatar change
    makes the changed user's row stale, so the next lookup fetches the profile.
    """
    now = now or utcnow()

    def work(conn: Connection) -> int | None:
        return _apply_event(conn, server_meta_id, ev, now, via_room)

    return _transaction(target, work)


def _apply_event(
    conn: Connection, server: int, ev: Any, now: dt.datetime, via_room: int | None = None
) -> int | None:
    etype = ev.event_type
    room_meta_id = None
    if ev.room_id is not None and etype not in _ROOMLESS:
        room_meta_id = _upsert_room_rows(
            conn, server, [_room_row(server, (ev.room_id, ev.room_name), now)]
        )[ev.room_id]
    user_meta_id = None
    if ev.user_id is not None:
        user_meta_id = _upsert_user_rows(
            conn, server, [_user_row(server, (ev.user_id, ev.user_name), now)]
        )[ev.user_id]
    if etype == T.USER_NAME_CHANGED and ev.target_user_id is not None:
        conn.execute(
            update(_users)
            .where(_users.c.server_meta_id == server, _users.c.id == ev.target_user_id)
            .values(meta_updated=EPOCH)
        )
    if ev.id is not None:
        event_room = room_meta_id
        if etype in _ROOMLESS and via_room is not None:
            event_room = conn.execute(
                select(_rooms.c.meta_id).where(
                    _rooms.c.server_meta_id == server, _rooms.c.id == via_room
                )
            ).scalar()
        _archive_event(conn, server, event_room, ev, now)
    message_id = getattr(ev, "message_id", None)
    if message_id is None or room_meta_id is None:
        return None
    if etype in _CONTENT or etype == T.MESSAGE_DELETED:
        deleted = etype == T.MESSAGE_DELETED
        content = None if deleted else ev.content
        row = {
            "server_meta_id": server,
            "room_meta_id": room_meta_id,
            "owner_meta_id": user_meta_id if etype in _AUTHORED else None,
            "id": message_id,
            "content_html": content,
            "content_text": text_from_html(content),
            "content_markdown": None,
            "parent_id": ev.parent_id,
            "time": ev.time_stamp if etype in _TIMED else None,
            "edits": ev.message_edits,
            "stars": ev.message_stars,
            "pinned": ev.message_owner_stars > 0,
            "onebox": None,
            "text_complete": True,
            "deleted": deleted,
            "meta_deleted": now if deleted else None,
            "meta_created": now,
            "meta_updated": now,
        }
        merge = _merge_message_exact if etype == T.MESSAGE_POSTED else _merge_message_transcript
        if etype == T.MESSAGE_DELETED:
            merge = _merge_deleted
        _upsert(conn, _messages, [row], ("server_meta_id", "id"), merge)
        return conn.execute(
            select(_messages.c.meta_id).where(
                _messages.c.server_meta_id == server, _messages.c.id == message_id
            )
        ).scalar_one()
    return None


def _archive_event(
    conn: Connection, server: int, room_meta_id: int | None, ev: Any, now: dt.datetime
) -> None:
    """The event itself into ``events`` (once per chat event id), for replay."""
    row = {
        "server_meta_id": server,
        "room_meta_id": room_meta_id,
        "id": ev.id,
        "event_type": int(ev.event_type),
        "time": ev.time_stamp,
        "user_id": ev.user_id,
        "target_user_id": ev.target_user_id,
        "message_id": getattr(ev, "message_id", None),
        "raw": orjson.dumps(ev.raw).decode(),
        "meta_created": now,
        "meta_updated": now,
    }
    _upsert(conn, _events, [row], ("server_meta_id", "id"), _merge_event)


def _merge_event(table: Table, new: Callable[[str], Any]) -> dict[str, Any]:
    return {"meta_updated": new("meta_updated")}  # an event never changes: kept as first seen


def _merge_deleted(table: Table, new: Callable[[str], Any]) -> dict[str, Any]:
    c = table.c
    return {
        "deleted": new("deleted"),
        "meta_deleted": func.coalesce(c.meta_deleted, new("meta_deleted")),
        "edits": _max(c.edits, new("edits")),
        "meta_updated": new("meta_updated"),
    }
