"""The few reads the writers' callers need: server ids and transcript page fetch records."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Engine, select

from ..errors import StorageError
from .tables import _fetches, _servers
from .upsert import _transaction


def server_meta_ids(target: Engine | Connection) -> dict[str, int]:
    """``{slug: meta_id}`` of the servers in the archive."""

    def work(conn: Connection) -> dict[str, int]:
        return dict(conn.execute(select(_servers.c.slug, _servers.c.meta_id)).all())

    return _transaction(target, work)


def server_meta_id(target: Engine | Connection, slug: str) -> int:
    """The ``meta_id`` of the server ``slug`` (``se``, ``so``, ``mse``)."""
    ids = server_meta_ids(target)
    try:
        return ids[slug]
    except KeyError:
        raise StorageError(f"no server {slug!r} in the archive (known: {sorted(ids)})") from None



def page_fetch(
    target: Engine | Connection,
    room_meta_id: int,
    day: dt.date,
    hour_start: int = 0,
    hour_end: int = 24,
) -> Any:
    """The fetch record of one transcript page (a Core row with the model's columns), or ``None``.

    A client compares its ``fetched`` with ``max_age`` to decide whether to fetch the page again;
    ``previous_day`` lets a walk back through history continue without it.
    """

    def work(conn: Connection) -> Any:
        return conn.execute(
            select(_fetches).where(
                _fetches.c.room_meta_id == room_meta_id,
                _fetches.c.day == day,
                _fetches.c.hour_start == hour_start,
                _fetches.c.hour_end == hour_end,
            )
        ).first()

    return _transaction(target, work)
