"""Importing a room's history with the real command: messages per second and peak memory.

A devserver in its own process (so that rendering its pages is not counted against the importer)
serves two generated rooms of the same shape (250 messages a day): 10,000 messages and a larger
one, 100,000 by default (``CHATEXCHANGE_BENCH_IMPORT_LARGE=1000000`` for a million). Each import
is the real ``chatexchange`` command in a subprocess, writing an SQLite file over loopback, so its
peak RSS is the command's own. Baselines in the same run: parsing the 10k room's transcript pages
in-process without network or database (the import's speed target is at least 0.6 of that rate:
fetching and storing overlap with parsing), and the 10k import for memory (the large import must
stay flat: the importer streams page by page). The parse-only rate is also measured right before
and after each import, and each import is compared with the mean of those two. One more import of
the 10k room writes nothing (each page's messages are counted, not stored): the ceiling any change
to the database work could reach.

Run: ``.venv/bin/pytest benchmarks/test_bench_import.py --benchmark-enable -s``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.plugins.database import postgres_admin, postgres_schema  # noqa: F401 (fixture)

from benchmarks.test_bench_storage import write_summary
from chatexchange._parser import parse_transcript

LARGE = int(os.environ.get("CHATEXCHANGE_BENCH_IMPORT_LARGE", "100000"))
# A million messages take minutes to generate and to import: more than the suite's 120 s.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(max(120, LARGE // 400))]
ROOMS = {10_000: 110, LARGE: 200}
PER_DAY = 250
#: SQLite page cache of the import: the archive's setting (4 MiB), or SQLite's default (2 MiB).
CACHES = ("cache4M", "cache2M")
#: The same import with its archive writes left out: the ceiling of the fetch-parse pipeline.
NO_WRITES = "nowrites"
RESULTS: dict[str, dict[str, Any]] = {}

# The devserver process: generates the rooms, prints its URL, serves until its stdin closes.
_SERVER = """
import asyncio, json, sys
from chatexchange.devserver import DevServer

async def main():
    server = DevServer(heartbeat=5.0)
    await server.start()
    for count, room_id in json.loads(sys.argv[1]):
        server.generate("se", messages=count, seed=count, room_id=room_id,
                        name=f"Generated {count}", per_day=int(sys.argv[2]))
    print(server.url, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await server.stop()

asyncio.run(main())
"""


class _Server:
    def __init__(self, url: str) -> None:
        self.url = url


@pytest.fixture(scope="module")
def devserver() -> Iterator[_Server]:
    rooms = json.dumps([[count, room_id] for count, room_id in ROOMS.items()])
    proc = subprocess.Popen(
        [sys.executable, "-c", _SERVER, rooms, str(PER_DAY)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http"), "the devserver process did not start"
        yield _Server(url)
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=60)


@pytest.fixture(scope="module", autouse=True)
def _summary(request: pytest.FixtureRequest) -> Any:
    yield
    parse = RESULTS.get("parse")
    lines = []
    if parse:
        lines.append(f"  parse only (10k room's pages, in-process): {parse['rate']:,.0f} msg/s")
    for cache in (*CACHES, "postgres", NO_WRITES):
        for count in ROOMS:
            report = RESULTS.get(f"{cache}_{count}")
            if not report:
                continue
            rate = report["messages_per_second"]
            lines.append(
                f"  import {count:>9,} ({cache})  {rate:>9,.0f} msg/s, parse only around it "
                f"{report['parse_rate']:>7,.0f}: {rate / report['parse_rate']:.2f} of it;"
                f"  peak RSS {report['peak_rss_mib']:.1f} MiB"
            )
        small, large = RESULTS.get(f"{cache}_10000"), RESULTS.get(f"{cache}_{LARGE}")
        if small and large:
            ratio = large["peak_rss_mib"] / small["peak_rss_mib"]
            lines.append(f"  {cache}: peak RSS {LARGE:,} / 10,000: {ratio:.2f}x")
    write_summary(request, "history import (best of one round each):", lines)


# The command itself, reporting its peak resident memory at exit: VmHWM belongs to the process image
# started by exec, unlike ru_maxrss, which a child inherits from the (large) forking test process.
# With SMALL_SQLITE_CACHE set, SQLite's page cache is its own default (2 MiB) instead of the
# archive's 4 MiB: what is left is the importer's own memory.
_WRAPPER = """
import os, sys
if os.environ.get("SMALL_SQLITE_CACHE"):
    from chatexchange.store import engine as store_engine
    archive_pragmas = store_engine._sqlite_pragmas
    def pragmas(dbapi_connection, record):
        archive_pragmas(dbapi_connection, record)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA cache_size=-2000")
        cursor.close()
    store_engine._sqlite_pragmas = pragmas
if os.environ.get("NO_ARCHIVE_WRITES"):
    # The import without its database work: fetch, parse and walk only (each page's messages
    # counted, nothing written): the most any change to the store could give.
    from chatexchange.client import _history
    _history._stored_count = lambda engine, server, page, fetched: len(page.messages)
from chatexchange.cli import main
code = main(sys.argv[1:])
with open("/proc/self/status") as status:
    hwm = next(line for line in status if line.startswith("VmHWM"))
sys.stderr.write("PEAK_KIB " + hwm.split()[1] + "\\n")
sys.exit(code)
"""


def _import(server: _Server, room_id: int, db: Path | str, cache: str) -> dict[str, Any]:
    """Run the command; its JSON report plus its peak RSS in MiB and the wall time."""
    url = db if isinstance(db, str) else f"sqlite:///{db}"
    argv = [
        sys.executable, "-c", _WRAPPER, "--server-url", server.url, "--quiet", "--json",
        url, f"se/r/{room_id}", "--all",
    ]  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith("ChatExchange")}
    if cache == CACHES[1]:
        env["SMALL_SQLITE_CACHE"] = "1"
    if cache == NO_WRITES:
        env["NO_ARCHIVE_WRITES"] = "1"
    started = time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=3600)
    wall = time.perf_counter() - started
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    peak = [line for line in proc.stderr.splitlines() if line.startswith("PEAK_KIB ")]
    report["peak_rss_mib"] = int(peak[-1].split()[1]) / 1024
    report["wall_seconds"] = wall
    return report


def _measured_import(
    benchmark: Any, pages: list[tuple[bytes, str]], count: int, key: str, run: Callable[[], Any]
) -> dict[str, Any]:
    """One import (``run`` returns its report) timed between two parse-only measurements, so the
    baseline sees the same load; its figures go to ``RESULTS[key]`` and the benchmark's record."""
    reports: list[dict[str, Any]] = []
    before = _parse_rate(pages)
    benchmark.pedantic(lambda: reports.append(run()), rounds=1, iterations=1)
    parse_rate = (before + _parse_rate(pages)) / 2
    report = reports[-1]
    assert report["messages_stored"] == count
    report["parse_rate"] = parse_rate
    RESULTS[key] = report
    benchmark.extra_info.update(
        messages=count,
        messages_per_second=report["messages_per_second"],
        import_seconds=report["seconds"],
        parse_only_messages_per_second=round(parse_rate),
        ratio_to_parse_only=round(report["messages_per_second"] / parse_rate, 3),
        peak_rss_mib=round(report["peak_rss_mib"], 1),
    )
    return report


@pytest.mark.parametrize("cache", CACHES)
@pytest.mark.parametrize("count", list(ROOMS), ids=lambda n: f"{n // 1000}k")
def test_import_room(
    benchmark: Any,
    devserver: _Server,
    pages: list[tuple[bytes, str]],
    tmp_path: Path,
    count: int,
    cache: str,
) -> None:
    db = tmp_path / "import.sqlite"
    _measured_import(
        benchmark, pages, count, f"{cache}_{count}",
        lambda: _import(devserver, ROOMS[count], db, cache),
    )
    small, large = RESULTS.get(f"{cache}_10000"), RESULTS.get(f"{cache}_{LARGE}")
    if small and large:
        ratio = large["peak_rss_mib"] / small["peak_rss_mib"]
        benchmark.extra_info.update(rss_ratio_large_vs_10k=round(ratio, 3))
        # More messages must not mean more memory. With the archive's 4 MiB page cache the large
        # import fills that cache (the 10k archive is smaller than it): bounded, not growing.
        # With SQLite's 2 MiB cache what remains is the importer's own memory, which must be flat.
        assert ratio < (1.15 if cache == "cache2M" else 1.6)


@pytest.fixture(scope="module")
def pages(devserver: _Server) -> list[tuple[bytes, str]]:
    """The 10k room's transcript pages as the import reads them: day by day along the next-day
    links, a busy day's hour slices too."""
    room_id = ROOMS[10_000]
    url = f"{devserver.url}/se/transcript/{room_id}"
    with urllib.request.urlopen(url) as response:
        day = parse_transcript(response.read(), url).first_day
    found: list[tuple[bytes, str]] = []
    while day is not None:
        url = f"{devserver.url}/se/transcript/{room_id}/{day.year}/{day.month}/{day.day}"
        with urllib.request.urlopen(url) as response:
            found.append((response.read(), url))
        page = parse_transcript(*found[-1])
        for hours in page.hours:  # a busy day's other hour slices
            if (hours.start, hours.end) != (page.start_hour, page.end_hour):
                with urllib.request.urlopen(f"{url}/{hours.start}-{hours.end}") as response:
                    found.append((response.read(), f"{url}/{hours.start}-{hours.end}"))
        day = page.next_day
    return found


def _parse_all(pages: list[tuple[bytes, str]]) -> int:
    return sum(len(parse_transcript(body, url).messages) for body, url in pages)


def _parse_rate(pages: list[tuple[bytes, str]]) -> float:
    """Messages per second parsing ``pages`` (best of two rounds): the baseline measured right
    before and after each import, so both see the same load on a shared machine."""
    best = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        parsed = _parse_all(pages)
        best = min(best, time.perf_counter() - started)
    return parsed / best


def test_import_room_without_writes(
    benchmark: Any, devserver: _Server, pages: list[tuple[bytes, str]], tmp_path: Path
) -> None:
    """The 10k import with nothing written to the archive, against parse-only around it: how
    close fetching, parsing and walking alone come to the parser's rate (what the database work
    costs is the difference to the SQLite imports)."""
    _measured_import(
        benchmark, pages, 10_000, f"{NO_WRITES}_10000",
        lambda: _import(devserver, ROOMS[10_000], tmp_path / "nowrites.sqlite", NO_WRITES),
    )


@pytest.mark.postgres
def test_import_room_postgres(
    benchmark: Any,
    devserver: _Server,
    pages: list[tuple[bytes, str]],
    request: pytest.FixtureRequest,
) -> None:
    """The 10k room into PostgreSQL (``CHATEXCHANGE_TEST_POSTGRES_URL``), against parse-only."""
    admin, reason = request.getfixturevalue("postgres_admin")
    if admin is None:
        pytest.skip(reason)
    with postgres_schema(admin) as url:
        _measured_import(
            benchmark, pages, 10_000, "postgres_10000",
            lambda: _import(devserver, ROOMS[10_000], url, "postgres"),
        )


def test_parse_only_baseline(benchmark: Any, pages: list[tuple[bytes, str]]) -> None:
    """The 10k room's day pages parsed in-process: the parser's rate, the import's baseline."""
    parsed = benchmark.pedantic(_parse_all, args=(pages,), rounds=3, iterations=1)
    assert parsed == 10_000
    rate = parsed / benchmark.stats.stats.min
    RESULTS["parse"] = {"rate": rate, "pages": len(pages)}
    benchmark.extra_info.update(messages=parsed, messages_per_second=round(rate))
