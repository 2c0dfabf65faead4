"""Several processes running one bot: per room one active process, kept through PostgreSQL.

Each room of a bot has a lease row (``models.BotLease``). A process may answer in a room only
while it holds the room's lease and the lease is valid by its *own* monotonic clock: a renewal
started at local time ``t`` (the database sets ``expires = now() + lease``, a moment after ``t``)
makes the lease locally valid until ``t + lease - margin``. The database gives the room to another
process only after ``expires``, so a process that stalls (SIGSTOP, a frozen event loop) or loses the
database stops answering at least ``margin`` seconds before anyone else may start, without having
to hear about it. Every takeover increases the lease's ``token``; a renewal or a position written
by the previous holder matches no row any more (fencing in the database).

Why a lease row and not session advisory locks: an advisory lock is tied to a database
connection, so its owner cannot tell how long it still owns it when the connection is silently
lost (a partition keeps the lock on the server until TCP gives up, minutes later, while the
process cannot know whether it has been released), and a frozen process keeps it for ever while
its connection stays open. A lease expires by time on both sides, so a stalled or partitioned
holder provably stops first, and the row also carries what operators and the next holder need
(who, since when, the token, the last handled message).

A process runs :class:`Fleet` beside its live run: one task renews its leases every ``renew``
seconds, keeps its member row alive (``models.BotMember``), takes free or expired leases of its
rooms (at most a fair share each when ``balance`` is on, so rooms spread over the processes), gives
a room up when it holds more than its share and another process has fewer, and writes the newest
handled message of each room (fenced by the token). Database work runs on one thread of its own, so
a slow database never blocks the event loop; a database call that hangs only lets the leases lapse.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import math
import os
import socket
import time
import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, and_, create_engine, delete, event, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from .._rules import backoff
from ..models import Base, BotLease, BotMember

__all__ = ["Coordination", "Fleet", "RoomKey", "coordination_engine", "guard_archive"]

log = logging.getLogger("chatexchange.bot.fleet")

RoomKey = tuple[str, int]

#: The ``application_name`` of a coordinated bot's archive sessions (unless its URL gives one):
#: how the fleet finds the sessions of a stopped process that hold row locks (``Fleet`` ends them).
ARCHIVE_SESSIONS = "chatexchange bot archive"


@dataclass(frozen=True)
class Coordination:
    """How the processes of one bot share its rooms (``bot.run(..., coordination=...)``).

    ``lease``: seconds a renewal keeps a room; ``renew``: seconds between renewals (and between
    attempts to take free rooms); ``margin``: seconds before the lease's end at which the holder
    stops answering; ``balance``: take at most a fair share of the rooms, and hand rooms to
    processes that have fewer. ``database``: URL of the PostgreSQL database to coordinate through
    (default: the client's archive). A room is taken over at most ``lease + 2 * renew`` seconds
    after its holder stopped renewing (10 s with the defaults).
    """

    lease: float = 6.0
    renew: float = 2.0
    margin: float = 1.5
    balance: bool = True
    database: Any = None

    def __post_init__(self) -> None:
        if not (self.lease > 0 and self.renew > 0 and self.margin > 0):
            raise ValueError("lease, renew and margin must be positive")
        if self.renew + self.margin >= self.lease:
            raise ValueError(
                f"renew ({self.renew}) + margin ({self.margin}) must be less than lease "
                f"({self.lease}): else the lease would lapse between two renewals"
            )

    @property
    def takeover_within(self) -> float:
        """Seconds after the holder's last renewal by which another process holds the room."""
        return self.lease + 2 * self.renew


def tcp_bounds(seconds: float) -> dict[str, int]:
    """libpq settings under which a PostgreSQL connection whose server stopped answering (a
    network partition, a host gone) fails within about ``seconds``: connecting, sent data left
    unacknowledged (``tcp_user_timeout``) and an idle connection's keepalive probes unanswered.
    Without them a call in flight waits for the operating system's TCP retries, minutes, and
    after the partition heals the next retry may still be a minute or two away."""
    whole = max(2, math.ceil(seconds))
    return {
        "connect_timeout": whole,
        "keepalives": 1,
        "keepalives_idle": max(1, whole // 3),
        "keepalives_interval": 1,
        "keepalives_count": 3,
        "tcp_user_timeout": whole * 1000,
    }


def coordination_engine(url: Any) -> Engine | None:
    """An engine of its own for the leases (autocommit, bounded waits), or None when ``url`` is
    not PostgreSQL (SQLite: one process, nothing to coordinate)."""
    url = make_url(url) if not isinstance(url, Engine) else url.url
    if url.get_backend_name() != "postgresql":
        return None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    engine = create_engine(
        url,
        isolation_level="AUTOCOMMIT",
        pool_size=1,
        max_overflow=1,
        connect_args=tcp_bounds(3),
    )
    Base.metadata.create_all(engine, tables=[BotLease.__table__, BotMember.__table__])
    return engine


_guarded: weakref.WeakSet[Engine] = weakref.WeakSet()


def guard_archive(engine: Engine, seconds: float) -> None:
    """Make the archive's PostgreSQL sessions end when idle inside a transaction for ``seconds``,
    and its connections fail when the server stops answering for about as long (:func:`tcp_bounds`;
    settings the archive's URL gives itself are kept).

    Every process archives the same live events into the same rows; a process stopped in the
    middle of an archive transaction (SIGSTOP, a frozen thread) would keep those rows locked, and
    the process taking its rooms over would wait on them for as long as the stall lasts. The
    server ends such a session instead, which releases its locks (the stalled process gets an
    error on waking and stands by). The server's timer runs only between statements, not in the
    middle of a pipeline of statements (the driver's batched writes): the sessions are named
    :data:`ARCHIVE_SESSIONS` so that the fleet can end those (:meth:`Fleet._end_stalled`).
    """
    if engine.dialect.name != "postgresql" or engine in _guarded:
        return
    milliseconds = max(1000, int(seconds * 1000))
    bounds = tcp_bounds(seconds)

    @event.listens_for(engine, "do_connect")
    def bound_waits(_dialect: Any, _record: Any, _args: Any, params: dict[str, Any]) -> None:
        for name, value in {**bounds, "application_name": ARCHIVE_SESSIONS}.items():
            params.setdefault(name, value)

    @event.listens_for(engine, "connect")
    def limit_idle_transactions(dbapi_connection: Any, _record: Any) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET idle_in_transaction_session_timeout = {milliseconds}")
        dbapi_connection.commit()

    _guarded.add(engine)
    engine.dispose()  # pooled connections from before: replaced (checked-out ones stay valid)


@dataclass
class _Held:
    token: int
    valid_until: float  # local monotonic time
    position: int | None


@dataclass
class _Tick:
    """What one round in the database found (applied on the event loop)."""

    started: float
    renewed: dict[RoomKey, int] = field(default_factory=dict)  # room -> token
    #: room -> (token, position, previous holder, locally valid until)
    acquired: dict[RoomKey, tuple[int, int | None, str, float]] = field(default_factory=dict)
    release: RoomKey | None = None


class Fleet:
    """One process's part in running ``bot_name`` on ``rooms`` (see the module docstring).

    ``on_acquired(room, position)`` is called on the loop when a room is taken (``position``: the
    newest message the previous holders handled, None if none did); ``on_lost(room)`` when it is
    lost or given up.
    """

    def __init__(
        self,
        engine: Engine,
        bot_name: str,
        rooms: list[RoomKey],
        config: Coordination,
        *,
        on_acquired: Callable[[RoomKey, int | None], Any],
        on_lost: Callable[[RoomKey], Any],
    ) -> None:
        self.engine = engine
        self.bot = bot_name
        self.rooms = sorted(set(rooms))
        self.config = config
        self.host = socket.gethostname()
        self.pid = os.getpid()
        self.member = f"{self.host}:{self.pid}:{uuid.uuid4().hex[:8]}"
        self.on_acquired = on_acquired
        self.on_lost = on_lost
        self.held: dict[RoomKey, _Held] = {}
        self.pending: dict[RoomKey, int] = {}
        self.takeovers = 0
        self.setbacks = 0  # stand-bys in a row (reset by steady())
        self.resting_until = 0.0  # local monotonic time before which no room is taken
        self._give_up: dict[RoomKey, tuple[int, int | None]] = {}  # room -> (token, position)
        self._wake = asyncio.Event()
        self._executor = concurrent.futures.ThreadPoolExecutor(1, "chatexchange-fleet")

    def __repr__(self) -> str:
        return f"<Fleet {self.bot!r} {self.member} holds {sorted(self.held)}>"

    # -- what the bot asks -----------------------------------------------------------------------

    def holds(self, room: RoomKey) -> bool:
        """Whether this process may answer in ``room`` now (its lease is locally valid)."""
        held = self.held.get(room)
        if held is None:
            return False
        if time.monotonic() < held.valid_until:
            return True
        self._lose(room, "lapsed (no renewal in time)")
        return False

    def advance(self, room: RoomKey, message_id: int) -> None:
        """Note that ``message_id`` of ``room`` is handled (written soon, fenced)."""
        held = self.held.get(room)
        if held is None:
            return
        if held.position is None or message_id > held.position:
            held.position = message_id
            self.pending[room] = message_id
            self._wake.set()

    def stand_by(self, why: str) -> None:
        """Stop answering everywhere now, give the rooms up in the database at the next round (so
        a standby need not wait for the leases' end) and take none for a while: ``renew``
        seconds doubling with each stand-by in a row, up to 30 s (:meth:`steady` resets it)."""
        self.setbacks += 1
        pause = backoff(self.setbacks, self.config.renew, max(30.0, self.config.renew))
        self.resting_until = time.monotonic() + pause
        for room, held in list(self.held.items()):
            self._give_up[room] = (held.token, held.position)
            self._lose(room, why)
        log.warning("bot %s: %s stands by for %.1f s (%s)", self.bot, self.member, pause, why)
        self._wake.set()

    def steady(self) -> None:
        """A room taken was caught up: the database works again, stand-bys start over."""
        self.setbacks = 0

    async def flush(self) -> None:
        """Write the pending positions now."""
        pending, self.pending = self.pending, {}
        if pending:
            tokens = {room: self.held[room].token for room in pending if room in self.held}
            await self._db(self._write_positions, pending, tokens)

    # -- running ---------------------------------------------------------------------------------

    async def start(self) -> None:
        await self._db(self._register)

    async def run(self) -> None:
        """Renew, take and give rooms until cancelled."""
        next_tick = time.monotonic()
        while True:
            wait = next_tick - time.monotonic()
            if wait > 0:
                try:
                    await asyncio.wait_for(self._wake.wait(), wait)
                except TimeoutError:
                    pass
            self._wake.clear()
            try:
                await self.flush()
                if self._give_up:
                    given, self._give_up = self._give_up, {}
                    await self._db(self._leave, {r: t for r, (t, _) in given.items()},
                                   {r: p for r, (_, p) in given.items()}, False)
                if time.monotonic() >= next_tick:
                    next_tick = time.monotonic() + self.config.renew
                    take = time.monotonic() >= self.resting_until
                    tick = await self._db(self._tick, dict(self.held), take)
                    await self._apply(tick)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the database is away: leases lapse by themselves
                log.warning("bot %s: coordination failed (%s: %s)", self.bot,
                            type(error).__name__, str(error).splitlines()[0] if str(error) else "")
            for room in list(self.held):
                self.holds(room)  # drops what lapsed meanwhile

    async def close(self) -> None:
        """Give every room up (others take them at once) and leave the member list."""
        rooms = list(self.held)
        positions = {room: self.held[room].position for room in rooms}
        tokens = {room: self.held[room].token for room in rooms}
        for room in rooms:
            self._lose(room, None)
        try:
            await self._db(self._leave, tokens, positions)
        except Exception as error:
            log.warning("bot %s: could not give the rooms up (%s); they lapse in %.0f s",
                        self.bot, type(error).__name__, self.config.lease)
        finally:
            self._executor.shutdown(wait=False)

    async def _db(self, fn: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def _apply(self, tick: _Tick) -> None:
        valid_until = tick.started + self.config.lease - self.config.margin
        for room in list(self.held):
            token = tick.renewed.get(room)
            if not self.holds(room):
                continue  # lapsed while renewing: never extended (what came meanwhile is unread)
            if token is None or token != self.held[room].token:
                self._lose(room, "taken by another process")
            else:
                self.held[room].valid_until = valid_until
        for room, (token, position, previous, until) in tick.acquired.items():
            if time.monotonic() < self.resting_until:  # taken by a round begun before standing by
                self._give_up[room] = (token, position)
                self._wake.set()
                continue
            self.held[room] = _Held(token, until, position)
            self.takeovers += 1
            log.warning(
                "bot %s: %s took over %s/r/%s (token %d) from %s; resuming after message %s",
                self.bot, self.member, room[0], room[1], token, previous, position,
            )
            self.on_acquired(room, position)
        if tick.release is not None and tick.release in self.held:
            room = tick.release
            held = self.held[room]
            self._lose(room, "handed over to balance the rooms")
            await self._db(self._leave, {room: held.token}, {room: held.position}, False)

    def _lose(self, room: RoomKey, why: str | None) -> None:
        held = self.held.pop(room, None)
        self.pending.pop(room, None)
        if held is None:
            return
        if why is not None:
            log.warning("bot %s: %s no longer answers in %s/r/%s (token %d): %s",
                        self.bot, self.member, room[0], room[1], held.token, why)
        self.on_lost(room)

    # -- database (on the fleet's thread) --------------------------------------------------------

    def _lease_of(self, room: RoomKey) -> Any:
        return and_(BotLease.bot == self.bot, BotLease.server_slug == room[0],
                    BotLease.room_id == room[1])

    def _register(self) -> None:
        with self.engine.connect() as conn:
            for slug, room_id in self.rooms:
                conn.execute(
                    pg_insert(BotLease)
                    .values(bot=self.bot, server_slug=slug, room_id=room_id, token=0)
                    .on_conflict_do_nothing(constraint="uq_bot_lease_room")
                )
            self._heartbeat(conn, started=True)

    def _heartbeat(self, conn: Any, *, started: bool = False) -> None:
        expires = func.now() + timedelta(seconds=self.config.lease)
        values = {"expires": expires}
        stmt = pg_insert(BotMember).values(
            bot=self.bot, member=self.member, host=self.host, pid=self.pid, started=func.now(),
            expires=expires, rooms=" ".join(f"{slug}/r/{rid}" for slug, rid in self.rooms),
        )
        conn.execute(stmt.on_conflict_do_update(constraint="uq_bot_member", set_=values))
        if started:  # members gone for long are forgotten
            conn.execute(delete(BotMember).where(
                BotMember.bot == self.bot, BotMember.expires < func.now() - timedelta(hours=1)))

    def _write_positions(self, positions: dict[RoomKey, int], tokens: dict[RoomKey, int]) -> None:
        with self.engine.connect() as conn:
            for room, message_id in positions.items():
                if room not in tokens:
                    continue
                conn.execute(
                    update(BotLease)
                    .where(self._lease_of(room), BotLease.holder == self.member,
                           BotLease.token == tokens[room])
                    .values(last_message_id=func.greatest(
                        func.coalesce(BotLease.last_message_id, 0), message_id))
                )

    def _leave(self, tokens: dict[RoomKey, int], positions: dict[RoomKey, int | None],
               leave_members: bool = True) -> None:
        with self.engine.connect() as conn:
            for room, token in tokens.items():
                values: dict[str, Any] = {"holder": None, "expires": func.now()}
                if positions.get(room) is not None:
                    values["last_message_id"] = func.greatest(
                        func.coalesce(BotLease.last_message_id, 0), positions[room])
                conn.execute(
                    update(BotLease)
                    .where(self._lease_of(room), BotLease.holder == self.member,
                           BotLease.token == token)
                    .values(**values)
                )
            if leave_members:  # also what a round still running at the stop took meanwhile
                conn.execute(
                    update(BotLease)
                    .where(BotLease.bot == self.bot, BotLease.holder == self.member)
                    .values(holder=None, expires=func.now())
                )
                conn.execute(delete(BotMember).where(
                    BotMember.bot == self.bot, BotMember.member == self.member))

    def _end_stalled(self, conn: Any) -> None:
        """End the archive sessions of coordinated bots that have waited on their process inside a
        transaction for longer than two leases: the process is stopped (its leases lapsed), and
        the row locks it holds would stall every other process's archive writes, the holder's
        included, until it wakes. (PostgreSQL's own idle-in-transaction timer misses a process
        stopped in the middle of a pipeline of statements.)"""
        try:
            ended = conn.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name = :name "
                "AND wait_event = 'ClientRead' AND xact_start IS NOT NULL "
                "AND state_change < now() - make_interval(secs => :lease) "
                "AND pid <> pg_backend_pid()"
            ), {"name": ARCHIVE_SESSIONS, "lease": 2 * self.config.lease}).scalar_one()
        except SQLAlchemyError as error:  # e.g. not allowed to end other roles' sessions
            log.debug("bot %s: could not end stalled archive sessions: %s", self.bot, error)
            return
        if ended:
            log.warning("bot %s: ended %d archive session(s) stalled inside a transaction for "
                        "more than %.1f s (a stopped process's row locks)", self.bot, ended,
                        2 * self.config.lease)

    def _tick(self, held: dict[RoomKey, _Held], take: bool = True) -> _Tick:
        config = self.config
        with self.engine.connect() as conn:
            tick = _Tick(started=time.monotonic())
            if held:  # only what is still held here: a lapsed room is taken anew (and caught up)
                rows = conn.execute(
                    update(BotLease)
                    .where(BotLease.bot == self.bot, BotLease.holder == self.member,
                           BotLease.expires > func.now(), or_(*(
                        and_(BotLease.server_slug == slug, BotLease.room_id == room_id,
                             BotLease.token == h.token)
                        for (slug, room_id), h in held.items())))
                    .values(expires=func.now() + timedelta(seconds=config.lease))
                    .returning(BotLease.server_slug, BotLease.room_id, BotLease.token)
                )
                tick.renewed = {(slug, room_id): token for slug, room_id, token in rows}
            self._heartbeat(conn)
            self._end_stalled(conn)
            now = conn.execute(select(func.now())).scalar_one()
            leases = conn.execute(select(BotLease).where(BotLease.bot == self.bot)).all()
            members = conn.execute(
                select(BotMember.member, BotMember.rooms)
                .where(BotMember.bot == self.bot, BotMember.expires > now)
            ).all()
            mine = set(self.rooms)
            serving = {m: set(rooms.split()) for m, rooms in members}
            serving[self.member] = {f"{s}/r/{r}" for s, r in mine}
            mine_text = serving[self.member]
            peers = [m for m, rooms in serving.items() if rooms & mine_text]
            share = math.ceil(len(mine) / max(1, len(peers)))
            counts = dict.fromkeys(serving, 0)
            free = []
            for lease in leases:
                room = (lease.server_slug, lease.room_id)
                live = lease.holder is not None and (lease.expires or now) > now
                if live and lease.holder in counts:
                    counts[lease.holder] += 1
                if room in mine and not live and take:
                    free.append(lease)
            count = len(tick.renewed)
            grace = now - timedelta(seconds=config.renew)
            for lease in sorted(free, key=lambda row: (row.server_slug, row.room_id)):
                lapsed_long = lease.expires is not None and lease.expires < grace
                if config.balance and count >= share and not lapsed_long:
                    continue
                room = (lease.server_slug, lease.room_id)
                started = time.monotonic()
                won = conn.execute(
                    update(BotLease)
                    .where(self._lease_of(room), BotLease.token == lease.token,
                           or_(BotLease.holder.is_(None), BotLease.expires.is_(None),
                               BotLease.expires <= func.now()))
                    .values(holder=self.member, host=self.host, pid=self.pid,
                            token=BotLease.token + 1, since=func.now(),
                            expires=func.now() + timedelta(seconds=config.lease))
                    .returning(BotLease.token, BotLease.last_message_id)
                ).first()
                if won is None:
                    continue  # another process was quicker
                previous = "nobody" if lease.holder is None else f"{lease.host} pid {lease.pid}"
                until = started + config.lease - config.margin
                tick.acquired[room] = (won[0], won[1], previous, until)
                count += 1
            if config.balance and count > share and not tick.acquired:
                poorer = [serving[m] for m in peers if m != self.member and counts[m] + 1 < count]
                movable = [
                    room for room in sorted(set(tick.renewed) & set(held), reverse=True)
                    if any(f"{room[0]}/r/{room[1]}" in rooms for rooms in poorer)
                ]
                if movable:
                    tick.release = movable[0]
            return tick
