"""Takeover times of a bot fleet with the default lease settings, and answers lost or repeated.

Not a pytest benchmark (each round waits for a lease to run out); run it by hand with a PostgreSQL
server for the archive::

    CHATEXCHANGE_TEST_POSTGRES_URL=postgresql://... .venv/bin/python -m benchmarks.fleet_takeover \\
        [--rounds 5] [--lease 6 --renew 2 --margin 1.5]

Three bot processes (``tests/bot/fleet_bot.py``, answering ``!!/ping N``) share room se/r/1 of a
devserver through the archive. A command is posted every 0.2 s throughout. Each round the active
process is SIGKILLed (then replaced by a new one) or SIGSTOPped (then woken once the room has moved,
so it stands by again). Per round the script records the seconds from the signal to the new
holder's takeover (its log line) and to the first answer to a command posted after the signal
(devserver clock), beside the configured bound ``lease + 2 * renew`` (the baseline: what the
settings promise). At the end every command is counted in the devserver's own message log:
lost (no answer) and repeated (more than one). It prints one JSON report.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

import orjson
from sqlalchemy import create_engine, select
from tests.plugins.database import postgres_schema

from chatexchange import store
from chatexchange.devserver.server import DevServer, DevServerThread
from chatexchange.models import BotLease

SCRIPT = Path(__file__).resolve().parents[1] / "tests" / "bot" / "fleet_bot.py"
BOB, ALICE = 2, 1
TAKEOVER = re.compile(r"^(\S+ \S+) chatexchange\.bot\.fleet bot \S+: [^:\s]+:(\d+):\S+ took over ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds of each signal")
    parser.add_argument("--lease", default="6")
    parser.add_argument("--renew", default="2")
    parser.add_argument("--margin", default="1.5")
    args = parser.parse_args()
    admin = create_engine(
        os.environ["CHATEXCHANGE_TEST_POSTGRES_URL"], isolation_level="AUTOCOMMIT"
    )
    bound = float(args.lease) + 2 * float(args.renew)
    with tempfile.TemporaryDirectory() as tmp, postgres_schema(admin) as url, DevServerThread(
        DevServer.with_test_data(heartbeat=1.0)
    ) as server:
        store.open_engine(url).dispose()
        leases = create_engine(url)
        processes: dict[int, subprocess.Popen[bytes]] = {}
        started = iter(range(1000))

        def start() -> None:
            log = open(Path(tmp) / f"bot{next(started)}.log", "w")  # noqa: SIM115
            process = subprocess.Popen(
                [sys.executable, str(SCRIPT), server.url, url, args.lease, args.renew,
                 args.margin, "se/r/1"],
                stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
            log.close()
            processes[process.pid] = process

        def holder() -> int | None:
            with leases.connect() as conn:
                row = conn.execute(select(BotLease)).first()
            return row.pid if row is not None and row.holder is not None else None

        def takeovers() -> list[tuple[float, int]]:
            found = []
            for path in Path(tmp).glob("bot*.log"):
                for line in path.read_text().splitlines():
                    match = TAKEOVER.match(line)
                    if match:
                        when = datetime.strptime(match[1], "%Y-%m-%d %H:%M:%S,%f").timestamp()
                        found.append((when, int(match[2])))
            return sorted(found)

        asked: list[tuple[float, int]] = []  # (devserver time, message id)
        stop = threading.Event()

        def ask() -> None:
            n = 0
            while not stop.is_set():
                message = server.post("se", 1, BOB, f"!!/ping {n}")
                if message is not None:
                    asked.append((message.time, message.id))
                n += 1
                time.sleep(0.2)

        def wait(predicate, what, timeout=120.0):  # type: ignore[no-untyped-def]
            deadline = time.monotonic() + timeout
            while not (value := predicate()):
                if time.monotonic() > deadline:
                    raise SystemExit(f"timed out waiting for {what}")
                time.sleep(0.05)
            return value

        try:
            for _ in range(3):
                start()
            wait(lambda: len(takeovers()) == 1, "the first holder")
            asker = threading.Thread(target=ask, daemon=True)
            asker.start()
            rounds = []
            load_start = os.getloadavg()
            for kind in ["kill", "stop"] * args.rounds:
                time.sleep(3 * float(args.renew))  # a steady holder first
                pid = wait(holder, "a holder")
                seen = len(takeovers())
                signalled = time.time()
                since = server.call(DevServer.now)
                os.kill(pid, signal.SIGKILL if kind == "kill" else signal.SIGSTOP)
                when, new = wait(lambda s=seen: len(takeovers()) > s and takeovers()[s],
                                 "a takeover")
                first_after = wait(lambda t=since: _first_answer(server, asked, t), "an answer")
                rounds.append({"signal": kind, "takeover_s": round(when - signalled, 2),
                               "first_answer_s": round(first_after - since, 2),
                               "new_holder_is_other": new != pid})
                if kind == "kill":
                    processes.pop(pid).wait(10)
                    start()
                else:
                    os.kill(pid, signal.SIGCONT)
            stop.set()
            asker.join()
            time.sleep(3 * bound)  # the last commands answered
            counts = server.call(lambda d: _answers(d, {mid for _, mid in asked}))
        finally:  # also when a wait times out: no process is left behind
            stop.set()
            for process in processes.values():
                process.send_signal(signal.SIGCONT)
                process.kill()
                process.wait(10)
        leases.dispose()
    report = {
        "settings": {"lease": args.lease, "renew": args.renew, "margin": args.margin,
                     "bound_s": bound},
        "machine": f"{os.cpu_count()} cores {os.uname().machine}, Python {sys.version.split()[0]}",
        "host": socket.gethostname(),
        "load_start": [round(x, 1) for x in load_start],
        "load_end": [round(x, 1) for x in os.getloadavg()],
        "rounds": rounds,
        "summary": {
            kind: {
                key: {"min": min(vals), "median": statistics.median(vals), "max": max(vals)}
                for key in ("takeover_s", "first_answer_s")
                if (vals := [r[key] for r in rounds if r["signal"] == kind])
            }
            for kind in ("kill", "stop")
        },
        "commands": len(asked),
        "lost": sorted(mid for mid, n in counts.items() if n == 0),
        "repeated": sorted(mid for mid, n in counts.items() if n > 1),
    }
    print(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode())


def _answers(devserver: DevServer, asked: set[int]) -> dict[int, int]:
    counts = dict.fromkeys(asked, 0)
    for message in devserver.server("se").room_messages(1):
        if message.user_id == ALICE and message.parent_id in counts:
            counts[message.parent_id] += 1
    return counts


def _first_answer(server: DevServerThread, asked: list[tuple[float, int]], since: float) -> float:
    """The devserver time of the first answer to a command posted after ``since`` (0: none yet)."""
    after = {mid for posted, mid in list(asked) if posted > since}

    def read(devserver: DevServer) -> float:
        times = [m.time for m in devserver.server("se").room_messages(1)
                 if m.user_id == ALICE and m.parent_id in after]
        return min(times, default=0.0)

    return server.call(read)


if __name__ == "__main__":
    main()
