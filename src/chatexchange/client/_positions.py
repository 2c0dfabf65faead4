"""Bots' positions per room in the archive (``models.BotPosition``): read and moved forward."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select, update

from ..models import BotPosition


def load(conn: Connection, server_meta_id: int, bot: str, room_id: int) -> int | None:
    return conn.execute(
        select(BotPosition.message_id).where(
            BotPosition.bot == bot,
            BotPosition.server_meta_id == server_meta_id,
            BotPosition.room_id == room_id,
        )
    ).scalar()


def advance(
    conn: Connection, server_meta_id: int, bot: str, room_id: int, message_id: int, now: datetime
) -> None:
    """Move the position to ``message_id``; never backwards."""
    current = load(conn, server_meta_id, bot, room_id)
    if current is None:
        conn.execute(
            BotPosition.__table__.insert().values(
                bot=bot, server_meta_id=server_meta_id, room_id=room_id, message_id=message_id,
                meta_created=now, meta_updated=now,
            )
        )
    elif message_id > current:
        conn.execute(
            update(BotPosition)
            .where(
                BotPosition.bot == bot,
                BotPosition.server_meta_id == server_meta_id,
                BotPosition.room_id == room_id,
            )
            .values(message_id=message_id, meta_updated=now)
        )
