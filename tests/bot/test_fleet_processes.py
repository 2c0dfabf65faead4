"""Several bot processes on the devserver, coordinated through PostgreSQL: the active one is
SIGKILLed and the next one SIGSTOPped during a burst of commands, or cut off from PostgreSQL, and
the devserver's own message log shows every command answered exactly once; rooms spread over
processes and move when one leaves. Short leases keep the test quick."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

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

    def start(self, *rooms, database=None, leases=None, netns=None):
        log = open(self.tmp_path / f"bot{len(self.processes)}.log", "w")  # noqa: SIM115
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        if leases is not None:
            env["FLEET_LEASES_DATABASE"] = leases
        if netns is not None:
            env["FLEET_NETNS"] = str(netns)
        process = subprocess.Popen(
            [sys.executable, str(SCRIPT), self.server.url, database or self.url, *LEASE, *rooms],
            stdout=log, stderr=subprocess.STDOUT, env=env,
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
    # the stalled one wakes up: it must not answer, nor end (its database session may be gone:
    # the server ends a session stopped inside a transaction; fleet.wait fails if a process ends)
    by_pid[second].send_signal(signal.SIGCONT)
    gone = f"{socket.gethostname()}:{second}:"  # its member name, then the reason

    def noticed():
        return any(gone in line and " no longer answers in se/r/1 " in line
                   for line in fleet.logs().splitlines())

    fleet.wait(noticed, "the stalled process noticing its lease is gone")
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
    asked = []

    def holders():
        return {r: active_pid(fleet, ("se", r)) for r in rooms}

    def spread():  # commands keep coming while two rooms move to the new process
        asked.extend(devserver_thread.post("se", r, BOB, f"!!/ping {len(asked)}") for r in rooms)
        time.sleep(0.4)
        return sorted(list(holders().values()).count(p.pid) for p in fleet.processes) == [2, 2]

    fleet.wait(spread, "the rooms spread 2/2")
    leaving = fleet.processes[0]
    moved = [r for r, pid in holders().items() if pid == leaving.pid]
    leaving.send_signal(signal.SIGTERM)  # asyncio.run ends: leases lapse or are given up
    asked += [devserver_thread.post("se", r, BOB, f"!!/ping {r}") for r in moved]
    staying = fleet.processes[1].pid
    fleet.wait(lambda: all(pid == staying for pid in holders().values()), "the rooms moved")

    def counts():
        return {k: v for r in rooms for k, v in answers(
            devserver_thread, r, [m for m in asked if m.room_id == r]).items()}

    fleet.wait(lambda: all(counts().values()), "the commands posted while the rooms moved answered")
    assert {k: v for k, v in counts().items() if len(v) != 1} == {}, fleet.logs()

class Proxy:
    """A loopback TCP proxy to the PostgreSQL server. ``cut()`` black-holes it: from then on
    nothing passes either way and nothing is closed, so the database calls of the process behind
    it hang, as in a network partition."""

    def __init__(self, url):
        target = make_url(url)
        self.upstream = (target.host, target.port or 5432)
        self.listener = socket.create_server(("127.0.0.1", 0))
        port = self.listener.getsockname()[1]
        self.url = target.set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
        self.cut_off = threading.Event()
        self.sockets = [self.listener]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        with contextlib.suppress(OSError):
            while True:
                client, _ = self.listener.accept()
                self.sockets.append(client)
                if not self.cut_off.is_set():
                    server = socket.create_connection(self.upstream)
                    self.sockets.append(server)
                    for pair in ((client, server), (server, client)):
                        threading.Thread(target=self._pump, args=pair, daemon=True).start()

    def _pump(self, source, target):
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                if not self.cut_off.is_set():
                    target.sendall(data)
            if not self.cut_off.is_set():
                target.shutdown(socket.SHUT_WR)

    def cut(self):
        self.cut_off.set()

    def close(self):
        self.cut_off.set()
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()


@pytest.mark.parametrize("cut", ["database", "leases"])
def test_a_holder_cut_off_from_postgresql_is_replaced(fleet, devserver_thread, cut):
    """The active process's connections to PostgreSQL are black-holed: all of them, or only the
    leases' (its archive still works, so it keeps reading the room and must stop answering by its
    own clock). The standby takes the room over; every command, posted across the cut and the
    takeover, is answered once."""
    proxy = Proxy(fleet.url)
    try:
        holder = fleet.start("se/r/1", **{cut: proxy.url})
        fleet.wait(lambda: active_pid(fleet) == holder.pid, "the first process active")
        standby = fleet.start("se/r/1")
        fleet.wait(lambda: len(fleet.members()) == 2, "the standby registered")
        asked = [devserver_thread.post("se", 1, BOB, "!!/ping 0")]
        fleet.wait(lambda: answers(devserver_thread, 1, asked)[asked[0].id], "the first answer")
        proxy.cut()

        def taken_over():  # commands keep coming until the standby holds the room
            asked.append(devserver_thread.post("se", 1, BOB, f"!!/ping {len(asked)}"))
            time.sleep(0.1)
            return active_pid(fleet) == standby.pid

        fleet.wait(taken_over, "the takeover")
        for _ in range(3):  # one at a time: a second answer would come while the next waits
            asked.append(devserver_thread.post("se", 1, BOB, f"!!/ping {len(asked)}"))
            fleet.wait(lambda: answers(devserver_thread, 1, asked[-1:])[asked[-1].id], "answer")
        fleet.wait(lambda: all(answers(devserver_thread, 1, asked).values()), "every answer")
    finally:
        proxy.close()
    counts = answers(devserver_thread, 1, asked)
    assert {k: v for k, v in counts.items() if len(v) != 1} == {}, fleet.logs()
    taken = f" took over se/r/1 (token 2) from {socket.gethostname()} pid {holder.pid};"
    assert fleet.logs().count(taken) == 1


def _can_partition():
    """Whether this machine lets a process have a network namespace of its own, with tc."""
    if sys.platform != "linux" or os.geteuid() != 0:
        return "needs root on Linux (a network namespace and tc)"
    for tool in ("ip", "tc", "nsenter", "unshare"):
        if shutil.which(tool) is None:
            return f"needs {tool}"
    probe = subprocess.run(["unshare", "-n", "tc", "qdisc", "add", "dev", "lo", "root",
                            "blackhole"], capture_output=True, text=True)
    return None if probe.returncode == 0 else f"no blackhole qdisc: {probe.stderr.strip()}"


def test_a_holder_partitioned_from_postgresql_stands_by_and_comes_back(fleet, devserver_thread,
                                                                        tmp_path):
    """A partition at the TCP level (every packet between the active process and PostgreSQL
    dropped, nothing acknowledged; chat still reachable): the standby takes the room over, and
    the cut-off process's archive calls in flight fail within the connection bounds, so it stands
    by while the partition lasts (without the bounds they wait for the system's TCP retries,
    minutes). After the partition heals and the standby leaves, it takes the room back. Every
    command is answered once."""
    reason = _can_partition()
    if reason is not None:
        pytest.skip(reason)
    path = tmp_path / "netns"
    holder = fleet.start("se/r/1", netns=path)
    fleet.wait(lambda: active_pid(fleet) == holder.pid, "the first process active")
    standby = fleet.start("se/r/1")
    fleet.wait(lambda: len(fleet.members()) == 2, "the standby registered")
    asked = [devserver_thread.post("se", 1, BOB, "!!/ping 0")]
    fleet.wait(lambda: answers(devserver_thread, 1, asked)[asked[0].id], "the first answer")
    namespace = ["nsenter", f"--net={path.read_text()}", "tc", "qdisc"]
    member = f"{socket.gethostname()}:{holder.pid}:"

    def said(*parts):
        return any(member in line and all(p in line for p in parts)
                   for line in fleet.logs().splitlines())

    subprocess.run([*namespace, "add", "dev", "lo", "root", "blackhole"], check=True)
    try:
        def standing_by():  # commands keep coming: the holder's archive writes are in flight
            asked.append(devserver_thread.post("se", 1, BOB, f"!!/ping {len(asked)}"))
            time.sleep(0.1)
            return active_pid(fleet) == standby.pid and said(
                " stands by ", "the archive database failed")

        fleet.wait(standing_by, "the takeover, and the cut-off process standing by")
        fleet.wait(lambda: all(answers(devserver_thread, 1, asked).values()), "every answer")
    finally:
        subprocess.run([*namespace, "del", "dev", "lo", "root"], check=True)
    standby.send_signal(signal.SIGTERM)  # the standby leaves: the first process comes back
    standby.wait(30)
    fleet.wait(lambda: active_pid(fleet) == holder.pid and said(" took over se/r/1 (token 3) "),
               "the first process holding the room again")
    late = devserver_thread.post("se", 1, BOB, "!!/ping late")
    asked.append(late)
    fleet.wait(lambda: answers(devserver_thread, 1, [late])[late.id], "an answer after it all")
    assert holder.poll() is None  # it never ended
    counts = answers(devserver_thread, 1, asked)
    assert {k: v for k, v in counts.items() if len(v) != 1} == {}, fleet.logs()
