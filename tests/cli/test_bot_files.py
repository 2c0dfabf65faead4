"""``chatexchange replay`` and the user's bot file, in a subprocess: the user's own bug shows the
user's traceback with its own exit code; a missing DATABASE is named as what is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatexchange.devserver import DevServerThread

from .test_end_to_end import assert_one_error_line, error_lines, run


@pytest.fixture
def archive(devserver_thread: DevServerThread, tmp_path: Path) -> Path:
    proc = run(devserver_thread, "sqlite://./data", "se/r/1", "-q", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    return tmp_path / "data"


BROKEN = {
    "raises.py": (
        "from chatexchange import Bot\n"
        "bot = Bot(name='broken')\n"
        "def setup():\n"
        "    return undefined_name + 1\n"
        "setup()\n",
        "NameError: name 'undefined_name' is not defined",
        "return undefined_name + 1",
    ),
    "syntax.py": ("from chatexchange import Bot\nbot = Bot(\n", "SyntaxError", "bot = Bot("),
    "factory.py": (
        "def bot():\n    raise RuntimeError('no token configured')\n",
        "RuntimeError: no token configured",
        "raise RuntimeError('no token configured')",
    ),
}


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_an_error_in_the_bot_file_shows_the_users_traceback_and_exits_11(
    devserver_thread: DevServerThread, archive: Path, name: str
) -> None:
    source, error, line = BROKEN[name]
    (archive.parent / name).write_text(source)
    proc = run(
        devserver_thread,
        "replay",
        "sqlite://./data",
        "se/r/1",
        "--bot",
        f"{name}:bot",
        cwd=archive.parent,
    )
    assert proc.returncode == 11, proc.stderr
    assert "internal error" not in proc.stderr
    assert f'File "{name}", line' in proc.stderr or f'{name}", line' in proc.stderr
    assert line in proc.stderr and error in proc.stderr
    assert "chatexchange/" not in proc.stderr  # only the user's frames
    (last,) = error_lines(proc.stderr)
    assert last.startswith(f"chatexchange: the bot '{name}")


def test_replay_without_a_database_says_the_database_is_missing(
    devserver_thread: DevServerThread, archive: Path
) -> None:
    (archive.parent / "ok.py").write_text("from chatexchange import Bot\nbot = Bot()\n")
    proc = run(devserver_thread, "replay", "se/r/1", "--bot", "ok.py:bot", cwd=archive.parent)
    line = assert_one_error_line(proc, 2, "replay reads an archive: give its DATABASE")
    assert "ROOM" not in line.split(":", 2)[-1].split("give")[0]
    # Named once in the environment, the same command works.
    proc = run(
        devserver_thread,
        "replay",
        "se/r/1",
        "--bot",
        "ok.py:bot",
        cwd=archive.parent,
        env={"CHATEXCHANGE_DATABASE": "sqlite://./data"},
    )
    assert proc.returncode == 0, proc.stderr
    assert "messages replayed" in proc.stderr
