"""The archive's schema: made, migrated and seeded when an archive is opened.

Schema changes are Alembic migrations (``store/migrations/versions``); the ``alembic_version``
table holds the archive's revision. Opening stays cheap: one select tells an archive already at
:data:`HEAD` (the common case) and nothing else runs; an empty database gets the models' tables
with ``create_all`` and is stamped :data:`HEAD` without loading Alembic. Only an archive behind
(or one of a release before migrations, told by its ``chatexchange_database`` table and no
``alembic_version``) loads Alembic and runs the migrations it lacks.

Creation, migrations and seeding run in one transaction under a lock (PostgreSQL: a transaction
advisory lock per schema; SQLite: ``BEGIN IMMEDIATE``), so processes opening one archive at once
do not race, and a failed migration changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from .. import _seed
from .._time import utcnow
from ..errors import StorageError
from ..models import SCHEMA_VERSION, Base, database_info
from . import legacy
from .fulltext import ensure_index

log = logging.getLogger("chatexchange.store")

#: The newest migration's revision (a test holds it to ``migrations/versions``).
HEAD = "0003"

#: Alembic's own version table, as Alembic makes it.
_versions = Table(
    "alembic_version",
    MetaData(),
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)


@dataclass(frozen=True, slots=True)
class Revision:
    """Where an archive stands: its migration revision (``None`` before migrations), the
    release schema version it records, and whether it has the archive's tables at all."""

    revision: str | None
    release_version: int | None
    archive: bool

    @property
    def at_head(self) -> bool:
        return self.revision == HEAD

    @property
    def known(self) -> bool:
        """Whether this release's migrations know the revision (loads Alembic unless at head);
        an unknown one was written by a newer release."""
        if self.revision is None or self.at_head:
            return True
        from . import migrations

        return self.revision in migrations.revisions()


def prepare(engine: Engine) -> bool:
    """Make the archive at ``engine`` current: create, migrate and seed what it lacks. Returns
    whether it did anything (``False``: it was at :data:`HEAD`, one select)."""
    if _fast_revision(engine) == HEAD:
        return False
    with locked(engine) as conn:
        found = revision(conn)
        if found.at_head:  # another process finished it while we waited for the lock
            return True
        if not found.archive:
            Base.metadata.create_all(conn)
            _versions.create(conn)
            conn.execute(insert(_versions).values(version_num=HEAD))
        else:
            migrate(conn, found)
        _apply_seed(conn)
        ensure_index(conn)
    return True


def migrate(conn: Connection, found: Revision) -> None:
    """Run the migrations after ``found`` in the caller's transaction; any failure is a
    :class:`StorageError` (the caller's rollback leaves the archive as it was)."""
    from . import migrations  # Alembic: loaded only here

    try:
        migrations.upgrade(conn, found.revision)
    except StorageError:
        raise
    except Exception as exc:
        before = found.revision or f"release schema version {found.release_version}"
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        raise StorageError(
            f"upgrading the archive from {before} to {HEAD} failed, nothing was changed: "
            f"{reason[0] if reason else type(exc).__name__}"
        ) from exc
    log.info("archive upgraded from %s to %s", found.revision or "before migrations", HEAD)


def revision(conn: Connection) -> Revision:
    """Where the archive on ``conn`` stands (reads only)."""
    tables = set(inspect(conn).get_table_names())
    current = None
    if _versions.name in tables:
        current = conn.execute(select(_versions.c.version_num)).scalar()
    release = None
    if database_info.name in tables:
        release = legacy.release_version(conn)
    return Revision(current, release, bool(tables & {database_info.name, _versions.name}))


def _fast_revision(engine: Engine) -> str | None:
    """The archive's revision in one select; ``None`` when there is none to read."""
    try:
        with engine.connect() as conn:
            return conn.execute(select(_versions.c.version_num)).scalar()
    except SQLAlchemyError:  # no version table (yet): the locked path looks closer
        return None


@contextmanager
def locked(engine: Engine) -> Iterator[Connection]:
    """One transaction that no other process opening the archive runs beside."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            # pysqlite opens no transaction before DDL; take the write lock now, explicitly.
            driver = conn.connection.driver_connection
            saved = driver.isolation_level  # type: ignore[union-attr]
            driver.isolation_level = None  # type: ignore[union-attr]
            try:
                with conn.begin():
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                    yield conn
            finally:
                driver.isolation_level = saved  # type: ignore[union-attr]
        else:
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(
                        text(
                            "SELECT pg_advisory_xact_lock("
                            "hashtext('chatexchange archive'), hashtext(current_schema()))"
                        )
                    )
                yield conn


def _apply_seed(conn: Connection) -> None:
    """Insert the seed rows, once per database (a marker row says it was done)."""
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
                    # what releases before the migrations read (they leave such an archive be)
                    {"key": "schema_version", "value": str(SCHEMA_VERSION)},
                ],
            )
            with Session(bind=conn, join_transaction_mode="create_savepoint") as session:
                session.add_all(_seed.data())
                session.commit()  # releases the session's savepoint, not the transaction
    except IntegrityError:
        log.debug("seed rows were applied concurrently by another connection")
