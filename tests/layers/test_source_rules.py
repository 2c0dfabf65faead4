"""Rules of the source a test can hold: runtime checks raise errors a caller can catch (an
``assert`` vanishes under ``python -O``), and comments cite only what a reader can open."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "chatexchange"


def _files(*dirs: str, suffixes: tuple[str, ...]) -> list[Path]:
    found = []
    for name in dirs:
        found += [p for p in (ROOT / name).rglob("*") if p.suffix in suffixes]
    return sorted(found)


def test_no_assert_statements_in_the_package():
    if not SRC.is_dir():
        pytest.skip("no source tree beside the tests")
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in _files("src", suffixes=(".py",))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        if isinstance(node, ast.Assert)
    ]
    assert found == [], "raise an error of chatexchange.errors instead: " + ", ".join(found)


_CITATION = re.compile(r"spec §|§\s*\d|\bAC-\d+")


def test_no_citations_of_documents_outside_the_repository():
    if not SRC.is_dir():
        pytest.skip("no source tree beside the tests")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _files("src", "tests", "benchmarks", "docs", "examples",
                           suffixes=(".py", ".pxd", ".md"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _CITATION.search(line) and path.name != Path(__file__).name
    ]
    assert found == [], "say the fact itself: " + ", ".join(found)
