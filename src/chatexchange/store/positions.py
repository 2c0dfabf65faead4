"""Bots' positions per room (``models.BotPosition``; with ``events=True`` the event routes'
position, ``models.BotEventPosition``): read and moved forward."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, case, select, update

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
        values: dict[str, object] = {column: message_id, "meta_updated": now}
        if events:  # an answer in flight for an event at or below the new position is done
            answering = _event_positions.c.answering_event_id
            values["answering_event_id"] = case(
                (answering <= message_id, None), else_=answering
            )
            values["answering_after"] = case(
                (answering <= message_id, None), else_=_event_positions.c.answering_after
            )
        conn.execute(
            update(table)
            .where(
                table.c.bot == bot,
                table.c.server_meta_id == server_meta_id,
                table.c.room_id == room_id,
            )
            .values(values)
        )


def bot_answering(
    conn: Connection, server_meta_id: int, bot: str, room_id: int
) -> tuple[int, int] | None:
    """The event whose answer ``bot`` was posting in the room when it last wrote its event
    position, and the room's newest message id before that answer (None: no answer in flight)."""
    table = _event_positions
    row = conn.execute(
        select(table.c.answering_event_id, table.c.answering_after).where(
            table.c.bot == bot,
            table.c.server_meta_id == server_meta_id,
            table.c.room_id == room_id,
        )
    ).first()
    if row is None or row[0] is None or row[1] is None:
        return None
    return int(row[0]), int(row[1])


def note_bot_answering(
    conn: Connection,
    server_meta_id: int,
    bot: str,
    room_id: int,
    event_id: int,
    after: int,
    now: datetime,
) -> bool:
    """Note before posting that ``bot`` answers ``event_id``, the room's newest message id being
    ``after`` (cleared when the event position passes it). Only where the bot has an event
    position (without one a restart replays nothing); returns whether it was noted."""
    table = _event_positions
    done = conn.execute(
        update(table)
        .where(
            table.c.bot == bot,
            table.c.server_meta_id == server_meta_id,
            table.c.room_id == room_id,
            table.c.event_id < event_id,
        )
        .values(answering_event_id=event_id, answering_after=after, meta_updated=now)
    )
    return bool(done.rowcount)
