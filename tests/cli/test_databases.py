"""What the command does with the DATABASE it is given, in a subprocess: a URL it cannot use is an
argument error, a missing driver says what to install, a relative ``sqlite:///`` path is named as
such, and no command leaves a file or tables behind where it failed."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from chatexchange.devserver import DevServerThread

from .test_end_to_end import CLI, _env, assert_one_error_line, error_lines, run


def test_an_unknown_kind_of_database_is_an_argument_error(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "chatexchange.cli", "foo://bar", "se/r/1"],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert_one_error_line(proc, 2, "unknown kind of database 'foo'")


def test_postgresql_without_its_driver_says_what_to_install(tmp_path: Path) -> None:
    hide_driver = (
        "import sys; sys.modules['psycopg'] = None; from chatexchange.cli import main; "
        "sys.exit(main(['postgresql://someone@localhost/archive', 'se/r/1']))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", hide_driver],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert_one_error_line(proc, 9, "pip install 'chatexchange3[postgres]'")


def test_a_relative_sqlite_url_that_looks_absolute_is_named_as_relative(
    devserver_thread: DevServerThread, tmp_path: Path
) -> None:
    name = f"tmp/chatexchange-test-{tmp_path.name}.db"
    proc = run(devserver_thread, f"sqlite:///{name}", "se/r/1", cwd=tmp_path)
    assert proc.returncode == 9, proc.stderr
    warning, error = error_lines(proc.stderr)
    assert f"is the file {name} relative to the current directory" in warning
    assert f"write sqlite:////{name}" in warning
    assert "no directory tmp (relative to the current directory)" in error
    assert not Path("/" + name).exists() and not list(tmp_path.iterdir())


def test_replay_of_a_missing_archive_creates_nothing(tmp_path: Path) -> None:
    (tmp_path / "bot.py").write_text("from chatexchange import Bot\nbot = Bot()\n")
    proc = subprocess.run(
        [*CLI, "replay", "sqlite://./nothing.db", "se/r/1", "--bot", "bot.py:bot"],
        cwd=tmp_path,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert_one_error_line(proc, 9, "no archive at ./nothing.db")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bot.py"]


def test_a_room_that_is_not_found_leaves_no_database_file(
    devserver_thread: DevServerThread, tmp_path: Path
) -> None:
    proc = run(devserver_thread, "sqlite://./data", "se/r/424242", cwd=tmp_path)
    assert_one_error_line(proc, 4, "not found")
    assert not list(tmp_path.iterdir())
    # A room that exists makes the archive, as before.
    proc = run(devserver_thread, "sqlite://./data", "se/r/1", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "data").is_file()


def test_an_unrelated_sqlite_file_is_refused_untouched(
    devserver_thread: DevServerThread, tmp_path: Path
) -> None:
    other = tmp_path / "notes.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
        conn.execute("INSERT INTO notes (body) VALUES ('mine')")
    conn.close()
    before = other.read_bytes()
    (tmp_path / "bot.py").write_text("from chatexchange import Bot\nbot = Bot()\n")
    for args in (("notes.db", "se/r/1"), ("replay", "notes.db", "se/r/1", "--bot", "bot.py:bot")):
        proc = run(devserver_thread, *args, cwd=tmp_path)
        assert_one_error_line(
            proc, 9, "is not a chatexchange archive (it holds other tables: notes)"
        )
    assert other.read_bytes() == before
    with sqlite3.connect(other) as conn:
        tables = [row[0] for row in conn.execute("SELECT name FROM sqlite_master")]
    conn.close()
    assert tables == ["notes"]


@pytest.mark.postgres
def test_an_unrelated_postgresql_schema_is_refused_untouched(
    devserver_thread: DevServerThread, tmp_path: Path, postgres_admin: tuple
) -> None:
    from sqlalchemy import create_engine, inspect, text

    from tests.plugins.database import postgres_schema

    admin, reason = postgres_admin
    if admin is None:
        pytest.skip(reason)
    with postgres_schema(admin) as url:
        engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        try:
            with engine.begin() as conn:
                conn.execute(text("CREATE TABLE notes (id integer PRIMARY KEY)"))
            proc = run(devserver_thread, url, "se/r/1", cwd=tmp_path)
            assert_one_error_line(proc, 9, "is not a chatexchange archive (it holds other tables")
            proc = run(devserver_thread, "show", url, "se/r/1", cwd=tmp_path)
            assert_one_error_line(proc, 9, "is not a chatexchange archive")
            assert inspect(engine).get_table_names() == ["notes"]
        finally:
            engine.dispose()
