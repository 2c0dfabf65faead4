"""The classic ``Client``: the entry point of bots written for the classic ``chatexchange`` package.

Same names, same behaviour: ``Client(host, email=None, password=None, send_aggressively=False)``
logs in when given credentials (``login`` returns the session's cookie jar, which
``login_with_cookie`` takes back); ``get_room``/``get_message``/``get_user`` hand out one shared
object per id (kept alive while used, plus the 5000 most recently handed out); ``get_me``;
``logout``. Messages, edits and deletions go into ``_request_queue`` and a worker thread performs
them in order, waiting out chat's throttle answers as ``chatexchange._rules`` reads them (the
same rules as the new API's write queue). Unlike the classic package, the worker does not sleep
five seconds after every action.

With ``CHATEXCHANGE_DEVSERVER=http://127.0.0.1:PORT`` every host is served by that devserver.
"""

from __future__ import annotations

import collections
import logging
import os
import queue
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import requests

from .. import _paths, _rules, errors
from . import browser, messages, rooms, users

__all__ = ["TOO_FAST_RE", "ChatActionError", "Client", "PeekableQueue"]

_T = TypeVar("_T")

#: The classic logger name (bots configure ``chatexchange.client``).
logger = logging.getLogger("chatexchange.client")

TOO_FAST_RE = r"You can perform this action again in (\d+) second"

#: Chat's answers to an edit or deletion that had nothing to do: not failures (as in classic).
_NOTHING_TO_DO = (
    "It is too late to delete this message",
    "It is too late to edit this message",
    "The message has been deleted and cannot be edited",
    "This message has already been deleted.",
)


class ChatActionError(errors.ChatExchangeError):
    """A queued chat action failed for good (the classic name)."""


class PeekableQueue(queue.Queue[Any]):
    """A ``queue.Queue`` whose newest item can be read (``peek_latest``) and replaced
    (``poke_latest``) while it waits: how ``send_aggressively`` merges messages."""

    def peek_latest(self) -> Any:
        """The item put last, still waiting (None when the queue is empty)."""
        with self.mutex:
            return self.queue[-1] if self.queue else None

    def poke_latest(self, oldvalue: Any, newvalue: Any) -> bool:
        """Replace the newest item with ``newvalue`` if it still is ``oldvalue``; whether it
        was."""
        with self.mutex:
            if self.queue and self.queue[-1] is oldvalue:
                self.queue[-1] = newvalue
                return True
            return False


class Client:
    """A high-level interface for one Stack Exchange chat host.

    ``logged_in``: whether this client is logged in; ``host``: the site (``stackexchange.com``,
    ``meta.stackexchange.com`` or ``stackoverflow.com``); ``on_message_sent``: called as
    ``on_message_sent(message_id, room_id)`` after each queued message is posted.
    """

    _max_recently_gotten_objects = 5000
    valid_hosts = ("stackexchange.com", "meta.stackexchange.com", "stackoverflow.com")

    def __init__(
        self,
        host: str = "stackexchange.com",
        email: str | None = None,
        password: str | None = None,
        send_aggressively: bool = False,
    ) -> None:
        self.logger = logger.getChild("Client")
        if (email or password) and not (email and password):
            raise ValueError("must specify both email and password or neither")
        if host not in self.valid_hosts:
            raise ValueError(f"invalid host: {host!r}")
        self._messages: weakref.WeakValueDictionary[int, messages.Message] = (
            weakref.WeakValueDictionary()
        )
        self._rooms: weakref.WeakValueDictionary[int, rooms.Room] = weakref.WeakValueDictionary()
        self._users: weakref.WeakValueDictionary[int, users.User] = weakref.WeakValueDictionary()
        self.host = host
        self.logged_in = False
        self.on_message_sent: Any = None
        self.aggressive_sender = send_aggressively
        self._request_queue: PeekableQueue = PeekableQueue()
        self._br = browser.Browser()
        self._br.host = host
        self._previous: str | None = None
        self._recently_gotten_objects: collections.deque[Any] = collections.deque(
            maxlen=self._max_recently_gotten_objects
        )
        self._requests_served = 0
        self._thread = threading.Thread(
            target=self._worker, name=f"ChatExchange: message_sender for chat.{host}", daemon=True
        )
        # A client dropped without close() stops its browser's watchers. A finalizer, not
        # __del__: it keeps the browser reachable, so the collector never finalizes the watchers'
        # aiohttp session (whose __del__ would close sockets from a foreign thread) first.
        self._finalizer = weakref.finalize(self, _close_soon, self._br)
        self._finalizer.atexit = False
        if email and password:
            try:
                self.login(email, password)
            except BaseException:
                self._br.close()  # a failed login must not leave the browser's loop thread behind
                raise

    def __repr__(self) -> str:
        return f"<classic Client {self.host} logged_in={self.logged_in}>"

    # -- objects ---------------------------------------------------------------------------------

    def get_message(self, message_id: int, **attrs_to_set: Any) -> messages.Message:
        """The Message with this id; keyword arguments are set as its attributes."""
        return self._get_and_set_deduplicated(
            messages.Message, message_id, self._messages, attrs_to_set
        )

    def get_room(self, room_id: int, **attrs_to_set: Any) -> rooms.Room:
        """The Room with this id; keyword arguments are set as its attributes."""
        return self._get_and_set_deduplicated(rooms.Room, room_id, self._rooms, attrs_to_set)

    def get_user(self, user_id: int, **attrs_to_set: Any) -> users.User:
        """The User with this id; keyword arguments are set as its attributes."""
        return self._get_and_set_deduplicated(users.User, user_id, self._users, attrs_to_set)

    def _get_and_set_deduplicated(
        self,
        cls: Callable[[int, Client], _T],
        id: int,
        instances: weakref.WeakValueDictionary[int, _T],
        attrs: dict[str, Any],
    ) -> _T:
        instance = instances.get(id)
        if instance is None:
            instance = cls(id, self)
            instances[id] = instance
        for key, value in attrs.items():
            setattr(instance, key, value)
        self._recently_gotten_objects.appendleft(instance)
        return instance

    def get_me(self) -> users.User:
        """The logged-in User."""
        user_id = self._br.user_id
        if user_id is None:
            raise errors.AuthRequiredError("not logged in: there is no current user")
        return self.get_user(user_id, name=self._br.user_name)

    # -- session ---------------------------------------------------------------------------------

    def login(self, email: str, password: str) -> Any:
        """Log in with a Stack Exchange account; blocks until the client is ready. Returns the
        session's cookie jar (``requests``): pickle it, and ``login_with_cookie`` it later."""
        if self.logged_in:
            raise RuntimeError("already logged in")
        self.logger.info("Logging in.")
        cookies = self._br.login_site(self.host, email, password)
        self.logged_in = True
        self.logger.info("Logged in.")
        self._thread.start()
        return cookies

    def login_with_cookie(self, cookie_jar: Any) -> None:
        """Log in with the cookie jar an earlier ``login`` returned (or a file written by
        ``client._br.save_cookies(path)``, given by its path). Raises ``browser.LoginError``
        when the cookies no longer give a session."""
        if self.logged_in:
            raise RuntimeError("already logged in")
        self.logger.info("Logging in with acct cookie.")
        if isinstance(cookie_jar, (str, os.PathLike)):
            cookie_jar = self._br.load_cookies(cookie_jar)
        self._br.login_site_with_cookie(self.host, cookie_jar)
        self.logged_in = True
        self.logger.info("Logged in (cookie).")
        self._thread.start()

    def logout(self) -> None:
        """Stop the watchers, and the worker once every queued action is done; the client cannot
        be logged in again. As in classic, the chat session itself stays valid (a cookie jar saved
        from ``login`` still logs in); ``client._br.logout()`` ends it."""
        if not self.logged_in:
            raise RuntimeError("not logged in")
        for watcher in [*self._br.sockets.values(), *self._br.polls.values()]:
            watcher.killed = True
            watcher.close()
        self._request_queue.put(SystemExit)
        self.logger.info("Logged out.")
        self.logged_in = False
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=60)
        self._br.close()  # as classic: the session stays valid (a saved cookie jar still works)

    def close(self) -> None:
        """``logout`` if logged in, else stop the browser (its background loop and session).

        Not in the classic package; ours watches rooms through a background loop, so an
        anonymous client that watched a room should be closed. Idempotent.
        """
        if self.logged_in:
            self.logout()
        else:
            self._br.close()

    def set_websocket_recovery(self, on_ws_closed: Any) -> None:
        self._br.set_websocket_recovery(on_ws_closed)

    def __del__(self) -> None:
        if getattr(self, "logged_in", False):
            self._request_queue.put(SystemExit)

    # -- the ordered write queue -----------------------------------------------------------------

    def _worker(self) -> None:
        self.logger.info("Worker thread reporting for duty.")
        while True:
            action = self._request_queue.get()
            if action is SystemExit:
                self.logger.info("Worker thread exits.")
                self._request_queue.task_done()
                return
            self._requests_served += 1
            self.logger.info("Now serving customer %d, %r", self._requests_served, action)
            try:
                self._do_action_despite_throttling(action)
            except Exception:
                self.logger.exception("chat action %r failed", action[0])
            finally:
                self._request_queue.task_done()

    # Kept for bots that read it; the worker waits as long as chat says, not this.
    _BACKOFF_ADDER = 5

    @staticmethod
    def _unpack_response(response: Any) -> Any:
        """Chat's answer: JSON if it is JSON, else the text."""
        try:
            return response.json()
        except ValueError:
            return response.text

    def _try_send(self, action_type: str, room_id: Any, message_id: Any, text: str) -> Any:
        """One attempt of an action; a 409 (throttled) answer is returned, not raised."""
        try:
            if action_type == "send":
                return self._br.send_message(room_id, text)
            if action_type == "edit":
                return self._br.edit_message(message_id, text)
            if action_type == "delete":
                return self._br.delete_message(message_id)
            raise ValueError(f"unknown chat action {action_type!r}")
        except requests.HTTPError as error:
            if error.response is not None and error.response.status_code == 409:
                return error.response
            raise

    def _do_action_despite_throttling(self, action: tuple[Any, ...]) -> Any:
        """Perform one queued action now and return chat's answer (a ``requests.Response``:
        ``.json()`` is the new message's ``{"id", "time"}``, or ``"ok"``, or why an edit or
        deletion had nothing to do).

        Throttle answers are waited out as chat says (``chatexchange._rules.WriteTurns``); a
        stale fkey is refreshed once; a repeated message is padded with spaces. Any other HTTP
        refusal raises ``requests.HTTPError`` (a frozen room, lost permission, a 502), other
        refusals ``ChatActionError``.
        """
        action_type, target, text = action
        room_id, message_id = (target, None) if action_type == "send" else (None, target)
        if text == self._previous:
            text = " " + text  # chat drops an exact repeat of your previous message
        path = {"send": _paths.send, "edit": _paths.edit}.get(action_type)
        url = self._br.chat_root + (
            path(target) if path else _paths.message_action(target, action_type)
        )
        turns = _rules.WriteTurns(action_type, url)
        while True:
            refused: requests.HTTPError | None = None
            try:
                response = self._try_send(action_type, room_id, message_id, text)
            except requests.HTTPError as error:
                if error.response is None:
                    raise
                refused, response = error, error.response
            try:
                step = turns.step(response.status_code, response.content,
                                  response.headers.get("Retry-After"))
            except errors.ChatExchangeError as error:
                if refused is not None:
                    raise refused  # an HTTP refusal stays requests.HTTPError, as in classic
                raise ChatActionError(f"{action_type} failed: {error}") from error
            if step.action == "wait":
                self.logger.debug("%s throttled, waiting %.1f seconds", action_type, step.seconds)
                time.sleep(step.seconds)
                continue
            if step.action == "refresh_fkey":
                self.logger.info("%s refused (HTTP %d); refreshing the fkey", action_type,
                                 response.status_code)
                del self._br.chat_fkey
                continue
            value = self._unpack_response(response)
            if isinstance(value, dict) and "id" in value and value["id"] is None:
                text += " "  # a duplicate of a recent message: pad it (Markdown ignores it)
                continue
            if isinstance(value, str) and value != "ok" and value not in _NOTHING_TO_DO:
                raise ChatActionError(f"{action_type} failed: {value[:200]}")
            if isinstance(value, str) and value != "ok":
                self.logger.info("%s of message %s: %s", action_type, target, value)
            self._previous = text
            sent = action_type == "send" and isinstance(value, dict)
            if sent and self.on_message_sent is not None:
                self.on_message_sent(value["id"], room_id)
            return response

    def _join_room(self, room_id: int) -> None:
        self._br.join_room(room_id)

    def _leave_room(self, room_id: int) -> None:
        self._br.leave_room(room_id)


def _close_soon(br: browser.Browser) -> None:
    """Close a dropped client's browser. The collector may run on any thread, the browser's own
    loop thread included (which cannot join itself), so a short-lived thread does it."""
    if br.running:
        threading.Thread(target=br.close, name="chatexchange-classic-close", daemon=True).start()
