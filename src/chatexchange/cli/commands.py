"""The main form (import, watch, send) and the ``devserver`` and ``replay`` subcommands.

Each command runs one ``AsyncClient`` on one event loop (uvloop where available). The client commits
every transcript page in its own transaction, so an interruption keeps everything stored so far and
the next run resumes: pages stored within ``--max-age`` are not fetched again.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from .. import errors
from .._eventloop import new_event_loop
from .._servers import DEVSERVER_ENV
from .._time import EPOCH, SUNSET, utcnow
from .archive import prepare_database, remove_new_file, room_counts
from .args import DATABASE_ENV, MainArgs
from .exits import EXIT_OK, Interrupted, Terminated
from .output import message_json, message_line, room_of, write_json
from .progress import Progress, format_count, format_duration, format_rate
from .rooms import RoomRef, redact
from .watching import Connections, follow

__all__ = ["ImportReport", "import_room", "resolve_room", "run_async", "run_main"]

T = TypeVar("T")


def run_async(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run ``main()`` on a fresh loop (uvloop where the platform has it) until it ends.

    Ctrl-C: ``asyncio.Runner`` turns SIGINT into a cancellation of the main task, so ``finally``
    blocks (closing the client, ending a progress line) run before ``KeyboardInterrupt`` reaches
    ``main()``. SIGTERM (``kill``) gets the same orderly stop and ends as :class:`Terminated`.
    """
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        return runner.run(_until_signalled(main))


async def _until_signalled(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    terminated: list[bool] = []

    def on_term() -> None:
        terminated.append(True)
        if task is not None:
            task.cancel()

    try:
        loop.add_signal_handler(signal.SIGTERM, on_term)
    except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
        pass
    try:
        return await main()
    except asyncio.CancelledError:
        if terminated:
            raise Terminated() from None
        raise
    finally:
        try:
            loop.remove_signal_handler(signal.SIGTERM)
        except (NotImplementedError, RuntimeError, ValueError):
            pass


# -- rooms ------------------------------------------------


def _room_by_meta_slug(engine: Any, meta_slug: str) -> tuple[str, int] | None:
    from sqlalchemy import select

    from ..models import Room, Server, meta_id_from_slug

    try:
        meta_id = meta_id_from_slug(meta_slug)
    except ValueError as exc:
        raise errors.NotFoundError(f"r/{meta_slug}: {exc}") from None
    with engine.connect() as conn:
        row = conn.execute(
            select(Server.slug, Room.id)
            .join(Server, Server.meta_id == Room.server_meta_id)
            .where(Room.meta_id == meta_id)
        ).first()
    return None if row is None else (row[0], row[1])


async def resolve_room(client: Any, ref: RoomRef, *, database: str | None) -> Any:
    """The client ``Room`` a reference names (fetching its info page as the freshness rule says)."""
    if ref.meta_slug is not None:
        found = await asyncio.to_thread(_room_by_meta_slug, client.sql_engine, ref.meta_slug)
        if found is None:
            where = "the temporary database" if database is None else "this archive"
            hint = (
                ""
                if database is not None
                else f"; give the DATABASE that holds it, or set {DATABASE_ENV}"
            )
            raise errors.NotFoundError(f"no room r/{ref.meta_slug} in {where}{hint}")
        slug, room_id = found
        return await client.server(slug).room(room_id)
    server = client.server(ref.server)
    if ref.message_id is not None:
        message = await server.message(ref.message_id)
        return await server.room(message.room_id)
    return await server.room(ref.room_id)


def room_label(room: Any) -> str:
    """``se/r/1 (r/B) 'Sandbox'``: the room's chat name, its archive slug and its name."""
    slug = getattr(room, "meta_slug", None)
    local = f" (r/{slug})" if slug else ""
    return f"{room.server_slug}/r/{room.id}{local} {room.name!r}"


# -- import ------------------------------------------------


def _count(n: int, thing: str) -> str:
    return f"{format_count(n)} {thing}{'' if n == 1 else 's'}"


class ImportReport:
    """The figures of one import, for the summary line, ``--json`` and the demo."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.stats: Any = None
        #: Deleted messages the archive holds of the room in the import's window: kept, but a
        #: replay skips them.
        self.deleted = 0
        self.since: datetime | int | None = None
        self.until: datetime | int | None = None

    @property
    def messages(self) -> int:
        """Messages stored by this run (days that were up to date add none)."""
        return self.progress.items

    @property
    def seconds(self) -> float:
        return self.progress.elapsed

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds > 0 else 0.0

    @property
    def days(self) -> int:
        return self.stats.days if self.stats is not None else 0

    @property
    def days_skipped(self) -> int:
        return self.stats.days_skipped if self.stats is not None else 0

    @property
    def pages_fetched(self) -> int:
        return self.stats.pages_fetched if self.stats is not None else 0

    def summary(self, room: Any) -> str:
        fetched_days = self.days - self.days_skipped
        return (
            f"{room_label(room)}: {_count(self.messages, 'message')} "
            f"stored from {_count(self.pages_fetched, 'page')}; "
            f"{_count(self.days, 'day')} ({format_count(fetched_days)} fetched, "
            f"{format_count(self.days_skipped)} up to date) in {format_duration(self.seconds)} "
            f"({format_rate(self.rate)} messages/s)"
            + (
                f"; {_count(self.deleted, 'deleted message')} archived, not replayed"
                if self.deleted
                else ""
            )
        )

    def as_json(self, room: Any) -> dict[str, Any]:
        stats = self.stats
        return {
            "type": "import",
            "server": room.server_slug,
            "room_id": room.id,
            "room_name": room.name,
            "messages_stored": self.messages,
            "pages_fetched": self.pages_fetched,
            "days": self.days,
            "days_skipped": self.days_skipped,
            "first_day": stats.first_day if stats is not None else None,
            "last_day": stats.last_day if stats is not None else None,
            "deleted_messages": self.deleted,
            "seconds": round(self.seconds, 3),
            "messages_per_second": round(self.rate, 1),
        }


def _progress_callback(progress: Progress, last_day: date) -> Callable[[Any], None]:
    """Feed the client's per-day reports into the display.

    The walk follows "next day" links, so the number of days left is not known, but the calendar
    is: progress is measured in calendar days from the room's first day to ``last_day``, which
    makes the ETA honest even when many days are empty.
    """
    first: list[date] = []

    def on_day(report: Any) -> None:
        day: date = report.day
        if not first:
            first.append(day)
        span = max((last_day - first[0]).days + 1, 1)
        done = min(max((day - first[0]).days + 1, 1), span)
        progress.update(done=done, total=span)
        progress.items = report.total_messages_stored

    return on_day


async def import_room(
    room: Any,
    *,
    full: bool,
    max_age: float | None,
    progress: Progress,
    since: datetime | int | None = None,
    until: datetime | int | None = None,
) -> ImportReport:
    """Archive the room's history (all of it, from ``since``, or the last day) up to ``until``
    and report the figures."""
    report = ImportReport(progress)
    now = utcnow()
    if since is None:
        since = EPOCH if full else now - timedelta(days=1)
    last_day = until.date() if isinstance(until, datetime) and until < now else now.date()
    with progress:
        report.stats = await room.import_history(
            since=since,
            until=SUNSET if until is None else until,
            max_age=max_age,
            progress=_progress_callback(progress, last_day),
        )
        progress.items = report.stats.messages_stored
        if progress.total:
            progress.done = progress.total
        progress.finish()  # the bar ends at 100%, not at the last day drawn
    report.since = None if since == EPOCH else since
    report.until = until
    return report


# -- the main form ------------------------------------------------


class _State:
    """What a command has done so far: for the note after Ctrl-C, and to undo a new file."""

    def __init__(self, database: str | None) -> None:
        self.database = database
        self.new_file = False
        #: (server, room id) -> the room's messages in the archive before this run.
        self.before: dict[tuple[str, int], int] = {}

    def note(self) -> str:
        """What Ctrl-C leaves behind, counted in the archive (the client is closed by now)."""
        if self.database is None:
            return "nothing was kept (no DATABASE was given)"
        where = redact(self.database)
        try:
            added = self._added()
        except Exception:  # the note must not hide the interruption
            added = 0
        if added:
            return f"{format_count(added)} new messages stored so far are kept in {where}"
        return f"what was stored so far is kept in {where}"

    def _added(self) -> int:
        if not self.before:
            return 0
        from sqlalchemy import create_engine

        from ..store import database_url

        engine = create_engine(database_url(self.database))
        try:
            return sum(
                room_counts(engine, server, room_id)[0] - before
                for (server, room_id), before in self.before.items()
            )
        finally:
            engine.dispose()


def _client(args: MainArgs, watch_options: dict[str, Any] | None = None) -> Any:
    from ..client import AsyncClient

    if args.server_url:
        # Every layer (transport, classic API, bots loaded by this process) reads the variable.
        os.environ[DEVSERVER_ENV] = args.server_url
    session_file = False if args.no_session else args.session_file
    return AsyncClient(
        args.database, server_url=args.server_url, session_file=session_file,
        watch_options=watch_options,
    )


async def _main(args: MainArgs, state: _State) -> int:
    out = sys.stdout
    err = sys.stderr
    connections = Connections(err, quiet=args.quiet, give_up_after=args.give_up_after)
    client = _client(args, connections.options() if args.watch else None)
    try:
        rooms = [await resolve_room(client, ref, database=args.database) for ref in args.rooms]
        for room in rooms:
            await _import_and_send(client, room, args, state)
        if args.watch:
            if client.authenticated:
                # Logged in, the watch gets the websocket; anonymous readers are polled.
                for slug in dict.fromkeys(room.server_slug for room in rooms):
                    await client.login(slug)
            if not args.quiet and not args.json:
                names = ", ".join(room_label(room) for room in rooms)
                err.write(f"watching {names}; Ctrl-C to stop\n")
                err.flush()

            def emit(message: Any) -> None:
                if args.json:
                    write_json(message_json(message), out)
                else:
                    prefix = f"[{room_of(message)}] " if len(rooms) > 1 else ""
                    out.write(message_line(message, prefix) + "\n")
                    out.flush()

            await follow(rooms, connections, emit, merged)
        return EXIT_OK
    finally:
        await client.close()


async def _import_and_send(client: Any, room: Any, args: MainArgs, state: _State) -> None:
    out, err = sys.stdout, sys.stderr
    key = (room.server_slug, room.id)
    if args.database is not None:
        state.before[key] = (await asyncio.to_thread(room_counts, client.sql_engine, *key))[0]
    # The last day at least, unless nothing would be kept (a temporary database) and the
    # command is about sending or watching.
    wants_import = (
        args.all
        or args.since is not None
        or args.database is not None
        or not (args.send or args.watch)
    )
    if wants_import:
        label = f"import {room.server_slug}/r/{room.id}"
        progress = Progress(label, stream=err, enabled=not args.quiet, unit="days")
        report = await import_room(
            room,
            full=args.all,
            max_age=args.max_age,
            progress=progress,
            since=args.since,
            until=args.until,
        )
        _total, report.deleted = await asyncio.to_thread(
            room_counts, client.sql_engine, *key, report.since, report.until
        )
        if args.json:
            write_json(report.as_json(room), out)
        elif not args.quiet:
            out.write(report.summary(room) + "\n")
            out.flush()
    if args.send is not None:
        message = await room.send(args.send)
        if args.json:
            write_json(message_json(message, "sent"), out)
        elif not args.quiet:
            out.write(f"sent #{message.id} to {room_label(room)}\n")
            out.flush()


async def merged(streams: Iterable[AsyncIterator[T]]) -> AsyncIterator[T]:
    """The items of several async iterators as they come; ends when all have ended, and raises
    the first error of any of them."""
    queue: asyncio.Queue[tuple[int, Any]] = asyncio.Queue()
    item_, end_, error_ = 0, 1, 2

    async def pump(stream: AsyncIterator[T]) -> None:
        try:
            async for item in stream:
                await queue.put((item_, item))
        except Exception as exc:
            await queue.put((error_, exc))
        else:
            await queue.put((end_, None))

    tasks = [asyncio.ensure_future(pump(stream)) for stream in streams]
    running = len(tasks)
    try:
        while running:
            kind, value = await queue.get()
            if kind == item_:
                yield value
            elif kind == end_:
                running -= 1
            else:
                raise value
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def run_main(args: MainArgs) -> int:
    state = _State(args.database)
    if args.database is not None:
        state.new_file = prepare_database(args.database, must_exist=False)
    try:
        return run_async(lambda: _main(args, state))
    except Terminated as exc:
        exc.cli_note = state.note()
        raise
    except KeyboardInterrupt:
        raise Interrupted(state.note()) from None
    except BaseException:
        if state.new_file and not state.before:
            # The room was never found: leave no file behind.
            remove_new_file(args.database)  # type: ignore[arg-type]
        raise


# -- devserver and replay ------------------------------------------------


def run_devserver(ns: argparse.Namespace) -> int:
    """``chatexchange devserver``: the devserver's own command line (``ns`` from its parser)."""
    from ..devserver.cli import run

    return run(ns, prog="chatexchange devserver")


def run_replay(ns: argparse.Namespace) -> int:
    """``chatexchange replay``: implemented by the bot layer
    (``chatexchange.bot.replay_command``)."""
    from .. import bot

    if ns.server_url:
        os.environ[DEVSERVER_ENV] = ns.server_url
    return bot.replay_command(
        ns, check_database=lambda: prepare_database(ns.database, must_exist=True)
    )
