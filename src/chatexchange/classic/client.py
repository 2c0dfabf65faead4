"""The classic ``Client``: the entry point of bots written for the classic ``chatexchange`` package.

Same names, same behaviour: ``Client(host, email=None, password=None)`` logs in when given
credentials; ``get_room``/``get_message``/``get_user`` hand out one shared object per id (kept
alive while used, plus the 5000 most recently handed out); ``get_me``; ``logout``. Messages,
edits and deletions go into ``_request_queue`` and a worker thread performs them in order. Unlike
the classic package, the worker does not sleep five seconds after every action: the transport
waits exactly as long as chat's throttle answers say, and retries.

With ``CHATEXCHANGE_DEVSERVER=http://127.0.0.1:PORT`` every host is served by that devserver.
"""

from __future__ import annotations

import collections
import logging
import queue
import threading
import weakref
from typing import Any

from .. import errors
from . import browser, messages, rooms, users

__all__ = ["ChatActionError", "Client"]

logger = logging.getLogger(__name__)

TOO_FAST_RE = r"You can perform this action again in (\d+) second"


class ChatActionError(errors.ChatExchangeError):
    """A queued chat action failed for good (the classic name)."""


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
        self._request_queue: queue.Queue[Any] = queue.Queue()
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
        # A client dropped without close() stops its browser. A finalizer, not __del__: it keeps
        # the browser reachable, so the collector never finalizes the aiohttp session (whose
        # __del__ would close the loop's sockets from a foreign thread) before it is closed.
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
        self, cls: type, id: int, instances: weakref.WeakValueDictionary, attrs: dict[str, Any]
    ) -> Any:
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

    def login(self, email: str, password: str) -> None:
        """Log in with a Stack Exchange account; blocks until the client is ready."""
        if self.logged_in:
            raise RuntimeError("already logged in")
        self.logger.info("Logging in.")
        self._br.login_site(self.host, email, password)
        self.logged_in = True
        self.logger.info("Logged in.")
        self._thread.start()

    def login_with_cookie(self, cookie_file: str) -> None:
        """Log in with cookies saved earlier (``client._br.save_cookies(path)``); raises
        LoginError when they no longer give a session."""
        if self.logged_in:
            raise RuntimeError("already logged in")
        if not self._br.login_with_cookies(cookie_file):
            raise browser.LoginError("the saved cookies give no session; log in again")
        self.logged_in = True
        self._thread.start()

    def logout(self) -> None:
        """Log out once every queued action is done; the client cannot be logged in again."""
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
        self._br.close()

    def close(self) -> None:
        """Log out if logged in, else stop the browser (its loop thread and its connection).

        Not in the classic package, whose clients never had a thread before logging in; ours
        reads through one, so an anonymous client that read something should be closed.
        Idempotent.
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

    def _do_action_despite_throttling(self, action: tuple[Any, ...]) -> Any:
        """Perform one queued action now; chat's answer as a response (``.json()``: the new
        message's ``{"id", "time"}``, or ``"ok"``, or why an edit or deletion had nothing to do).
        The transport waits out throttling; a duplicate message is padded and sent again."""
        kind, target, text = action
        if kind == "send" and text == self._previous:
            text = " " + text  # chat drops an exact repeat of your previous message
        for _ in range(5):
            try:
                if kind == "send":
                    response = self._br.send_message(target, text)
                    self._previous = text
                    if self.on_message_sent is not None:
                        self.on_message_sent(response.json()["id"], target)
                    return response
                if kind == "edit":
                    return self._br.edit_message(target, text)
                if kind == "delete":
                    return self._br.delete_message(target)
                raise ValueError(f"unknown chat action {kind!r}")
            except errors.DuplicateMessageError:
                text += " "
            except errors.RefusedError as error:
                # too late to edit or delete, deleting twice, editing a deleted message
                if isinstance(error, errors.EditWindowError) or "deleted" in str(error).lower():
                    self.logger.info("%s of message %s: %s", kind, target, error)
                    return self._br._answer(f"/messages/{int(target)}", str(error))
                raise ChatActionError(f"{kind} failed: {error}") from error
        raise ChatActionError(f"{kind} failed: the server kept refusing a repeated message")

    def _join_room(self, room_id: int) -> None:
        self._br.join_room(room_id)

    def _leave_room(self, room_id: int) -> None:
        self._br.leave_room(room_id)


def _close_soon(br: browser.Browser) -> None:
    """Close a dropped client's browser. The collector may run on any thread, the browser's own
    loop thread included (which cannot join itself), so a short-lived thread does it."""
    if br.running:
        threading.Thread(target=br.close, name="chatexchange-classic-close", daemon=True).start()
