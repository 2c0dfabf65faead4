"""``--help`` and argument errors never load SQLAlchemy or aiohttp: they are most of a command's
start-up time, and a command that only prints text has no use for them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import json, sys
from chatexchange.cli import main
code = main(sys.argv[1:])
heavy = sorted({m.split('.')[0] for m in sys.modules} & {'sqlalchemy', 'aiohttp'})
print(json.dumps([code, heavy]))
"""


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["--help"], 0),
        (["replay", "--help"], 0),
        (["--version"], 0),
        ([], 2),
        (["se/r/one"], 2),
        (["sqlite://./data", "se/r/one"], 2),
        (["foo://bar", "se/r/1"], 2),
        (["postgresql://u@h:port/db", "se/r/1"], 2),
        (["se/r/1", "--max-age", "soon"], 2),
        (["se/r/1", "-s", "x" * 600], 2),
        (["replay", "se/r/1", "--bot", "x:bot"], 2),
    ],
    ids=lambda value: " ".join(value) if isinstance(value, list) else str(value),
)
def test_no_heavy_import_before_there_is_work(tmp_path, argv: list[str], code: int) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    result, heavy = json.loads(proc.stdout.strip().splitlines()[-1])
    assert (result, heavy) == (code, []), proc.stderr
    assert not list(tmp_path.iterdir())


def test_the_names_kept_here_match_the_modules_not_imported() -> None:
    from chatexchange._transport.actions import MAX_SINGLE_LINE
    from chatexchange._transport.sessionfile import ENV
    from chatexchange.cli import args

    assert (args.SESSION_ENV, args.MAX_SINGLE_LINE) == (ENV, MAX_SINGLE_LINE)
