"""The archive's tables as Core ``Table`` objects, for the statements of this package."""

from __future__ import annotations

from sqlalchemy import Table

from ..models import (
    BotEventPosition,
    BotPosition,
    Event,
    Message,
    MessageRevision,
    Room,
    Server,
    TranscriptPageFetch,
    User,
)

_messages: Table = Message.__table__
_users: Table = User.__table__
_rooms: Table = Room.__table__
_servers: Table = Server.__table__
_fetches: Table = TranscriptPageFetch.__table__
_events: Table = Event.__table__
_revisions: Table = MessageRevision.__table__
_positions: Table = BotPosition.__table__
_event_positions: Table = BotEventPosition.__table__
