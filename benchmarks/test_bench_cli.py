"""How long the ``chatexchange`` command takes to start: ``--help`` and an argument error, each a
fresh interpreter, against ``python -c pass`` (the interpreter alone) measured in the same run.

The command imports SQLAlchemy and aiohttp only when it has work for them, so answering ``--help``
or refusing a bad argument costs little more than starting Python.

Run: ``.venv/bin/pytest benchmarks/test_bench_cli.py --benchmark-enable -s``.
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

CASES = {
    "baseline-python-c-pass": [sys.executable, "-c", "pass"],
    "help": [sys.executable, "-m", "chatexchange.cli", "--help"],
    "bad-room": [sys.executable, "-m", "chatexchange.cli", "sqlite://./data", "se/r/one"],
    "bad-database": [sys.executable, "-m", "chatexchange.cli", "foo://bar", "se/r/1"],
}
MEANS: dict[str, float] = {}


@pytest.mark.parametrize("case", list(CASES))
def test_startup(benchmark: Any, case: str, tmp_path: Any) -> None:
    argv = CASES[case]

    def start() -> int:
        return subprocess.run(argv, cwd=tmp_path, capture_output=True).returncode

    code = benchmark.pedantic(start, rounds=15, warmup_rounds=2)
    assert code == (0 if case in ("baseline-python-c-pass", "help") else 2)
    MEANS[case] = benchmark.stats.stats.mean
    if len(MEANS) == len(CASES):
        base = MEANS["baseline-python-c-pass"]
        print()
        for name, mean in MEANS.items():
            print(
                f"startup {name}: {mean * 1000:.0f} ms ({mean - base:+.3f} s over python -c pass)"
            )
