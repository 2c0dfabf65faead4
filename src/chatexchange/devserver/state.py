"""The in-memory world of the devserver: servers, users, rooms, messages, sessions, event log.

Everything the HTTP layer does goes through :class:`ChatServer` methods, which are synchronous and
run on the event loop thread, so concurrent clients never see half-applied changes. Each server has
one global event-id counter (much larger than message ids, as on the real servers); each event is
stored once with its viewer-independent fields and rendered per viewer (``Event.render``).
"""

from __future__ import annotations

import bisect
import math
import secrets
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import orjson

from . import markdown

EDIT_WINDOW = 120.0
#: how long a kicked user may not talk in the room (the server's answer says "for 1 minute")
KICK_SECONDS = 60.0
MAX_SINGLE_LINE = 500
#: First message id and first event id of every server (event ids are much larger, like the real
#: ones).
FIRST_MESSAGE_ID = 10_001
FIRST_EVENT_ID = 50_000_001

SERVER_SLUGS = ("se", "so", "mse")


class Clock:
    """Wall-clock time plus an offset that tests can move forward (edit window, throttling,
    timestamps)."""

    def __init__(self, start: float | None = None) -> None:
        self._offset = 0.0 if start is None else start - time.time()

    def now(self) -> float:
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        self._offset += seconds

    def set(self, when: float) -> None:
        self._offset = when - time.time()


class Refusal(Exception):
    """An action the server refuses: ``status`` and ``text`` are what the HTTP answer carries."""

    def __init__(self, status: int, text: str, *, json_text: bool = False) -> None:
        super().__init__(text)
        self.status = status
        self.text = text
        #: True when the real server answers with a JSON string (edit/delete refusals), False for
        #: bare text.
        self.json_text = json_text


@dataclass(slots=True)
class User:
    id: int
    name: str
    email: str | None = None
    password: str | None = None
    is_moderator: bool = False
    reputation: int = 101
    about: str = ""
    parent_user_id: int | None = None
    created: float = 0.0
    last_seen: float | None = None
    last_post: float | None = None
    email_hash: str = ""
    #: a chat suspension lasts until then (unix seconds); writes are refused before it
    suspended_until: float = 0.0
    #: all-time activity before what the server holds (seeds of long-lived accounts): added to
    #: the profile's message and room counts
    past_messages: int = 0
    past_rooms: int = 0

    @property
    def slug(self) -> str:
        return markdown.slugify(self.name)

    def __repr__(self) -> str:  # never show the password
        return f"User(id={self.id}, name={self.name!r}, moderator={self.is_moderator})"


@dataclass(slots=True)
class Room:
    id: int
    name: str
    description: str = ""
    tags: list[str] = field(default_factory=list)
    owners: set[int] = field(default_factory=set)
    frozen: bool = False
    deleted: bool = False
    #: "public" (anyone may talk), "gallery" (read-only unless granted), "private" (invisible
    #: unless granted)
    access: str = "public"
    created: float = 0.0
    #: user id → "read-only" | "read-write" | "owner" (explicit grants)
    acl: dict[int, str] = field(default_factory=dict)
    #: users present in the room → time they entered
    present: dict[int, float] = field(default_factory=dict)
    favorites: set[int] = field(default_factory=set)
    #: kicked users -> until when they may not talk (unix seconds)
    kicked: dict[int, float] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return markdown.slugify(self.name)


@dataclass(slots=True)
class Revision:
    time: float
    user_id: int
    source: str
    html: str


@dataclass(slots=True)
class Message:
    id: int
    room_id: int
    user_id: int
    source: str
    html: str
    time: float
    parent_id: int | None = None
    show_parent: bool = False
    edits: int = 0
    revisions: list[Revision] = field(default_factory=list)
    deleted: bool = False
    deleted_by: int | None = None
    stars: set[int] = field(default_factory=set)
    pinners: set[int] = field(default_factory=set)
    flaggers: set[int] = field(default_factory=set)
    #: order of insertion, the tie-break for equal timestamps
    seq: int = 0

    @property
    def star_count(self) -> int:
        return len(self.stars)


@dataclass(slots=True)
class Bookmark:
    """A bookmarked conversation: messages ``first_id``..``last_id`` of a room, under a title."""

    room_id: int
    slug: str
    title: str
    first_id: int
    last_id: int
    user_id: int
    created: float


@dataclass(slots=True)
class Event:
    """One entry of the event log.

    ``fields`` is what every viewer gets; ``actor_fields`` is added for the acting user only (type
    6 star events); ``targets`` restricts delivery to some users (8, 16, 17, 18); ``key_room`` is
    the room under whose key it is delivered (type 17 carries the invited room's id in
    ``room_id``).
    """

    id: int
    event_type: int
    room_id: int | None
    key_room: int
    time: int
    fields: dict[str, Any]
    actor_id: int | None = None
    actor_fields: dict[str, Any] | None = None
    targets: frozenset[int] | None = None
    _json: bytes | None = None

    def visible_to(self, viewer: int | None) -> bool:
        return self.targets is None or (viewer is not None and viewer in self.targets)

    def json(self, viewer: int | None) -> bytes:
        """The event as JSON for this viewer (the shared form is serialised once)."""
        if self.actor_fields and viewer is not None and viewer == self.actor_id:
            return orjson.dumps(self.render(viewer))
        if self._json is None:
            self._json = orjson.dumps(self.fields)
        return self._json

    def render(self, viewer: int | None) -> dict[str, Any]:
        if self.actor_fields and viewer is not None and viewer == self.actor_id:
            out = dict(self.fields)
            out.update(self.actor_fields)
            return out
        return self.fields


@dataclass(slots=True)
class Session:
    token: str = field(repr=False)  # the acct cookie and the fkey stay out of reprs
    user_id: int
    fkey: str = field(repr=False)
    created: float


@dataclass(slots=True)
class RateRule:
    """At most ``count`` writes per ``per`` seconds for one user (or all users when ``user_id`` is
    None)."""

    count: int
    per: float
    user_id: int | None = None


Listener = Callable[[Event], None]


class ChatServer:
    """One emulated chat server (``se``, ``so`` or ``mse``)."""

    def __init__(self, slug: str, clock: Clock) -> None:
        self.slug = slug
        self.clock = clock
        self.users: dict[int, User] = {}
        self.rooms: dict[int, Room] = {}
        self.messages: dict[int, Message] = {}
        self._room_msgs: dict[int, list[Message]] = {}
        self._room_keys: dict[int, list[tuple[float, int]]] = {}
        self.events: list[Event] = []
        self._room_events: dict[int, list[Event]] = {}
        self._room_event_ids: dict[int, list[int]] = {}
        self.sessions: dict[str, Session] = {}
        self.next_message_id = FIRST_MESSAGE_ID
        self.last_event_id = FIRST_EVENT_ID - 1
        self._seq = 0
        self.rate_rules: list[RateRule] = []
        self._write_log: dict[int, deque[float]] = {}
        self._listeners: list[Listener] = []
        #: (room id, slug) -> bookmarked conversation
        self.bookmarks: dict[tuple[int, str], Bookmark] = {}
        #: user id -> ids of the messages that mentioned or replied to them, oldest first
        self.mentions: dict[int, list[int]] = {}
        #: user id -> the part of ``mentions`` not acknowledged yet (``/messages/ack``)
        self.unread_mentions: dict[int, set[int]] = {}

    # ------------------------------------------------------------------ users, rooms, sessions

    def add_user(self, user_id: int, name: str, **kw: Any) -> User:
        kw.setdefault("created", self.clock.now() - 86400 * 400)
        kw.setdefault("email_hash", secrets.token_hex(16))
        user = User(user_id, name, **kw)
        self.users[user_id] = user
        return user

    def user_by_email(self, email: str) -> User | None:
        email = email.strip().lower()
        for user in self.users.values():
            if user.email and user.email.lower() == email:
                return user
        return None

    def add_room(self, room_id: int | None, name: str, **kw: Any) -> Room:
        if room_id is None:
            room_id = max(self.rooms, default=0) + 1
        kw.setdefault("created", self.clock.now() - 86400 * 30)
        room = Room(room_id, name, **kw)
        self.rooms[room_id] = room
        self._room_msgs.setdefault(room_id, [])
        self._room_keys.setdefault(room_id, [])
        return room

    def room(self, room_id: int) -> Room:
        room = self.rooms.get(room_id)
        if room is None or room.deleted:
            raise Refusal(404, "The room does not exist, or you do not have permission")
        return room

    def new_session(self, user_id: int) -> Session:
        session = Session(secrets.token_hex(16), user_id, secrets.token_hex(16), self.clock.now())
        self.sessions[session.token] = session
        return session

    # ------------------------------------------------------------------ events

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def emit(
        self,
        event_type: int,
        room: Room | None,
        fields: dict[str, Any],
        *,
        key_room: int | None = None,
        actor_id: int | None = None,
        actor_fields: dict[str, Any] | None = None,
        targets: Iterable[int] | None = None,
        room_fields: bool = True,
    ) -> Event:
        """Append an event to the log and hand it to the live listeners (websockets)."""
        self.last_event_id += 1
        now = int(self.clock.now())
        body: dict[str, Any] = {"event_type": event_type, "time_stamp": now}
        body.update(fields)
        body["id"] = self.last_event_id
        if room is not None and room_fields:
            body.setdefault("room_id", room.id)
            body.setdefault("room_name", room.name)
        # put the message fields where the real server does: after room fields
        for name in ("message_id", "parent_id", "show_parent", "message_edits", "message_stars"):
            if name in body:
                body[name] = body.pop(name)
        key = key_room if key_room is not None else (room.id if room is not None else 0)
        event = Event(
            self.last_event_id,
            event_type,
            room.id if room is not None else None,
            key,
            now,
            body,
            actor_id,
            actor_fields,
            frozenset(targets) if targets is not None else None,
        )
        self.events.append(event)
        self._room_events.setdefault(key, []).append(event)
        self._room_event_ids.setdefault(key, []).append(event.id)
        for listener in self._listeners:
            listener(event)
        return event

    def events_after(
        self,
        key_room: int,
        after: int,
        limit: int | None = None,
        *,
        oldest: int | None = None,
        through: int | None = None,
    ) -> list[Event]:
        """Events delivered under ``key_room`` with id > ``after`` (the newest ``limit`` when
        capped; or the ``oldest`` first ones; none after ``through``)."""
        events = self._room_events.get(key_room, [])
        ids = self._room_event_ids.get(key_room, [])
        start = bisect.bisect_right(ids, after)
        end = len(ids) if through is None else bisect.bisect_right(ids, through)
        if limit is not None and end - start > limit:
            start = end - limit
        if oldest is not None:
            end = min(end, start + oldest)
        return events[start:end]

    def user_notifications_after(
        self, user_id: int, after: int, through: int | None = None
    ) -> list[Event]:
        """Room-less personal events (type 16) for a user, id > ``after`` (and <= ``through``)."""
        return [e for e in self.events_after(0, after, through=through) if e.visible_to(user_id)]

    # ------------------------------------------------------------------ messages

    def _index(self, msg: Message) -> None:
        msgs = self._room_msgs.setdefault(msg.room_id, [])
        keys = self._room_keys.setdefault(msg.room_id, [])
        key = (msg.time, msg.seq)
        if not keys or key >= keys[-1]:
            keys.append(key)
            msgs.append(msg)
        else:
            at = bisect.bisect_right(keys, key)
            keys.insert(at, key)
            msgs.insert(at, msg)

    def store_message(
        self,
        room_id: int,
        user_id: int,
        source: str,
        when: float,
        *,
        message_id: int | None = None,
        html: str | None = None,
        parent_id: int | None = None,
        show_parent: bool = False,
    ) -> Message:
        """Insert a message without events or checks (seeds, generator, history)."""
        if message_id is None:
            message_id = self.next_message_id
        self.next_message_id = max(self.next_message_id, message_id + 1)
        self._seq += 1
        if html is None:
            html = markdown.render(source)
        msg = Message(
            message_id,
            room_id,
            user_id,
            source,
            html,
            when,
            parent_id=parent_id,
            show_parent=show_parent,
            seq=self._seq,
        )
        self.messages[message_id] = msg
        self._index(msg)
        user = self.users.get(user_id)
        if user is not None and (user.last_post is None or when > user.last_post):
            user.last_post = when
        return msg

    def room_messages(self, room_id: int) -> list[Message]:
        """Messages of a room in display order (timestamp, then insertion)."""
        return self._room_msgs.get(room_id, [])

    def room_messages_between(self, room_id: int, start: float, end: float) -> list[Message]:
        keys = self._room_keys.get(room_id, [])
        lo = bisect.bisect_left(keys, (start, -1))
        hi = bisect.bisect_left(keys, (end, -1))
        return self._room_msgs.get(room_id, [])[lo:hi]

    def message(self, message_id: int) -> Message:
        msg = self.messages.get(message_id)
        if msg is None:
            raise Refusal(404, "The message does not exist")
        return msg

    # ------------------------------------------------------------------ permissions and throttling

    def can_read(self, room: Room, user: User | None) -> bool:
        if room.access != "private":
            return True
        return user is not None and (
            user.is_moderator or user.id in room.acl or user.id in room.owners
        )

    def can_write(self, room: Room, user: User) -> bool:
        if user.is_moderator or user.id in room.owners:
            return True
        if room.kicked.get(user.id, 0.0) > self.clock.now():
            return False
        grant = room.acl.get(user.id)
        if grant in ("read-write", "owner"):
            return True
        if grant == "read-only":
            return False
        return room.access == "public"

    def is_owner(self, room: Room, user: User) -> bool:
        return user.is_moderator or user.id in room.owners or room.acl.get(user.id) == "owner"

    def check_rate(self, user: User) -> None:
        """Admit one write: refuse a suspended user (403), apply the rate rules (409 when a rule
        is exceeded)."""
        now = self.clock.now()
        if user.suspended_until > now:
            raise Refusal(403, "This account is temporarily suspended from chat")
        if not self.rate_rules:
            return
        log = self._write_log.setdefault(user.id, deque(maxlen=1000))
        wait = 0.0
        for rule in self.rate_rules:
            if rule.user_id is not None and rule.user_id != user.id:
                continue
            recent = [t for t in log if t > now - rule.per]
            if len(recent) >= rule.count:
                wait = max(wait, recent[-rule.count] + rule.per - now)
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            unit = "second" if seconds == 1 else "seconds"
            raise Refusal(409, f"You can perform this action again in {seconds} {unit}")
        log.append(now)

    # ------------------------------------------------------------------ actions

    def _message_fields(self, msg: Message, *, content: bool = True) -> dict[str, Any]:
        user = self.users.get(msg.user_id)
        out: dict[str, Any] = {}
        if content and not msg.deleted:
            out["content"] = msg.html
        out["user_id"] = msg.user_id
        out["user_name"] = user.name if user else f"user{msg.user_id}"
        out["message_id"] = msg.id
        if msg.parent_id is not None:
            out["parent_id"] = msg.parent_id
            if msg.show_parent:
                out["show_parent"] = True
        if msg.edits:
            out["message_edits"] = msg.edits
        if msg.stars:
            out["message_stars"] = len(msg.stars)
        if msg.pinners:
            out["message_owner_stars"] = len(msg.pinners)
        return out

    def message_record(self, msg: Message) -> dict[str, Any]:
        """A message as ``mode=Messages`` history returns it: type 1, current state, no
        id/room_name."""
        out: dict[str, Any] = {"event_type": 1, "time_stamp": int(msg.time)}
        if not msg.deleted:
            out["content"] = msg.html
        user = self.users.get(msg.user_id)
        out["user_id"] = msg.user_id
        out["user_name"] = user.name if user else f"user{msg.user_id}"
        out["room_id"] = msg.room_id
        out["message_id"] = msg.id
        if msg.parent_id is not None:
            out["parent_id"] = msg.parent_id
        if msg.edits:
            out["message_edits"] = msg.edits
        if msg.show_parent:
            out["show_parent"] = True
        if msg.stars:
            out["message_stars"] = len(msg.stars)
        if msg.pinners:
            out["message_owner_stars"] = len(msg.pinners)
        return out

    def _pingable(self, room: Room) -> dict[str, User]:
        """Users a ``@name`` in this room can reach: present now or posted there lately."""
        found: dict[str, User] = {}
        ids = set(room.present)
        for msg in self.room_messages(room.id)[-200:]:
            ids.add(msg.user_id)
        for uid in ids:
            user = self.users.get(uid)
            if user is not None:
                found[markdown.mention_key(user.name)] = user
        return found

    def _resolve_mentions(self, room: Room, text: str, author: User) -> list[User]:
        if "@" not in text:
            return []
        pingable = self._pingable(room)
        hits: list[User] = []
        for name in markdown.mentions(text):
            key = markdown.mention_key(name)
            user = pingable.get(key)
            if user is None and len(key) >= 3:
                user = next((u for k, u in pingable.items() if k.startswith(key)), None)
            if user is not None and user.id != author.id and user not in hits:
                hits.append(user)
        return hits

    def _render(self, text: str) -> tuple[Message | None, str]:
        """The parent an explicit ``:id`` reply points to (None if it is not one) and the
        content HTML."""
        parent_id, rest = markdown.split_reply(text)
        parent = self.messages.get(parent_id) if parent_id is not None else None
        if parent is None:
            return None, markdown.render(text)
        author = self.users.get(parent.user_id)
        return parent, markdown.reply_html(author.name if author else "unknown", rest)

    def post(self, room_id: int, user: User, text: str) -> Message | None:
        """Post as ``user`` with every check and event of the real server; None = duplicate
        suppressed."""
        room = self.room(room_id)
        if not self.can_read(room, user):
            raise Refusal(404, "The room does not exist, or you do not have permission")
        if room.frozen:
            raise Refusal(404, "The room has been frozen; new messages cannot be added")
        if not self.can_write(room, user):
            raise Refusal(403, "The room does not exist, or you do not have permission")
        if not text or not text.strip():
            raise Refusal(400, "You must provide a message")
        if "\n" not in text and len(text) > MAX_SINGLE_LINE:
            raise Refusal(400, "The message is too long")
        previous = next(
            (m for m in reversed(self.room_messages(room_id)[-50:]) if m.user_id == user.id),
            None,
        )
        if previous is not None and not previous.deleted and previous.source == text:
            return None
        self.check_rate(user)

        parent, html = self._render(text)
        parent_id = parent.id if parent is not None else None
        show_parent = parent is not None
        mentioned = self._resolve_mentions(room, text, user)
        if parent is None and mentioned and text.startswith("@"):
            # a leading @ping is an implicit reply to the pinged user's latest message in the room
            target = mentioned[0]
            latest = next(
                (m for m in reversed(self.room_messages(room_id)[-200:]) if m.user_id == target.id),
                None,
            )
            if latest is not None:
                parent_id = latest.id
                parent = latest
        now = self.clock.now()
        msg = self.store_message(
            room_id, user.id, text, now, html=html, parent_id=parent_id, show_parent=show_parent
        )
        msg.revisions.append(Revision(now, user.id, text, html))
        user.last_seen = now
        if user.id not in room.present:
            self.enter(room, user)
        fields = self._message_fields(msg)
        reply_target = None
        if parent is not None and show_parent:
            # the reply notice goes to the parent's author, also when that is the poster (a bot
            # answering itself sees it, as on the real server); the inbox only counts others
            reply_target = parent.user_id
            if parent.user_id != user.id:
                self._mention(parent.user_id, msg)
            self.emit(
                18, room, {**fields, "target_user_id": parent.user_id}, targets=[parent.user_id]
            )
        for target in mentioned:
            if target.id == reply_target:
                continue
            self._mention(target.id, msg)
            self.emit(8, room, {**fields, "target_user_id": target.id}, targets=[target.id])
        self.emit(1, room, fields)
        return msg

    def _editable(self, msg: Message, user: User, verb: str) -> Room:
        room = self.room(msg.room_id)
        if msg.deleted:
            if verb == "edit":
                raise Refusal(
                    200, "The message has been deleted and cannot be edited", json_text=True
                )
            raise Refusal(200, "This message has already been deleted.", json_text=True)
        if msg.user_id != user.id and not user.is_moderator:
            raise Refusal(403, f"You can only {verb} your own messages", json_text=True)
        if not user.is_moderator and self.clock.now() - msg.time > EDIT_WINDOW:
            raise Refusal(200, f"It is too late to {verb} this message", json_text=True)
        if room.frozen:
            raise Refusal(404, "The room has been frozen; messages cannot be changed")
        return room

    def edit(self, message_id: int, user: User, text: str) -> None:
        msg = self.message(message_id)
        room = self._editable(msg, user, "edit")
        if not text or not text.strip():
            raise Refusal(400, "You must provide a message")
        if "\n" not in text and len(text) > MAX_SINGLE_LINE:
            raise Refusal(400, "The message is too long")
        self.check_rate(user)
        parent, html = self._render(text)
        if parent is not None:
            msg.parent_id, msg.show_parent = parent.id, True
        now = self.clock.now()
        msg.source, msg.html = text, html
        msg.edits += 1
        msg.revisions.append(Revision(now, user.id, text, html))
        fields = self._message_fields(msg)
        for target in self._resolve_mentions(room, text, self.users[msg.user_id]):
            self._mention(target.id, msg)
            self.emit(8, room, {**fields, "target_user_id": target.id}, targets=[target.id])
        self.emit(2, room, fields)

    def delete(self, message_id: int, user: User) -> None:
        msg = self.message(message_id)
        room = self._editable(msg, user, "delete")
        self.check_rate(user)
        msg.deleted = True
        msg.deleted_by = user.id
        fields = self._message_fields(msg, content=False)
        fields.pop("message_stars", None)
        fields.pop("message_owner_stars", None)
        fields.pop("parent_id", None)
        fields.pop("show_parent", None)
        self.emit(10, room, fields)

    def _star_event(self, msg: Message, room: Room, user: User, *, pin: bool, on: bool) -> None:
        fields: dict[str, Any] = {"content": msg.html, "message_id": msg.id}
        if msg.stars:
            fields["message_stars"] = len(msg.stars)
        if msg.pinners:
            fields["message_owner_stars"] = len(msg.pinners)
        actor: dict[str, Any] = {"user_id": user.id, "user_name": user.name}
        if user.id in msg.stars:
            actor["message_starred"] = True
        if user.id in msg.pinners:
            actor["message_owner_starred"] = True
        self.emit(6, room, fields, actor_id=user.id, actor_fields=actor)

    def _starrable(self, message_id: int) -> tuple[Message, Room]:
        msg = self.message(message_id)
        room = self.room(msg.room_id)
        if msg.deleted:
            raise Refusal(404, "The message does not exist")
        if room.frozen:
            raise Refusal(404, "The room has been frozen; messages cannot be changed")
        return msg, room

    def star(self, message_id: int, user: User) -> None:
        """Toggle the user's star."""
        msg, room = self._starrable(message_id)
        if msg.user_id == user.id:
            raise Refusal(403, "You can't star your own message", json_text=True)
        self.check_rate(user)
        on = user.id not in msg.stars
        if on:
            msg.stars.add(user.id)
        else:
            msg.stars.discard(user.id)
        self._star_event(msg, room, user, pin=False, on=on)

    def pin(self, message_id: int, user: User, *, toggle: bool = True, on: bool = True) -> None:
        """Toggle (``/owner-star``) or set the pin; room owners and moderators only."""
        msg, room = self._starrable(message_id)
        if not self.is_owner(room, user):
            raise Refusal(403, "Only room owners can pin messages", json_text=True)
        self.check_rate(user)
        if toggle:
            on = not msg.pinners
        if on:
            msg.pinners.add(user.id)
            msg.stars.add(user.id)
        else:
            msg.pinners.clear()
        self._star_event(msg, room, user, pin=True, on=on)

    def unpin(self, message_id: int, user: User) -> None:
        """``/unowner-star``: a room owner removes the pin (the stars stay)."""
        msg, room = self._starrable(message_id)
        if not self.is_owner(room, user):
            raise Refusal(403, "Only room owners can unpin messages", json_text=True)
        if not msg.pinners:
            raise Refusal(200, "This message is not pinned", json_text=True)
        self.check_rate(user)
        msg.pinners.clear()
        self._star_event(msg, room, user, pin=True, on=False)

    def clear_stars(self, message_id: int, user: User) -> None:
        """``/unstar``: a room owner removes every star and pin."""
        msg, room = self._starrable(message_id)
        if not self.is_owner(room, user):
            raise Refusal(403, "Only room owners can clear stars", json_text=True)
        self.check_rate(user)
        msg.stars.clear()
        msg.pinners.clear()
        self._star_event(msg, room, user, pin=True, on=False)

    def enter(self, room: Room, user: User) -> None:
        if user.id in room.present:
            return
        room.present[user.id] = self.clock.now()
        user.last_seen = self.clock.now()
        self.emit(3, room, {"user_id": user.id, "target_user_id": user.id, "user_name": user.name})

    def leave(self, room: Room, user: User) -> None:
        if room.present.pop(user.id, None) is None:
            return
        self.emit(4, room, {"user_id": user.id, "target_user_id": user.id, "user_name": user.name})

    def set_access(self, room: Room, actor: User, target: User, access: str) -> None:
        """``/rooms/setuseraccess``: read-only, read-write, owner or remove (back to the
        default)."""
        if not self.is_owner(room, actor):
            raise Refusal(403, "You do not have permission to change access in this room")
        if access == "remove":
            room.acl.pop(target.id, None)
            room.owners.discard(target.id)
            text = "Access now (default)"
        elif access in ("read-only", "read-write", "owner"):
            room.acl[target.id] = access
            if access == "owner":
                room.owners.add(target.id)
            else:
                room.owners.discard(target.id)
            text = {
                "read-only": "Access now read-only",
                "read-write": "Access now read-write",
                "owner": "Access now owner",
            }[access]
        else:
            raise Refusal(400, "Unknown access level")
        self.emit(
            15,
            room,
            {
                "content": text,
                "user_id": actor.id,
                "target_user_id": target.id,
                "user_name": actor.name,
            },
        )

    def kick(self, room: Room, actor: User, target: User) -> None:
        """Kick-mute: the user leaves (4) and may not talk for ``KICK_SECONDS`` (15 says
        read-only); their own grant, if any, is back after that."""
        if not self.is_owner(room, actor):
            raise Refusal(403, "You do not have permission to kick users from this room")
        room.present.pop(target.id, None)
        self.emit(
            4, room, {"user_id": target.id, "target_user_id": target.id, "user_name": target.name}
        )
        room.kicked[target.id] = self.clock.now() + KICK_SECONDS
        self.emit(
            15,
            room,
            {
                "content": "Access now read-only",
                "user_id": actor.id,
                "target_user_id": target.id,
                "user_name": actor.name,
            },
        )

    def request_access(self, room: Room, user: User) -> None:
        """A user asks for write access to a gallery room: 15 to the room, 16 to its owners."""
        self.emit(
            15,
            room,
            {
                "content": "Access now request",
                "user_id": user.id,
                "target_user_id": user.id,
                "user_name": user.name,
            },
        )
        for owner_id in sorted(room.owners):
            content = (
                f'<a href="/users/{user.id}/{user.slug}">{markdown.escape(user.name)}</a> has '
                f'requested access to <a href="/rooms/info/{room.id}?tab=access">'
                f"{markdown.escape(room.name)}</a>."
            )
            self.emit(
                16,
                None,
                {
                    "content": content,
                    "user_id": user.id,
                    "user_name": user.name,
                    "target_user_id": owner_id,
                },
                key_room=0,
                targets=[owner_id],
            )

    def invite(self, from_room: Room, actor: User, target: User, to_room: Room) -> None:
        """Type 17, delivered under the current room's key with the invited room's id and name."""
        content = (
            f"{markdown.escape(actor.name)} has invited you to join "
            f'<a href="/rooms/{to_room.id}/{to_room.slug}" title="{markdown.escape(to_room.name)}">'
            f"{markdown.escape(to_room.name)}</a>. See your "
            '<a href="/rooms?tab=invited">invitations</a>.'
        )
        self.emit(
            17,
            to_room,
            {
                "content": content,
                "user_id": actor.id,
                "user_name": actor.name,
                "target_user_id": target.id,
            },
            key_room=from_room.id,
            targets=[target.id],
        )

    def rename_room(
        self,
        room: Room,
        actor: User,
        name: str | None,
        description: str | None,
        tags: list[str] | None,
    ) -> None:
        """Room name/description/tags changed: type 5."""
        if not self.is_owner(room, actor):
            raise Refusal(403, "You do not have permission to edit this room")
        changes = []
        if name is not None and name != room.name:
            room.name = name
            changes.append(f"name: {name}")
        if description is not None and description != room.description:
            room.description = description
            changes.append(f"description: {description}")
        if tags is not None and tags != room.tags:
            room.tags = tags
            changes.append("tags: " + " ".join(tags))
        if changes:
            self.emit(
                5,
                room,
                {
                    "content": markdown.escape("; ".join(changes)),
                    "user_id": actor.id,
                    "user_name": actor.name,
                },
            )

    def move_messages(self, source: Room, actor: User, ids: list[int], target: Room) -> int:
        """Move messages (owners/moderators): 19 in the source, 20 in the target, a type-1
        notice."""
        if not self.is_owner(source, actor):
            raise Refusal(403, "You do not have permission to move messages")
        moved = 0
        for mid in ids:
            msg = self.messages.get(mid)
            if msg is None or msg.room_id != source.id:
                continue
            fields = self._message_fields(msg)
            self.emit(19, source, {**fields, "moved": True})
            keys = self._room_keys[source.id]
            msgs = self._room_msgs[source.id]
            at = msgs.index(msg)
            del keys[at], msgs[at]
            msg.room_id = target.id
            self._index(msg)
            self.emit(20, target, {**self._message_fields(msg), "moved": True})
            moved += 1
        if moved:
            plural = "message" if moved == 1 else "messages"
            text = f"→ {moved} {plural} moved to [{target.name}](/rooms/{target.id}/{target.slug})"
            notice_html = (
                f'&rarr; <a href="/transcript/{target.id}">{moved} {plural}</a> moved to '
                f'<a href="/rooms/{target.id}/{target.slug}">{markdown.escape(target.name)}</a>'
            )
            notice = self.store_message(
                source.id, actor.id, text, self.clock.now(), html=notice_html
            )
            self.emit(1, source, self._message_fields(notice))
        return moved

    def flag(self, message_id: int, user: User) -> None:
        """A spam/offensive flag: type 9 (no user fields), shown to moderators only.

        Chat offers no flag on your own message (room owners excepted) and one flag per user."""
        msg, room = self._starrable(message_id)
        if msg.user_id == user.id and not self.is_owner(room, user):
            raise Refusal(403, "You cannot flag your own message", json_text=True)
        if user.id in msg.flaggers:
            raise Refusal(200, "You have already flagged this message", json_text=True)
        self.check_rate(user)
        msg.flaggers.add(user.id)
        moderators = [u.id for u in self.users.values() if u.is_moderator]
        self.emit(
            9,
            room,
            {"content": msg.html, "message_id": msg.id, "message_flags": len(msg.flaggers)},
            targets=moderators,
        )

    # ------------------------------------------------------------------ bookmarks and mentions

    def add_bookmark(
        self, room: Room, user: User, first_id: int, last_id: int, title: str
    ) -> Bookmark:
        """``/conversation/new``: bookmark the messages ``first_id``..``last_id`` of a room."""
        if not self.can_read(room, user):
            raise Refusal(404, "The room does not exist, or you do not have permission")
        title = " ".join(title.split())
        if not title:
            raise Refusal(200, "Please give the conversation a title", json_text=True)
        first, last = self.messages.get(first_id), self.messages.get(last_id)
        if first is None or last is None or first.room_id != room.id or last.room_id != room.id:
            raise Refusal(200, "Both messages must be in this room", json_text=True)
        if first_id > last_id:
            first_id, last_id = last_id, first_id
        base = markdown.slugify(title).strip("-") or "conversation"
        slug, n = base, 1
        while (room.id, slug) in self.bookmarks:
            n += 1
            slug = f"{base}-{n}"
        bookmark = Bookmark(room.id, slug, title, first_id, last_id, user.id, self.clock.now())
        self.bookmarks[(room.id, slug)] = bookmark
        return bookmark

    def delete_bookmark(self, room: Room, user: User, slug: str) -> None:
        """Delete a bookmark: its creator, a room owner or a moderator."""
        bookmark = self.bookmarks.get((room.id, slug))
        if bookmark is None:
            raise Refusal(404, "The conversation does not exist")
        if bookmark.user_id != user.id and not self.is_owner(room, user):
            raise Refusal(403, "You do not have permission to delete this conversation")
        del self.bookmarks[(room.id, slug)]

    def _mention(self, user_id: int, msg: Message) -> None:
        seen = self.mentions.setdefault(user_id, [])
        if msg.id not in seen:
            seen.append(msg.id)
        self.unread_mentions.setdefault(user_id, set()).add(msg.id)

    def ack_mentions(self, user: User, message_ids: Iterable[int]) -> None:
        """``/messages/ack``: the user has seen these mentions (unknown ids are ignored)."""
        self.unread_mentions.get(user.id, set()).difference_update(message_ids)

    def rename_user(self, user: User, name: str, rooms: Iterable[Room]) -> None:
        """Type 34 in every room the user is in, authored by Feeds (-2) as observed."""
        user.name = name
        for room in rooms:
            self.emit(34, room, {"user_id": -2, "user_name": "Feeds", "target_user_id": user.id})

    def suspend(self, user: User, actor: User, seconds: float | None) -> None:
        """A moderator suspends ``user`` from chat for ``seconds`` (None lifts the suspension):
        type 29, only to that user, with ``content`` "4 <json>" (added, ``new``) or "5 <json>"
        (removed, ``old``); the JSON inside is ours, the real one is not documented."""
        if not actor.is_moderator:
            raise Refusal(403, "Only moderators can suspend users")
        now = self.clock.now()
        if seconds is None:
            code, key, end = 5, "old", user.suspended_until
            user.suspended_until = 0.0
        else:
            code, key, end = 4, "new", now + seconds
            user.suspended_until = end
        content = f"{code} " + orjson.dumps({key: {"end": int(end)}}).decode()
        self.emit(
            29,
            None,
            {
                "content": content,
                "user_id": actor.id,
                "user_name": actor.name,
                "target_user_id": user.id,
            },
            key_room=0,
            targets=[user.id],
        )
