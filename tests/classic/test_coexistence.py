"""Both distributions claim ``import chatexchange``: with the classic ``ChatExchange``
distribution installed beside us, importing ``chatexchange`` says so, once."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from chatexchange._coexist import classic_distributions


def _import(tmp_path, extra_path):
    code = (
        "import warnings\n"
        "warnings.simplefilter('default')\n"
        "import chatexchange\n"
        "import importlib; importlib.import_module('chatexchange')\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(extra_path), *sys.path])}
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path,
                          capture_output=True, text=True, check=True)


@pytest.mark.parametrize("metadata", [
    "ChatExchange-0.0.4.dist-info", "ChatExchange.egg-info", "chatexchange-0.0.3.egg-info",
    "__editable__.chatexchange-0.0.4.pth",
])
def test_classic_distribution_beside_us_warns_once(tmp_path, metadata):
    site = tmp_path / "site"
    (site / metadata).mkdir(parents=True)
    done = _import(tmp_path, site)
    assert done.stderr.count("ClassicPackageWarning") == 1, done.stderr
    assert "pip uninstall ChatExchange" in done.stderr
    assert str(site / metadata) in done.stderr


def test_no_warning_without_it(tmp_path):
    site = tmp_path / "site"
    (site / "chatexchange3-1.0.dist-info").mkdir(parents=True)  # ours is not the classic one
    (site / "ChatExchangeBot-1.0.dist-info").mkdir()
    done = _import(tmp_path, site)
    assert "ClassicPackageWarning" not in done.stderr, done.stderr
    assert classic_distributions([str(site)]) == []
