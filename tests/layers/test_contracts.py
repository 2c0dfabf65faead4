"""The layer contracts of ``pyproject.toml`` (import-linter) hold, and they do catch a breach."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
PYPROJECT = ROOT / "pyproject.toml"


def _lint(config: Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    code = "import sys; from importlinter.cli import lint_imports_command; lint_imports_command()"
    args = [sys.executable, "-c", code, "--config", str(config), "--no-cache"]
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def source_tree() -> Path:
    if not PYPROJECT.is_file():
        pytest.skip("needs the source tree (a wheel test has only tests/ and examples/)")
    if importlib.util.find_spec("importlinter") is None:
        pytest.fail(
            "import-linter is missing: the test extra installs it (pip install -e '.[test]'; "
            "a venv made before it joined the extra needs that once more)",
            pytrace=False,
        )
    return ROOT


def test_every_contract_is_kept(source_tree) -> None:
    result = _lint(PYPROJECT, source_tree)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Bots use the client's public API only KEPT" in result.stdout
    assert "classic: the layers below through their public names" in result.stdout
    assert " 0 broken" in result.stdout


def test_a_direct_import_breaks_a_forbidden_contract(source_tree, tmp_path) -> None:
    """The bots' contract with ``chatexchange.client`` itself forbidden: it fails, because
    ``bot/_live.py`` imports it directly (a ``client._live`` import fails the same way)."""
    lines = [
        "[importlinter]",
        "root_package = chatexchange",
        "",
        "[importlinter:contract:bot]",
        "name = bots breach",
        "type = forbidden",
        "source_modules = chatexchange.bot",
        "forbidden_modules =",
        "    chatexchange.client._live",
        "    chatexchange.client",
        "allow_indirect_imports = true",
    ]
    config = tmp_path / ".importlinter"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = _lint(config, source_tree)
    assert result.returncode != 0
    assert "chatexchange.bot._live -> chatexchange.client" in result.stdout
