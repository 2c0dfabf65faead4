"""``chatexchange db current|upgrade DATABASE``: an archive's revision, shown without changing it;
the migrations it lacks, run; what is not an archive refused in one line, nothing created."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from chatexchange import store
from chatexchange.cli import main

FIXTURES = Path(__file__).parent.parent / "storage" / "fixtures"


def _dump(path: Path) -> str:
    raw = sqlite3.connect(path)
    try:
        return "\n".join(raw.iterdump())
    finally:
        raw.close()


def _release_2_archive(tmp_path: Path) -> Path:
    path = tmp_path / "v2.db"
    raw = sqlite3.connect(path)
    raw.executescript((FIXTURES / "archive_v2.sql").read_text(encoding="utf-8"))
    raw.close()
    return path


def test_current_shows_an_old_archive_untouched_and_upgrade_upgrades_it(tmp_path, capsys):
    path = _release_2_archive(tmp_path)
    before = _dump(path)
    assert main(["db", "current", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("no revision: an archive of release schema version 2")
    assert _dump(path) == before  # looking changes nothing

    assert main(["db", "upgrade", str(path)]) == 0
    assert capsys.readouterr().out == f"upgraded from release schema version 2 to {store.HEAD}\n"
    assert main(["db", "current", str(path)]) == 0
    assert capsys.readouterr().out == f"{store.HEAD} (newest)\n"
    assert main(["db", "upgrade", str(path)]) == 0
    assert capsys.readouterr().out == f"already at {store.HEAD} (newest)\n"


def test_upgrade_on_postgresql_and_sqlite(db_url, capsys):
    engine = store.open_engine(db_url)  # today's schema, as a release before migrations left it
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
    engine.dispose()
    assert main(["db", "upgrade", db_url]) == 0
    assert capsys.readouterr().out == f"upgraded from release schema version 3 to {store.HEAD}\n"
    assert store.archive_revision(db_url).at_head


def test_an_archive_of_a_newer_release_is_named_and_not_upgraded(tmp_path, capsys):
    path = tmp_path / "a.db"
    store.open_engine(path).dispose()
    raw = sqlite3.connect(path)
    raw.execute("UPDATE alembic_version SET version_num = '9999'")
    raw.commit()
    raw.close()
    before = _dump(path)
    assert main(["db", "current", str(path)]) == 0
    assert "9999: unknown to this chatexchange" in capsys.readouterr().out
    assert main(["db", "upgrade", str(path)]) == 9
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "cannot upgrade: the archive is at 9999: unknown" in err[0]
    assert _dump(path) == before


@pytest.mark.parametrize("action", ["current", "upgrade"])
def test_what_is_not_an_archive_is_refused_and_nothing_is_created(tmp_path, capsys, action):
    missing = tmp_path / "missing.db"
    assert main(["db", action, str(missing)]) == 9
    assert "no archive at" in capsys.readouterr().err
    assert not missing.exists()
    other = tmp_path / "other.db"
    raw = sqlite3.connect(other)
    raw.execute("CREATE TABLE notes (body TEXT)")
    raw.commit()
    raw.close()
    before = _dump(other)
    assert main(["db", action, str(other)]) == 9
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "is not a chatexchange archive" in err[0]
    assert _dump(other) == before


def test_without_a_database_or_an_action_it_is_an_argument_error(monkeypatch, capsys):
    monkeypatch.delenv("CHATEXCHANGE_DATABASE", raising=False)
    assert main(["db", "current"]) == 2
    assert "db current needs an archive" in capsys.readouterr().err
    assert main(["db", "downgrade", "x.db"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_a_failed_upgrade_is_one_line_and_changes_nothing(tmp_path, capsys, monkeypatch):
    from chatexchange.store import legacy

    path = tmp_path / "v1.db"
    raw = sqlite3.connect(path)
    raw.executescript((FIXTURES / "archive_v1.sql").read_text(encoding="utf-8"))
    raw.close()
    before = _dump(path)

    def broken(conn) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(legacy, "canonical_times", broken)
    assert main(["db", "upgrade", str(path)]) == 9
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "nothing was changed: disk on fire" in err[0]
    assert _dump(path) == before
