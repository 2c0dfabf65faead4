"""``chatexchange bots status DATABASE``: which process answers in which room.

Reads the bot leases and members that bots running on several processes keep in a PostgreSQL
archive (see docs/bots.md, "Running several processes"): per bot and room the active process (host,
pid, since when, its lease's token and time left), the standbys (live processes serving the room
without its lease) and the last handled message. Reads only; times are the database's.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any

import orjson

from .exits import EXIT_OK
from .reading import open_archive

__all__ = ["bot_status", "run_bots"]


def bot_status(engine: Any) -> list[dict[str, Any]]:
    """One dict per (bot, room), ordered by bot, server and room."""
    from sqlalchemy import func, select

    from ..models import BotLease, BotMember

    with engine.connect() as conn:
        now = conn.execute(select(func.now())).scalar_one()
        if now.tzinfo is None:  # SQLite: the database's clock is UTC without a zone
            from .._time import UTC

            now = now.replace(tzinfo=UTC)
        leases = conn.execute(
            select(BotLease).order_by(BotLease.bot, BotLease.server_slug, BotLease.room_id)
        ).all()
        members = conn.execute(
            select(BotMember).where(BotMember.expires > now).order_by(BotMember.started)
        ).all()
    rows = []
    for lease in leases:
        room = f"{lease.server_slug}/r/{lease.room_id}"
        active = lease.holder is not None and lease.expires is not None and lease.expires > now
        standbys = [
            {"host": m.host, "pid": m.pid}
            for m in members
            if m.bot == lease.bot and room in m.rooms.split() and m.member != lease.holder
        ]
        rows.append({
            "bot": lease.bot,
            "room": room,
            "active": {
                "host": lease.host,
                "pid": lease.pid,
                "since": _iso(lease.since),
                "token": lease.token,
                "lease_left": round((lease.expires - now).total_seconds(), 1),
            } if active else None,
            "standbys": standbys,
            "last_message_id": lease.last_message_id,
            "takeovers": lease.token,
        })
    return rows


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat().replace("+00:00", "Z")


def run_bots(ns: argparse.Namespace) -> int:
    engine = open_archive(ns.database)
    try:
        rows = bot_status(engine)
    finally:
        engine.dispose()
    out = sys.stdout
    if ns.json:
        for row in rows:
            out.write(orjson.dumps(row).decode() + "\n")
        return EXIT_OK
    if not rows:
        out.write("no bots have run on several processes with this archive "
                  "(coordination runs on PostgreSQL only)\n")
        return EXIT_OK
    bot = None
    for row in rows:
        if row["bot"] != bot:
            bot = row["bot"]
            out.write(f"bot {bot!r}\n")
        active = row["active"]
        if active is None:
            who = "no active process"
        else:
            who = (f"active {active['host']} pid {active['pid']} since {active['since']} "
                   f"(token {active['token']}, lease {active['lease_left']:.1f} s left)")
        standbys = ", ".join(f"{s['host']} pid {s['pid']}" for s in row["standbys"]) or "none"
        last = row["last_message_id"]
        out.write(f"  {row['room']}: {who}; standbys: {standbys}; "
                  f"last handled message: {last if last is not None else 'none'}\n")
    return EXIT_OK
