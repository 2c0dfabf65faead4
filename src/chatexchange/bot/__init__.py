"""``chatexchange.Bot``: the talk engine on live rooms, and replay over the archive.

A bot is a ``talk.Handler``: rules are ``on(condition, event, *tags)`` (or the decorators
``@bot.on(condition)`` / ``@bot.rule(condition, *tags)``), ranked and chosen by the engine. Every
new message of the watched rooms is handled as ``(text, message=..., room=..., user=..., server=...,
event=..., client=...)``; a string the event returns is posted as a reply, None posts nothing.
See ``docs/bots.md``.

``Bot`` is built on the engine ``chatexchange.talk`` selected; ``Bot.using("pure")`` and
``Bot.using("compiled")`` give the same class on one implementation explicitly.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Iterator
from typing import Any

from sqlalchemy import URL, Engine

from .. import talk
from .._time import EPOCH, SUNSET
from ._command import load_bot, replay_command
from ._core import MODERATOR, OWNER, PRIVILEGED, BotMixin, answer_text
from ._delivery import Delivery
from ._engine import core_module, kind_of
from ._fleet import Coordination
from ._graph import GraphEvent
from ._replay import Replayed, ReplayMessage, ReplayRoom, ReplayUser
from ._replay_events import ReplayedEvent
from ._router import ANY, Route

__all__ = [
    "ANY",
    "MODERATOR",
    "OWNER",
    "PRIVILEGED",
    "Bot",
    "Coordination",
    "Delivery",
    "GraphEvent",
    "ReplayMessage",
    "ReplayRoom",
    "ReplayUser",
    "Replayed",
    "ReplayedEvent",
    "Route",
    "answer_text",
    "bot_class",
    "load_bot",
    "replay_command",
]


class _BotAPI(BotMixin):
    """Running and replaying (the part of a bot that is not dispatch)."""

    def __init__(self, client: Any = None, **options: Any) -> None:
        super().__init__(**options)
        self.client = client
        self.stats: collections.Counter[str] = collections.Counter()
        self._run: Any = None

    @classmethod
    def using(cls, kind: str) -> type[_BotAPI]:
        """``Bot`` on the ``"pure"`` or ``"compiled"`` engine (ImportError if not built). A
        subclass that wants one engine derives from it: ``class MyBot(Bot.using("pure"))``."""
        if cls not in _classes.values():
            raise TypeError(
                f"{cls.__name__} is a subclass: derive it from Bot.using({kind!r}) instead"
            )
        return bot_class(kind)

    # -- live ------------------------------------------------------------------------------------

    async def run(
        self,
        *rooms: Any,
        post: bool = True,
        catch_up: str | float = "all",
        delivery: Any = None,
        coordination: Coordination | bool | None = None,
        archive: str | URL | Engine | None = None,
    ) -> None:
        """Answer every new message of ``rooms`` until cancelled or :meth:`stop` is called.

        ``rooms``: client ``Room`` objects (``await client.se.room(1)``), or ``"se/r/1"`` forms /
        ``(slug, id)`` pairs with ``Bot(client=...)``. ``post=False`` only logs the answers.
        ``catch_up``: what to do with messages posted while the bot was not listening (a lost
        feed, or a restart on the same archive): ``"all"`` answers them, a number of seconds
        answers those younger than that, ``"skip"`` answers none; skipped ones are logged.
        ``delivery``: a :class:`~chatexchange.bot.Delivery` (how answers are retried).
        ``coordination``: when the archive is PostgreSQL, processes running a bot of the same
        ``name`` share its rooms, one active per room (``None``: the defaults of
        :class:`Coordination`; a ``Coordination`` to tune it; ``False``: off). On SQLite a single
        process is assumed and nothing is coordinated.
        ``archive``: the database the processes coordinate through (a URL or an open engine;
        default: the client's archive), where the leases and each room's handled position are
        kept; live events and answers are still archived in the client's archive. A PostgreSQL
        one coordinates even clients whose own archive is a local file or in memory; an SQLite
        one means a single process: coordination is a no-op.
        """
        from ._live import LiveRun

        targets = [await self._room(room) for room in rooms]
        self._run = run = LiveRun(
            self, targets, post=post, catch_up=catch_up, delivery=delivery,
            coordination=coordination, archive=archive,
        )
        try:
            await run.run()
        finally:
            self._run = None

    async def _room(self, room: Any) -> Any:
        room = getattr(room, "async_object", room)
        if hasattr(room, "client") and hasattr(room, "server"):
            return room
        client = getattr(self.client, "async_client", self.client)
        if client is None:
            raise TypeError(f"{room!r} is not a client Room; pass client= to the Bot")
        if isinstance(room, str):
            from ._replay import parse_room_text

            ref = parse_room_text(room)
            if not isinstance(ref, tuple):
                raise ValueError(f"{room!r} does not name a room by server and id")
            slug, room_id = ref
        else:
            slug, room_id = room
        return await client.server(slug).room(room_id)

    async def wait_running(self, timeout: float = 30.0) -> None:
        """Wait until :meth:`run` listens to every room (for tests and demos)."""

        async def ready() -> None:
            while self._run is None:
                await asyncio.sleep(0.01)
            await self._run.running.wait()

        await asyncio.wait_for(ready(), timeout)

    def stop(self) -> None:
        """End :meth:`run` (from the bot's loop; use ``loop.call_soon_threadsafe`` elsewhere)."""
        if self._run is not None:
            self._run.stopping.set()

    def run_blocking(
        self,
        *rooms: Any,
        post: bool = True,
        coordination: Coordination | bool | None = None,
        archive: str | URL | Engine | None = None,
    ) -> None:
        """:meth:`run` for code without an event loop; returns on Ctrl-C (KeyboardInterrupt).

        With rooms of a ``BlockingClient`` the bot runs on that client's loop thread; otherwise it
        runs on a new event loop (uvloop where available).
        """
        from ..client import Blocking, new_event_loop

        loop = next((r.loop for r in rooms if isinstance(r, Blocking)), None)
        if loop is None and isinstance(self.client, Blocking):
            loop = self.client.loop
        if loop is not None:
            running = self.run(*rooms, post=post, coordination=coordination, archive=archive)
            future = asyncio.run_coroutine_threadsafe(running, loop)
            try:
                future.result()
            except KeyboardInterrupt:
                future.cancel()
                try:
                    future.result(timeout=30)
                except BaseException:  # cancelled: that is the clean end
                    pass
            return
        with asyncio.Runner(loop_factory=new_event_loop) as runner:
            try:
                runner.run(
                    self.run(*rooms, post=post, coordination=coordination, archive=archive)
                )
            except KeyboardInterrupt:
                return

    # -- replay ----------------------------------------------------------------------------------

    def replay(
        self,
        room: Any,
        since: Any = EPOCH,
        until: Any = SUNSET,
        *,
        database: Any = None,
        include_deleted: bool = False,
    ) -> Iterator[Replayed]:
        """Archived messages of ``room`` in ``[since, until)`` with the answer this bot would have
        given (``Replayed(message, answer)``); no network, nothing posted. ``room`` is a client
        Room (its client's archive is read) or, with ``database=`` (URL or Engine), ``"se/r/1"``,
        ``("se", 1)``, ``"r/<slug>"``."""
        from ._replay import replay

        return replay(
            self, room, since, until, database=database, include_deleted=include_deleted
        )


    def replay_events(
        self,
        room: Any,
        since: Any = EPOCH,
        until: Any = SUNSET,
        *,
        database: Any = None,
        types: Any = (),
    ) -> Iterator[ReplayedEvent]:
        """Archived chat events of ``room`` in ``[since, until)`` (datetimes) through this bot's
        event routes, oldest first: ``ReplayedEvent(event, answer)`` for each event a route took;
        no network, nothing posted. ``room`` and ``database`` as for :meth:`replay`."""
        from ._replay_events import replay_events

        return replay_events(self, room, since, until, database=database, types=types)


class Bot(_BotAPI, talk.Handler):
    """A chat bot: a ``talk.Handler`` whose rules answer the messages of live rooms.

    ``Bot(client=None, *, edits="ignore", tags=(), memory_size=10000, name=None)``; see
    ``docs/bots.md``. It dispatches with the engine ``chatexchange.talk`` selected;
    ``Bot.using("pure")`` / ``Bot.using("compiled")`` give it on one engine explicitly.
    """

    ENGINE = kind_of(talk.Handler)


#: The bot class of each engine core module; Bot is the one of the engine talk selected.
_classes: dict[str, type[_BotAPI]] = {talk.Handler.__module__: Bot}


def bot_class(kind: str = "default") -> type[_BotAPI]:
    """The ``Bot`` class on engine ``kind`` (one class per engine): :class:`Bot` itself on the
    engine ``chatexchange.talk`` selected."""
    core = core_module(kind)
    cls = _classes.get(core.__name__)
    if cls is None:
        # Bot on the other engine's Handler. Bot's own body is only its docstring and ENGINE, so
        # this is Bot in all but the base; a class statement cannot take a base chosen at run time
        # without hiding it from type checkers, hence type().
        namespace = {
            "ENGINE": kind_of(core.Handler),
            "__module__": __name__,
            "__qualname__": "Bot",
            "__doc__": Bot.__doc__,
        }
        cls = _classes[core.__name__] = type("Bot", (_BotAPI, core.Handler), namespace)
    return cls
