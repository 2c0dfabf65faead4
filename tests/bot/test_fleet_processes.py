"""Several bot processes on the devserver, coordinated through PostgreSQL: the active one is
SIGKILLed and the next one SIGSTOPped during a burst of commands, and the devserver's own message
log shows every command answered exactly once; rooms spread over processes and move when one
leaves. Short leases keep the test quick."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from chatexchange import store
from chatexchange.bot._fleet import coordination_engine
from chatexchange.models import BotLease, BotMember
from tests.bot.test_live import BOB
from tests.plugins.database import postgres_schema

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")

SCRIPT = Path(__file__).with_name("fleet_bot.py")
LEASE = ("2.0", "0.5", "0.6")  # lease, renew, margin: a takeover within 3 s
ALICE = 1


@pytest.fixture
def pg_url(postgres_admin):
    admin, reason = postgres_admin
    if admin is None:
        pytest.skip(reason)
    with postgres_schema(admin) as url:
        yield url


class Fleet:
    """Bot processes started with ``start(rooms)``; killed at the end."""

    def __init__(self, server, url, tmp_path):
        self.server, self.url, self.tmp_path = server, url, tmp_path
        self.processes: list[subprocess.Popen] = []
        # the archive exists before the processes start (create_all from three processes at
        # once races in PostgreSQL's catalog)
        store.open_engine(url).dispose()
        self.engine = coordination_engine(url)

    def start(self, *rooms):
        log = open(self.tmp_path / f"bot{len(self.processes)}.log", "w")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, str(SCRIPT), self.server.url, self.url, *LEASE, *rooms],
            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        log.close()
        self.processes.append(process)
        return process

    def leases(self):
        with self.engine.connect() as conn:
            return {(row.server_slug, row.room_id): row for row in conn.execute(select(BotLease))}

    def members(self):
        with self.engine.connect() as conn:
            return conn.execute(select(BotMember.pid)).scalars().all()

    def logs(self):
        return "\n".join(p.read_text() for p in sorted(self.tmp_path.glob("bot*.log")))

    def wait(self, predicate, what, timeout=60.0):
        deadline = time.monotonic() + timeout
        while not (value := predicate()):
            for process in self.processes:
                if process.poll() not in (None, -signal.SIGKILL, -signal.SIGTERM):
                    pytest.fail(f"a bot process ended ({process.returncode}):\n{self.logs()}")
            assert time.monotonic() < deadline, f"timed out waiting for {what}:\n{self.logs()}"
            time.sleep(0.05)
        return value

    def close(self):
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGCONT)
                process.kill()
                process.wait(10)
        self.engine.dispose()


@pytest.fixture
def fleet(devserver_thread, pg_url, tmp_path):
    fleet = Fleet(devserver_thread, pg_url, tmp_path)
    yield fleet
    fleet.close()


def answers(server, room_id, asked):
    """Answers (our replies) per asked message id, from the devserver's own message log."""
    def read(ds):
        counts = {message.id: [] for message in asked}
        for message in ds.server("se").room_messages(room_id):
            if message.user_id == ALICE and message.parent_id in counts:
                counts[message.parent_id].append(message.source)
        return counts

    return server.call(read)


def active_pid(fleet, room=("se", 1)):
    row = fleet.leases().get(room)
    ready = row is not None and row.holder is not None and row.last_message_id is not None
    return row.pid if ready else None


def test_failover_answers_every_command_once(fleet, devserver_thread):
    for _ in range(3):
        fleet.start("se/r/1")
    fleet.wait(lambda: len(fleet.members()) == 3, "three processes registered")
    first = fleet.wait(lambda: active_pid(fleet), "an active process")
    by_pid = {p.pid: p for p in fleet.processes}
    asked = [devserver_thread.post("se", 1, BOB, "!!/ping 0")]
    fleet.wait(lambda: answers(devserver_thread, 1, asked)[asked[0].id], "the first answer")

    def burst(start, stop):
        for n in range(start, stop):
            asked.append(devserver_thread.post("se", 1, BOB, f"!!/ping {n}"))
            time.sleep(0.05)

    burst(1, 15)
    by_pid[first].kill()  # the active one dies in the middle of the burst
    burst(15, 30)
    second = fleet.wait(lambda: (pid := active_pid(fleet)) != first and pid, "a takeover")
    burst(30, 40)
    by_pid[second].send_signal(signal.SIGSTOP)  # the next one stalls, still holding the lease
    burst(40, 60)
    third = fleet.wait(lambda: (pid := active_pid(fleet)) not in (first, second) and pid,
                       "the second takeover")
    assert third in by_pid and third not in (first, second)

    def all_answered():
        counts = answers(devserver_thread, 1, asked)
        return all(counts.values()) and counts

    fleet.wait(all_answered, "every command answered")
    by_pid[second].send_signal(signal.SIGCONT)  # the stalled one wakes up: it must not answer
    fleet.wait(lambda: "lapsed" in fleet.logs() or "taken by another" in fleet.logs(),
               "the stalled process noticing its lease is gone")
    late = [devserver_thread.post("se", 1, BOB, "!!/ping 60")]
    fleet.wait(lambda: answers(devserver_thread, 1, late)[late[0].id], "an answer after it all")
    counts = answers(devserver_thread, 1, asked + late)
    duplicated = {k: v for k, v in counts.items() if len(v) != 1}
    assert duplicated == {}, fleet.logs()
    for message in asked + late:
        assert counts[message.id] == [f":{message.id} pong {message.source.split()[-1]}"]
    assert fleet.logs().count(" took over se/r/1 ") >= 3  # every takeover: one line


def test_rooms_spread_over_processes_and_move(fleet, devserver_thread):
    rooms = [1, 4, 5, 6]
    for room_id in rooms[1:]:
        devserver_thread.call(lambda d, r=room_id: d.add_room("se", r, f"Room {r}"))
    names = [f"se/r/{r}" for r in rooms]
    fleet.start(*names)
    fleet.wait(lambda: all(active_pid(fleet, ("se", r)) for r in rooms), "all rooms held")
    fleet.start(*names)

    def holders():
        return {r: active_pid(fleet, ("se", r)) for r in rooms}

    fleet.wait(lambda: sorted(list(holders().values()).count(p.pid) for p in fleet.processes)
               == [2, 2], "the rooms spread 2/2")
    spread = holders()
    leaving = fleet.processes[0]
    moved = [r for r, pid in spread.items() if pid == leaving.pid]
    leaving.send_signal(signal.SIGTERM)  # asyncio.run ends: leases lapse or are given up
    asked = [devserver_thread.post("se", r, BOB, f"!!/ping {r}") for r in moved]
    staying = fleet.processes[1].pid
    fleet.wait(lambda: all(pid == staying for pid in holders().values()), "the rooms moved")

    def answered():
        return all(answers(devserver_thread, m.room_id, [m])[m.id] for m in asked)

    fleet.wait(answered, "the commands posted while the rooms moved answered")
    for message in asked:
        assert len(answers(devserver_thread, message.room_id, [message])[message.id]) == 1
