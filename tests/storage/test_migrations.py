"""Schema migrations: archives of every earlier release and of today's schema upgrade on open and
keep their data; the migrations make exactly the models' schema; a failure changes nothing;
opening an archive at the newest revision never loads Alembic; processes opening one empty
archive at once do not race."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select, text

from chatexchange import store
from chatexchange.errors import StorageError
from chatexchange.models import Base, Message, Server, database_info
from chatexchange.store import fulltext as _search
from chatexchange.store import legacy, schema

FIXTURES = Path(__file__).parent / "fixtures"
TABLES = ("servers", "users", "rooms", "messages", "transcript_page_fetches")


def _legacy_archive(tmp_path: Path, version: int) -> Path:
    """An SQLite archive as the release of schema ``version`` wrote it (from its SQL dump)."""
    path = tmp_path / f"v{version}.db"
    raw = sqlite3.connect(path)
    raw.executescript((FIXTURES / f"archive_v{version}.sql").read_text(encoding="utf-8"))
    raw.close()
    return path


def _rows(path: Path, table: str) -> list[tuple]:
    raw = sqlite3.connect(path)
    try:
        return raw.execute(f"SELECT * FROM {table} ORDER BY meta_id").fetchall()
    finally:
        raw.close()


def _revision(engine) -> str | None:
    with engine.connect() as conn:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


@pytest.mark.parametrize("version", [1, 2, 3])
def test_an_archive_of_an_earlier_release_upgrades_on_open_and_keeps_its_data(
    tmp_path: Path, version: int
) -> None:
    path = _legacy_archive(tmp_path, version)
    before = {t: _rows(path, t) for t in TABLES}
    engine = store.open_engine(path)
    try:
        assert _revision(engine) == schema.HEAD
        with engine.connect() as conn:
            assert schema.revision(conn).release_version == 3
            messages = conn.execute(
                select(Message.id, Message.content_text, Message.text_complete, Message.time)
                .order_by(Message.id)
            ).all()
            raw_times = conn.execute(text("SELECT time FROM messages ORDER BY id")).scalars()
            assert all(len(t) == 26 for t in raw_times)  # the fraction is always there
            tables = set(inspect(conn).get_table_names())
        assert [m[:2] for m in messages] == [(1, "message 1"), (2, "message 2"), (3, "message 3")]
        # versions 1 and 2 lacked text_complete: the shortened text is marked incomplete
        assert [m.text_complete for m in messages] == [True, True, version == 3]
        assert set(Base.metadata.tables) <= tables  # tables added since that release
        for table in ("servers", "users", "rooms", "transcript_page_fetches"):
            assert len(_rows(path, table)) == len(before[table])
        assert [r[0] for r in _rows(path, "users")] == [r[0] for r in before["users"]]
        with engine.connect() as conn:  # the full-text index was built from the stored messages
            assert len(_search.search(conn, "message")) == 3
        sid = store.server_meta_id(engine, "se")
        store.upsert_users(engine, sid, [(78, "new")])  # and it takes new rows
    finally:
        engine.dispose()
    again = store.open_engine(path)  # at the newest revision now: nothing runs
    try:
        assert _revision(again) == schema.HEAD
    finally:
        again.dispose()


def test_an_archive_of_todays_schema_without_a_revision_upgrades_on_open(db_url: str) -> None:
    """What the last release before migrations made: today's tables, no ``alembic_version``."""
    engine = store.open_engine(db_url)
    sid = store.server_meta_id(engine, "se")
    store.upsert_users(engine, sid, [(7, "alice"), (8, "bob")])
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
    engine.dispose()
    engine = store.open_engine(db_url)
    try:
        assert _revision(engine) == schema.HEAD
        with engine.connect() as conn:
            assert conn.execute(select(Server.slug).order_by(Server.slug)).scalars().all() == [
                "mse",
                "se",
                "so",
            ]
            names = conn.execute(text("SELECT name FROM users ORDER BY id")).scalars().all()
        assert names == ["alice", "bob"]
    finally:
        engine.dispose()


def test_the_migrations_make_exactly_the_models_schema(db_url: str) -> None:
    """A new archive is made with ``create_all`` and stamped; migrating an empty database must
    give the same schema, so a model change without its migration fails here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from chatexchange.store import migrations

    assert migrations.head() == schema.HEAD
    engine = create_engine(db_url)
    try:
        with schema.locked(engine) as conn:
            schema.migrate(conn, schema.revision(conn))
        with engine.connect() as conn:
            assert schema.revision(conn).revision == schema.HEAD
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_a_failed_migration_is_a_storage_error_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _legacy_archive(tmp_path, 1)
    dump = "\n".join(sqlite3.connect(path).iterdump())

    def broken(conn) -> None:
        raise RuntimeError("disk on fire")

    # version 1's second step fails after its first one (a new column) has run
    monkeypatch.setattr(legacy, "canonical_times", broken)
    with pytest.raises(StorageError, match=r"from release schema version 1 to .*disk on fire"):
        store.open_engine(path)
    assert "\n".join(sqlite3.connect(path).iterdump()) == dump
    monkeypatch.undo()
    engine = store.open_engine(path)
    try:
        assert _revision(engine) == schema.HEAD
    finally:
        engine.dispose()


def test_an_archive_of_a_newer_release_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    store.open_engine(path).dispose()
    raw = sqlite3.connect(path)
    raw.execute("UPDATE alembic_version SET version_num = '9999'")
    raw.commit()
    raw.close()
    dump = "\n".join(sqlite3.connect(path).iterdump())
    with pytest.raises(StorageError, match="migration 9999, which this chatexchange does not"):
        store.open_engine(path)
    assert "\n".join(sqlite3.connect(path).iterdump()) == dump


def test_opening_new_and_current_archives_never_loads_alembic(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from chatexchange import store\n"
        "store.open_engine().dispose()\n"
        f"store.open_engine({str(tmp_path / 'a.db')!r}).dispose()\n"
        f"store.open_engine({str(tmp_path / 'a.db')!r}).dispose()\n"
        "assert 'alembic' not in sys.modules, 'alembic was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_processes_opening_one_empty_archive_at_once_do_not_race(db_url: str) -> None:
    """Several processes and threads open one new archive at the same moment (PostgreSQL: they
    raced in its catalog; SQLite: in creating the file's tables): one makes it, the others wait."""
    code = (
        "import sys\n"
        "from chatexchange import store\n"
        "sys.stdin.readline()\n"  # every process is started and imported: go
        f"store.open_engine({db_url!r}).dispose()\n"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", code], stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    errors: list[BaseException] = []

    def open_once() -> None:
        try:
            store.open_engine(db_url).dispose()
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=open_once) for _ in range(3)]
    for p in processes:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    failures = [p.communicate()[1] for p in processes if p.wait() != 0]
    assert failures == [] and errors == []
    engine = store.open_engine(db_url)
    try:
        assert _revision(engine) == schema.HEAD
        with engine.connect() as conn:
            assert len(conn.execute(select(Server.slug)).scalars().all()) == 3
            seeded = conn.execute(
                select(database_info.c.key).where(database_info.c.key == "seeded")
            ).all()
        assert len(seeded) == 1
    finally:
        engine.dispose()
