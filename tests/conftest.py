"""Fixtures shared by the whole suite live in ``tests/plugins/``; each layer's own fixtures sit in
the conftest of its test folder."""

import pytest

pytest_plugins: list[str] = ["tests.plugins.database", "tests.plugins.devserver"]


@pytest.fixture(autouse=True)
def _own_session_file(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """Each test keeps login sessions in its own file (never the user's cache directory), so a
    session saved by one test cannot change whether another logs in."""
    path = tmp_path_factory.mktemp("sessions") / "sessions.json"
    monkeypatch.setenv("CHATEXCHANGE_SESSION_FILE", str(path))
