"""A bot process for the several-processes tests: ``python fleet_bot.py SERVER_URL DATABASE
LEASE RENEW MARGIN ROOM...`` (rooms as ``se/r/1``) answers ``!!/ping N`` with ``pong N``. The
leases are kept in DATABASE, or in ``$FLEET_LEASES_DATABASE`` when set (the same database reached
another way)."""

from __future__ import annotations

import asyncio
import logging
import os
import sys

from chatexchange import AsyncClient, Bot
from chatexchange.bot import Coordination


async def main(server_url: str, database: str, lease: str, renew: str, margin: str,
               *rooms: str) -> None:
    bot = Bot(name="fleet-test-bot")
    bot.on("!!/ping", lambda message: "pong " + message.text.split()[-1])
    config = Coordination(lease=float(lease), renew=float(renew), margin=float(margin),
                          database=os.environ.get("FLEET_LEASES_DATABASE"))
    async with AsyncClient(database, auth=("alice@example.com", "alice-password"),
                           server_url=server_url, session_file=False) as client:
        targets = []
        for room in rooms:
            slug, _, room_id = room.split("/")
            targets.append(await client.server(slug).room(int(room_id)))
        await bot.run(*targets, coordination=config)


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(main(*sys.argv[1:]))
