"""Fixtures shared by the whole suite live in ``tests/plugins/``; each layer's own fixtures sit in
the conftest of its test folder."""

pytest_plugins: list[str] = ["tests.plugins.database", "tests.plugins.devserver"]
