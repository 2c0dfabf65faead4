"""Batched upserts: the dialect's ``INSERT ... ON CONFLICT DO UPDATE`` on SQLite and PostgreSQL,
update-then-insert elsewhere, and a compiled fast path for big batches (many rows a statement)."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from itertools import chain
from operator import itemgetter
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Table, and_, bindparam, insert, update
from sqlalchemy.engine.url import URL
from sqlalchemy.exc import SQLAlchemyError

from .._time import UTC
from ..errors import StorageError
from ..models import UTCDateTime
from .urls import _reason

Merge = Callable[[Table, Callable[[str], Any]], dict[str, Any]]

# Built statements, by (dialect, table, conflict keys, merge): building and cache-keying an
# ON CONFLICT statement with its CASE expressions costs more than running it on a small page.
_statements: dict[tuple[Any, ...], Any] = {}
# SQLite fast path: SQL text, parameter order and bind processors of a compiled upsert.
T = TypeVar("T")
_Processor = Callable[[Any], Any]
_compiled: dict[
    tuple[Any, ...], tuple[str, list[str], list[_Processor | None], dict[int, str]]
] = {}


def _upsert_statement(dialect: str, table: Table, keys: tuple[str, ...], merge: Merge) -> Any:
    cache_key = (dialect, table.name, keys, merge)
    stmt = _statements.get(cache_key)
    if stmt is None:
        from sqlalchemy.dialects import postgresql, sqlite

        ins: Any = sqlite.insert(table) if dialect == "sqlite" else postgresql.insert(table)
        stmt = ins.on_conflict_do_update(
            index_elements=list(keys), set_=merge(table, lambda name: ins.excluded[name])
        )
        _statements[cache_key] = stmt
    return stmt


def _upsert(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]] | Sequence[tuple[Any, ...]],
    keys: tuple[str, ...],
    merge: Merge,
    *,
    raw: bool = False,
    columns: tuple[str, ...] | None = None,
) -> None:
    """Insert ``rows``; where ``keys`` already exist, set what ``merge`` says.

    ``merge(table, incoming)`` builds the SET clause; ``incoming(name)`` is the new value of a
    column (``excluded.name`` on SQLite/PostgreSQL, a bound parameter in the fallback). All rows
    have the same keys. ``raw=True`` (big batches) runs the compiled statement on SQLite's driver
    with the column types' own bind processors, skipping per-row statement work. With
    ``columns``, rows are tuples of those columns' values: the history import builds a page's
    message rows that way, without a dict per row.
    """
    if not rows:
        return
    dialect = conn.dialect.name
    if dialect == "postgresql" and len(rows) > 1:
        rows = _in_key_order(rows, keys, columns)
    if dialect in ("sqlite", "postgresql"):
        stmt = _upsert_statement(dialect, table, keys, merge)
        if raw:
            names = columns or tuple(rows[0].keys())  # type: ignore[union-attr]
            if _upsert_raw(conn, stmt, table, keys, merge, names, rows):
                return
        conn.execute(stmt, _as_dicts(rows, columns))
        return
    # Anything else: update by key, insert what was not there; row by row, but correct.
    dicts = _as_dicts(rows, columns)
    fields = list(dicts[0].keys())
    set_ = merge(table, lambda name: bindparam(f"new_{name}", type_=table.c[name].type))
    upd = (
        update(table).where(and_(*(table.c[k] == bindparam(f"key_{k}") for k in keys))).values(set_)
    )
    for row in dicts:
        params = {f"new_{c}": row[c] for c in fields}
        params.update({f"key_{k}": row[k] for k in keys})
        if conn.execute(upd, params).rowcount == 0:
            conn.execute(insert(table), dict(row))


def _in_key_order(
    rows: Sequence[Any], keys: tuple[str, ...], columns: tuple[str, ...] | None
) -> Any:
    """``rows`` sorted by their key. PostgreSQL locks the rows an upsert touches in the order it
    meets them, so two writers giving overlapping rows in different orders (two bot processes
    archiving the same users) could deadlock; in key order every writer locks in one order. The
    sort is stable: of rows with the same key, the later still wins."""
    at: list[Any] = [columns.index(k) for k in keys] if columns else list(keys)
    return sorted(rows, key=lambda row: tuple((row[i] is None, row[i]) for i in at))


def _as_dicts(
    rows: Sequence[Mapping[str, Any]] | Sequence[tuple[Any, ...]], columns: tuple[str, ...] | None
) -> list[Mapping[str, Any]]:
    if columns is None:
        return list(rows)  # type: ignore[arg-type]
    return [dict(zip(columns, row, strict=True)) for row in rows]


def _upsert_raw(
    conn: Connection,
    stmt: Any,
    table: Table,
    keys: tuple[str, ...],
    merge: Merge,
    columns: tuple[str, ...],
    rows: Sequence[Mapping[str, Any]] | Sequence[tuple[Any, ...]],
) -> bool:
    """``rows`` (dicts, or tuples of ``columns``) through the compiled statement on the driver;
    False when the statement has a shape this path does not handle."""
    tuples = not isinstance(rows[0], Mapping)
    cache_key = (conn.dialect.name, table.name, keys, merge, columns)
    entry = _compiled.get(cache_key)
    if entry is None:
        if conn.dialect.name == "postgresql":
            # psycopg's named parameters become positional ones, in the order they appear
            # (executemany form: no RETURNING)
            compiled = stmt.compile(
                dialect=conn.dialect, column_keys=list(columns), for_executemany=True
            )
            names = _PG_PARAMETER.findall(compiled.string)
            sql = _PG_PARAMETER.sub("%s", compiled.string)
        else:
            compiled = stmt.compile(dialect=conn.dialect, column_keys=list(columns))
            names = list(compiled.positiontup or ())
            sql = compiled.string
        if not names or not set(names) <= set(columns) or len(set(names)) < len(names):
            return False  # a shape this path does not handle: let SQLAlchemy do it
        # The dialect's own processors, as SQLAlchemy would use: the generic types' processors
        # leave datetimes to the driver, and sqlite3's default adapter drops a zero fraction
        # ('19:50:00' instead of the '19:50:00.000000' every other path stores).
        procs = [_bind_processor(compiled.binds[n].type, conn.dialect) for n in names]
        entry = (sql, names, procs, {})
        _compiled[cache_key] = entry
    sql, names, procs, multi = entry
    key = names.index(keys[0]) if keys[0] in names else -1
    params: list[tuple[Any, ...]]
    if tuples and len(names) == len(columns) and all(map(str.__eq__, names, columns)):
        params = list(rows)  # type: ignore[arg-type]  # already in the statement's order
    else:
        get = itemgetter(*(columns.index(n) for n in names) if tuples else names)
        params = (
            [get(row) for row in rows] if len(names) > 1 else [(get(row),) for row in rows]
        )
    typed: list[tuple[int, _Processor]] = [
        (i, proc) for i, proc in enumerate(procs) if proc is not None
    ]
    if typed:
        # Column by column: only typed columns need converting (datetimes, dates, booleans), and
        # their values repeat a lot (the same "now", minute-resolution times, two booleans), so
        # each distinct value of a column is converted once.
        by_column: list[Sequence[Any]] = list(zip(*params, strict=True))
        for i, proc in typed:
            by_column[i] = _converted(by_column[i], proc)
        params = list(zip(*by_column, strict=True))
    if conn.dialect.name == "postgresql":
        at = [names.index(k) for k in keys if k in names]
        if len(at) < len(keys) or len({tuple(row[i] for i in at) for row in params}) < len(params):
            return False  # one statement cannot touch a row twice: SQLAlchemy's row by row
        _execute_rows_postgresql(conn, sql, params, multi)
        return True
    _execute_rows(conn, conn.connection.dbapi_connection, sql, len(names), params, multi, key)
    return True


def _converted(values: Sequence[Any], proc: _Processor) -> Sequence[Any]:
    """``values`` through a bind processor (None stays None), each distinct value once."""
    try:
        done = {value: proc(value) for value in set(values) if value is not None}
    except TypeError:  # unhashable (JSON)
        return [None if value is None else proc(value) for value in values]
    done[None] = None
    return [done[value] for value in values]


# Parameters per statement where the driver cannot tell SQLite's limit (Python < 3.11): the
# smallest compiled-in limit (999 before SQLite 3.32; 32766 since).
_SQLITE_MAX_PARAMETERS = 999
# Rows per statement, at most: a transcript page (up to about 250 messages) in one statement.
_MAX_ROWS = 256


def _parameter_limit(dbapi_connection: Any) -> int:
    """How many parameters SQLite takes in one statement on this connection."""
    try:
        return int(dbapi_connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
    except (AttributeError, sqlite3.Error):
        return _SQLITE_MAX_PARAMETERS


def _execute_rows(
    conn: Connection,
    dbapi_connection: Any,
    sql: str,
    width: int,
    params: list[tuple[Any, ...]],
    multi: dict[int, str],
    key: int,
) -> None:
    """Run a one-row ``INSERT ... VALUES (?, ...)`` for every row of ``params`` in as few
    statements as SQLite takes: ``INSERT ... SELECT * FROM (VALUES (...), (...), ...)``.

    The driver runs each statement with the GIL released and takes it back afterwards; with
    another thread busy (the history import parses the next page meanwhile) each of those waits
    costs up to the interpreter's switch interval, so statements are few and large. Their row
    counts are powers of two, the last chunk filled up with rows of NULLs that the statement's
    ``WHERE`` drops (``key``: the position of a column no stored row has NULL in): a few SQL
    texts per table, each prepared once by the driver's statement cache, however the page sizes
    vary (a prepared statement of 256 rows takes about a third of a megabyte).
    """
    one = "(" + ", ".join(["?"] * width) + ")"
    per = min(_MAX_ROWS, _parameter_limit(dbapi_connection) // width)
    values = "VALUES " + one
    if (
        per < 2
        or key < 0
        or len(params) == 1
        or sql.count(values) != 1
        or any(row[key] is None for row in params)  # refused as the one-row statement refuses it
    ):
        conn.exec_driver_sql(sql, params)
        return
    per = 1 << (per.bit_length() - 1)  # a power of two
    for start in range(0, len(params), per):
        chunk = params[start : start + per]
        size = 1 << (len(chunk) - 1).bit_length()
        text = multi.get(size)
        if text is None:
            rows = ", ".join([one] * size)
            text = multi[size] = sql.replace(
                values, f"SELECT * FROM (VALUES {rows}) WHERE column{key + 1} IS NOT NULL"
            )
        flat = list(chain.from_iterable(chunk))
        flat.extend([None] * (width * (size - len(chunk))))
        conn.exec_driver_sql(text, tuple(flat))


_PG_PARAMETER = re.compile(r"%\(([^)]+)\)s")


def _execute_rows_postgresql(
    conn: Connection, sql: str, params: list[tuple[Any, ...]], multi: dict[int, str]
) -> None:
    """Every row of ``params`` through the one-row ``INSERT ... VALUES (...) ON CONFLICT ...``
    as ``VALUES (...), (...), ...`` statements of power-of-two row counts (250 rows: 128 + 64 +
    32 + 16 + 8 + 2), so a page is a few statements instead of one per row, and at most nine
    statement texts for psycopg to prepare. PostgreSQL gives each value its column's type (the
    compiled statement casts them), so no filling rows are needed. The texts carry PostgreSQL's
    own ``$n`` parameters and run on psycopg's raw cursor: psycopg would otherwise translate
    every long ``%s`` text again on each execution (it caches only short ones)."""
    head, sep, rest = sql.partition("VALUES ")
    row, on, tail = rest.partition(" ON CONFLICT ")
    if not sep or not on:
        conn.exec_driver_sql(sql, params)
        return
    from psycopg import RawCursor

    parts = row.split("%s")
    width = len(parts) - 1
    driver: Any = conn.connection.dbapi_connection  # the transaction's connection
    with RawCursor(driver) as cursor:
        start = 0
        while start < len(params):
            size = min(_MAX_ROWS, 1 << ((len(params) - start).bit_length() - 1))
            text = multi.get(size)
            if text is None:
                groups = []
                for r in range(size):
                    group = [parts[0]]
                    for j, part in enumerate(parts[1:]):
                        group.append(f"${r * width + j + 1}{part}")
                    groups.append("".join(group))
                text = multi[size] = (
                    (head + sep + ", ".join(groups) + on + tail).replace("%%", "%")
                )
            cursor.execute(text, tuple(chain.from_iterable(params[start : start + size])))
            start += size


def _bind_processor(type_: Any, dialect: Any) -> _Processor | None:
    if dialect.name == "sqlite" and isinstance(type_, UTCDateTime):
        return _sqlite_time_text
    processor: _Processor | None = type_.dialect_impl(dialect).bind_processor(dialect)
    return processor


def _sqlite_time_text(value: dt.datetime) -> str:
    """What ``UTCDateTime`` and SQLite's DATETIME store for ``value``
    (``'YYYY-MM-DD HH:MM:SS.ffffff'``, naive UTC), in one C call instead of two layers of
    processors: an import converts a time per message."""
    if value.__class__ is not dt.datetime or value.tzinfo is None:
        return _sqlite_time_slow(value)
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.replace(tzinfo=None).isoformat(" ", "microseconds")


def _sqlite_time_slow(value: Any) -> str:
    """The column type's own processors (they refuse naive datetimes with a clear error)."""
    from sqlalchemy.dialects import sqlite

    dialect = sqlite.dialect()
    processor: Any = UTCDateTime().dialect_impl(dialect).bind_processor(dialect)
    text: str = processor(value)
    return text


def _transaction(target: Engine | Connection, work: Callable[[Connection], T]) -> T:
    try:
        if isinstance(target, Engine):
            with target.begin() as conn:
                return work(conn)
        return work(target)
    except SQLAlchemyError as exc:
        raise StorageError(f"writing to the archive failed: {_reason(exc, _url_of(target))}")


def _url_of(target: Engine | Connection) -> URL:
    return target.engine.url
