"""Client tests run the real AsyncClient / BlockingClient against the devserver over loopback."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_ambient_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests say explicitly which credentials a client has: none leak in from the environment."""
    monkeypatch.delenv("ChatExchangeU", raising=False)
    monkeypatch.delenv("ChatExchangeP", raising=False)
    monkeypatch.delenv("CHATEXCHANGE_DEVSERVER", raising=False)
