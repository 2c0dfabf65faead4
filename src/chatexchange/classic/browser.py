"""The classic ``Browser``: blocking calls to one chat server, on our transport.

One ``ServerConnection`` (aiohttp) runs on a private event loop thread; every method here submits
a coroutine to it and waits. Pages are read with ``chatexchange._parser`` and handed back as the
dicts the classic package's objects expect. Watchers (``watch_room_socket``, ``watch_room_http``)
read the transport's live events (websocket with reconnect and gap filling, or polling) and call
``on_activity`` with classic activity frames (``{"r<room>": {"e": [event, ...], "t": ...}}``) from
a thread of their own, so a callback may block, or call back into the browser, freely.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from .. import _parser, errors
from .._transport import Response, ServerConnection
from ..client._loop import LoopThread

__all__ = [
    "HOSTS",
    "Browser",
    "BrowserError",
    "LoginError",
    "RoomPollingWatcher",
    "RoomSocketWatcher",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Classic host names -> our server slugs.
HOSTS = {"stackexchange.com": "se", "stackoverflow.com": "so", "meta.stackexchange.com": "mse"}


class BrowserError(errors.ChatExchangeError):
    """A browser-level failure (the classic name)."""


class LoginError(BrowserError, errors.LoginError):
    """Logging in failed (the classic name; also a ``chatexchange.errors.LoginError``)."""


class _Response:
    """A small stand-in for the ``requests`` response the classic ``get``/``post`` returned."""

    def __init__(self, response: Any) -> None:
        self.url = response.url
        self.status_code = response.status
        self.content = response.body
        self.text = response.text
        self.headers = dict(response.headers)

    def json(self) -> Any:
        import orjson

        return orjson.loads(self.content)


class Browser:
    """Requests to one Stack Exchange chat server (``host`` is set by the Client)."""

    user_agent = "ChatExchange3-classic (+https://github.com/Manishearth/ChatExchange API)"
    request_timeout = 30.0

    def __init__(self) -> None:
        self.logger = logger.getChild("Browser")
        self.rooms: dict[str, dict[str, Any]] = {}
        self.sockets: dict[str, RoomSocketWatcher] = {}
        self.polls: dict[str, RoomPollingWatcher] = {}
        self.host: str | None = None
        self.on_websocket_closed: Callable[[str], Any] | None = None
        self._loop_thread: LoopThread | None = None
        self._connection: ServerConnection | None = None
        self._lock = threading.Lock()

    # -- plumbing --------------------------------------------------------------------------------

    @property
    def slug(self) -> str:
        if self.host not in HOSTS:
            raise BrowserError(f"browser has no valid host ({self.host!r})")
        return HOSTS[self.host]

    def _loop(self) -> LoopThread:
        with self._lock:
            if self._loop_thread is None or not self._loop_thread.alive:
                self._loop_thread = LoopThread(name=f"chatexchange-classic-{self.host}")
            return self._loop_thread

    def _run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        return self._loop().run(coro, timeout=timeout)

    def connection(self) -> ServerConnection:
        """The transport connection (created on the browser's loop on first use)."""
        if self._connection is None:
            slug = self.slug

            async def make() -> ServerConnection:
                return ServerConnection(
                    slug, user_agent=self.user_agent, timeout=self.request_timeout
                )

            self._connection = self._run(make())
        return self._connection

    @property
    def running(self) -> bool:
        """Whether the browser's loop thread is running (``close`` stops it)."""
        return self._loop_thread is not None and self._loop_thread.alive

    def close(self) -> None:
        """Stop the watchers, close the connection and the loop thread. Idempotent."""
        for watcher in [*self.sockets.values(), *self.polls.values()]:
            watcher.close()
        if self._loop_thread is not None and self._loop_thread.alive:
            if self._connection is not None:
                try:
                    self._run(self._connection.close(), timeout=10)
                except Exception:  # closing must finish
                    self.logger.debug("closing the connection failed", exc_info=True)
            self._loop_thread.stop()
        self._connection = None

    @property
    def chat_root(self) -> str:
        return self.connection().endpoints.chat

    # -- requests --------------------------------------------------------------------------------

    def _answer(self, path: str, value: Any) -> _Response:
        """A response carrying chat's JSON answer ``value`` to the action at ``path``."""
        import orjson

        body = orjson.dumps(value)
        return _Response(Response(self.chat_root + path, 200, body, "application/json"))

    def _url(self, url: str, with_chat_root: bool) -> str:
        return self.chat_root + "/" + url.lstrip("/") if with_chat_root else url

    def get(self, url: str, data: Any = None, headers: Any = None, with_chat_root: bool = True):
        """GET a chat page; an object with ``status_code``, ``text``, ``content``, ``json()``."""
        http = self.connection().http
        return _Response(self._run(http.get(self._url(url, with_chat_root), params=data)))

    def post(self, url: str, data: Any = None, headers: Any = None, with_chat_root: bool = True):
        http = self.connection().http
        response = self._run(http.request("POST", self._url(url, with_chat_root), data=data))
        return _Response(response)

    def post_fkeyed(self, url: str, data: Any = None, headers: Any = None):
        """POST with the chat fkey added (and refreshed once if the server refuses it)."""
        connection = self.connection()
        if data is not None and not isinstance(data, dict):
            raise TypeError("data must be a dict")
        response = self._run(
            connection._post_with_fkey(self._url(url, True), dict(data or {}), what=f"POST {url}")
        )
        return _Response(response)

    # -- session ---------------------------------------------------------------------------------

    def login_site(self, host: str, email: str, password: str) -> None:
        """Log in to ``host``'s chat with a Stack Exchange account."""
        if self.host is not None and self.host != host:
            raise BrowserError(f"this browser belongs to {self.host}, not {host}")
        self.host = host
        try:
            self._run(self.connection().login(email, password))
        except errors.LoginError as error:
            raise LoginError(str(error)) from error

    def login_with_cookies(self, path: str) -> bool:
        """Use cookies saved by ``save_cookies`` (True when they still give a session)."""
        return self._run(self.connection().load_cookies(path))

    def save_cookies(self, path: str) -> int:
        return self._run(self.connection().save_cookies(path))

    def logout(self) -> None:
        self._run(self.connection().logout())

    def _session(self) -> Any:
        return self._run(self.connection().current_user())

    @property
    def user_id(self) -> int | None:
        return self._session().user_id

    @property
    def user_name(self) -> str | None:
        return self._session().user_name

    @property
    def chat_fkey(self) -> str:
        return self._session().fkey

    # -- reads -----------------------------------------------------------------------------------

    def _page(self, path: str) -> tuple[bytes, str]:
        connection = self.connection()
        return self._run(connection.get_page(path)), connection.endpoints.chat + path

    def get_room_info(self, room_id: int) -> dict[str, Any]:
        info = _parser.parse_room_info(*self._page(f"/rooms/info/{int(room_id)}"))
        return {
            "name": info.name,
            "description": info.description_html or info.description or "",
            "message_count": info.message_count,
            "user_count": info.user_count,
            "parent_site_name": info.parent_site,
            "owner_user_ids": [card.user_id for card in info.owners],
            "owner_user_names": [card.name for card in info.owners],
            "tags": list(info.tags),
            "current_user_ids": [card.user_id for card in info.users],
            "current_user_names": [card.name for card in info.users],
        }

    def get_profile(self, user_id: int) -> dict[str, Any]:
        profile = _parser.parse_user_profile(*self._page(f"/users/{int(user_id)}"))

        def seconds(delta: Any) -> int:
            return -1 if delta is None else int(delta.total_seconds())

        return {
            "name": profile.name,
            "about": profile.about,
            "is_moderator": profile.moderator,
            "message_count": profile.message_count,
            "room_count": profile.room_count,
            "reputation": profile.reputation if profile.reputation is not None else -1,
            "last_seen": seconds(profile.last_seen),
            "last_message": seconds(profile.last_message),
        }

    def get_transcript_with_message(self, message_id: int) -> dict[str, Any]:
        page = self._run(self.connection().message_transcript(int(message_id)))
        items = []
        for m in page.messages:
            item = {
                "id": m.id,
                "content": None if m.deleted else m.content_html,
                "deleted": m.deleted,
                "room_id": m.room_id or page.room_id,
                "room_name": page.room_name,
                "owner_user_id": m.owner_id,
                "owner_user_name": m.owner_name,
                "edited": bool(m.edits),
                "parent_message_id": m.parent_id,
                "time_stamp": int(m.time.timestamp()) if m.time is not None else None,
                "stars": m.stars,
                "starred": bool(m.stars),
                "starred_by_you": m.starred,
                "pinned": m.pinned,
            }
            if not m.pinned:
                item.update(pins=0, pinner_user_ids=[], pinner_user_names=[])
            items.append(item)
        return {"room_id": page.room_id, "room_name": page.room_name, "messages": items}

    def get_history(self, message_id: int) -> dict[str, Any]:
        history = _parser.parse_message_history(*self._page(f"/messages/{int(message_id)}/history"))
        current = history.revisions[0]
        edits = [r for r in history.revisions if r.label == "edited"]
        editor = edits[0] if edits else None
        source = current.source
        if source is None:
            source = self.get_message_source(message_id)
        pinners = list(history.pinned_by)
        return {
            "room_id": history.room_id,
            "content": current.content_html,
            "content_source": source,
            "owner_user_id": history.revisions[-1].user_id,
            "owner_user_name": history.revisions[-1].user_name,
            "editor_user_id": editor.user_id if editor else None,
            "editor_user_name": editor.user_name if editor else None,
            "edited": bool(edits),
            "edits": len(edits),
            "stars": history.stars,
            "starred": bool(history.stars),
            "pinned": history.pinned,
            "pins": len(pinners),
            "pinner_user_ids": pinners,
            "pinner_user_names": [self._user_name(uid) for uid in pinners],
        }

    def _user_name(self, user_id: int) -> str | None:
        try:
            return self.get_profile(user_id)["name"]
        except errors.ChatExchangeError:
            return None

    def get_message_source(self, message_id: int) -> str:
        """The Markdown source of a message."""
        connection = self.connection()
        path = f"/message/{int(message_id)}"
        body = self._run(connection.get_page(path, {"plain": "true"}))
        return _parser.parse_message_source(body, connection.endpoints.chat + path)

    def _pingable(self, room_id: int) -> list[Any]:
        response = self.get(f"rooms/pingable/{int(room_id)}")
        return response.json()

    def get_pingable_user_ids_in_room(self, room_id: int) -> list[int]:
        return [entry[0] for entry in self._pingable(room_id)]

    def get_pingable_user_names_in_room(self, room_id: int) -> list[str]:
        return [entry[1] for entry in self._pingable(room_id)]

    def get_current_user_ids_in_room(self, room_id: int) -> list[int]:
        return self.get_room_info(room_id)["current_user_ids"]

    def get_current_user_names_in_room(self, room_id: int) -> list[str]:
        return self.get_room_info(room_id)["current_user_names"]

    # -- writes ----------------------------------------------------------------------------------

    def send_message(self, room_id: int, text: str) -> _Response:
        """Post now; the response's ``json()`` is ``{"id": message id, "time": unix seconds}``.
        Texts over 500 characters go as multi-line messages."""
        connection = self.connection()
        multiline = len(text) > 500 or "\n" in text
        message_id, when = self._run(connection.send(int(room_id), text, multiline=multiline))
        path = f"/chats/{int(room_id)}/messages/new"
        return self._answer(path, {"id": message_id, "time": int(when.timestamp())})

    def edit_message(self, message_id: int, text: str) -> _Response:
        multiline = len(text) > 500 or "\n" in text
        self._run(self.connection().edit(int(message_id), text, multiline=multiline))
        return self._answer(f"/messages/{int(message_id)}", "ok")

    def delete_message(self, message_id: int) -> _Response:
        self._run(self.connection().delete(int(message_id)))
        return self._answer(f"/messages/{int(message_id)}/delete", "ok")

    def toggle_starring(self, message_id: int) -> None:
        self._run(self.connection().star(int(message_id)))

    def toggle_pinning(self, message_id: int) -> None:
        self._run(self.connection().pin(int(message_id)))

    def cancel_stars(self, message_id: int) -> None:
        self._run(self.connection().clear_stars(int(message_id)))

    def join_room(self, room_id: int) -> None:
        response = self._run(self.connection().join(int(room_id)))
        self.rooms[str(room_id)] = {"eventtime": response.time}

    def leave_room(self, room_id: int) -> None:
        key = str(room_id)
        self.rooms.pop(key, None)
        for watchers in (self.sockets, self.polls):
            watcher = watchers.pop(key, None)
            if watcher is not None:
                watcher.close()
        self._run(self.connection().leave(int(room_id)))

    # -- watching --------------------------------------------------------------------------------

    def watch_room_socket(self, room_id: int, on_activity: Callable[[Any], Any]) -> Any:
        """Watch a room over the websocket; ``on_activity`` runs on the watcher's thread."""
        watcher = RoomSocketWatcher(self, room_id, on_activity)
        watcher.on_websocket_closed = self.on_websocket_closed
        self.sockets[str(room_id)] = watcher
        watcher.start()
        return watcher

    def watch_room_http(
        self, room_id: int, on_activity: Callable[[Any], Any], interval: float
    ) -> Any:
        """Watch a room by polling every ``interval`` seconds."""
        watcher = RoomPollingWatcher(self, room_id, on_activity, interval)
        self.polls[str(room_id)] = watcher
        watcher.start()
        return watcher

    def set_websocket_recovery(self, on_ws_closed: Callable[[str], Any]) -> None:
        """Kept for compatibility: the transport reconnects (and fills gaps) by itself; this is
        called only when it gives up on a room."""
        self.on_websocket_closed = on_ws_closed
        for watcher in self.sockets.values():
            watcher.on_websocket_closed = on_ws_closed


_STOP: Any = object()


class _Watcher:
    """Transport events of one room -> classic activity frames on a callback thread."""

    websocket = True

    def __init__(self, browser: Browser, room_id: int, on_activity: Callable[[Any], Any]) -> None:
        self.logger = logger.getChild(type(self).__name__)
        self.browser = browser
        self.room_id = str(room_id)
        self.on_activity = on_activity
        self.on_websocket_closed: Callable[[str], Any] | None = None
        self.killed = False
        self.thread: threading.Thread | None = None
        self._events: queue.Queue[Any] = queue.Queue()
        self._task: Any = None
        self._started = threading.Event()

    def _options(self) -> dict[str, Any]:
        return {"websocket": self.websocket}

    def start(self) -> None:
        """Start watching; returns once the watcher listens (nothing after this is missed)."""
        browser = self.browser
        connection = browser.connection()
        loop_thread = browser._loop()
        options = self._options()

        async def open_watcher() -> Any:
            watcher = connection.watch(int(self.room_id), **options)
            await watcher.start()
            return watcher

        watcher = loop_thread.run(open_watcher())
        self._task = asyncio.run_coroutine_threadsafe(self._pump(watcher), loop_thread.loop)
        self.thread = threading.Thread(
            target=self._runner, name=f"chatexchange-classic-watch-{self.room_id}", daemon=True
        )
        self.thread.start()

    async def _pump(self, watcher: Any) -> None:
        try:
            async for event in watcher:
                self._events.put(event)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self._events.put(error)
        finally:
            await watcher.aclose()
            self._events.put(_STOP)

    def _runner(self) -> None:
        while not self.killed:
            item = self._events.get()
            if item is _STOP:
                return
            if isinstance(item, BaseException):
                self.logger.warning("watching room %s failed: %s", self.room_id, item)
                if self.on_websocket_closed is not None and not self.killed:
                    self.on_websocket_closed(self.room_id)
                return
            batch = [item]
            while True:  # what arrived together goes out as one frame, like a socket frame
                try:
                    more = self._events.get_nowait()
                except queue.Empty:
                    break
                if more is _STOP or isinstance(more, BaseException):
                    self._events.put(more)
                    break
                batch.append(more)
            if self.killed:
                return
            frame = {"e": [event.raw for event in batch]}
            stamps = [event.raw.get("id") for event in batch if event.raw.get("id") is not None]
            if stamps:
                frame["t"] = max(stamps)
            try:
                self.on_activity({f"r{self.room_id}": frame})
            except Exception:
                self.logger.exception("the event callback of room %s failed", self.room_id)

    def close(self) -> None:
        """Stop watching (the callback thread ends after the event it is handling)."""
        self.killed = True
        if self._task is not None:
            self._task.cancel()
        self._events.put(_STOP)


class RoomSocketWatcher(_Watcher):
    """A room's events over the websocket (reconnects and gap filling are the transport's)."""


class RoomPollingWatcher(_Watcher):
    """A room's events by polling ``/events`` every ``interval`` seconds."""

    websocket = False

    def __init__(
        self,
        browser: Browser,
        room_id: int,
        on_activity: Callable[[Any], Any],
        interval: float,
    ) -> None:
        super().__init__(browser, room_id, on_activity)
        self.interval = interval

    def _options(self) -> dict[str, Any]:
        return {"websocket": False, "poll_interval": self.interval}
