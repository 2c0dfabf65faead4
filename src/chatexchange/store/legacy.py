"""Archives written before the migrations: the steps their release schema versions (1 to 3,
kept in ``chatexchange_database.schema_version``) lacked, run by the baseline migration.

Version 2: on SQLite every time is text in one format, ``'YYYY-MM-DD HH:MM:SS.ffffff'``, so
comparisons and ORDER BY in SQL are exact. Version 1 stored times written by the batched upserts
without the fraction when it was zero (``'19:50:00'`` sorts before ``'19:50:00.000000'``, the same
instant written by any other path).

Version 3: ``messages.text_complete``; a stored message whose HTML is the transcript's shortened
form (``class="partial"``) is marked incomplete.
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, Text, func, inspect, or_, select, type_coerce, update
from sqlalchemy.schema import CreateColumn

from ..models import SCHEMA_VERSION, Base, UTCDateTime, database_info
from .tables import _messages

log = logging.getLogger("chatexchange.store")


def release_version(conn: Connection) -> int | None:
    """The release schema version an archive records (``None``: not recorded)."""
    stored = conn.execute(
        select(database_info.c.value).where(database_info.c.key == "schema_version")
    ).scalar()
    return None if stored is None else int(stored)


def upgrade(conn: Connection) -> None:
    """Bring an archive of release schema version 1 or 2 to version 3 (nothing for 3)."""
    stored = release_version(conn)
    if stored is None or stored >= SCHEMA_VERSION:
        return
    if stored < 3:
        add_text_complete(conn)
    if stored < 2 and conn.dialect.name == "sqlite":
        canonical_times(conn)
    conn.execute(
        update(database_info)
        .where(database_info.c.key == "schema_version")
        .values(value=str(SCHEMA_VERSION))
    )
    log.info("archive brought from release schema version %s to %s", stored, SCHEMA_VERSION)


def add_text_complete(conn: Connection) -> None:
    if "text_complete" in {c["name"] for c in inspect(conn).get_columns(_messages.name)}:
        return
    ddl = CreateColumn(_messages.c.text_complete).compile(dialect=conn.dialect)
    conn.exec_driver_sql(f"ALTER TABLE {_messages.name} ADD COLUMN {ddl}")
    html = _messages.c.content_html
    conn.execute(
        update(_messages)
        .where(or_(html.like('%class="partial"%'), html.like("%class='partial'%")))
        .values(text_complete=False)
    )


def canonical_times(conn: Connection) -> None:
    inspector = inspect(conn)
    for table in Base.metadata.sorted_tables:
        if not inspector.has_table(table.name):
            continue
        present = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if isinstance(column.type, UTCDateTime) and column.name in present:
                stored_text = type_coerce(column, Text())
                conn.execute(
                    update(table)
                    .where(func.typeof(column) == "text", func.length(stored_text) == 19)
                    .values({column.name: stored_text + ".000000"})
                )
