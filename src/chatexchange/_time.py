"""Time helpers shared by every layer: all times are timezone-aware UTC."""

from __future__ import annotations

from datetime import datetime, timezone

UTC = timezone.utc
#: The earliest time: ``since=EPOCH`` means "from the very beginning".
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: The end of time: ``until=SUNSET`` means "forever".
SUNSET = datetime.max.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def from_timestamp(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
