"""``ServerConnection``: everything the client layer does over the network with one chat server."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import re
import weakref
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from types import TracebackType
from typing import Any

from .. import _parser
from .. import _paths as paths
from .._rules import WriteTurns, check_message
from .._time import from_timestamp
from ..errors import ChatExchangeError, DuplicateMessageError, RefusedError, ServerError
from . import cookies as _cookies
from . import login as _login
from .actions import ActionQueue
from .session import HttpSession, Response, refusal_error

log = logging.getLogger("chatexchange.transport")
#: The start of a shortened long message, as transcripts and events show it.
_PARTIAL = re.compile(r"<(?:div|pre) class=['\"]partial['\"]>")


class ServerConnection:
    """One aiohttp session with one chat server (``se``, ``so`` or ``mse``).

    ``server_url`` (or ``CHATEXCHANGE_DEVSERVER``) points it at a devserver. Reads can be done
    anonymously; writes need :meth:`login` or :meth:`load_cookies` first. Use it as an async context
    manager, or call :meth:`close`.
    """

    def __init__(
        self,
        slug: str,
        *,
        server_url: str | None = None,
        user_agent: str | None = None,
        timeout: float = 30.0,
        retries: int = 3,
        throttle_retries: int = 5,
        throttle_margin: float = 0.25,
        max_throttle_wait: float = 120.0,
    ) -> None:
        self.http = HttpSession(
            slug, server_url, user_agent=user_agent, timeout=timeout, retries=retries
        )
        self.slug = slug
        self.endpoints = self.http.endpoints
        self._session: _parser.ChatSession | None = None
        self._watchers: weakref.WeakSet[Any] = weakref.WeakSet()
        self.actions = ActionQueue(
            self.http,
            self.fkey,
            self._refresh_fkey,
            throttle_retries=throttle_retries,
            throttle_margin=throttle_margin,
            max_throttle_wait=max_throttle_wait,
        )

    def __repr__(self) -> str:
        user = self._session.user_id if self._session is not None else None
        return (
            f"<ServerConnection {self.slug} {self.endpoints.chat} "
            f"logged_in={self.logged_in} user={user}>"
        )

    async def __aenter__(self) -> ServerConnection:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Stop every watcher of this connection, then close the HTTP session."""
        for watcher in list(self._watchers):
            await watcher.aclose()
        await self.http.close()

    # ----------------------------------------------------------------------------------------------
    # Session

    @property
    def logged_in(self) -> bool:
        """Whether the jar holds the ``acct`` cookie (it may still have expired server-side)."""
        return self.http.has_account_cookie()

    async def login(self, email: str, password: str) -> Any:
        """Log in and read the chat fkey and current user; returns the ChatSession."""
        self._session = None
        await _login.login(self.http, email, password)
        return await self.current_user(refresh=True)

    async def logout(self) -> None:
        """Log out on the login host and forget cookies and fkey."""
        try:
            await _login.logout(self.http)
        finally:
            self._session = None

    async def save_cookies(self, path: str | os.PathLike[str]) -> int:
        """Write the session cookies to ``path`` (JSON, mode 0600). Returns how many were saved."""
        return _cookies.save_cookies(self.http.cookie_jar, path, self.slug)

    async def load_cookies(self, path: str | os.PathLike[str]) -> bool:
        """Load cookies saved by :meth:`save_cookies` and check them against the server.

        Returns True when they give a logged-in session (no login needed), False when the file is
        missing or the session has ended (the cookies are then dropped, so a login can follow).
        """
        try:
            records = _cookies.read_cookies(path, self.slug)
        except FileNotFoundError:
            return False
        return await self.resume(records)

    def session_records(self) -> list[dict[str, Any]]:
        """The session's cookies as plain records (for a session file; they are secrets)."""
        return _cookies.dump_jar(self.http.cookie_jar)

    async def resume(self, records: list[dict[str, Any]]) -> bool:
        """Put saved cookie records in the jar and check them against the server.

        True when they give a logged-in session; False (and an empty jar, so that a login can
        follow) when the server does not know the session any more.
        """
        jar = self.http.cookie_jar
        jar.clear()
        _cookies.load_jar(jar, records)
        self._session = None
        if not self.http.has_account_cookie():
            jar.clear()
            return False
        session = await self.current_user(refresh=True)
        if session.user_id is None:
            log.info("the saved session for %s was rejected; a login follows", self.slug)
            jar.clear()
            self._session = None
            return False
        return True

    async def current_user(self, *, refresh: bool = False) -> _parser.ChatSession:
        """The chat session of the favorite page: ``ChatSession(fkey, user_id, user_name)``.

        ``user_id`` is None for an anonymous visitor. Cached; ``refresh=True`` fetches it again.
        """
        if self._session is None or refresh:
            url = self.http.chat(paths.FAVORITE)
            response = await self.http.get(url, what="favorite page")
            self._session = _parser.parse_favorite(response.body, response.url)
        return self._session

    async def fkey(self) -> str:
        """The chat fkey (from the favorite page, cached until the server refuses it)."""
        session = await self.current_user()
        return session.fkey

    async def _refresh_fkey(self) -> str:
        session = await self.current_user(refresh=True)
        return session.fkey

    # ----------------------------------------------------------------------------------------------
    # Reads

    async def get_page(self, path: str, params: Mapping[str, Any] | None = None) -> bytes:
        """GET a chat page (path relative to the chat root); failures become ``errors`` classes."""
        response = await self.http.get(self.http.chat(path), params=params, what=f"GET {path}")
        return response.body

    async def post_form(self, path: str, data: Mapping[str, Any] | None = None) -> Any:
        """POST a form with the fkey outside the write queue (reads such as ``/user/info``).

        Returns the unpacked answer (JSON or text). A refused fkey is refreshed and retried once.
        """
        url = self.http.chat(path)
        response = await self._post_with_fkey(url, data or {}, what=f"POST {path}")
        return response.unpack()

    async def _post_with_fkey(
        self, url: str, data: Mapping[str, Any], *, what: str, max_bytes: int | None = None
    ) -> Response:
        # The write queue's rules without its throttle waits: a read is not worth waiting for.
        turns = WriteTurns(what, url, throttle_retries=0)
        while True:
            form = dict(data)
            form["fkey"] = await self.fkey()
            response = await self.http.request(
                "POST", url, data=form, what=what, max_bytes=max_bytes
            )
            if response.status < 300:
                return response
            # Raises for a refusal; what it lets through is the one fkey refresh.
            turns.step(response.status, response.body, response.headers.get("Retry-After"))
            await self._refresh_fkey()

    async def room_info(self, room_id: int) -> Any:
        """``/rooms/info/<room>``: a ``RoomInfo`` (description, tags, owners, current users)."""
        response = await self.http.get(self.http.chat(paths.room_info(room_id)), what="room info")
        return _parser.parse_room_info(response.body, response.url)

    async def user_profile(self, user_id: int) -> Any:
        """``/users/<id>``: a ``UserProfile``."""
        url = self.http.chat(paths.user_profile(user_id))
        response = await self.http.get(url, what="user profile")
        return _parser.parse_user_profile(response.body, response.url)

    async def room_events(
        self, room_id: int, since: int = 0, msg_count: int = 100, *, mode: str = "Messages"
    ) -> Any:
        """``POST /chats/<room>/events``: the latest messages and the event cursor ``time``.

        Also marks the user as present in the room (this is how clients "join").
        """
        url = self.http.chat(paths.room_events(room_id))
        data = {"since": int(since), "mode": mode, "msgCount": int(msg_count)}
        response = await self._post_with_fkey(url, data, what="room events")
        return _parser.parse_events_response(response.body, response.url)

    async def poll_events(
        self, cursors: Mapping[int, int], *, max_bytes: int | None = None
    ) -> Any:
        """``POST /events`` with ``r<room>=<t>`` per room: one RoomFrame per room that answered.
        An answer longer than ``max_bytes`` raises ``AnswerTooLarge`` unread."""
        url = self.http.chat(paths.POLL)
        data = {f"r{int(room)}": int(t) for room, t in cursors.items()}
        response = await self._post_with_fkey(url, data, what="poll events", max_bytes=max_bytes)
        return _parser.parse_ws_frame(response.body, response.url)

    async def ws_auth(self, room_id: int) -> str:
        """``POST /ws-auth``: the websocket URL for the room (it bears a token: do not log it)."""
        url = self.http.chat(paths.WS_AUTH)
        response = await self._post_with_fkey(url, {"roomid": int(room_id)}, what="ws-auth")
        value = response.unpack()
        if not isinstance(value, dict) or not isinstance(value.get("url"), str):
            raise ServerError(f"ws-auth answer has no 'url' ({response.url})")
        socket_url: str = value["url"]
        return socket_url

    async def transcript(
        self,
        room_id: int,
        date: date | None = None,
        hours: tuple[int, int] | None = None,
    ) -> Any:
        """A transcript page: the latest day, a given day, or an hour slice ``(h0, h1)`` of it."""
        return await self.transcript_page(await self.transcript_response(room_id, date, hours))

    async def transcript_response(
        self, room_id: int, date: date | None = None, hours: tuple[int, int] | None = None
    ) -> Response:
        """A transcript page as it arrived, not parsed yet (see :meth:`transcript_page`)."""
        path = paths.transcript(room_id)
        if date is not None:
            path += f"/{date.year}/{date.month}/{date.day}"
            if hours is not None:
                path += f"/{int(hours[0])}-{int(hours[1])}"
        elif hours is not None:
            raise ValueError("an hour slice needs a date")
        return await self.http.get(self.http.chat(path), what="transcript")

    async def transcript_page(
        self, response: Response, on_next_day: Callable[[date | None], Any] | None = None
    ) -> Any:
        """The transcript page of ``response``, shortened messages completed.

        ``on_next_day`` is called with the page's "next day" link as soon as the parser has read
        it, before the messages (most of the work); a request it starts goes out meanwhile."""
        reader = _parser.TranscriptReader(response.body, response.url)
        if on_next_day is not None:
            on_next_day(reader.next_day)
            await asyncio.sleep(0)  # one turn of the loop: the request it started is sent
        return await self._full_texts(reader.page())

    async def message_transcript(self, message_id: int) -> Any:
        """``/transcript/message/<id>``: the transcript page holding that message."""
        response = await self.http.get(
            self.http.chat(paths.message_transcript(message_id)), what="transcript"
        )
        return await self._full_texts(_parser.parse_transcript(response.body, response.url))

    async def message_html(self, message_id: int) -> tuple[str, str]:
        """``/message/<id>``: the full content of a message as ``(html, text)``."""
        response = await self.http.get(
            self.http.chat(paths.message_text(message_id)), what="message text"
        )
        return _parser.parse_message_html(response.body, response.url)

    async def full_event(self, event: Any) -> Any:
        """The event with its full message content if the server sent the shortened form.

        Long multi-line messages arrive as ``<div class='partial'>…`` (or ``<pre …>``) in events
        too; the full content is read from ``/message/<id>``. Any other event, or a failed read
        (logged), comes back unchanged.
        """
        content = getattr(event, "content", None)
        message_id = getattr(event, "message_id", None)
        if not content or message_id is None or not _PARTIAL.search(content[:200]):
            return event
        try:
            response = await self.http.get(
                self.http.chat(paths.message_text(message_id)), what="message text"
            )
            _parser.parse_message_html(response.body, response.url)  # an error page raises
        except ChatExchangeError as exc:
            log.warning("message %d: full text not read (%s)", message_id, type(exc).__name__)
            return event
        # the content as the server writes it in events, not re-serialized
        return dataclasses.replace(event, content=response.text.strip())

    async def _full_texts(self, page: Any) -> Any:
        """The page with every shortened message (``partial``) replaced by its full text.

        Transcripts show long multi-line messages cut short with a "see full text" link; each is
        fetched from ``/message/<id>``. When that fails (deleted meanwhile, network) the message
        keeps ``partial=True``, which the archive stores as an incomplete text.
        """
        if not any(m.partial and not m.deleted for m in page.messages):
            return page
        messages = []
        for message in page.messages:
            if message.partial and not message.deleted:
                try:
                    html, text = await self.message_html(message.id)
                except ChatExchangeError as exc:
                    log.warning(
                        "message %d: full text not read (%s); kept the transcript's shortened text",
                        message.id,
                        type(exc).__name__,
                    )
                else:
                    message = dataclasses.replace(
                        message, content_html=html, content_text=text, partial=False
                    )
            messages.append(message)
        return dataclasses.replace(page, messages=messages)

    # ----------------------------------------------------------------------------------------------
    # Writes (ordered queue)

    async def send(
        self, room_id: int, text: str, *, multiline: bool = False
    ) -> tuple[int, datetime]:
        """Post a message; returns ``(message_id, time)``.

        A single-line text over 500 characters is refused before sending (MessageTooLongError),
        unless ``multiline=True``: then it is sent as a multi-line message (a trailing newline is
        added), which the server accepts and shows truncated with a "see full text" link.
        """
        text = check_message(text, multiline=multiline)
        response = await self.actions.post(
            paths.send(room_id), {"text": text}, what="send"
        )
        value = response.unpack()
        if isinstance(value, str) and value.strip() and "json" not in response.content_type:
            # a refusal answered with HTTP 200 ("The room does not exist, or you do not have
            # permission"): its text says why
            raise refusal_error(response, "send")
        if not isinstance(value, dict) or "id" not in value:
            raise ServerError(f"send: unexpected answer ({response.url})")
        message_id, stamp = value.get("id"), value.get("time")
        if message_id is None:
            raise DuplicateMessageError(
                f"send to room {room_id}: the server suppressed a repeat of the previous message",
                "duplicate message",
            )
        if not isinstance(message_id, int) or not isinstance(stamp, (int, float)):
            raise ServerError(f"send: unexpected answer ({response.url})")
        return message_id, from_timestamp(stamp)

    async def edit(self, message_id: int, text: str, *, multiline: bool = False) -> None:
        """Replace a message's text (author only, within the 2-minute window)."""
        text = check_message(text, multiline=multiline)
        await self._ok(paths.edit(message_id), {"text": text}, "edit")

    async def delete(self, message_id: int) -> None:
        await self._ok(paths.message_action(message_id, "delete"), {}, "delete")

    async def star(self, message_id: int) -> None:
        """Toggle our star on a message (the server has no set/unset form)."""
        await self._ok(paths.message_action(message_id, "star"), {}, "star")

    async def pin(self, message_id: int) -> None:
        """Pin a message (room owners and moderators): the ``owner-star`` toggle."""
        await self._ok(paths.message_action(message_id, "owner-star"), {}, "pin")

    async def unpin(self, message_id: int) -> None:
        """Remove the pin (room owners): ``unowner-star``, not a toggle; the stars stay."""
        await self._ok(paths.message_action(message_id, "unowner-star"), {}, "unpin")

    async def clear_stars(self, message_id: int) -> None:
        """Remove every star of a message (room owners): ``/unstar``."""
        await self._ok(paths.message_action(message_id, "unstar"), {}, "clear stars")

    async def join(self, room_id: int, msg_count: int = 0) -> Any:
        """Enter a room (how clients join: ``/chats/<room>/events``); returns the EventsResponse."""
        data = {"since": 0, "mode": "Messages", "msgCount": int(msg_count)}
        response = await self.actions.post(
            paths.room_events(room_id), data, what=f"join room {room_id}"
        )
        return _parser.parse_events_response(response.body, response.url)

    async def leave(self, room_id: int) -> None:
        """Leave a room (``/chats/leave/<room>``, ``quiet=true``)."""
        await self.actions.post(
            paths.leave(room_id), {"quiet": "true"}, what=f"leave room {room_id}"
        )

    async def leave_all(self) -> None:
        await self.actions.post(paths.leave("all"), {"quiet": "true"}, what="leave all rooms")

    async def flag(self, message_id: int) -> None:
        """Flag a message as spam or offensive (once per user; not your own)."""
        await self._ok(paths.message_action(message_id, "flag"), {}, "flag")

    async def kick(self, room_id: int, user_id: int) -> str:
        """Kick-mute (room owners): the user leaves and cannot talk there for a while.

        Returns the server's sentence ("<name> has been kicked ...")."""
        response = await self.actions.post(
            paths.kick_mute(room_id), {"userID": int(user_id)}, what="kick"
        )
        value = response.unpack()
        if isinstance(value, str) and "kicked" in value.lower():
            return " ".join(value.split())
        if isinstance(value, str) and value.strip():
            raise refusal_error(response, "kick")
        raise ServerError(f"kick: unexpected answer ({response.url})")

    async def set_access(self, room_id: int, user_id: int, level: str) -> None:
        """``userAccess`` = ``read-only``, ``read-write``, ``owner`` or ``remove`` (the default).

        The chat page treats an empty answer as success and shows any text as the refusal."""
        response = await self.actions.post(
            paths.set_user_access(room_id),
            {"aclUserId": int(user_id), "userAccess": level},
            what="set access",
        )
        value = response.unpack()
        if value not in ("", "ok"):
            if isinstance(value, str):
                raise refusal_error(response, "set access")
            raise ServerError(f"set access: unexpected answer ({response.url})")

    async def move_messages(self, room_id: int, message_ids: Iterable[int], to_room: int) -> int:
        """Move messages out of ``room_id`` into ``to_room`` (owners); returns how many moved."""
        ids = ",".join(str(int(m)) for m in message_ids)
        if not ids:
            raise ValueError("no message ids to move")
        response = await self.actions.post(
            paths.move_posts(room_id), {"ids": ids, "to": int(to_room)}, what="move messages"
        )
        value = response.unpack()
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and value.strip():
                raise refusal_error(response, "move messages")
            raise ServerError(f"move messages: unexpected answer ({response.url})")
        return value

    async def bookmark(self, room_id: int, first_id: int, last_id: int, title: str) -> Any:
        """Bookmark the conversation ``first_id``..``last_id``; returns a ``BookmarkAnswer``."""
        if not title or not title.strip():
            raise RefusedError("a bookmark needs a title", "empty title")
        form = {
            "roomId": int(room_id),
            "firstMessageId": int(first_id),
            "lastMessageId": int(last_id),
            "title": title,
        }
        response = await self.actions.post(paths.BOOKMARK_NEW, form, what="bookmark")
        answer = _parser.parse_bookmark_answer(response.body, response.url)
        if isinstance(answer, str):
            raise refusal_error(response, "bookmark")
        return answer

    async def delete_bookmark(self, room_id: int, slug: str) -> None:
        await self._ok(paths.bookmark_delete(room_id, slug), {}, "delete bookmark")

    async def ack_mentions(self, message_ids: Iterable[int]) -> None:
        """Mark mentions as seen (``/messages/ack``, ``id`` = comma list)."""
        ids = ",".join(str(int(m)) for m in message_ids)
        if ids:
            await self.actions.post(paths.ACK_MENTIONS, {"id": ids}, what="acknowledge mentions")

    # ----------------------------------------------------------------------------------------------
    # Reads for the actions

    async def message_source(self, message_id: int) -> str:
        """The Markdown source of a message (``/message/<id>?plain=true``)."""
        url = self.http.chat(paths.message_text(message_id))
        response = await self.http.get(url, params={"plain": "true"}, what="message source")
        return str(_parser.parse_message_source(response.body, response.url))

    async def message_history(self, message_id: int) -> Any:
        """``/messages/<id>/history``: a ``MessageHistory`` (revisions, newest first)."""
        url = self.http.chat(paths.message_history(message_id))
        response = await self.http.get(url, what="message history")
        return _parser.parse_message_history(response.body, response.url)

    async def pingable(self, room_id: int) -> Any:
        """``/rooms/pingable/<room>``: the users a ``@name`` reaches (empty when anonymous)."""
        url = self.http.chat(paths.room_pingable(room_id))
        response = await self.http.get(url, what="pingable users")
        return _parser.parse_pingable(response.body, response.url)

    async def mentions(self, user_id: int) -> Any:
        """The replies tab of our own profile: ``Mention`` records, newest first."""
        url = self.http.chat(paths.user_profile(user_id))
        response = await self.http.get(url, params={"tab": "replies"}, what="mentions")
        return _parser.parse_mentions(response.body, response.url)

    async def _ok(self, path: str, data: Mapping[str, Any], what: str) -> None:
        response = await self.actions.post(path, data, what=what)
        value = response.unpack()
        if value != "ok":
            if isinstance(value, str) and value.strip():
                raise refusal_error(response, what)
            raise ServerError(f"{what}: unexpected answer ({response.url})")

    # ----------------------------------------------------------------------------------------------
    # Live events

    def watch(self, room_ids: Iterable[int] | int, **options: Any) -> Any:
        """Live events of the rooms as an async iterator (see :class:`Watcher` for the options)."""
        from .watch import Watcher

        watcher = Watcher(self, room_ids, **options)
        self._watchers.add(watcher)
        return watcher


__all__ = ["ServerConnection", "check_message"]



