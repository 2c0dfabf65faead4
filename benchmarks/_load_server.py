"""A devserver in its own process that posts load on command (the fan-out and memory benchmarks).

Run as ``python benchmarks/_load_server.py ROOMS``: it starts a devserver with the test data plus
ROOMS rooms (ids 1001...), prints its URL, then reads commands on stdin and answers each with one
line on stdout:

- ``burst N``: post N messages to every room at once (interleaved, as Bob; the state API, so no
  sending client competes for the CPU); answers ``posted <total>``.
- ``rate R SECONDS``: post R messages a second to every room for SECONDS seconds, paced in
  0.1 s ticks; answers ``posted <total> <seconds it took>``.
- ``count``: answers ``count <messages in the load rooms>`` (the server's own log).
- ``counts``: the same per room, ``counts <room>:<messages> ...``.
"""

from __future__ import annotations

import asyncio
import sys
import time

from chatexchange.devserver import DevServer

FIRST_ROOM = 1001


async def main(rooms: int) -> None:
    server = DevServer.with_test_data(heartbeat=5.0)
    ids = list(range(FIRST_ROOM, FIRST_ROOM + rooms))
    for room_id in ids:
        server.add_room("se", room_id, f"Load {room_id}")
    await server.start()
    print(server.url, flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    serial = 0

    def post(count: int) -> int:
        nonlocal serial
        for _ in range(count):
            serial += 1
            for room_id in ids:
                server.post("se", room_id, 2, f"load {serial} in {room_id}")
        return count * len(ids)

    while line := (await reader.readline()).decode().split():
        if line[0] == "burst":
            print(f"posted {post(int(line[1]))}", flush=True)
        elif line[0] == "rate":
            rate, seconds = float(line[1]), float(line[2])
            started = time.monotonic()
            total, due = 0, 0.0
            while (elapsed := time.monotonic() - started) < seconds:
                due = rate * min(elapsed + 0.1, seconds)
                total += post(int(due) - total // len(ids))
                await asyncio.sleep(max(0.0, started + elapsed + 0.1 - time.monotonic()))
            total += post(int(rate * seconds) - total // len(ids))
            print(f"posted {total} {time.monotonic() - started:.2f}", flush=True)
        elif line[0] == "count":
            count = sum(len(server.server("se").room_messages(r)) for r in ids)
            print(f"count {count}", flush=True)
        elif line[0] == "counts":
            counts = {r: len(server.server("se").room_messages(r)) for r in ids}
            print("counts " + " ".join(f"{r}:{n}" for r, n in counts.items()), flush=True)
    await server.stop()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
