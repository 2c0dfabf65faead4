"""The classic layer's dependencies stay out of the new API, and the classic layer reaches the
layers below only through their public names."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

CLASSIC = Path(__file__).parents[2] / "src" / "chatexchange" / "classic"


def test_new_api_imports_neither_requests_nor_bs4():
    code = (
        "import sys, chatexchange, chatexchange.client, chatexchange.aio, chatexchange.bot\n"
        "bad = sorted(m for m in ('requests', 'bs4') if m in sys.modules)\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_classic_imports_no_private_module_of_the_layers_below():
    if not CLASSIC.is_dir():
        pytest.skip("needs the source tree (a wheel test has only tests/ and examples/)")
    private = ("chatexchange.client._", "chatexchange.store", "chatexchange._transport.")
    for path in CLASSIC.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                if node.level:  # relative: resolve against chatexchange.classic
                    base = ["chatexchange", "classic"][: 3 - node.level]
                    name = ".".join([*base, *(node.module or "").split(".")]).rstrip(".")
                else:
                    name = node.module or ""
                names = [name] + [
                    f"{name}.{alias.name}" for alias in node.names if alias.name.startswith("_")
                ]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                assert not name.startswith(private), f"{path.name} imports {name}"


def test_import_contracts_hold():
    """The import-linter contracts of pyproject.toml: the classic layer, the devserver as an
    independent oracle, and requests/bs4 kept out of the new API."""
    pytest.importorskip("importlinter")
    root = Path(__file__).parents[2]
    code = (
        "import sys; from importlinter.cli import lint_imports; "
        "sys.exit(lint_imports(no_cache=True))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "BROKEN" not in done.stdout
