"""The lease layer of several bot processes (bot/_fleet.py), on PostgreSQL: one holder per room,
takeover after the holder stops renewing, the stalled holder stops first (fencing by its own
clock), fenced position writes, rooms spread and handed over; on SQLite nothing is coordinated."""

from __future__ import annotations

import asyncio
import contextlib
import math
import time

import pytest
from sqlalchemy import select, update

from chatexchange.bot import Coordination
from chatexchange.bot._fleet import Fleet, coordination_engine
from chatexchange.models import BotLease, BotMember
from tests.plugins.database import postgres_schema

FAST = Coordination(lease=1.2, renew=0.3, margin=0.4)
ROOM = ("se", 1)


@pytest.fixture
def pg_engine(postgres_admin):
    admin, reason = postgres_admin
    if admin is None:
        pytest.skip(reason)
    with postgres_schema(admin) as url:
        engine = coordination_engine(url)
        yield engine
        engine.dispose()


class Member:
    """A Fleet running as one process would run it, with what it was told."""

    def __init__(self, engine, rooms, config=FAST, name="fleet-bot"):
        self.acquired: list[tuple] = []
        self.lost: list[tuple] = []
        self.fleet = Fleet(engine, name, rooms, config,
                           on_acquired=lambda room, pos: self.acquired.append((room, pos)),
                           on_lost=self.lost.append)
        self.task = None

    async def start(self):
        await self.fleet.start()
        self.task = asyncio.create_task(self.fleet.run())
        return self

    async def die(self):
        """Stop renewing without giving anything up (a SIGKILL as the database sees it)."""
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task

    async def close(self):
        if not self.task.done():
            await self.die()
        await self.fleet.close()

    @property
    def held(self):
        return {room for room in list(self.fleet.held) if self.fleet.holds(room)}


async def until(predicate, what, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)
    return value


def lease_row(engine, room=ROOM, bot="fleet-bot"):
    with engine.connect() as conn:
        return conn.execute(select(BotLease).where(
            BotLease.bot == bot, BotLease.server_slug == room[0], BotLease.room_id == room[1]
        )).one()


def test_settings_are_checked():
    with pytest.raises(ValueError, match="must be less than lease"):
        Coordination(lease=2, renew=1, margin=1)
    with pytest.raises(ValueError, match="positive"):
        Coordination(margin=0)
    assert Coordination().takeover_within <= 10


def test_sqlite_is_not_coordinated(tmp_path):
    assert coordination_engine(f"sqlite:///{tmp_path / 'a.db'}") is None


async def test_one_holder_and_takeover_after_death(pg_engine):
    first = await Member(pg_engine, [ROOM]).start()
    await until(lambda: first.held, "the first process to hold the room")
    second = await Member(pg_engine, [ROOM]).start()
    try:
        first.fleet.advance(ROOM, 42)
        await until(lambda: lease_row(pg_engine).last_message_id == 42, "the position written")
        await asyncio.sleep(FAST.lease)  # several rounds: the standby takes nothing
        assert first.held == {ROOM} and second.held == set()
        token = lease_row(pg_engine).token

        await first.die()
        acquired = await until(lambda: second.acquired, "the takeover")
        # the dead holder stopped by its own clock before the standby got the room
        assert not first.fleet.holds(ROOM)
        assert acquired == [(ROOM, 42)]
        row = lease_row(pg_engine)
        assert row.holder == second.fleet.member and row.token == token + 1

        # fencing: the old holder's late position write changes nothing
        first.fleet.held.clear()
        await asyncio.to_thread(first.fleet._write_positions, {ROOM: 99}, {ROOM: token})
        assert lease_row(pg_engine).last_message_id == 42
        second.fleet.advance(ROOM, 50)
        await until(lambda: lease_row(pg_engine).last_message_id == 50, "the new holder's position")
    finally:
        await first.close()
        await second.close()


async def test_a_stalled_holder_stops_before_the_takeover(pg_engine):
    """A frozen event loop: no renewals. Its lease lapses locally ``margin`` seconds before the
    database lets another process have it; on waking it is a standby like any other (it may win
    the room back, but only by a new takeover with a new token, caught up anew)."""
    stalled = await Member(pg_engine, [ROOM]).start()
    await until(lambda: stalled.held, "the room held")
    token = lease_row(pg_engine).token
    other = await Member(pg_engine, [ROOM]).start()
    try:
        time.sleep(FAST.lease)  # the whole loop stalls (no await)
        assert not stalled.fleet.holds(ROOM)  # the first thing it learns on waking
        assert stalled.lost == [ROOM]

        def winners():  # the members told of a new takeover (the row changes a moment earlier)
            return [m for m in (stalled, other) if len(m.acquired) > (m is stalled)]

        await until(winners, "the next takeover")
        assert len(winners()) == 1  # one process took the room, by a new takeover
        assert lease_row(pg_engine).token > token
    finally:
        await stalled.close()
        await other.close()


async def test_a_room_taken_by_a_round_cut_short_is_given_up_on_closing(pg_engine):
    """A round still running in the database when the run is cancelled may take a room that the
    process never hears of; closing gives it up all the same (else it stays held until expiry)."""
    member = Member(pg_engine, [ROOM])
    await member.fleet.start()
    await asyncio.to_thread(member.fleet._tick, {})  # done in the database, never applied
    assert lease_row(pg_engine).holder == member.fleet.member and not member.fleet.held
    await member.fleet.close()
    assert lease_row(pg_engine).holder is None


async def test_a_lease_taken_meanwhile_is_lost_at_the_next_renewal(pg_engine):
    holder = await Member(pg_engine, [ROOM]).start()
    await until(lambda: holder.held, "the room held")
    try:
        with pg_engine.connect() as conn:  # someone else took it (a takeover the holder missed)
            conn.execute(update(BotLease).values(holder="elsewhere:1:x", token=BotLease.token + 1))
        await until(lambda: holder.lost == [ROOM], "the loss noticed")
        assert not holder.fleet.holds(ROOM)
    finally:
        await holder.close()


async def test_rooms_spread_and_move_without_gaps(pg_engine):
    rooms = [("se", n) for n in range(1, 7)]
    members = [await Member(pg_engine, rooms).start()]
    try:
        await until(lambda: len(members[0].held) == 6, "one process holding all six rooms")
        members.append(await Member(pg_engine, rooms).start())
        members.append(await Member(pg_engine, rooms).start())

        def spread():
            held = [m.held for m in members]
            return [len(h) for h in held] == [2, 2, 2] and set().union(*held) == set(rooms)

        await until(spread, "the rooms spread 2/2/2")
        # a process leaves cleanly: its rooms go to the others at once
        leaving = members.pop()
        await leaving.close()

        def taken():
            held = [m.held for m in members]
            return sorted(len(h) for h in held) == [3, 3] and set().union(*held) == set(rooms)

        await until(taken, "the rooms of the process that left taken over")
        with pg_engine.connect() as conn:
            alive = conn.execute(select(BotMember.member)).scalars().all()
        assert leaving.fleet.member not in alive and len(alive) == 2
    finally:
        for member in members:
            await member.close()


async def test_bots_of_other_names_do_not_share(pg_engine):
    one = await Member(pg_engine, [ROOM], name="one").start()
    two = await Member(pg_engine, [ROOM], name="two").start()
    try:
        await until(lambda: one.held and two.held, "each bot holding the room")
    finally:
        await one.close()
        await two.close()


async def test_a_bot_on_sqlite_runs_alone_uncoordinated(devserver, tmp_path):
    """On SQLite one process is assumed: no leases, every message answered as always."""
    from chatexchange import AsyncClient, Bot
    from tests.bot.test_live import ALICE, BOB, answers_to

    url = f"sqlite:///{tmp_path / 'archive.db'}"
    bot = Bot(name="alone")
    bot.on("!!/ping", lambda: "pong")
    async with AsyncClient(url, auth=ALICE, server_url=devserver.url) as client:
        room = await client.se.room(1)
        task = asyncio.create_task(bot.run(room, coordination=FAST))
        try:
            await bot.wait_running()
            assert bot._run.fleet is None
            asked = devserver.post("se", 1, BOB, "!!/ping")
            await until(lambda: answers_to(devserver, asked.id), "the answer")
        finally:
            bot.stop()
            await asyncio.wait_for(task, 10)
        with client.sql_engine.connect() as conn:
            assert conn.execute(select(BotLease)).all() == []


async def test_takeover_answers_what_came_after_the_position_once(devserver, postgres_admin):
    """The archive says message P was handled; after it, one command already has our reply (the
    old holder posted it, then died before writing its position) and one has none: only the
    second is answered. P itself is not answered, even when its live event comes late."""
    from sqlalchemy import insert

    from chatexchange import AsyncClient, Bot
    from tests.bot.test_live import ALICE, BOB, answers_to

    admin, reason = postgres_admin
    if admin is None:
        pytest.skip(reason)
    handled = devserver.post("se", 1, BOB, "!!/ping 1")
    answered = devserver.post("se", 1, BOB, "!!/ping 2")
    devserver.post("se", 1, 1, f":{answered.id} pong")
    waiting = devserver.post("se", 1, BOB, "!!/ping 3")
    with postgres_schema(admin) as url:
        engine = coordination_engine(url)
        with engine.connect() as conn:
            conn.execute(insert(BotLease).values(
                bot="resume", server_slug="se", room_id=1, token=4, holder="gone:1:x",
                host="gone", pid=1, last_message_id=handled.id))
        bot = Bot(name="resume")
        bot.on("!!/ping", lambda: "pong")
        async with AsyncClient(url, auth=ALICE, server_url=devserver.url) as client:
            room = await client.se.room(1)
            task = asyncio.create_task(bot.run(room, coordination=FAST))
            try:
                await until(lambda: answers_to(devserver, waiting.id), "the waiting command")
                # the live event of a message at the position, arriving after the takeover (its
                # archive write had waited on a stalled holder's row locks): not answered
                late = await client.se.message(handled.id)
                async with bot._run.lock:
                    await bot._run._on_message("se", late, None, edited=False)
                later = devserver.post("se", 1, BOB, "!!/ping 4")
                await until(lambda: answers_to(devserver, later.id), "a live command")
                with client.sql_engine.connect() as conn:
                    timeout = conn.exec_driver_sql(
                        "SHOW idle_in_transaction_session_timeout").scalar_one()
                    used = conn.connection.dbapi_connection.info.get_parameters()
            finally:
                bot.stop()
                await asyncio.wait_for(task, 10)
        assert answers_to(devserver, handled.id) == []
        assert len(answers_to(devserver, answered.id)) == 1
        assert len(answers_to(devserver, waiting.id)) == 1
        assert timeout == "1200ms"  # guard_archive: a stalled writer's locks are released
        # ... and a server that stops answering fails the archive's calls within about a lease
        assert {k: used.get(k) for k in ("keepalives", "tcp_user_timeout", "connect_timeout")} == {
            "keepalives": "1", "tcp_user_timeout": "2000", "connect_timeout": "2"}
        row = lease_row(engine, bot="resume")
        assert row.token == 5 and row.holder is None and row.last_message_id >= waiting.id
        engine.dispose()


async def test_a_write_whose_guard_refuses_never_leaves(devserver):
    """The write queue asks the guard right before the request: a lapsed lease stops an answer
    that was already waiting to be sent."""
    from chatexchange import AsyncClient, _fencing, errors
    from tests.bot.test_live import ALICE, messages

    async with AsyncClient(auth=ALICE, server_url=devserver.url) as client:
        room = await client.se.room(1)
        before = len(messages(devserver))
        token = _fencing.WRITE_GUARD.set(lambda: False)
        try:
            with pytest.raises(errors.FencedError, match="not sent"):
                await room.send("must not appear")
        finally:
            _fencing.WRITE_GUARD.reset(token)
        assert len(messages(devserver)) == before
        await room.send("guard gone: sent")
        assert messages(devserver)[-1].source == "guard gone: sent"


async def test_a_write_whose_lease_lapses_before_its_bytes_leave_never_leaves(devserver):
    """The guard is asked again while the request's body is written (the last step before the
    socket): a lease lapsing after the write queue's check, e.g. while the process was stopped
    before the request left, still keeps the answer off the room."""
    from chatexchange import AsyncClient, _fencing, errors
    from tests.bot.test_live import ALICE, messages

    async with AsyncClient(auth=ALICE, server_url=devserver.url) as client:
        room = await client.se.room(1)
        before = len(messages(devserver))
        asked = []
        token = _fencing.WRITE_GUARD.set(lambda: not asked.append(1) and len(asked) == 1)
        try:
            with pytest.raises(errors.FencedError, match="not sent"):
                await room.send("must not appear either")
        finally:
            _fencing.WRITE_GUARD.reset(token)
        assert len(asked) >= 2 and len(messages(devserver)) == before
        await room.send("and the connection is fine")
        assert messages(devserver)[-1].source == "and the connection is fine"


async def test_a_process_that_loses_its_database_session_stands_by_and_comes_back(
    devserver, postgres_admin
):
    """The server ends every PostgreSQL session of the active process (pg_terminate_backend)
    while it answers a command, as it ends a session stopped inside a transaction: the reply is
    posted, its archive write fails. The process does not end and posts nothing more while it has
    no lease; the standby takes the room over and answers what comes meanwhile; when the standby
    stops, the first process takes the room again and answers. Every command is answered once."""
    import uuid

    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from chatexchange import AsyncClient, Bot
    from tests.bot.test_live import ALICE, BOB, answers_to

    admin, reason = postgres_admin
    if admin is None:
        pytest.skip(reason)
    with postgres_schema(admin) as url:
        names = {who: f"fleet-{who}-{uuid.uuid4().hex[:8]}" for who in ("a", "b")}

        def cut_off(who):  # every session of that process's archive and leases
            with admin.connect() as conn:
                return conn.execute(text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE application_name = :name"), {"name": names[who]}).scalar_one()

        bots, clients, runs = {}, {}, {}
        async with contextlib.AsyncExitStack() as stack:
            for who in ("a", "b"):
                bots[who] = bot = Bot(name="session")
                bot.on("!!/ping", lambda message: "pong " + message.text.split()[-1])
                bot.on("!!/cut", lambda who=who: f"cut {cut_off(who) > 0}")
                own = make_url(url).update_query_dict({"application_name": names[who]})
                clients[who] = await stack.enter_async_context(AsyncClient(
                    own.render_as_string(hide_password=False), auth=ALICE,
                    server_url=devserver.url))
            asked = []

            def ask(text_):
                asked.append(devserver.post("se", 1, BOB, text_))
                return asked[-1]

            async def answered(message):
                await until(lambda: answers_to(devserver, message.id), f"an answer to {message}")

            async def start(who):
                room = await clients[who].se.room(1)
                runs[who] = asyncio.create_task(bots[who].run(room, coordination=FAST))
                await bots[who].wait_running()

            try:
                await start("a")
                fleet_a = bots["a"]._run.fleet
                await until(lambda: fleet_a.holds(ROOM), "the first process holding the room")
                await start("b")
                await answered(ask("!!/ping 0"))
                await answered(ask("!!/cut"))
                await until(lambda: bots["a"].stats["database_lost"], "the lost session noticed")
                for n in range(1, 6):
                    await answered(ask(f"!!/ping {n}"))
                assert not runs["a"].done()  # alive, a standby
                assert bots["b"]._run.fleet.holds(ROOM)
                assert bots["a"].stats["fenced"] == 0  # it never tried to answer meanwhile

                bots["b"].stop()  # the standby leaves: the first process takes the room again
                await asyncio.wait_for(runs.pop("b"), 10)
                await until(lambda: fleet_a.holds(ROOM) and ROOM in bots["a"]._run.ready,
                            "the first process holding the room again")
                answered_before = bots["a"].stats["answered"]
                await answered(ask("!!/ping 6"))
                await until(lambda: bots["a"].stats["answered"] == answered_before + 1,
                            "the answer counted by the first process")
                assert fleet_a.takeovers == 2
            finally:
                for who, task in runs.items():
                    bots[who].stop()
                    await asyncio.wait_for(task, 10)
        replies = {m.id: [r.source for r in answers_to(devserver, m.id)] for m in asked}
        assert {k: v for k, v in replies.items() if len(v) != 1} == {}
        assert replies[asked[1].id] == [f":{asked[1].id} cut True"]


async def test_a_run_without_coordination_reads_the_room_again_after_a_lost_session(
    devserver, postgres_admin
):
    """The same on PostgreSQL with ``coordination=False``: the sessions are ended while a command
    is answered, and again from outside before the next one arrives (what fails next depends on
    which connections the run has opened again meanwhile). The run does not end; it reads the
    room again from its last handled message, and each command is answered once."""
    import uuid

    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from chatexchange import AsyncClient, Bot
    from tests.bot.test_live import ALICE, BOB, answers_to

    admin, reason = postgres_admin
    if admin is None:
        pytest.skip(reason)
    name = f"alone-{uuid.uuid4().hex[:8]}"

    def cut_off():
        with admin.connect() as conn:
            return conn.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = :name"), {"name": name}).scalar_one()

    with postgres_schema(admin) as url:
        own = make_url(url).update_query_dict({"application_name": name})
        bot = Bot(name="alone")
        bot.on("!!/ping", lambda message: "pong " + message.text.split()[-1])
        bot.on("!!/cut", lambda: f"cut {cut_off() > 0}")
        asked = []
        async with AsyncClient(own.render_as_string(hide_password=False), auth=ALICE,
                               server_url=devserver.url) as client:
            task = asyncio.create_task(bot.run(await client.se.room(1), coordination=False))
            try:
                await bot.wait_running()
                for command in ("!!/ping 0", "!!/cut", "!!/ping 1", None, "!!/ping 2"):
                    if command is None:
                        assert cut_off() > 0
                        continue
                    asked.append(devserver.post("se", 1, BOB, command))
                    await until(lambda: answers_to(devserver, asked[-1].id), command)
                assert not task.done()
            finally:
                bot.stop()
                await asyncio.wait_for(task, 10)
        replies = {m.id: [r.source for r in answers_to(devserver, m.id)] for m in asked}
        assert {k: v for k, v in replies.items() if len(v) != 1} == {}
        assert bot.stats["database_lost"] >= 1


def _sqlalchemy_error():
    from sqlalchemy.exc import OperationalError

    return OperationalError("SELECT ...", {}, Exception("server closed the connection"))


def _driver_error():  # the store's raw batched writes raise the driver's own errors
    import sqlite3

    return sqlite3.OperationalError("database is locked")


@pytest.mark.parametrize("failure", [_sqlalchemy_error, _driver_error])
async def test_a_command_whose_handling_failed_on_the_database_is_answered_after_all(devserver,
                                                                                     failure):
    """The database fails after a command counts as handled but before its answer (reading who
    asked): it is read again with the room once the stream is back, and answered once."""

    from chatexchange import Bot
    from tests.bot.test_live import BOB, Running, answers_to

    bot = Bot(name="reread")
    bot.on("!!/ping", lambda message: "pong " + message.text.split()[-1])
    async with Running(bot, devserver):
        run = bot._run
        real_user, failing = run._user, [1]

        async def user(*args):
            if failing:
                failing.pop()
                raise failure()
            return await real_user(*args)

        run._user = user
        asked = [devserver.post("se", 1, BOB, "!!/ping 1")]
        await until(lambda: answers_to(devserver, asked[0].id), "the answer after all")
        asked.append(devserver.post("se", 1, BOB, "!!/ping 2"))
        await until(lambda: answers_to(devserver, asked[1].id), "the next answer")
    assert failing == [] and bot.stats["database_lost"] == 1
    assert [len(answers_to(devserver, m.id)) for m in asked] == [1, 1]


async def test_run_archive_names_the_database_to_coordinate_through(
    devserver, postgres_admin, tmp_path
):
    """``bot.run(..., archive=URL)``: a client whose own archive is in memory coordinates through
    the PostgreSQL database named there (its lease row holds the room and the position); an SQLite
    one means a single process (nothing coordinated); the database cannot be given twice."""
    from chatexchange import AsyncClient, Bot
    from chatexchange.store import open_engine
    from tests.bot.test_live import ALICE, BOB, answers_to

    admin, reason = postgres_admin
    if admin is None:
        pytest.skip(reason)
    bot = Bot(name="named")
    bot.on("!!/ping", lambda: "pong")
    with postgres_schema(admin) as url:
        async with AsyncClient(auth=ALICE, server_url=devserver.url) as client:  # in memory
            room = await client.se.room(1)
            for wrong in ({"coordination": False}, {"coordination": Coordination(database=url)}):
                with pytest.raises(ValueError, match="archive="):
                    await bot.run(room, archive=url, **wrong)
            archives = (url, open_engine(url), f"sqlite:///{tmp_path / 'alone.db'}")
            for n, archive in enumerate(archives):
                task = asyncio.create_task(bot.run(room, coordination=FAST, archive=archive))
                try:
                    await bot.wait_running()
                    fleet = bot._run.fleet
                    if fleet is not None:
                        await until(lambda f=fleet: f.holds(ROOM), "the room held")
                    asked = devserver.post("se", 1, BOB, f"!!/ping {n}")
                    await until(lambda a=asked: answers_to(devserver, a.id), "the answer")
                    if fleet is not None:  # noted as handled (a moment after the answer)
                        await until(lambda f=fleet, a=asked: f.held[ROOM].position >= a.id,
                                    "the position advanced")
                finally:
                    bot.stop()
                    await asyncio.wait_for(task, 10)
                if isinstance(archive, str) and archive.startswith("sqlite"):
                    assert fleet is None  # one process: no leases
                    continue
                assert fleet is not None and fleet.engine.url.database == admin.url.database
                row = lease_row(fleet.engine, bot="named")  # given up on stopping, position kept
                assert row.holder is None and row.last_message_id >= asked.id
                if not isinstance(archive, str):
                    archive.dispose()


async def test_event_routes_catch_up_after_a_takeover(devserver, postgres_admin):
    """Joins and stars while no process holds the room (the holder has stopped, the standby has
    not taken it yet) are routed by the process that takes the room over, from the event position
    the previous holder kept, each exactly once; so are commands posted meanwhile."""
    from chatexchange import AsyncClient
    from tests.bot.test_event_catch_up import FIRST_GUEST, greeter, guests, said, star, visit
    from tests.bot.test_live import ALICE, BOB
    from tests.bot.test_reliability import tally

    admin, reason = postgres_admin
    if admin is None:
        pytest.skip(reason)
    names = guests(devserver, FIRST_GUEST, 13)
    target = devserver.post("se", 1, BOB, "a message to star").id
    with postgres_schema(admin) as url:
        bots, runs = [], []
        async with contextlib.AsyncExitStack() as stack:
            for _ in range(2):
                client = await stack.enter_async_context(
                    AsyncClient(url, auth=ALICE, server_url=devserver.url))
                bots.append(greeter())
                runs.append(asyncio.create_task(
                    bots[-1].run(await client.se.room(1), coordination=FAST)))
                await bots[-1].wait_running()
                if len(bots) == 1:
                    await until(lambda: bots[0]._run.fleet.holds(ROOM), "the first holder")
            first, second = bots
            try:
                visit(devserver, [FIRST_GUEST])
                await until(lambda: said(devserver, f"welcome {names[0]}") == 1, "a live welcome")
                await until(lambda: first._run.event_saved.get(ROOM), "its event position kept")
                taker = second._run.fleet
                taker.resting_until = math.inf  # it takes no room until told
                first.stop()
                await asyncio.wait_for(runs[0], 10)
                visit(devserver, list(range(FIRST_GUEST + 1, FIRST_GUEST + 12)))
                star(devserver, target, [FIRST_GUEST, FIRST_GUEST + 1])
                commands = [devserver.post("se", 1, BOB, f"!!/echo gap {i}").id for i in range(3)]
                await asyncio.sleep(FAST.renew * 2)  # nobody answers meanwhile
                assert not taker.held and said(devserver, f"welcome {names[1]}") == 0
                taker.resting_until = 0.0
                expected = {f"welcome {n}": 1 for n in names[:12]}
                expected.update({f"starred {target} (1)": 1, f"starred {target} (2)": 1})
                await until(lambda: all(said(devserver, t) >= 1 for t in expected),
                            "every route's answer")
                await until(lambda: not tally(devserver, commands)[0], "every command")
                visit(devserver, [FIRST_GUEST + 12])  # and live again after the catch-up
                expected[f"welcome {names[12]}"] = 1
                await until(lambda: said(devserver, f"welcome {names[12]}"),
                            "a live welcome from the new holder")
            finally:
                for bot, task in zip(bots, runs, strict=True):
                    bot.stop()
                    await asyncio.wait_for(task, 10)
        assert {t: said(devserver, t) for t in expected} == expected
        assert tally(devserver, commands) == ([], [])


async def test_a_session_stopped_in_the_middle_of_a_pipeline_is_ended(postgres_admin):
    """A process stopped after sending part of a pipeline of statements (the driver's batched
    writes) holds its row locks in a state PostgreSQL's idle-in-transaction timer does not cover;
    the fleet ends such archive sessions once they have waited on their process for two leases,
    so another process's write on the same rows goes through."""
    from sqlalchemy import text

    from chatexchange.bot._fleet import guard_archive
    from chatexchange.store import open_engine

    admin, reason = postgres_admin
    if admin is None:
        pytest.skip(reason)
    with postgres_schema(admin) as url:
        archive = open_engine(url)
        guard_archive(archive, FAST.lease)
        with archive.begin() as conn:
            conn.execute(text("CREATE TABLE shared (n integer)"))
            conn.execute(text("INSERT INTO shared VALUES (0)"))
        stopped = archive.raw_connection()
        member = None
        try:
            pg = stopped.driver_connection.pgconn  # libpq itself: a pipeline left unfinished
            pid = pg.backend_pid
            pg.enter_pipeline_mode()
            pg.send_query_params(b"UPDATE shared SET n = n + 1", None)
            pg.send_flush_request()  # sent and run, no end of the pipeline: the process stops
            assert pg.flush() == 0

            def other_write():
                with archive.begin() as conn:  # waits on the stopped session's row lock
                    conn.execute(text("UPDATE shared SET n = n + 10"))

            writing = asyncio.ensure_future(asyncio.to_thread(other_write))
            await asyncio.sleep(2 * FAST.lease + FAST.renew)
            assert not writing.done()  # the server's own idle timer has not ended the session
            member = await Member(coordination_engine(url), [ROOM]).start()
            await asyncio.wait_for(writing, 30)
            with admin.connect() as conn:
                assert conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"),
                                    {"pid": pid}).scalar_one() == 0
        finally:
            stopped.invalidate()
            if member is not None:
                await member.close()
                member.fleet.engine.dispose()
        with archive.connect() as conn:
            assert conn.execute(text("SELECT n FROM shared")).scalar_one() == 10
        archive.dispose()


async def test_standing_by_gives_the_rooms_up_and_takes_none_while_resting(pg_engine):
    """``Fleet.stand_by`` (the archive's database failed): the rooms are dropped at once and given
    up in the database; while it rests the member takes no room (another may), then competes
    again; stand-bys in a row lengthen the rest, a room caught up resets it."""
    member = await Member(pg_engine, [ROOM]).start()
    try:
        await until(lambda: member.held, "the room held")
        member.fleet.stand_by("a test")
        assert not member.fleet.holds(ROOM) and member.lost == [ROOM]
        first_rest = member.fleet.resting_until
        member.fleet.stand_by("again")
        assert member.fleet.setbacks == 2 and member.fleet.resting_until > first_rest
        member.fleet.resting_until = math.inf
        await until(lambda: lease_row(pg_engine).holder is None, "the room given up")
        await asyncio.sleep(4 * FAST.renew)  # several rounds: nothing taken while resting
        assert lease_row(pg_engine).holder is None and len(member.acquired) == 1
        member.fleet.resting_until = 0.0
        await until(lambda: len(member.acquired) == 2, "the room taken again")
        member.fleet.steady()
        assert member.fleet.setbacks == 0
    finally:
        await member.close()


async def test_a_room_taken_by_a_round_begun_before_standing_by_is_given_back(pg_engine):
    member = Member(pg_engine, [ROOM])
    member.fleet.resting_until = math.inf  # standing by: its own rounds take nothing
    await member.start()
    try:
        tick = await asyncio.to_thread(member.fleet._tick, {}, True)  # begun before, ends after
        assert ROOM in tick.acquired and lease_row(pg_engine).holder == member.fleet.member
        await member.fleet._apply(tick)
        assert not member.fleet.holds(ROOM) and member.acquired == []
        await until(lambda: lease_row(pg_engine).holder is None, "the room given back")
    finally:
        await member.close()
