"""``DevServer``: start the app on loopback and drive its state from Python (tests, demos)."""

from __future__ import annotations

import asyncio
import re
import socket
import threading
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar, overload

from aiohttp import web

from ..errors import UsageError
from . import seed as seed_mod
from .app import Failure, World, make_app
from .generator import GeneratedRoom, generate_room
from .state import ChatServer, Message, RateRule, Room, User

T = TypeVar("T")


class DevServer:
    """A local, in-memory Stack Exchange chat server (all of ``se``, ``so``, ``mse``) on one origin.

    ``async with DevServer() as server:`` binds 127.0.0.1 on a free port; ``server.url`` is the
    origin, and server ``se`` lives under ``server.url + "/se"``. ``seed`` is a seed dict or a JSON
    file path.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: dict[str, Any] | str | Path | None = None,
        *,
        heartbeat: float = 15.0,
        clock_start: float | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.world = World()
        self.world.heartbeat = heartbeat
        if clock_start is not None:
            self.world.clock.set(clock_start)
        if seed is not None:
            data = seed if isinstance(seed, dict) else seed_mod.load(seed)
            seed_mod.apply(self.world.servers, data)
        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None

    @classmethod
    def with_test_data(cls, **kw: Any) -> DevServer:
        """A devserver seeded with ``seed.TEST_SEED`` (users alice, bob, mod, carol; see that
        module)."""
        return cls(seed=seed_mod.TEST_SEED, **kw)

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> DevServer:
        app = make_app(self.world)
        self._runner = web.AppRunner(
            app, handle_signals=False, access_log=None, shutdown_timeout=2.0
        )
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, self.host, self.port)
        await self._site.start()
        server = self._site._server
        # uvloop's server is no asyncio.Server, yet has the same sockets
        sockets: Sequence[socket.socket] = getattr(server, "sockets", None) or ()
        if sockets:
            self.port = sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self.world.hub.drop_all()
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> DevServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def server_url(self, slug: str = "se") -> str:
        return f"{self.url}/{slug}"

    # ------------------------------------------------------------------ state

    def server(self, slug: str = "se") -> ChatServer:
        return self.world.servers[slug]

    def user(self, slug: str, user_id: int) -> User:
        return self.server(slug).users[user_id]

    def room(self, slug: str, room_id: int) -> Room:
        return self.server(slug).rooms[room_id]

    def add_user(
        self,
        slug: str,
        user_id: int,
        name: str,
        *,
        email: str | None = None,
        password: str | None = None,
        moderator: bool = False,
        **kw: Any,
    ) -> User:
        return self.server(slug).add_user(
            user_id, name, email=email, password=password, is_moderator=moderator, **kw
        )

    def add_room(self, slug: str, room_id: int | None, name: str, **kw: Any) -> Room:
        return self.server(slug).add_room(room_id, name, **kw)

    def add_message(
        self, slug: str, room_id: int, user_id: int, text: str, when: float | None = None, **kw: Any
    ) -> Message:
        """Store a history message (no events, no checks)."""
        server = self.server(slug)
        return server.store_message(
            room_id, user_id, text, server.clock.now() if when is None else when, **kw
        )

    def post(self, slug: str, room_id: int, user_id: int, text: str) -> Message | None:
        """Post as a user, exactly as ``/chats/<room>/messages/new`` does (checks, events,
        sockets)."""
        server = self.server(slug)
        return server.post(room_id, server.users[user_id], text)

    def generate(
        self,
        slug: str = "se",
        *,
        messages: int,
        seed: int = 0,
        room_id: int | None = None,
        **kw: Any,
    ) -> GeneratedRoom:
        return generate_room(self.server(slug), messages=messages, seed=seed, room_id=room_id, **kw)

    def freeze(self, slug: str, room_id: int, frozen: bool = True) -> None:
        self.room(slug, room_id).frozen = frozen

    def set_rate_rule(
        self, count: int, per: float, *, slug: str | None = None, user_id: int | None = None
    ) -> None:
        """At most ``count`` writes per ``per`` seconds per user; more answer 409 "...again in N
        seconds"."""
        for s in [slug] if slug else list(self.world.servers):
            self.server(s).rate_rules.append(RateRule(count, per, user_id))

    def clear_rate_rules(self) -> None:
        for s in self.world.servers.values():
            s.rate_rules.clear()

    def advance_clock(self, seconds: float) -> None:
        """Move the server's clock forward (edit window, throttling, timestamps)."""
        self.world.clock.advance(seconds)

    def now(self) -> float:
        return self.world.clock.now()

    def fail(
        self,
        path_pattern: str,
        status: int = 500,
        times: int | None = 1,
        *,
        body: bytes | str = b"",
        content_type: str = "text/plain",
        applied: bool = False,
    ) -> None:
        """Make requests whose path matches the regex answer ``status`` with ``body``, ``times``
        times (None: until ``clear_failures``). A 200 with a broken body simulates a malformed
        answer. ``status=0`` drops the connection without an answer. ``applied=True`` carries the
        request out first, so its effect happens and only the answer is lost (a send the server
        applied while the client saw a failure)."""
        data = body.encode() if isinstance(body, str) else body
        self.world.failures.append(
            Failure(re.compile(path_pattern), status, data, content_type, times, applied)
        )

    def clear_failures(self) -> None:
        self.world.failures.clear()

    async def drop_websockets(self) -> int:
        """Close every open websocket; returns how many were open."""
        return await self.world.hub.drop_all()

    def silence_websockets(self, on: bool = True) -> None:
        """Keep sockets open but send nothing (a silently dead connection)."""
        self.world.hub.silence(on)

    @property
    def websocket_count(self) -> int:
        return len(self.world.hub.all)

    def configure(self, **settings: Any) -> None:
        """Change login and page rules: ``captcha_after``, ``captcha_window``, ``captcha_lock``,
        ``http429_after``, ``http429_window``, ``heartbeat``, ``transcript_page_size``,
        ``poll_page`` (most events of a room in one ``/events`` answer; None: no bound)."""
        for key, value in settings.items():
            if not hasattr(self.world, key) or key in ("servers", "hub", "clock"):
                raise AttributeError(key)
            setattr(self.world, key, value)


class DevServerThread:
    """The same server on its own event loop in a background thread (blocking clients, CLI tests).

    ``call(fn, *args)`` runs ``fn(devserver, *args)`` on the server's loop and returns its result,
    so state changes stay on the loop thread; ``url`` works as on ``DevServer``.
    """

    def __init__(self, devserver: DevServer) -> None:
        self.devserver = devserver
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._error: BaseException | None = None

    def start(self) -> DevServerThread:
        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self.devserver.start())
            except BaseException as exc:  # report startup failure to the caller
                self._error = exc
                self._started.set()
                return
            self._started.set()
            loop.run_forever()
            loop.run_until_complete(self.devserver.stop())
            loop.close()

        self._thread = threading.Thread(target=run, name="chatexchange-devserver", daemon=True)
        self._thread.start()
        self._started.wait(30)
        if self._error is not None:
            raise self._error
        return self

    def stop(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(30)
            self._loop = None

    def __enter__(self) -> DevServerThread:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return self.devserver.url

    def server_url(self, slug: str = "se") -> str:
        return self.devserver.server_url(slug)

    @overload
    def call(self, fn: Callable[..., Awaitable[T]], *args: Any, **kw: Any) -> T: ...
    @overload
    def call(self, fn: Callable[..., T], *args: Any, **kw: Any) -> T: ...
    def call(self, fn: Callable[..., Any], *args: Any, **kw: Any) -> Any:
        """Run ``fn(devserver, *args, **kw)`` on the server's loop (awaiting it if it is a
        coroutine)."""
        if self._loop is None:
            raise UsageError("the devserver thread is not running: start it first")

        async def runner() -> Any:
            result = fn(self.devserver, *args, **kw)
            if asyncio.iscoroutine(result):
                result = await result
            return result

        return asyncio.run_coroutine_threadsafe(runner(), self._loop).result(30)

    def post(self, slug: str, room_id: int, user_id: int, text: str) -> Message | None:
        return self.call(DevServer.post, slug, room_id, user_id, text)

    def advance_clock(self, seconds: float) -> None:
        self.call(DevServer.advance_clock, seconds)

    def fail(self, path_pattern: str, status: int = 500, times: int | None = 1, **kw: Any) -> None:
        self.call(DevServer.fail, path_pattern, status, times, **kw)

    def drop_websockets(self) -> int:
        return self.call(DevServer.drop_websockets)
