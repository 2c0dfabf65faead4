"""The classic ``Browser``: its HTTP goes through a real ``requests.Session`` (``Browser.session``).

Exactly where bots and their tests expect it: cookies, headers and adapters are the session's, a
refused request raises ``requests.HTTPError`` (``raise_for_status``), and a test that fakes
``requests`` intercepts every call. What the answers mean is not decided here: pages are read with
``chatexchange._parser`` and login answers, throttle answers and refusals with
``chatexchange._rules``, the same code the aiohttp transport uses.

Watching a room (``watch_room_socket``, ``watch_room_http``) runs the transport's live-event code
(websocket with reconnects and gap filling, or polling) on a background event loop that borrows
the session's cookies; ``on_activity`` gets classic activity frames (``{"r<room>": {"e": [...],
"t": ...}}``, and ``{"r<room>": {}}`` for a keep-alive frame) from a thread of its own, so a
callback may block, or call back into the browser, freely.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import queue
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import requests
from bs4 import BeautifulSoup

from .. import _parser, _paths, _rules, errors
from .._files import write_private
from .._servers import endpoints
from . import _utils

__all__ = [
    "HOSTS",
    "Browser",
    "BrowserError",
    "LoginError",
    "RoomPollingWatcher",
    "RoomSocketWatcher",
]

#: The classic logger name (bots configure ``chatexchange.browser``).
logger = logging.getLogger("chatexchange.browser")

#: Classic host names -> our server slugs.
HOSTS = {"stackexchange.com": "se", "stackoverflow.com": "so", "meta.stackexchange.com": "mse"}


class BrowserError(errors.ChatExchangeError):
    """A browser-level failure (the classic name)."""


class LoginError(BrowserError, errors.LoginError):
    """Logging in failed (the classic name; also a ``chatexchange.errors.LoginError``)."""


def _never_sent(error: Exception) -> bool:
    """Whether a failed request surely never reached the server (so a write may be repeated)."""
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return True
    reason = getattr(error.args[0], "reason", None) if error.args else None
    return type(reason).__name__ in {"NewConnectionError", "NameResolutionError"}


class Browser:
    """Requests to one Stack Exchange chat host (``host`` is set by the Client or a login)."""

    user_agent = "ChatExchange3-classic (+https://github.com/Manishearth/ChatExchange API)"
    request_timeout = 30.0
    #: Attempts of a request that failed to connect or timed out (reads also on 502/503/504).
    max_http_retries = 5

    chat_fkey = _utils.LazyFrom("_update_chat_fkey_and_user")
    user_name = _utils.LazyFrom("_update_chat_fkey_and_user")
    user_id = _utils.LazyFrom("_update_chat_fkey_and_user")

    def __init__(self) -> None:
        self.logger = logger.getChild("Browser")
        self.session = requests.Session()
        self.session.headers.update({"User-Agent": self.user_agent})
        self.rooms: dict[str, dict[str, Any]] = {}
        self.sockets: dict[str, RoomSocketWatcher] = {}
        self.polls: dict[str, RoomPollingWatcher] = {}
        self.host: str | None = None
        self.on_websocket_closed: Callable[[str], Any] | None = self._default_ws_recovery
        self._credentials: tuple[str, str] | None = None
        self._background: Any = None
        self._connection: Any = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<classic Browser {self.host}>"

    # -- where things are ------------------------------------------------------------------------

    @property
    def slug(self) -> str:
        if self.host not in HOSTS:
            raise BrowserError(f"browser has no valid host ({self.host!r})")
        return HOSTS[self.host]

    @property
    def chat_root(self) -> str:
        """``https://chat.<host>`` (or the devserver's, with ``CHATEXCHANGE_DEVSERVER``)."""
        if not self.host:
            raise BrowserError("browser has no associated host")
        return endpoints(self.slug).chat

    def _login_root(self, host: str) -> str:
        return endpoints(HOSTS[host]).login

    # -- requests --------------------------------------------------------------------------------

    def _request(
        self,
        method: str,
        url: str,
        data: Any = None,
        headers: Any = None,
        with_chat_root: bool = True,
        *,
        check: bool = True,
    ) -> requests.Response:
        """One request through ``session``; raises ``requests.HTTPError`` for a 4xx/5xx answer
        (unless ``check=False``: the login reads the status itself).

        A connection failure or timeout is tried again (a write only when it never reached the
        server, so nothing is posted twice); a read also on 502/503/504.
        """
        if with_chat_root:
            url = self.chat_root + "/" + url.lstrip("/")
        send: Callable[..., requests.Response] = getattr(self.session, method.lower())
        reading = method.lower() == "get"
        for attempt in range(1, self.max_http_retries + 1):
            last = attempt == self.max_http_retries
            try:
                response = send(url, data=data, headers=headers, timeout=self.request_timeout)
            except (requests.ConnectionError, requests.Timeout, TimeoutError) as error:
                if last or not (reading or _never_sent(error)):
                    raise
                self.logger.info("%s %s failed (%s); retry %d", method.upper(), url,
                                 type(error).__name__, attempt)
                time.sleep(0.1 * attempt)
                continue
            if reading and response.status_code in _rules.TRANSIENT_STATUSES and not last:
                self.logger.info("GET %s -> %d; retry %d", url, response.status_code, attempt)
                time.sleep(0.1 * attempt)
                continue
            if check:
                response.raise_for_status()
            return response
        raise AssertionError("unreachable")

    def get(
        self, url: str, data: Any = None, headers: Any = None, with_chat_root: bool = True
    ) -> requests.Response:
        return self._request("get", url, data, headers, with_chat_root)

    def post(
        self, url: str, data: Any = None, headers: Any = None, with_chat_root: bool = True
    ) -> requests.Response:
        return self._request("post", url, data, headers, with_chat_root)

    def get_soup(
        self, url: str, data: Any = None, headers: Any = None, with_chat_root: bool = True
    ) -> BeautifulSoup:
        """GET a page as a BeautifulSoup (``html.parser``)."""
        return BeautifulSoup(self.get(url, data, headers, with_chat_root).text, "html.parser")

    def post_soup(
        self, url: str, data: Any = None, headers: Any = None, with_chat_root: bool = True
    ) -> BeautifulSoup:
        """POST and read the answer as a BeautifulSoup (``html.parser``)."""
        return BeautifulSoup(self.post(url, data, headers, with_chat_root).text, "html.parser")

    def post_fkeyed(self, url: str, data: Any = None, headers: Any = None) -> requests.Response:
        """POST to a chat path with the chat ``fkey`` added."""
        if data is None:
            data = {}
        elif not isinstance(data, dict):
            raise TypeError("data must be a dict")
        else:
            data = dict(data)
        data["fkey"] = self.chat_fkey
        return self.post(url, data, headers)

    def _page(self, path: str) -> tuple[bytes, str]:
        response = self.get(path)
        return response.content, response.url

    # -- authentication --------------------------------------------------------------------------

    def login_site(
        self, host: str, email: str | None = None, password: str | None = None
    ) -> requests.cookies.RequestsCookieJar:
        """Log in to ``host``'s chat with a Stack Exchange account; returns the session's cookie
        jar (``requests``), which ``login_site_with_cookie`` accepts later. Without ``email`` and
        ``password``, the ones given to ``login_se_openid`` are used."""
        if self.host is not None and self.host != host:
            raise BrowserError(f"this browser belongs to {self.host}, not {host}")
        if host not in HOSTS:
            raise BrowserError(f"not a chat host: {host!r}")
        if email is None or password is None:
            if self._credentials is None:
                raise LoginError("no credentials: pass email and password")
            email, password = self._credentials
        self.host = host
        self._forget_session()
        try:
            self._login(host, email, password)
        except LoginError:
            raise
        except errors.ChatExchangeError as error:  # bad credentials, captcha, 429, no account
            raise LoginError(str(error)) from error
        return self.session.cookies

    def _login(self, host: str, email: str, password: str) -> None:
        root = self._login_root(host)
        self.session.cookies.clear()  # a fresh login: an old acct cookie must not count
        page = self._request("get", root + "/users/login?returnurl=%2f", with_chat_root=False,
                             check=False)
        error = _rules.login_page_error(page.url, page.status_code, page.content)
        if error is not None:
            raise error
        try:
            fkey = _parser.parse_login_page(page.content, page.url)
        except errors.ParseError as exc:
            raise LoginError(f"login page has no login form: {exc}") from None
        self.logger.info("logging in to %s", root)
        answer = self._request(
            "post",
            root + "/users/login",
            {"email": email, "password": password, "fkey": fkey, "ssrc": "head"},
            with_chat_root=False,
            check=False,
        )
        error = _rules.login_answer_error(
            answer.url,
            answer.status_code,
            answer.content,
            has_account_cookie=any(c.name == "acct" for c in self.session.cookies),
            server=HOSTS[host],
            login_root=root,
        )
        if error is not None:
            raise error
        self.logger.info("logged in to %s", root)

    def login_se_openid(self, user: str, password: str) -> None:
        """The classic first step of a login (Stack Exchange OpenID is gone): checks the
        credentials on ``host`` (default ``stackexchange.com``) and keeps them for
        ``login_site(host)``. Raises LoginError when they are refused."""
        self._credentials = (user, password)
        host = self.host or "stackexchange.com"
        try:
            self._login(host, user, password)
        except errors.ChatExchangeError as error:
            self._credentials = None
            raise LoginError(str(error)) from error

    def login_site_with_cookie(self, host: str, cookie_jar: Any) -> None:
        """Log in with cookies from an earlier ``login_site`` (a ``requests`` cookie jar, for
        example one that was pickled, or a dict). Raises LoginError when they no longer give a
        session."""
        if self.host is not None and self.host != host:
            raise BrowserError(f"this browser belongs to {self.host}, not {host}")
        self.host = host
        self.session.cookies.update(cookie_jar)
        self._forget_session()
        try:
            self._update_chat_fkey_and_user()
            logged_in = self.user_id is not None
        except (requests.RequestException, errors.ChatExchangeError):
            logged_in = False
        if not logged_in:
            self._forget_session()
            raise LoginError(
                "login with cookie could not be verified, try credential login instead"
            )

    def save_cookies(self, path: str | os.PathLike[str]) -> int:
        """Write the session's cookies to ``path`` (JSON, mode 0600, replaced atomically);
        ``Client.login_with_cookie(path)`` reads them back. Returns how many were saved."""
        records = _cookie_records(self.session.cookies)
        data = {"format": "chatexchange3-classic-cookies", "host": self.host, "cookies": records}
        write_private(Path(path), json.dumps(data).encode("utf-8"))
        return len(records)

    def load_cookies(self, path: str | os.PathLike[str]) -> requests.cookies.RequestsCookieJar:
        """A cookie jar from a file written by :meth:`save_cookies`."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise LoginError(f"cannot read cookie file {path}: {type(error).__name__}") from None
        if not isinstance(data, dict) or data.get("format") != "chatexchange3-classic-cookies":
            raise LoginError(f"{path} is not a cookie file written by Browser.save_cookies")
        jar = requests.cookies.RequestsCookieJar()
        for record in data.get("cookies", []):
            jar.set(
                record["name"],
                record["value"],
                domain=record.get("domain", ""),
                path=record.get("path", "/"),
                secure=bool(record.get("secure")),
                expires=record.get("expires"),
            )
        return jar

    def _forget_session(self) -> None:
        for attr in ("chat_fkey", "user_id", "user_name"):
            delattr(self, attr)

    def _update_chat_fkey_and_user(self) -> None:
        """Read the fkey and the logged-in user (None: anonymous) from the favorites page."""
        body, url = self._page(_paths.FAVORITE)
        session = _parser.parse_favorite(body, url)
        if not session.fkey:
            raise BrowserError("fkey missing")
        self.chat_fkey = session.fkey
        self.user_id = session.user_id
        self.user_name = session.user_name

    def _load_fkey(self, soup: Any) -> None:
        """Take the chat fkey from a page's soup (its ``input[name=fkey]``)."""
        field = soup.find("input", {"name": "fkey"})
        value = field.get("value") if field is not None else None
        if not value:
            raise BrowserError("fkey missing")
        self.chat_fkey = value

    def _load_user(self, soup: Any) -> None:
        """Take the logged-in user from a page's soup (the top bar's profile link)."""
        links = soup.select(".topbar-menu-links a")
        if not links:
            raise BrowserError("no user link on the page")
        self.user_id, self.user_name = self.user_id_and_name_from_link(links[0])

    @staticmethod
    def user_id_and_name_from_link(link_soup: Any) -> tuple[int, str]:
        """``(id, name)`` of a user link (``<a href="/users/<id>/<slug>">name</a>``)."""
        parts = link_soup["href"].split("/")
        return int(parts[parts.index("users") + 1]), link_soup.text

    def logout(self) -> None:
        """Log out on the login host, then forget the cookies."""
        if self.host is None:
            return
        root = self._login_root(self.host)
        try:
            page = self._request("get", root + "/users/logout", with_chat_root=False,
                                 check=False)
            if page.status_code < 400:
                try:
                    fkey = _parser.parse_login_page(page.content, page.url)
                except errors.ParseError:
                    fkey = None
                if fkey:
                    self._request("post", root + "/users/logout", {"fkey": fkey},
                                  with_chat_root=False, check=False)
        except requests.RequestException:
            self.logger.info("logging out of %s failed", root, exc_info=True)
        finally:
            self.session.cookies.clear()
            self._forget_session()

    # -- reads -----------------------------------------------------------------------------------

    def get_room_info(self, room_id: int) -> dict[str, Any]:
        """The room info page: name, description (HTML), counts, parent site, owners, tags."""
        info = _parser.parse_room_info(*self._page(_paths.room_info(room_id)))
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
        """The user's chat profile page (seconds for ``last_seen``/``last_message``, -1: n/a)."""
        profile = _parser.parse_user_profile(*self._page(_paths.user_profile(user_id)))

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
        """The transcript page holding the message, as the classic message dicts."""
        page = _parser.parse_transcript(*self._page(_paths.message_transcript(message_id)))
        items = []
        for m in page.messages:
            item: dict[str, Any] = {
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
        if not any(item["id"] == int(message_id) for item in items):
            self.logger.info("message %s is not on its transcript page", message_id)
        return {"room_id": page.room_id, "room_name": page.room_name, "messages": items}

    def get_history(self, message_id: int) -> dict[str, Any]:
        """The message's history page: source, owner, editor, edit count, stars and pins."""
        history = _parser.parse_message_history(*self._page(_paths.message_history(message_id)))
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
            name: str | None = self.get_profile(user_id)["name"]
            return name
        except (requests.RequestException, errors.ChatExchangeError):
            return None

    def get_message_source(self, message_id: int) -> str:
        """The Markdown source of a message."""
        body, url = self._page(_paths.message_text(message_id) + "?plain=true")
        return _parser.parse_message_source(body, url)

    def get_pingable_users_in_room(self, room_id: int) -> list[Any]:
        """Chat's answer for the room's pingable users: ``[[id, name, ...], ...]``."""
        users: list[Any] = self.get(_paths.room_pingable(room_id)).json()
        return users

    def get_pingable_user_ids_in_room(self, room_id: int) -> list[int]:
        return [entry[0] for entry in self.get_pingable_users_in_room(room_id)]

    def get_pingable_user_names_in_room(self, room_id: int) -> list[str]:
        return [entry[1] for entry in self.get_pingable_users_in_room(room_id)]

    def get_current_users_in_room(self, room_id: int) -> list[tuple[int, str]]:
        """``(id, name)`` of the users in the room now."""
        info = self.get_room_info(room_id)
        return list(zip(info["current_user_ids"], info["current_user_names"], strict=True))

    def get_current_user_ids_in_room(self, room_id: int) -> list[int]:
        return [user_id for user_id, _ in self.get_current_users_in_room(room_id)]

    def get_current_user_names_in_room(self, room_id: int) -> list[str]:
        return [name for _, name in self.get_current_users_in_room(room_id)]

    # -- writes (each answer is chat's, as a requests.Response) ----------------------------------

    def send_message(self, room_id: int, text: str) -> requests.Response:
        """Post ``text`` as it is; ``json()`` of the answer is ``{"id": ..., "time": ...}``."""
        return self.post_fkeyed(_paths.send(room_id), {"text": text})

    def edit_message(self, message_id: int, text: str) -> requests.Response:
        return self.post_fkeyed(_paths.edit(message_id), {"text": text})

    def delete_message(self, message_id: int) -> requests.Response:
        return self.post_fkeyed(_paths.message_action(message_id, "delete"))

    def toggle_starring(self, message_id: int) -> requests.Response:
        return self.post_fkeyed(_paths.message_action(message_id, "star"))

    def toggle_pinning(self, message_id: int) -> requests.Response:
        return self.post_fkeyed(_paths.message_action(message_id, "owner-star"))

    def cancel_stars(self, message_id: int) -> requests.Response:
        return self.post_fkeyed(_paths.message_action(message_id, "unstar"))

    def join_room(self, room_id: int | str) -> None:
        """Enter the room (``/chats/<room>/events``) and remember its event cursor."""
        key = str(room_id)
        self.rooms[key] = {}
        response = self.post_fkeyed(
            _paths.room_events(int(room_id)), {"since": 0, "mode": "Messages", "msgCount": 100}
        )
        answer = _parser.parse_events_response(response.content, response.url)
        if answer.time is None and "time" not in response.json():
            raise KeyError("time")  # as classic: what a bot sees on joining a closed room
        self.rooms[key]["eventtime"] = answer.time

    def leave_room(self, room_id: int | str) -> None:
        """Stop the room's watchers and leave it."""
        key = str(room_id)
        self.rooms.pop(key, None)
        for watchers in (self.sockets, self.polls):
            watcher = watchers.pop(key, None)
            if watcher is not None:
                watcher.close()
        self.post_fkeyed(_paths.leave(room_id), {"quiet": "true"})

    # -- watching --------------------------------------------------------------------------------

    def _default_ws_recovery(self, room_id: str) -> None:
        """When the transport gives up on a room's socket: leave, join and watch it again."""
        watcher = self.sockets.get(room_id)
        if watcher is None:
            return
        on_activity = watcher.on_activity
        with contextlib.suppress(requests.RequestException):
            self.leave_room(room_id)
        self.join_room(room_id)
        self.watch_room_socket(room_id, on_activity)

    def _watch_connection(self) -> Any:
        """The transport connection the watchers read through, holding the session's cookies
        (copied again for each new watcher, so a later login counts); made when the first
        watcher starts."""
        from .._transport import ServerConnection
        from ._background import BackgroundLoop

        with self._lock:
            if self._background is None or not self._background.alive:
                self._background = BackgroundLoop(f"chatexchange-classic-watch-{self.host}")
                self._connection = None
            background = self._background
            if self._connection is None:
                slug = self.slug

                async def make() -> Any:
                    return ServerConnection(
                        slug, user_agent=self.user_agent, timeout=self.request_timeout
                    )

                self._connection = background.run(make())
            connection = self._connection
        background.run(connection.resume(_cookie_records(self.session.cookies)))
        return connection

    @property
    def running(self) -> bool:
        """Whether the watchers' background loop is running (``close`` stops it)."""
        return self._background is not None and self._background.alive

    def close(self) -> None:
        """Stop the watchers and their background loop, close the session. Idempotent."""
        for watcher in [*self.sockets.values(), *self.polls.values()]:
            watcher.close()
        background, connection = self._background, self._connection
        self._background = self._connection = None
        if background is not None and background.alive:
            if connection is not None:
                try:
                    background.run(connection.close(), timeout=10)
                except Exception:  # closing must finish
                    self.logger.debug("closing the watch connection failed", exc_info=True)
            background.stop()
        self.session.close()

    def watch_room_socket(self, room_id: int | str, on_activity: Callable[[Any], Any]) -> Any:
        """Watch a room over the websocket; ``on_activity`` runs on the watcher's thread."""
        key = str(room_id)
        watcher = RoomSocketWatcher(self, key, on_activity)
        watcher.on_websocket_closed = self.on_websocket_closed
        self.sockets[key] = watcher
        watcher.start()
        return watcher

    def watch_room_http(
        self, room_id: int | str, on_activity: Callable[[Any], Any], interval: float
    ) -> Any:
        """Watch a room by polling ``/events`` every ``interval`` seconds."""
        key = str(room_id)
        watcher = RoomPollingWatcher(self, key, on_activity, interval)
        self.polls[key] = watcher
        watcher.start()
        return watcher

    def set_websocket_recovery(self, on_ws_closed: Callable[[str], Any]) -> None:
        """Called with the room id when the transport gives up on a room's socket (it
        reconnects, and fills gaps, by itself before that)."""
        self.on_websocket_closed = on_ws_closed
        for watcher in self.sockets.values():
            watcher.on_websocket_closed = on_ws_closed


def _cookie_records(jar: Iterable[Any]) -> list[dict[str, Any]]:
    """The jar's cookies as plain records (the transport's cookie format)."""
    records = []
    for cookie in jar:
        records.append(
            {
                "name": cookie.name,
                "value": cookie.value,
                "domain": cookie.domain.lstrip("."),
                "path": cookie.path or "/",
                "secure": bool(cookie.secure),
                "httponly": bool(cookie.has_nonstandard_attr("HttpOnly")),
                "host_only": not cookie.domain_specified,
                "expires": cookie.expires,
            }
        )
    return records


_STOP: Any = object()
_ALIVE: Any = object()


class _Watcher:
    """One room's transport events -> classic activity frames, on a callback thread."""

    websocket = True

    def __init__(self, browser: Browser, room_id: int | str, on_activity: Callable[[Any], Any]):
        self.logger = logger.getChild(type(self).__name__)
        self.browser = browser
        self.room_id = str(room_id)
        self.on_activity = on_activity
        self.on_websocket_closed: Callable[[str], Any] | None = None
        self.killed = False
        self.thread: threading.Thread | None = None
        self._events: queue.Queue[Any] = queue.Queue()
        self._future: Any = None

    def _options(self) -> dict[str, Any]:
        return {"websocket": self.websocket}

    def _on_frame(self, frame: Any) -> None:
        if not frame.events:  # a keep-alive: shows the connection alive on a quiet room
            self._events.put(_ALIVE)

    def start(self) -> None:
        """Start watching; returns once the watcher listens (nothing after this is missed)."""
        connection = self.browser._watch_connection()
        background = self.browser._background
        options = self._options()

        async def open_watcher() -> Any:
            watcher = connection.watch(int(self.room_id), on_frame=self._on_frame, **options)
            await watcher.start()
            return watcher

        watcher = background.run(open_watcher())
        self._future = background.submit(self._pump(watcher))
        self.thread = threading.Thread(
            target=self._runner,
            name=f"ChatExchange: {type(self).__name__} for room #{self.room_id}",
            daemon=True,
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
        key = f"r{self.room_id}"
        while not self.killed:
            item = self._events.get()
            if item is _STOP:
                return
            if isinstance(item, BaseException):
                self.logger.warning("watching room %s failed: %s", self.room_id, item)
                if self.on_websocket_closed is not None and not self.killed:
                    self.on_websocket_closed(self.room_id)
                return
            if item is _ALIVE:
                frame: dict[str, Any] = {}
            else:
                batch = [item]
                while True:  # what arrived together goes out as one frame, like a socket frame
                    try:
                        more = self._events.get_nowait()
                    except queue.Empty:
                        break
                    if more is _STOP or more is _ALIVE or isinstance(more, BaseException):
                        self._events.put(more)
                        break
                    batch.append(more)
                frame = {"e": [event.raw for event in batch]}
                stamps = [e.raw["id"] for e in batch if e.raw.get("id") is not None]
                if stamps:
                    frame["t"] = max(stamps)
                    room = self.browser.rooms.get(self.room_id)
                    if room is not None:
                        room["eventtime"] = frame["t"]
            if self.killed:
                return
            try:
                self.on_activity({key: frame})
            except Exception:
                self.logger.exception("the event callback of room %s failed", self.room_id)

    def close(self) -> None:
        """Stop watching (the callback thread ends after the frame it is handling)."""
        self.killed = True
        for watchers in (self.browser.sockets, self.browser.polls):
            if watchers.get(self.room_id) is self:
                del watchers[self.room_id]
        if self._future is not None:
            self._future.cancel()
        self._events.put(_STOP)


class RoomSocketWatcher(_Watcher):
    """A room's events over the websocket (reconnects and gap filling are the transport's)."""


class RoomPollingWatcher(_Watcher):
    """A room's events by polling ``/events`` every ``interval`` seconds."""

    websocket = False

    def __init__(
        self,
        browser: Browser,
        room_id: int | str,
        on_activity: Callable[[Any], Any],
        interval: float,
    ) -> None:
        super().__init__(browser, room_id, on_activity)
        self.interval = interval

    def _options(self) -> dict[str, Any]:
        return {"websocket": False, "poll_interval": self.interval}
