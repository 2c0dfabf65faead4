"""Bots' positions per room (``models.BotPosition``; with ``events=True`` the event routes'
position, ``models.BotEventPosition``): read and moved forward."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select, update

from .tables import _event_positions, _positions


def bot_position(
    conn: Connection, server_meta_id: int, bot: str, room_id: int, *, events: bool = False
) -> int | None:
    """The id of the last message bot ``bot`` handled in the room (``events``: the last chat
    event its event routes passed), ``None`` before the first."""
    table = _event_positions if events else _positions
    return conn.execute(
        select(table.c.event_id if events else table.c.message_id).where(
            table.c.bot == bot,
            table.c.server_meta_id == server_meta_id,
            table.c.room_id == room_id,
        )
    ).scalar()


def advance_bot_position(
    conn: Connection,
    server_meta_id: int,
    bot: str,
    room_id: int,
    message_id: int,
    now: datetime,
    *,
    events: bool = False,
) -> None:
    """Move the position to ``message_id`` (``events``: the event position, to that event id);
    never backwards."""
    table = _event_positions if events else _positions
    column = "event_id" if events else "message_id"
    current = bot_position(conn, server_meta_id, bot, room_id, events=events)
    if current is None:
        conn.execute(
            table.insert().values(
                bot=bot,
                server_meta_id=server_meta_id,
                room_id=room_id,
                meta_created=now,
                meta_updated=now,
                **{column: message_id},
            )
        )
    elif message_id > current:
        conn.execute(
            update(table)
            .where(
                table.c.bot == bot,
                table.c.server_meta_id == server_meta_id,
                table.c.room_id == room_id,
            )
            .values({column: message_id, "meta_updated": now})
        )
