"""``[tool.setuptools.package-data]`` lists what exists, and everything that is not a module: a
pattern matching nothing is a mistake, and a data file no pattern covers would be missing from the
wheel (type information, the Cython declarations, a migration template...)."""

from __future__ import annotations

from pathlib import Path

import pytest

tomllib = pytest.importorskip("tomllib")

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "chatexchange"
BUILT = {".py", ".pyc", ".so", ".pyd", ".c"}  # modules, and what a build leaves beside them


def _patterns() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["setuptools"]["package-data"]["chatexchange"]


@pytest.fixture(scope="module")
def patterns() -> list[str]:
    if not PACKAGE.is_dir():
        pytest.skip("no source tree beside the tests")
    return _patterns()


def test_every_pattern_matches_a_file(patterns):
    assert [p for p in patterns if not any(f.is_file() for f in PACKAGE.glob(p))] == []


def test_every_data_file_is_covered(patterns):
    covered = {f for p in patterns for f in PACKAGE.glob(p)}
    data = {
        f for f in PACKAGE.rglob("*")
        if f.is_file() and f.suffix not in BUILT and "__pycache__" not in f.parts
    }
    assert sorted(str(f.relative_to(PACKAGE)) for f in data - covered) == []
