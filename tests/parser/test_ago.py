""""How long ago" texts of room and profile pages, read once for the parser and the archive."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chatexchange._time import parse_ago
from chatexchange.store.rows import _ago


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("just now", 0),
        ("now", 0),
        ("49m ago", 49 * 60),
        ("18 minutes ago", 18 * 60),
        ("1 min ago", 60),
        ("23h ago", 23 * 3600),
        ("2 hrs ago", 2 * 3600),
        ("5d ago", 5 * 86400),
        ("1 yr ago", 365 * 86400),
        ("12s ago", 12),
        ("23h ago – Bob", 23 * 3600),
        ("  3 Days Ago ", 3 * 86400),
    ],
)
def test_ago_texts(text, seconds):
    assert parse_ago(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", [None, "", "n/a", "yesterday", "ago"])
def test_unreadable_texts_are_none(text):
    assert parse_ago(text) is None


def test_the_archive_reads_them_the_same_way():
    now = datetime(2024, 5, 3, 12, tzinfo=UTC)
    assert _ago("2 hrs ago", now) == now - timedelta(hours=2)
    assert _ago("n/a", now) is None
