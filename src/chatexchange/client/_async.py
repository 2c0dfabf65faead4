"""``AsyncClient``: the source of truth of the Python interface.

It owns the archive (an SQLAlchemy engine driven from one database thread), one transport
connection per chat server (opened on first use), the credentials, and the cache policy. The public
objects (``Server``, ``User``, ``Room``, ``Message`` in ``objects.py``) are thin snapshots that call
back into the private methods here.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from datetime import datetime
from types import TracebackType
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from .. import _parser, errors, store
from .. import _paths as paths
from .._servers import BY_HOST, SERVERS
from .._time import utcnow
from .._transport import ServerConnection
from .._transport import sessionfile as _sessionfile
from . import _archive
from ._actions import Actions
from ._db import DbWorker
from ._history import History
from ._live import Live
from .freshness import Freshness, resolve
from .objects import Message, Room, Server, User

__all__ = ["AsyncClient", "Credentials"]

log = logging.getLogger("chatexchange.client")

T = TypeVar("T")

ENV_USER = "ChatExchangeU"
ENV_PASSWORD = "ChatExchangeP"


class Credentials:
    """An email and password. Never shown: not in ``repr``, ``str``, logs or errors."""

    __slots__ = ("_email", "_password")

    def __init__(self, email: str, password: str) -> None:
        if not email or not password:
            raise ValueError("credentials need both an email and a password")
        self._email = email
        self._password = password

    @classmethod
    def from_env(cls, environ: Any = os.environ) -> Credentials | None:
        email, password = environ.get(ENV_USER), environ.get(ENV_PASSWORD)
        return cls(email, password) if email and password else None

    def __repr__(self) -> str:
        return "<Credentials hidden>"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        raise TypeError("credentials are not picklable")


def _credentials(auth: Any) -> Credentials | None:
    if auth is None:
        return Credentials.from_env()
    if auth is False:
        return None
    if isinstance(auth, Credentials):
        return auth
    if isinstance(auth, (tuple, list)) and len(auth) == 2:
        return Credentials(str(auth[0]), str(auth[1]))
    raise TypeError(
        "auth must be None (use the environment), False (anonymous) or (email, password)"
    )


class AsyncClient:
    """Stack Exchange chat, async, with a local archive.

    ``db_path``: any SQLAlchemy URL, ``sqlite://./file`` or a file path; an in-memory SQLite
    database by default. ``auth``: ``(email, password)``; ``None`` reads ``ChatExchangeU`` /
    ``ChatExchangeP`` from the environment; ``False`` forces anonymous use. Without credentials
    reads work and writes raise :class:`~chatexchange.errors.AuthRequiredError`. Logging in happens
    on the first write (or :meth:`login`). ``server_url`` (or ``CHATEXCHANGE_DEVSERVER``) points
    every server at a devserver.
    ``desired_max_age`` / ``required_max_age`` are the default ages of the freshness rule and
    ``clock`` the time source it uses (tests move it).
    ``session_file``: where login sessions are kept between runs (a path; ``None``: the
    ``CHATEXCHANGE_SESSION_FILE`` environment variable, else ``sessions.json`` in the user's cache
    directory; ``False``: none). A saved session is checked with the server first; the client logs
    in only when it is rejected, and saves the new session.
    ``watch_options``: options of each watched room's transport watcher (for example
    ``max_failures=None`` to retry forever, ``on_state=`` to hear of lost connections).
    """

    def __init__(
        self,
        db_path: str | os.PathLike[str] | None = store.DEFAULT_URL,
        auth: Any = None,
        *,
        server_url: str | None = None,
        desired_max_age: float = 60.0,
        required_max_age: float = math.inf,
        clock: Callable[[], datetime] = utcnow,
        engine: Engine | None = None,
        connection_options: dict[str, Any] | None = None,
        session_file: str | os.PathLike[str] | bool | None = None,
        watch_options: dict[str, Any] | None = None,
    ) -> None:
        self._credentials = _credentials(auth)
        self._session_file = (
            _sessionfile.resolve(session_file) if self._credentials is not None else None
        )
        self._server_url = server_url
        self.freshness = Freshness().override(desired_max_age, required_max_age)
        self.clock = clock
        self._connection_options = dict(connection_options or {})
        self._watch_options = dict(watch_options or {})
        self._own_engine = engine is None
        self._engine = engine if engine is not None else store.open_engine(db_path)
        self._db = DbWorker(self._engine)
        rows = _archive_servers(self._engine)
        self._servers = {
            slug: Server(self, {**row, "server_slug": slug}) for slug, row in rows.items()
        }
        self._connections: dict[str, ServerConnection] = {}
        self._login_locks: dict[str, asyncio.Lock] = {}
        self._logged_in: set[str] = set()
        self._history = History(self)
        self._live = Live(self)
        self._actions = Actions(self)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    def __repr__(self) -> str:
        url = self._engine.url.render_as_string(hide_password=True)
        who = "authenticated" if self._credentials is not None else "anonymous"
        return f"<AsyncClient {url} {who} servers={sorted(self._connections)}>"

    # -- public ---------------------------------------------------------------------------------

    def server(self, slug: str) -> Server:
        """The server ``se``, ``so`` or ``mse`` (or its chat host, ``chat.stackexchange.com``)."""
        key = slug.lower().removeprefix("https://").removeprefix("http://").rstrip("/")
        if key in BY_HOST:
            key = BY_HOST[key].slug
        try:
            return self._servers[key]
        except KeyError:
            raise errors.NotFoundError(
                f"no chat server {slug!r} (known: {', '.join(sorted(SERVERS))})"
            ) from None

    @property
    def se(self) -> Server:
        return self.server("se")

    @property
    def so(self) -> Server:
        return self.server("so")

    @property
    def mse(self) -> Server:
        return self.server("mse")

    @property
    def sql_engine(self) -> Engine:
        return self._engine

    def sql_session(self, **kwargs: Any) -> Session:
        """A new ORM Session bound to the archive (use it as a context manager)."""
        return Session(self._engine, **kwargs)

    @property
    def authenticated(self) -> bool:
        """Whether the client has credentials (not whether it has logged in yet)."""
        return self._credentials is not None

    def now(self) -> datetime:
        return self.clock()

    async def login(self, slug: str = "se") -> User:
        """Log in to one server now (else it happens on the first write); returns who we are."""
        await self._ensure_login(slug)
        me = await self._me(self.server(slug))
        if me is None:
            raise errors.AuthRequiredError("logging in needs credentials")
        return me

    async def bot_position(self, bot: str, room: Room, *, events: bool = False) -> int | None:
        """The newest message id the bot named ``bot`` has handled in ``room`` (None: never ran
        there), as kept in the archive (``models.BotPosition``); ``events=True``: the newest chat
        event id its event routes passed there (``models.BotEventPosition``)."""
        return await self._db.read(
            store.bot_position, room.server.meta_id, bot, room.id, events=events
        )

    async def advance_bot_position(
        self, bot: str, room: Room, message_id: int, *, events: bool = False
    ) -> None:
        """Record that ``bot`` has handled ``room`` up to ``message_id`` (``events=True``: passed
        its events up to that event id); never moves back."""
        await self._db.write(
            store.advance_bot_position,
            room.server.meta_id,
            bot,
            room.id,
            int(message_id),
            self.now(),
            events=events,
        )

    async def bot_answering(self, bot: str, room: Room) -> tuple[int, int] | None:
        """The event whose answer ``bot`` was posting in ``room`` when its event position was last
        written, and the room's newest message id before that answer; None when no answer was
        in flight (see :meth:`note_bot_answering`)."""
        return await self._db.read(store.bot_answering, room.server.meta_id, bot, room.id)

    async def note_bot_answering(
        self, bot: str, room: Room, event_id: int, after_message_id: int
    ) -> bool:
        """Record, before posting it, that ``bot`` answers event ``event_id`` in ``room`` whose
        newest message id is ``after_message_id``: a process killed before its event position
        passes the event lets the next one find that answer (a message of the bot's newer than
        it) instead of posting it again. Only where the bot has an event position; returns
        whether it was recorded. Cleared when the event position passes the event."""
        noted: bool = await self._db.write(
            store.note_bot_answering,
            room.server.meta_id,
            bot,
            room.id,
            int(event_id),
            int(after_message_id),
            self.now(),
        )
        return noted

    async def close(self) -> None:
        """Stop live streams, close connections and the database thread. Idempotent."""
        if self._closed:
            return
        self._closed = True
        await self._live.close()
        pending = [t for t in self._tasks if not t.done()]
        if pending:
            await asyncio.wait(pending, timeout=10)
        for connection in list(self._connections.values()):
            try:
                await connection.close()
            except Exception:  # closing must not fail half-way
                log.debug("closing a connection failed", exc_info=True)
        self._connections.clear()
        await asyncio.get_running_loop().run_in_executor(None, self._db.close)
        if self._own_engine:
            self._engine.dispose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- plumbing used by the objects -------------------------------------------------------------

    def _fresh(self, desired: float | None, required: float | None) -> Freshness:
        return self.freshness.override(desired, required)

    def _connection(self, slug: str) -> ServerConnection:
        if self._closed:
            raise errors.ClosedError("the client is closed")
        connection = self._connections.get(slug)
        if connection is None:
            connection = ServerConnection(
                slug, server_url=self._server_url, **self._connection_options
            )
            self._connections[slug] = connection
        return connection

    async def _ensure_login(self, slug: str) -> ServerConnection:
        connection = self._connection(slug)
        if slug in self._logged_in:
            return connection
        if self._credentials is None:
            raise errors.AuthRequiredError(
                f"writing to chat ({slug}) needs credentials: pass auth=(email, password) or set "
                f"the {ENV_USER} and {ENV_PASSWORD} environment variables"
            )
        lock = self._login_locks.setdefault(slug, asyncio.Lock())
        async with lock:
            if slug not in self._logged_in:
                if self._session_file is None:
                    await self._login(connection)
                else:
                    await self._resume_or_login(connection, self._session_file)
                self._logged_in.add(slug)
        return connection

    async def _login(self, connection: ServerConnection) -> None:
        creds = self._credentials
        if creds is None:
            raise errors.AuthRequiredError("logging in needs credentials")
        await connection.login(creds._email, creds._password)
        log.info("logged in to %s", connection.slug)

    async def _resume_or_login(
        self, connection: ServerConnection, sessions: _sessionfile.SessionFile
    ) -> None:
        """Use the saved session when the server still accepts it, else log in and save."""
        if self._credentials is None:
            raise errors.AuthRequiredError("logging in needs credentials")
        key = _sessionfile.account_key(connection.endpoints.chat, self._credentials._email)
        async with sessions.locked():  # other processes wait: one login for all of them
            records = sessions.load(key)
            if records and await connection.resume(records):
                log.info("resumed the saved session for %s (%s)", connection.slug, sessions.path)
                return
            await self._login(connection)
            try:
                sessions.save(key, connection.session_records())
            except errors.ChatExchangeError as error:
                log.warning("%s; the next run logs in again", error)
    async def _reader(self, slug: str) -> ServerConnection:
        """The connection for reads: anonymous until a write (or :meth:`login`) logged it in."""
        return self._connection(slug)

    def _write(self, coro: Coroutine[Any, Any, T], what: str) -> asyncio.Task[T]:
        """Start a write now; the returned task gives its result. Failures of unawaited writes are
        logged (the seed README's example does not await its replies)."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)

        def done(t: asyncio.Task[Any]) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                log.warning("%s failed: %s: %s", what, type(t.exception()).__name__, t.exception())

        task.add_done_callback(done)
        return task

    def _obj(self, cls: type[T], slug: str, row: dict[str, Any]) -> T:
        row["server_slug"] = slug
        return cls(self, row)  # type: ignore[call-arg]

    def _stub_user(self, slug: str, user_id: int | None, name: str | None) -> User:
        return User(self, {"server_slug": slug, "id": user_id, "name": name})

    def _stub_room(self, slug: str, room_id: int, name: str | None) -> Room:
        return Room(self, {"server_slug": slug, "id": room_id, "name": name})

    def _chat_url(self, slug: str, path: str) -> str:
        return self._connection(slug).endpoints.chat + path

    # -- lookups ---------------------------------------------------------------------------------

    async def _lookup(
        self,
        what: str,
        read: Callable[[], Awaitable[dict[str, Any] | None]],
        fetch_and_store: Callable[[], Awaitable[Any]],
        fresh: Freshness,
    ) -> dict[str, Any]:
        """The freshness rule around one archived row: ``read()`` it; when it is not fresh
        enough, ``fetch_and_store()`` and read it again (``what`` names it in errors)."""
        row = await read()

        async def fetch() -> dict[str, Any]:
            await fetch_and_store()
            fetched = await read()
            if fetched is None:
                raise errors.NotFoundError(f"{what} not found")
            return fetched

        updated = None if row is None else row["meta_updated"]
        return await resolve(what, row, updated, fetch, fresh, self.now())

    async def _user(self, server: Server, user_id: int, fresh: Freshness) -> User:
        sid, slug = server.meta_id, server.slug

        async def fetch() -> None:
            profile = await (await self._reader(slug)).user_profile(user_id)
            await self._db.call(store.upsert_users, self._engine, sid, [profile], now=self.now())

        row = await self._lookup(
            f"user {slug}/u/{user_id}",
            lambda: self._db.lookup(_archive.user, sid, user_id),
            fetch,
            fresh,
        )
        return self._obj(User, slug, row)

    async def _room(self, server: Server, room_id: int, fresh: Freshness) -> Room:
        sid, slug = server.meta_id, server.slug

        async def fetch() -> None:
            info = await (await self._reader(slug)).room_info(room_id)
            await self._db.call(store.upsert_room, self._engine, sid, info, now=self.now())

        row = await self._lookup(
            f"room {slug}/r/{room_id}",
            lambda: self._db.lookup(_archive.room, sid, room_id),
            fetch,
            fresh,
        )
        return self._obj(Room, slug, row)

    async def _message(self, server: Server, message_id: int, fresh: Freshness) -> Message:
        sid, slug = server.meta_id, server.slug
        what = f"message {slug}/m/{message_id}"

        async def fetch() -> None:
            page = await (await self._reader(slug)).message_transcript(message_id)
            await self._db.call(
                store.upsert_transcript_page, self._engine, sid, page, fetched=self.now()
            )
            if not any(m.id == message_id for m in page.messages):
                raise errors.NotFoundError(f"{what} not found")

        row = await self._lookup(
            what, lambda: self._db.lookup(_archive.message, sid, message_id), fetch, fresh
        )
        return self._obj(Message, slug, row)

    async def _me(self, server: Server) -> User | None:
        if self._credentials is None:
            return None
        connection = await self._ensure_login(server.slug)
        session = await connection.current_user()
        if session.user_id is None:
            return None
        sid = server.meta_id
        row = await self._db.read(_archive.user, sid, session.user_id)
        if row is None:
            await self._db.call(
                store.upsert_users,
                self._engine,
                sid,
                [(session.user_id, session.user_name)],
                now=self.now(),
            )
            row = await self._db.read(_archive.user, sid, session.user_id)
        if row is None:
            raise errors.StorageError(f"user {session.user_id} missing just after it was written")
        return self._obj(User, server.slug, row)

    async def _rooms(
        self, server: Server, tab: str, max_pages: int | None, *, login: bool = False
    ) -> AsyncIterator[Room]:
        connection = await (self._ensure_login(server.slug) if login else self._reader(server.slug))
        sid = server.meta_id
        seen: set[int] = set()  # activity between two page reads shifts rooms onto the next page
        page_number = 1
        while max_pages is None or page_number <= max_pages:
            params = {"tab": tab, "sort": "active", "page": page_number, "nohide": "true"}
            listing = _parser.parse_rooms_list(
                await connection.get_page(paths.ROOMS, params),
                self._chat_url(server.slug, paths.ROOMS),
            )
            if not listing.rooms:
                return
            await self._db.call(
                store.upsert_rooms, self._engine, sid, listing.rooms, now=self.now()
            )
            rows = await self._db.read(
                _archive.rooms_by_ids, sid, [c.room_id for c in listing.rooms]
            )
            for card in listing.rooms:
                row = rows.get(card.room_id)
                if row is not None and card.room_id not in seen:
                    seen.add(card.room_id)
                    yield self._obj(Room, server.slug, row)
            if listing.page_count is None or page_number >= listing.page_count:
                return
            page_number += 1

    # -- writes ----------------------------------------------------------------------------------

    async def _send(self, room: Room, markdown: str) -> Message:
        slug = room.server.slug
        connection = await self._ensure_login(slug)
        message_id, when = await connection.send(room.id, markdown)
        session = await connection.current_user()
        sid = self.server(slug).meta_id
        owner = (session.user_id, session.user_name)
        name = room._values.get("name")
        now = self.now()

        def record(conn: Connection) -> _archive.Row | None:
            store.record_sent(conn, sid, room.id, name, owner, message_id, when, markdown, now)
            return _archive.message(conn, sid, message_id)

        row = await self._db.write(record)
        if row is None:  # only if the database lost a row it just committed
            raise errors.StorageError(f"message {message_id} was sent but is not in the archive")
        return self._obj(Message, slug, row)

    async def _ping(self, room: Room, user: User | str | int, markdown: str) -> Message:
        if isinstance(user, User):
            name = user.name
            if name is None:
                if user.id is None:
                    raise errors.NotFoundError(f"{user!r} has neither a name nor an id to ping")
                name = (await self._user(room.server, user.id, self.freshness)).name
        elif isinstance(user, int) and not isinstance(user, bool):
            name = (await self._user(room.server, user, self.freshness)).name
        else:
            name = str(user)
        if not name:
            raise ValueError("cannot ping a user without a name")
        return await self._send(room, f"@{''.join(name.split())} {markdown}")

    async def _edit(self, message: Message, markdown: str) -> None:
        slug = message.server.slug
        connection = await self._ensure_login(slug)
        await connection.edit(message.id, markdown)
        await self._db.write(
            store.record_edit, self.server(slug).meta_id, message.id, markdown, self.now()
        )

    async def _delete(self, message: Message) -> None:
        slug = message.server.slug
        connection = await self._ensure_login(slug)
        await connection.delete(message.id)
        await self._db.write(
            store.record_deleted, self.server(slug).meta_id, message.id, self.now()
        )

    async def _star(self, message: Message) -> None:
        connection = await self._ensure_login(message.server.slug)
        await connection.star(message.id)
        await self._db.write(store.mark_stale, message.server.meta_id, message.id)

    async def _pin(self, message: Message) -> None:
        connection = await self._ensure_login(message.server.slug)
        await connection.pin(message.id)
        await self._db.write(store.mark_stale, message.server.meta_id, message.id)

    async def _recent_messages(self, room: Room, count: int) -> list[Message]:
        from ._live import _record_batch

        if count < 1:
            raise ValueError("count must be at least 1")
        slug = room.server.slug
        connection = await self._reader(slug)
        response = await connection.room_events(room.id, msg_count=count)
        events = [e for e in response.events if getattr(e, "message_id", None) is not None]
        rows = await self._db.write(_record_batch, room.server.meta_id, events, self.now())
        return [self._obj(Message, slug, row) for row in rows if row is not None]

    # -- archive-only streams ----------------------------------------------------------------------

    async def _user_messages(self, user: User, since: Any, until: Any) -> AsyncIterator[Message]:
        from ._bounds import window

        server = user.server
        bounds = await window(server, since, until)
        meta_id = user._values.get("meta_id")
        if meta_id is None:
            row = await self._db.read(_archive.user, server.meta_id, user.id)
            if row is None:
                return
            meta_id = row["meta_id"]
        after = None
        while True:
            rows, after = await self._db.read(
                _archive.user_messages, meta_id, *bounds.filter_args(), after_id=after, limit=500
            )
            for row in rows:
                yield self._obj(Message, server.slug, row)
            if after is None:
                return

    def _user_new_messages(
        self, user: User, until: Any, rooms: list[int] | None
    ) -> AsyncIterator[Message]:
        return self._live.user_new_messages(user, until, rooms)

    def _user_all_messages(
        self, user: User, since: Any, until: Any, rooms: list[int] | None
    ) -> AsyncIterator[Message]:
        return self._live.user_all_messages(user, since, until, rooms)


def _archive_servers(engine: Engine) -> dict[str, dict[str, Any]]:
    with engine.connect() as connection:
        return _archive.servers(connection)
