"""The archive's tables as Core ``Table`` objects, for the statements of this package."""

from __future__ import annotations

from sqlalchemy import Table

from ..models import (
    BotPosition,
    Event,
    Message,
    MessageRevision,
    Room,
    Server,
    TranscriptPageFetch,
    User,
)

_messages: Table = Message.__table__  # type: ignore[assignment]
_users: Table = User.__table__  # type: ignore[assignment]
_rooms: Table = Room.__table__  # type: ignore[assignment]
_servers: Table = Server.__table__  # type: ignore[assignment]
_fetches: Table = TranscriptPageFetch.__table__  # type: ignore[assignment]
_events: Table = Event.__table__  # type: ignore[assignment]
_revisions: Table = MessageRevision.__table__  # type: ignore[assignment]
_positions: Table = BotPosition.__table__  # type: ignore[assignment]
