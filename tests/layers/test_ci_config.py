"""The GitHub workflow runs the same checks as ``.ci/run`` (by running it), and ``.ci/run`` tests
the wheel a package index would take: the manylinux one that auditwheel makes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _read(relative: str) -> str:
    path = ROOT / relative
    if not path.is_file():
        pytest.skip(f"no {relative} beside the tests")
    return path.read_text(encoding="utf-8")


def test_the_workflow_runs_the_ci_script():
    assert re.search(r"^\s+run: bash \.ci/run$", _read(".github/workflows/wheels.yml"), re.M)


def test_the_ci_script_tests_the_repaired_manylinux_wheel():
    script = _read(".ci/run")
    assert "auditwheel repair --wheel-dir dist " in script
    assert 'wheel=$(ls dist/chatexchange3-*manylinux*.whl)' in script
    assert '"${wheel}[test]"' in script
    for step in ("ruff check", "lint-imports", "mypy", "start_postgres"):
        assert step in script, step
