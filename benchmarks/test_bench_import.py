"""Importing a room's history with the real command: messages per second and peak memory.

A devserver (in a thread of this process) serves two generated rooms with the same shape (250
messages a day): 10,000 and 100,000 messages. Each import is the real ``chatexchange`` command in a
subprocess, writing an SQLite file over loopback, so its peak RSS (``os.wait4``) is the command's
own and not the devserver's. 10k vs 100k. Baselines in the same run: the 10k import for memory (the
100k import must stay flat: the importer streams day by day), and parsing the same transcript pages
without network or database for speed (how much of the import is the parser).

Run: ``.venv/bin/pytest benchmarks/test_bench_import.py --benchmark-enable -s``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from chatexchange._parser import parse_transcript
from chatexchange.devserver import DevServer, DevServerThread

pytestmark = pytest.mark.slow

ROOMS = {10_000: 110, 100_000: 200}
PER_DAY = 250
#: SQLite page cache of the import: the archive's setting (32 MiB), or SQLite's default (2 MiB).
CACHES = ("cache32M", "cache2M")
RESULTS: dict[str, dict[str, Any]] = {}


@pytest.fixture(scope="module")
def devserver() -> Iterator[DevServerThread]:
    with DevServerThread(DevServer(heartbeat=5.0)) as server:
        for count, room_id in ROOMS.items():
            server.call(
                DevServer.generate,
                "se",
                messages=count,
                seed=count,
                room_id=room_id,
                name=f"Generated {count}",
                per_day=PER_DAY,
            )
        yield server


# The command itself, reporting its peak resident memory at exit: VmHWM belongs to the process image
# started by exec, unlike ru_maxrss, which a child inherits from the (large) forking test process.
# With SMALL_SQLITE_CACHE set, SQLite's page cache is its own default (2 MiB) instead of the
# archive's 32 MiB: what is left is the importer's own memory.
_WRAPPER = """
import os, sys
if os.environ.get("SMALL_SQLITE_CACHE"):
    from chatexchange import _store
    archive_pragmas = _store._sqlite_pragmas
    def pragmas(dbapi_connection, record):
        archive_pragmas(dbapi_connection, record)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA cache_size=-2000")
        cursor.close()
    _store._sqlite_pragmas = pragmas
from chatexchange.cli import main
code = main(sys.argv[1:])
with open("/proc/self/status") as status:
    hwm = next(line for line in status if line.startswith("VmHWM"))
sys.stderr.write("PEAK_KIB " + hwm.split()[1] + "\\n")
sys.exit(code)
"""


def _import(server: DevServerThread, room_id: int, db: Path, cache: str) -> dict[str, Any]:
    """Run the command; its JSON report plus its peak RSS in MiB and the wall time."""
    argv = [
        sys.executable, "-c", _WRAPPER, "--server-url", server.url, "--quiet", "--json",
        f"sqlite:///{db}", f"se/r/{room_id}", "--all",
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("ChatExchange")}
    if cache == CACHES[1]:
        env["SMALL_SQLITE_CACHE"] = "1"
    started = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600)
    wall = time.perf_counter() - started
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    peak = [line for line in proc.stderr.splitlines() if line.startswith("PEAK_KIB ")]
    report["peak_rss_mib"] = int(peak[-1].split()[1]) / 1024
    report["wall_seconds"] = wall
    return report


@pytest.mark.parametrize("cache", CACHES)
@pytest.mark.parametrize("count", list(ROOMS), ids=lambda n: f"{n // 1000}k")
def test_import_room(
    benchmark: Any, devserver: DevServerThread, tmp_path: Path, count: int, cache: str
) -> None:
    room_id = ROOMS[count]
    reports: list[dict[str, Any]] = []

    def once() -> None:
        db = tmp_path / f"import-{len(reports)}.sqlite"
        reports.append(_import(devserver, room_id, db, cache))

    benchmark.pedantic(once, rounds=1, iterations=1)
    report = reports[-1]
    assert report["messages_stored"] == count
    RESULTS[f"{cache}_{count}"] = report
    benchmark.extra_info.update(
        messages=count,
        messages_per_second=report["messages_per_second"],
        import_seconds=report["seconds"],
        peak_rss_mib=round(report["peak_rss_mib"], 1),
    )
    print(
        f"\nimport {count:,} messages ({cache}): {report['messages_per_second']:,.0f} messages/s "
        f"({report['seconds']:.1f} s import, {report['wall_seconds']:.1f} s with start-up), "
        f"peak RSS {report['peak_rss_mib']:.1f} MiB"
    )
    small, large = RESULTS.get(f"{cache}_10000"), RESULTS.get(f"{cache}_100000")
    if small and large:
        ratio = large["peak_rss_mib"] / small["peak_rss_mib"]
        speed = large["messages_per_second"] / small["messages_per_second"]
        benchmark.extra_info.update(rss_ratio_100k_vs_10k=round(ratio, 3))
        print(f"{cache}: peak RSS 100k / 10k: {ratio:.2f}x; import rate 100k / 10k: {speed:.2f}x")
        # 10x the messages must not mean 10x the memory. With the archive's 32 MiB page cache the
        # 100k import fills that cache (the 10k archive is smaller than it): bounded, not growing.
        # With SQLite's 2 MiB cache what remains is the importer's own memory, which must be flat.
        assert ratio < (1.15 if cache == "cache2M" else 1.6)


def test_parse_only_baseline(benchmark: Any, devserver: DevServerThread) -> None:
    """The 10k room's day pages parsed in-process: the parser's share of an import."""
    server = devserver.devserver.server("se")
    room_id = ROOMS[10_000]
    messages = server.room_messages(room_id)
    first = datetime.fromtimestamp(messages[0].time, timezone.utc).date()
    last = datetime.fromtimestamp(messages[-1].time, timezone.utc).date()
    pages: list[tuple[bytes, str]] = []
    day = first
    while day <= last:
        url = f"{devserver.url}/se/transcript/{room_id}/{day.year}/{day.month}/{day.day}"
        with urllib.request.urlopen(url) as response:
            pages.append((response.read(), url))
        day += timedelta(days=1)

    def parse_all() -> int:
        return sum(len(parse_transcript(body, url).messages) for body, url in pages)

    parsed = benchmark.pedantic(parse_all, rounds=3, iterations=1)
    assert parsed > 0
    seconds = benchmark.stats.stats.min
    rate = parsed / seconds
    benchmark.extra_info.update(messages=parsed, messages_per_second=round(rate))
    print(f"\nparse only: {parsed:,} messages from {len(pages)} pages, {rate:,.0f} messages/s")
    small = RESULTS.get("cache32M_10000")
    if small:
        share = small["messages_per_second"] / rate
        print(f"import 10k rate / parse-only rate: {share:.2f}")
