"""``chatexchange db current|upgrade DATABASE``: an archive's schema revision, and the migrations
it lacks run, for operators who want to look or upgrade before clients open the archive (opening
upgrades too; see docs/archive.md, "Schema versions and migrations")."""

from __future__ import annotations

import argparse
import sys

from .. import errors, store
from .archive import prepare_database
from .exits import EXIT_OK

__all__ = ["describe", "run_db"]


def describe(found: store.Revision) -> str:
    """One line saying where an archive stands against this release's newest revision."""
    if found.revision is None:
        return (
            f"no revision: an archive of release schema version {found.release_version}, "
            f"from before migrations (newest: {store.HEAD}); 'db upgrade' or opening it upgrades it"
        )
    if found.at_head:
        return f"{found.revision} (newest)"
    if found.known:
        return f"{found.revision} (newest: {store.HEAD}); 'db upgrade' or opening it upgrades it"
    return (
        f"{found.revision}: unknown to this chatexchange, whose newest is {store.HEAD} "
        "(written by a newer release?)"
    )


def run_db(ns: argparse.Namespace) -> int:
    prepare_database(ns.database, must_exist=True)  # an archive: never one made here
    before = store.archive_revision(ns.database)
    out = sys.stdout
    if ns.action == "current":
        out.write(describe(before) + "\n")
        return EXIT_OK
    if before.at_head:
        out.write(f"already at {store.HEAD} (newest)\n")
        return EXIT_OK
    if not before.known:
        raise errors.StorageError(f"cannot upgrade: the archive is at {describe(before)}")
    store.open_engine(ns.database).dispose()
    after = store.archive_revision(ns.database)
    was = before.revision or f"release schema version {before.release_version}"
    out.write(f"upgraded from {was} to {after.revision}\n")
    return EXIT_OK
