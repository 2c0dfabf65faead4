"""A bot process for the several-processes tests: ``python fleet_bot.py SERVER_URL DATABASE
LEASE RENEW MARGIN ROOM...`` (rooms as ``se/r/1``) answers ``!!/ping N`` with ``pong N``. The
leases are kept in DATABASE, or in ``$FLEET_LEASES_DATABASE`` when set (the same database reached
another way).

With ``$FLEET_NETNS`` set (a file name; root only) every PostgreSQL connection of the process is
made inside a network namespace of its own, through a small forwarder listening in it, and the
file gets that namespace's path: ``nsenter --net=PATH tc qdisc add dev lo root blackhole`` then
drops every packet between the process and PostgreSQL (a partition at the TCP level: nothing is
acknowledged), while chat is still reached as before."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import socket
import subprocess
import sys
import threading
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url

from chatexchange import AsyncClient, Bot
from chatexchange.bot import Coordination

CLONE_NEWNET = 0x40000000


def _pump(source: socket.socket, target: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            target.sendall(data)
        target.shutdown(socket.SHUT_WR)


def isolate_database(database: str, path_file: str) -> str:
    """DATABASE's URL as reached from the namespace (see the module docstring)."""
    libc = ctypes.CDLL(None, use_errno=True)
    host_ns = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    url = make_url(database)
    upstream = (url.host or "127.0.0.1", url.port or 5432)
    ready: list[Any] = []
    started = threading.Event()

    def setns(fd: int) -> None:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns")

    def forward() -> None:
        if libc.unshare(CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "unshare")
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)  # forked in the namespace
        listener = socket.create_server(("127.0.0.1", 0))
        ready.extend([listener.getsockname()[1], os.open("/proc/thread-self/ns/net", os.O_RDONLY)])
        setns(host_ns)  # accepting in the namespace, connecting upstream from the host's
        started.set()
        while True:
            client, _ = listener.accept()
            server = socket.create_connection(upstream)
            for pair in ((client, server), (server, client)):
                threading.Thread(target=_pump, args=pair, daemon=True).start()

    threading.Thread(target=forward, daemon=True).start()
    started.wait(10)
    port, inner_ns = ready

    @event.listens_for(Engine, "do_connect")
    def enter(*_args: Any) -> None:  # the driver's socket is made inside the namespace
        setns(inner_ns)

    @event.listens_for(Engine, "connect")
    def leave(*_args: Any) -> None:
        setns(host_ns)

    with open(path_file, "w") as file:
        file.write(f"/proc/{os.getpid()}/fd/{inner_ns}")
    return url.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)


async def main(server_url: str, database: str, lease: str, renew: str, margin: str,
               *rooms: str) -> None:
    if os.environ.get("FLEET_NETNS"):
        database = isolate_database(database, os.environ["FLEET_NETNS"])
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
