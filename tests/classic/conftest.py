"""The classic suites' devserver: the built-in test data plus ``classic_seed.json``, the rooms,
users and messages the classic package's own tests and SmokeDetector expect (room 14219
"Charcoal Chatbot Sandbox" owned by "bot" 97938, its messages with replies, edits, stars and pins;
room 11540 "Charcoal HQ"; user -2 "Stack Exchange"; moderator ManishEarth 31768; SmokeDetector
120914)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from chatexchange.devserver import DevServer, DevServerThread
from chatexchange.devserver.seed import apply

SEED = Path(__file__).with_name("classic_seed.json")
BOT = ("bot@example.com", "bot-password")
SMOKEY = ("smokey@example.com", "smokey-password")


def classic_devserver(**settings) -> DevServer:
    server = DevServer.with_test_data(heartbeat=settings.pop("heartbeat", 1.0))
    apply(server.world.servers, json.loads(SEED.read_text(encoding="utf-8")))
    if settings:
        server.configure(**settings)
    return server


@pytest.fixture
def classic_server(monkeypatch) -> Iterator[DevServerThread]:
    """The classic devserver, with ``CHATEXCHANGE_DEVSERVER`` pointing every host at it."""
    with DevServerThread(classic_devserver()) as server:
        monkeypatch.setenv("CHATEXCHANGE_DEVSERVER", server.url)
        yield server
