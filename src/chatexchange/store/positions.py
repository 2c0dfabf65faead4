"""Bots' positions per room (``models.BotPosition``): read and moved forward."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select, update

from .tables import _positions


def bot_position(conn: Connection, server_meta_id: int, bot: str, room_id: int) -> int | None:
    """The id of the last message bot ``bot`` handled in the room, ``None`` before the first."""
    return conn.execute(
        select(_positions.c.message_id).where(
            _positions.c.bot == bot,
            _positions.c.server_meta_id == server_meta_id,
            _positions.c.room_id == room_id,
        )
    ).scalar()


def advance_bot_position(
    conn: Connection, server_meta_id: int, bot: str, room_id: int, message_id: int, now: datetime
) -> None:
    """Move the position to ``message_id``; never backwards."""
    current = bot_position(conn, server_meta_id, bot, room_id)
    if current is None:
        conn.execute(
            _positions.insert().values(
                bot=bot,
                server_meta_id=server_meta_id,
                room_id=room_id,
                message_id=message_id,
                meta_created=now,
                meta_updated=now,
            )
        )
    elif message_id > current:
        conn.execute(
            update(_positions)
            .where(
                _positions.c.bot == bot,
                _positions.c.server_meta_id == server_meta_id,
                _positions.c.room_id == room_id,
            )
            .values(message_id=message_id, meta_updated=now)
        )
