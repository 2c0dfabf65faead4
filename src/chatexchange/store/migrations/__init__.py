"""Running the archive's Alembic migrations (``versions/``) on a connection.

Imported only when an archive is not at the newest revision: opening an archive that is (or a new
one, created as it) never loads Alembic.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from ...errors import StorageError

FOLDER = Path(__file__).parent


def scripts() -> ScriptDirectory:
    return ScriptDirectory(str(FOLDER), version_locations=[str(FOLDER / "versions")])


def head() -> str:
    """The newest revision of the migrations shipped (there is exactly one)."""
    heads = scripts().get_heads()
    if len(heads) != 1:
        raise StorageError(f"the archive migrations have {len(heads)} newest revisions: {heads}")
    return heads[0]


def revisions() -> set[str]:
    """Every revision of the migrations shipped."""
    return {s.revision for s in scripts().walk_revisions()}


def upgrade(conn: Connection, current: str | None) -> None:
    """Run every migration after ``current`` (``None``: from the start) inside the caller's
    transaction; the caller commits, or rolls all of them back."""
    script = scripts()
    if current is not None and current not in revisions():
        raise StorageError(
            f"the archive is at migration {current}, which this chatexchange does not know "
            "(written by a newer release?): upgrade chatexchange"
        )

    def steps(revision: Any, context: MigrationContext) -> Any:
        return script._upgrade_revs("head", revision)

    context = MigrationContext.configure(conn, opts={"script": script, "fn": steps})
    # ``begin_transaction`` joins the caller's transaction (no commit of its own); ``Operations``
    # binds ``alembic.op`` for the migration scripts.
    with Operations.context(context), context.begin_transaction():
        context.run_migrations()
