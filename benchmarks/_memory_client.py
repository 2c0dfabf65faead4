"""The client side of the memory benchmark, in its own process so that its peak RSS is its own.

``python benchmarks/_memory_client.py URL ROOMS ARCHIVE``: an AsyncClient on a SQLite file archive
watches ROOMS rooms (ids 1001...) with one ``room.new_messages()`` stream each (every event
archived before it is delivered), prints ``ready``, then reads ``expect N`` on stdin and keeps
reading until N messages arrived. It prints one JSON line: messages received, repeats (a message id
not above the room's previous one), seconds from ``expect`` to the last message, and the peak RSS.
Per room it keeps only a count and the last id, so its own bookkeeping does not grow.
"""

from __future__ import annotations

import asyncio
import resource
import sys
import time

import orjson

from chatexchange.client import AsyncClient

FIRST_ROOM = 1001


async def main(url: str, rooms: int, archive: str) -> None:
    client = AsyncClient(
        archive, auth=("alice@example.com", "alice-password"), server_url=url, session_file=False
    )
    counts = dict.fromkeys(range(FIRST_ROOM, FIRST_ROOM + rooms), 0)
    last = dict.fromkeys(counts, 0)
    repeats = 0
    arrived = asyncio.Event()
    expected: list[int] = []

    async def watch(room_id: int) -> None:
        nonlocal repeats
        room = await client.se.room(room_id)
        stream = room.new_messages()
        await stream.start()
        started.append(room_id)
        async for message in stream:
            if message.id <= last[room_id]:
                repeats += 1
            last[room_id] = max(last[room_id], message.id)
            counts[room_id] += 1
            if expected and sum(counts.values()) >= expected[0]:
                arrived.set()

    await client.login("se")
    started: list[int] = []
    tasks = [asyncio.ensure_future(watch(room_id)) for room_id in counts]
    while len(started) < rooms:
        await asyncio.sleep(0.05)
    print("ready", flush=True)
    line = await asyncio.to_thread(sys.stdin.readline)
    expected.append(int(line.split()[1]))
    began = time.monotonic()
    if sum(counts.values()) < expected[0]:
        await arrived.wait()
    drained = time.monotonic() - began
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await client.close()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = {
        "received": sum(counts.values()),
        "repeats": repeats,
        "drain_seconds": round(drained, 2),
        "peak_rss_mib": round(peak_kib / 1024, 1),
    }
    print(orjson.dumps(report).decode(), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
