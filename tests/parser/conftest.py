"""Fixtures of the parser tests: the real captures in ``tests/fixtures/se-chat``."""

from __future__ import annotations

from pathlib import Path

import pytest

CAPTURES = Path(__file__).resolve().parent.parent / "fixtures" / "se-chat"
TRANSCRIPT_URL = "https://chat.stackexchange.com/transcript/11540/2017/11/17/1-2"
EVENTS_URL = "https://chat.stackexchange.com/chats/11540/events"
FAVORITE_URL = "https://chat.stackexchange.com/chats/join/favorite"


@pytest.fixture(scope="session")
def transcript_html() -> bytes:
    return (CAPTURES / "transcript-se-11540-2017-11-17-1-2.html").read_bytes()


@pytest.fixture(scope="session")
def events_json() -> bytes:
    return (CAPTURES / "events-se-11540-messages.json").read_bytes()


@pytest.fixture(scope="session")
def favorite_html() -> bytes:
    return (CAPTURES / "favorite-se-2014.html").read_bytes()
