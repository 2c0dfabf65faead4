"""The long memory run: 20 rooms at 200 messages a second for 10 minutes, counted on the server.

Not a pytest benchmark (it takes more than ten minutes); run it by hand::

    .venv/bin/python -m benchmarks.memory_run --seconds 600 [--rooms 20] [--rate 200] [--archive U]

Three processes: the devserver posting the load (``_load_server.py``), the client under test
(``_memory_client.py``: one ``room.new_messages()`` stream per room, every message archived before
it is delivered) and this script. It prints one JSON report: messages in the server's own log,
received by the client, lost (server minus received), repeated (in total and per room), the load
average at the start and the end, the client's RSS every 30 s, its
peak, its growth per minute over the second half of the run, and the peak of a client watching one
idle room, started against the same server just before (the baseline). The archive defaults to a
SQLite file in a temporary directory (an in-memory archive keeps every message in RAM by design).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import orjson

from .test_bench_fanout import LoadServer
from .test_bench_memory import client_process, finish


def growth_per_minute(samples: list[list[float]], since: float) -> float:
    """Least-squares slope of RSS (MiB) over time (minutes) of the samples after ``since`` s."""
    points = [(t / 60, mib) for t, mib, _ in samples if t >= since]
    if len(points) < 2:
        return 0.0
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_m = sum(m for _, m in points) / n
    var = sum((t - mean_t) ** 2 for t, _ in points)
    return sum((t - mean_t) * (m - mean_m) for t, m in points) / var if var else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--rooms", type=int, default=20)
    parser.add_argument("--rate", type=float, default=200, help="messages a second per room")
    parser.add_argument("--archive", help="database URL (default: a SQLite file)")
    args = parser.parse_args()
    load_at_start = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        archive = args.archive or str(Path(tmp) / "busy.db")
        load = LoadServer(args.rooms)
        try:
            idle = finish(client_process(load.url, 1, str(Path(tmp) / "idle.db")), 0)
            client = client_process(load.url, args.rooms, archive)
            started = time.monotonic()
            posted = load.command(f"rate {args.rate} {args.seconds}")
            total = int(load.command("count").split()[1])
            per_room = dict(pair.split(":") for pair in load.command("counts").split()[1:])
            report = finish(client, total)
            wall = time.monotonic() - started
        finally:
            load.close()
    samples = report["rss"]
    every = [s for i, s in enumerate(samples) if i == 0 or s[0] // 30 != samples[i - 1][0] // 30]
    summary = {
        "rooms": args.rooms,
        "rate_per_room": args.rate,
        "seconds": args.seconds,
        "server_messages": total,
        "posting_took_seconds": float(posted.split()[2]),
        "received": report["received"],
        "lost": total - report["received"],
        "repeated": report["repeats"],
        "drain_seconds_after_load": report["drain_seconds"],
        "wall_seconds": round(wall, 1),
        "peak_rss_mib": report["peak_rss_mib"],
        "peak_rss_mib_per_room": round(report["peak_rss_mib"] / args.rooms, 2),
        "baseline_idle_peak_rss_mib": idle["peak_rss_mib"],
        "peak_rss_mib_per_room_above_baseline": round(
            (report["peak_rss_mib"] - idle["peak_rss_mib"]) / args.rooms, 2
        ),
        "per_room": {
            room: {
                "server_messages": int(count),
                "received": report["received_per_room"][room],
                "lost": int(count) - report["received_per_room"][room],
                "repeated": report["repeats_per_room"][room],
            }
            for room, count in per_room.items()
        },
        "load_average_start_end": [load_at_start, os.getloadavg()],
        "rss_growth_mib_per_minute_second_half": round(
            growth_per_minute(samples, args.seconds / 2), 3
        ),
        "native_at_end": report["native"],
        "rss_every_30s": every,
        "rss_every_second": samples,
    }
    print(orjson.dumps(summary).decode())
    sys.exit(0 if summary["lost"] == 0 and summary["repeated"] == 0 else 1)


if __name__ == "__main__":
    main()
