"""The client side of the memory benchmarks, in its own process so that its RSS is its own.

``python benchmarks/_memory_client.py URL ROOMS ARCHIVE``: an AsyncClient on ARCHIVE (a SQLite file
or PostgreSQL URL) watches ROOMS rooms (ids 1001...) with one ``room.new_messages()`` stream each
(every event archived before it is delivered) and prints ``ready``. Then it reads commands on stdin:

- ``expect N``: wait until N messages arrived in all, then print one JSON line and exit: messages
  received, repeats (a message id not above the room's previous one), seconds from ``expect`` to
  the last message, the peak RSS, and the RSS sampled once a second since ``ready`` as
  ``[seconds, MiB, messages received]``.

Per room it keeps only a count and the last id, so its own bookkeeping does not grow. With
``CHATEXCHANGE_BENCH_TRACEMALLOC=1`` it also traces Python allocations and writes to stderr the
20 places whose memory grew most between the first sample after 5 seconds and the end.
"""

from __future__ import annotations

import _sqlite3
import asyncio
import ctypes
import os
import resource
import sys
import time
import tracemalloc

import orjson

from chatexchange.client import AsyncClient

FIRST_ROOM = 1001
_PAGE = os.sysconf("SC_PAGE_SIZE")


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks",
            "fordblks", "keepcost",
        )
    ]


def native_memory() -> dict[str, float]:
    """Where the RSS is, as far as the C libraries say: SQLite's own allocations, and glibc's heap
    in use / free but kept (fragmentation); empty where a library does not tell."""
    found: dict[str, float] = {}
    try:
        lib = ctypes.CDLL(_sqlite3.__file__)
        lib.sqlite3_memory_used.restype = ctypes.c_int64
        found["sqlite_mib"] = round(lib.sqlite3_memory_used() / 2**20, 1)
    except (OSError, AttributeError):
        pass
    try:
        libc = ctypes.CDLL(None)
        libc.mallinfo2.restype = _MallInfo2
        info = libc.mallinfo2()
        found["malloc_in_use_mib"] = round((info.uordblks + info.hblkhd) / 2**20, 1)
        found["malloc_free_kept_mib"] = round(info.fordblks / 2**20, 1)
    except (OSError, AttributeError):
        pass
    return found


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE / 2**20


async def main(url: str, rooms: int, archive: str) -> None:
    traced = os.environ.get("CHATEXCHANGE_BENCH_TRACEMALLOC") == "1"
    if traced:
        tracemalloc.start(8)
    client = AsyncClient(
        archive, auth=("alice@example.com", "alice-password"), server_url=url, session_file=False
    )
    counts = dict.fromkeys(range(FIRST_ROOM, FIRST_ROOM + rooms), 0)
    last = dict.fromkeys(counts, 0)
    repeats = 0
    room_repeats = dict.fromkeys(counts, 0)
    arrived = asyncio.Event()
    expected: list[int] = []
    samples: list[list[float]] = []
    first_snapshot: list[tracemalloc.Snapshot] = []

    async def watch(room_id: int) -> None:
        nonlocal repeats
        room = await client.se.room(room_id)
        stream = room.new_messages()
        await stream.start()
        started.append(room_id)
        async for message in stream:
            if message.id <= last[room_id]:
                repeats += 1
                room_repeats[room_id] += 1
            last[room_id] = max(last[room_id], message.id)
            counts[room_id] += 1
            if expected and sum(counts.values()) >= expected[0]:
                arrived.set()

    async def sample() -> None:
        began = time.monotonic()
        while True:
            elapsed = time.monotonic() - began
            samples.append([round(elapsed, 1), round(rss_mib(), 1), sum(counts.values())])
            if traced and not first_snapshot and elapsed >= 5:
                first_snapshot.append(tracemalloc.take_snapshot())
            await asyncio.sleep(1.0)

    await client.login("se")
    started: list[int] = []
    tasks = [asyncio.ensure_future(watch(room_id)) for room_id in counts]
    while len(started) < rooms:
        await asyncio.sleep(0.05)
    sampler = asyncio.ensure_future(sample())
    print("ready", flush=True)
    line = await asyncio.to_thread(sys.stdin.readline)
    expected.append(int(line.split()[1]))
    began = time.monotonic()
    if sum(counts.values()) < expected[0]:
        await arrived.wait()
    drained = time.monotonic() - began
    native = native_memory()
    end = samples[-1][0] + 0.1 if samples else 0.0
    samples.append([end, round(rss_mib(), 1), sum(counts.values())])
    if traced and first_snapshot:
        stats = tracemalloc.take_snapshot().compare_to(first_snapshot[0], "traceback")
        for stat in stats[:20]:
            print(stat, file=sys.stderr)
            for frame in stat.traceback.format()[-6:]:
                print("   ", frame, file=sys.stderr)
    sampler.cancel()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, sampler, return_exceptions=True)
    await client.close()
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    report = {
        "received": sum(counts.values()),
        "repeats": repeats,
        "received_per_room": {str(r): n for r, n in counts.items()},
        "repeats_per_room": {str(r): n for r, n in room_repeats.items()},
        "drain_seconds": round(drained, 2),
        "peak_rss_mib": round(peak_kib / 1024, 1),
        "rss": samples,
        "native": native,
    }
    print(orjson.dumps(report).decode(), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3]))
