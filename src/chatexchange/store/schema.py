"""The archive's schema: seed rows applied once; archives of older versions brought up to date."""

from __future__ import annotations

import logging

from sqlalchemy import DDL, Engine, Text, func, insert, inspect, or_, select, type_coerce, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.schema import CreateColumn

from .. import _seed
from .._time import utcnow
from ..models import SCHEMA_VERSION, Base, UTCDateTime, database_info
from .tables import _messages

log = logging.getLogger("chatexchange.store")


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
