"""Time helpers shared by every layer: all times are timezone-aware UTC."""

from __future__ import annotations

import re
from datetime import UTC as UTC  # re-exported: the one UTC the layers import
from datetime import datetime, timedelta

#: The earliest time: ``since=EPOCH`` means "from the very beginning".
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: The end of time: ``until=SUNSET`` means "forever".
SUNSET = datetime.max.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def from_timestamp(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


_AGO = re.compile(
    r"(\d+)\s*(s|sec|secs|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|y|yrs?|years?)\b",
    re.IGNORECASE,
)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "y": 365 * 86400}


def parse_ago(text: str | None) -> timedelta | None:
    """How long ago a page's ``"49m ago"``, ``"18 minutes ago"`` or ``"just now"`` was; ``None``
    for ``"n/a"`` or anything else unreadable."""
    if not text:
        return None
    text = text.strip().lower()
    if text.startswith("just now") or text == "now":
        return timedelta(0)
    m = _AGO.search(text)
    if m is None:
        return None
    return timedelta(seconds=int(m[1]) * _UNITS[m[2][0]])
