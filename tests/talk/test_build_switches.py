"""The engine switches: one reading of a yes/no environment value, and a build asked for both a
pure and a required compiled engine stops with a clear line instead of silently building pure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from chatexchange._env import NO_EXTENSIONS, REQUIRE_EXTENSIONS, flag

SETUP = Path(__file__).resolve().parents[2] / "setup.py"


@pytest.mark.parametrize("value", ["1", "true", " YES ", "On"])
def test_a_switch_is_on_for_the_usual_yes_words(value):
    assert flag("X", {"X": value}) is True


@pytest.mark.parametrize("value", ["", "0", "false", "no", "off", "2", "enabled"])
def test_a_switch_is_off_for_anything_else(value):
    assert flag("X", {"X": value}) is False
    assert flag("X", {}) is False


def test_both_switches_stop_the_build_before_it_starts():
    if not SETUP.exists():
        pytest.skip("no setup.py beside the tests (an installed copy of the tests)")
    env = {**os.environ, NO_EXTENSIONS: "1", REQUIRE_EXTENSIONS: "1"}
    done = subprocess.run(
        [sys.executable, str(SETUP), "--name"], cwd=SETUP.parent, env=env,
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode != 0
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1
    assert NO_EXTENSIONS in lines[0] and REQUIRE_EXTENSIONS in lines[0]
