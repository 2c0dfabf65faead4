"""Twenty busy rooms for 20 seconds: nothing lost, nothing twice, and memory that stops growing.

The short version of ``benchmarks/memory_run.py`` (the issue's 10-minute run): the devserver posts
200 messages a second to each of 20 rooms in its own process; a client in another process watches
them all (``room.new_messages()``, every message archived in a SQLite file before it is delivered)
and samples its RSS once a second. Counted against the server's own log. Memory is judged by its
slope, not by a figure of this machine: what an archive kept in RAM, or an unbounded queue, would
add for every message is added in the second half as much as in the first; here the second half
adds much less than the first (SQLite's page caches, the queues and the allocator's arenas fill in
the first seconds and then stay), and the last messages add almost nothing. The halves are halves
of the messages received, sampled once a second.
"""

from __future__ import annotations

import pytest
from benchmarks.test_bench_fanout import LoadServer
from benchmarks.test_bench_memory import client_process, finish

ROOMS = 20
RATE = 200
SECONDS = 20


@pytest.mark.timeout(300)
def test_twenty_busy_rooms_lose_nothing_and_memory_levels_off(tmp_path) -> None:
    load = LoadServer(ROOMS)
    try:
        client = client_process(load.url, ROOMS, str(tmp_path / "busy.db"))
        load.command(f"rate {RATE} {SECONDS}")
        total = int(load.command("count").split()[1])
        report = finish(client, total)
    finally:
        load.close()
    assert total == ROOMS * RATE * SECONDS
    assert report["received"] == total  # every message of the server's log
    assert report["repeats"] == 0
    # Halves by messages received, not by seconds: a client on a loaded machine falls behind the
    # server (back-pressure, nothing dropped) and reads the rest after the posting ends, so the
    # second half of the seconds can hold more of the messages than the first.
    samples = report["rss"]  # [seconds, MiB, messages received so far]
    start = samples[0][1]
    middle = next(mib for _, mib, received in samples if received >= total // 2)
    end = samples[-1][1]
    first, second = middle - start, end - middle
    assert second <= 0.6 * first + 2.0, samples  # MiB: levelling off, not a steady climb
