"""The aiohttp application: every route of the three emulated servers, under ``/<slug>``."""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import orjson
from aiohttp import web

from . import pages
from .events import BACKLOG, MAX_BATCH, Connection, Hub, envelope, visible_events
from .markdown import escape
from .state import SERVER_SLUGS, ChatServer, Clock, Refusal, Room, Session, User
from .transcript import TranscriptIndex, build_view, day_of

SLUG_RE = "{slug:se|so|mse}"


@dataclass(slots=True)
class Failure:
    """A rule that makes matching requests fail (tests of error handling)."""

    pattern: re.Pattern[str]
    status: int
    body: bytes
    content_type: str
    times: int | None
    #: run the request first (its effect happens), then answer the failure: a lost answer
    applied: bool = False


@dataclass
class World:
    """Everything one devserver holds: the three servers, login bookkeeping, sockets, failure
    rules."""

    clock: Clock = field(default_factory=Clock)
    servers: dict[str, ChatServer] = field(default_factory=dict)
    hub: Hub = field(default_factory=Hub)
    transcripts: TranscriptIndex = field(default_factory=TranscriptIndex)
    failures: list[Failure] = field(default_factory=list)
    #: login-page fkeys handed out → when
    login_fkeys: dict[str, float] = field(default_factory=dict, repr=False)
    #: email → times of recent login attempts (captcha rule)
    login_attempts: dict[str, deque[float]] = field(default_factory=dict)
    captcha_until: dict[str, float] = field(default_factory=dict)
    #: all recent login POSTs (HTTP 429 rule)
    login_posts: deque[float] = field(default_factory=lambda: deque(maxlen=10_000))
    #: websocket tokens → (slug, room id, user id or None)
    ws_tokens: dict[str, tuple[str, int, int | None]] = field(default_factory=dict, repr=False)
    captcha_after: int = 5
    captcha_window: float = 60.0
    captcha_lock: float = 300.0
    http429_after: int = 30
    http429_window: float = 60.0
    heartbeat: float = 15.0
    transcript_page_size: int = 500
    #: most events of one room in an ``/events`` answer (the oldest after ``r<room>``; None:
    #: everything, in one answer)
    poll_page: int | None = MAX_BATCH

    def __post_init__(self) -> None:
        for slug in SERVER_SLUGS:
            if slug not in self.servers:
                self.servers[slug] = ChatServer(slug, self.clock)
            self.hub.attach(self.servers[slug])


WORLD = web.AppKey("world", World)


# ---------------------------------------------------------------------- helpers


def _world(request: web.Request) -> World:
    return request.app[WORLD]


def _server(request: web.Request) -> ChatServer:
    return _world(request).servers[request.match_info["slug"]]


def _session(request: web.Request, server: ChatServer) -> Session | None:
    token = request.cookies.get("acct")
    if not token:
        return None
    return server.sessions.get(token)


def _viewer(request: web.Request, server: ChatServer) -> tuple[User | None, str]:
    """The logged-in user (or None) and the fkey to put on the page (anonymous visitors get one
    too)."""
    session = _session(request, server)
    if session is None:
        return None, secrets.token_hex(16)
    return server.users.get(session.user_id), session.fkey


def _html(body: str, status: int = 200) -> web.Response:
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")


def _json(data: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, content_type="application/json")


def _text(text: str, status: int) -> web.Response:
    return web.Response(text=text, status=status, content_type="text/plain", charset="utf-8")


def _refusal(exc: Refusal) -> web.Response:
    if exc.json_text:
        return _json(exc.text, exc.status)
    return _text(exc.text, exc.status)


def _int(value: str | None, default: int | None = None) -> int | None:
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise web.HTTPBadRequest(text="bad number") from None


async def _writer(request: web.Request) -> tuple[ChatServer, User, Any]:
    """Check a write: logged in, and the form's fkey is the session's. Refusals are 403 + text."""
    server = _server(request)
    form = await request.post()
    session = _session(request, server)
    if session is None or session.user_id not in server.users:
        raise Refusal(403, "You must be logged in to perform this action")
    fkey = form.get("fkey")
    if not fkey or not secrets.compare_digest(str(fkey), session.fkey):
        raise Refusal(403, "The fkey is missing or invalid; reload the page and try again")
    return server, server.users[session.user_id], form


# ---------------------------------------------------------------------- middleware


@web.middleware
async def failures_mw(request: web.Request, handler: Any) -> web.StreamResponse:
    world = _world(request)
    for rule in list(world.failures):
        if rule.pattern.search(request.path):
            if rule.times is not None:
                rule.times -= 1
                if rule.times <= 0:
                    world.failures.remove(rule)
            if rule.applied:
                await _answer(request, handler)  # the server acts; its answer is lost
            if rule.status == 0:  # no answer at all: the connection drops
                if request.transport is not None:
                    request.transport.close()
                raise web.HTTPServiceUnavailable()  # never reaches the closed connection
            return web.Response(body=rule.body, status=rule.status, content_type=rule.content_type)
    return await _answer(request, handler)


async def _answer(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except Refusal as exc:
        return _refusal(exc)


# ---------------------------------------------------------------------- login host


async def login_get(request: web.Request) -> web.Response:
    world = _world(request)
    fkey = secrets.token_hex(32)
    world.login_fkeys[fkey] = world.clock.now()
    if len(world.login_fkeys) > 10_000:
        for old in list(world.login_fkeys)[:5000]:
            del world.login_fkeys[old]
    return _html(pages.login_page(request.match_info["slug"], fkey))


async def login_post(request: web.Request) -> web.StreamResponse:
    world = _world(request)
    slug = request.match_info["slug"]
    server = world.servers[slug]
    now = world.clock.now()
    form = await request.post()
    world.login_posts.append(now)
    recent = sum(1 for t in world.login_posts if t > now - world.http429_window)
    if recent > world.http429_after:
        return _text("Too Many Requests", 429)
    email = str(form.get("email", "")).strip().lower()
    password = str(form.get("password", ""))
    fkey = str(form.get("fkey", ""))
    attempts = world.login_attempts.setdefault(email, deque(maxlen=100))
    attempts.append(now)
    if world.captcha_until.get(email, 0) > now or (
        sum(1 for t in attempts if t > now - world.captcha_window) > world.captcha_after
    ):
        world.captcha_until[email] = max(
            world.captcha_until.get(email, 0), now + world.captcha_lock
        )
        raise web.HTTPFound(f"/{slug}/nocaptcha?s={secrets.token_hex(8)}")
    new_fkey = secrets.token_hex(32)
    world.login_fkeys[new_fkey] = now
    if world.login_fkeys.pop(fkey, None) is None:
        return _html(pages.login_page(slug, new_fkey, "Your login form expired; please try again."))
    user = server.user_by_email(email) if email else None
    if user is None or user.password != password:
        elsewhere = [
            u
            for s in world.servers.values()
            if s is not server
            for u in [s.user_by_email(email)]
            if u is not None and u.password == password
        ]
        if user is None and elsewhere:
            return _html(pages.no_account_page(slug, email, new_fkey))
        return _html(pages.login_page(slug, new_fkey, "The email or password is incorrect."))
    session = server.new_session(user.id)
    user.last_seen = now
    resp = web.HTTPFound(f"/{slug}/")
    resp.set_cookie("acct", session.token, path=f"/{slug}", httponly=True, samesite="Lax")
    resp.set_cookie("prov", secrets.token_hex(8), path=f"/{slug}", httponly=True)
    raise resp


async def signup_confirm(request: web.Request) -> web.StreamResponse:
    """The "create an account on this site" form of the no-account page."""
    world = _world(request)
    slug = request.match_info["slug"]
    server = world.servers[slug]
    form = await request.post()
    if world.login_fkeys.pop(str(form.get("fkey", "")), None) is None:
        return _text("The fkey is missing or invalid", 403)
    email = str(form.get("email", "")).strip().lower()
    source = next(
        (s.user_by_email(email) for s in world.servers.values() if s.user_by_email(email)), None
    )
    if source is None or server.user_by_email(email) is not None:
        return _html(pages.login_page(slug, secrets.token_hex(32), "Unknown account"))
    user_id = max((u for u in server.users if u > 0), default=0) + 1
    server.add_user(
        user_id,
        source.name,
        email=source.email,
        password=source.password,
        reputation=1,
        created=world.clock.now(),
    )
    raise web.HTTPFound(f"/{slug}/users/login")


async def captcha(request: web.Request) -> web.Response:
    return _html(pages.captcha_page(request.match_info["slug"]))


async def logout_get(request: web.Request) -> web.Response:
    world = _world(request)
    fkey = secrets.token_hex(32)
    world.login_fkeys[fkey] = world.clock.now()
    return _html(pages.login_page(request.match_info["slug"], fkey))


async def logout_post(request: web.Request) -> web.StreamResponse:
    server = _server(request)
    session = _session(request, server)
    if session is not None:
        server.sessions.pop(session.token, None)
    resp = web.HTTPFound(f"/{server.slug}/")
    resp.del_cookie("acct", path=f"/{server.slug}")
    raise resp


async def users_current(request: web.Request) -> web.StreamResponse:
    server = _server(request)
    viewer, _ = _viewer(request, server)
    if viewer is None:
        raise web.HTTPFound(f"/{server.slug}/users/login")
    raise web.HTTPFound(f"/{server.slug}/users/{viewer.id}/{viewer.slug}")


# ---------------------------------------------------------------------- chat pages


async def favorite_get(request: web.Request) -> web.Response:
    server = _server(request)
    viewer, fkey = _viewer(request, server)
    return _html(pages.favorite_page(server, viewer, fkey))


async def favorite_post(request: web.Request) -> web.StreamResponse:
    server, user, _ = await _writer(request)
    for room in server.rooms.values():
        if user.id in room.favorites and not room.deleted:
            server.enter(room, user)
    raise web.HTTPFound(f"/{server.slug}/")


def _page_size(request: web.Request, default: int) -> int:
    return max(1, min(100, _int(request.query.get("pageSize"), default) or default))


async def rooms_list(request: web.Request) -> web.Response:
    server = _server(request)
    viewer, fkey = _viewer(request, server)
    tab = request.query.get("tab", "all")
    rooms = [r for r in server.rooms.values() if not r.deleted and server.can_read(r, viewer)]
    if tab == "favorite":
        rooms = [r for r in rooms if viewer is not None and viewer.id in r.favorites]
    elif tab == "mine":
        rooms = [r for r in rooms if viewer is not None and viewer.id in r.owners]
    flt = request.query.get("filter", "").lower()
    if flt:
        rooms = [r for r in rooms if flt in r.name.lower()]
    sort = request.query.get("sort", "active")

    def last(r: Room) -> float:
        msgs = server.room_messages(r.id)
        return msgs[-1].time if msgs else r.created

    if sort == "people":
        rooms.sort(key=lambda r: (-len(r.present), r.id))
    elif sort == "created":
        rooms.sort(key=lambda r: -r.created)
    else:
        rooms.sort(key=lambda r: -last(r))
    size = _page_size(request, 20)
    pages_n = max(1, -(-len(rooms) // size))
    page = max(1, min(pages_n, _int(request.query.get("page"), 1) or 1))
    shown = rooms[(page - 1) * size : page * size]
    return _html(pages.rooms_list_page(server, shown, viewer, fkey, page, pages_n))


def _room_for(request: web.Request, server: ChatServer, viewer: User | None) -> Room:
    room = server.room(int(request.match_info["room"]))
    if not server.can_read(room, viewer):
        raise Refusal(404, "The room does not exist, or you do not have permission")
    return room


async def room_page(request: web.Request) -> web.Response:
    server = _server(request)
    viewer, fkey = _viewer(request, server)
    room = _room_for(request, server, viewer)
    return _html(pages.room_page(server, room, viewer, fkey))


async def room_info(request: web.Request) -> web.Response:
    server = _server(request)
    viewer, fkey = _viewer(request, server)
    room = _room_for(request, server, viewer)
    return _html(pages.room_info_page(server, room, viewer, fkey))


async def room_thumbs(request: web.Request) -> web.Response:
    server = _server(request)
    viewer, _ = _viewer(request, server)
    room = _room_for(request, server, viewer)
    usage = None
    if request.query.get("showUsage") == "true":
        usage = f"<div>{len(server.room_messages(room.id))} messages</div>"
    return _json(
        {
            "id": room.id,
            "name": room.name,
            "description": room.description,
            "isFavorite": viewer is not None and viewer.id in room.favorites,
            "usage": usage,
            "tags": pages.tags_html(server.slug, room.tags),
        }
    )


async def room_pingable(request: web.Request) -> web.Response:
    server = _server(request)
    viewer, _ = _viewer(request, server)
    room = _room_for(request, server, viewer)
    if viewer is None:
        return _json([])
    now = server.clock.now()
    seen: dict[int, float] = {}
    for msg in reversed(server.room_messages(room.id)):
        if msg.time < now - 14 * 86400:
            break
        seen.setdefault(msg.user_id, msg.time)
    for uid, t in room.present.items():
        seen.setdefault(uid, t)
    out = []
    for uid, t in seen.items():
        u = server.users.get(uid)
        if u is not None:
            out.append([u.id, u.name, int(u.last_seen or t), int(u.last_post or t)])
    return _json(out)


async def user_profile(request: web.Request) -> web.Response:
    server = _server(request)
    viewer, fkey = _viewer(request, server)
    user = server.users.get(int(request.match_info["user"]))
    if user is None:
        return _html(pages.error_page("User not found", "User not found"), 404)
    if request.query.get("tab") == "replies":
        return _html(pages.replies_page(server, user, viewer, fkey))
    return _html(pages.profile_page(server, user, viewer, fkey))


async def user_info(request: web.Request) -> web.Response:
    server = _server(request)
    form = await request.post()
    room_id = _int(str(form.get("roomId") or form.get("roomid") or ""), None)
    room = server.rooms.get(room_id) if room_id is not None else None
    out = []
    for part in str(form.get("ids", "")).split(","):
        if not part.strip().lstrip("-").isdigit():
            continue
        u = server.users.get(int(part))
        if u is None:
            continue
        out.append(
            {
                "id": u.id,
                "name": u.name,
                "email_hash": u.email_hash,
                "reputation": u.reputation,
                "is_moderator": u.is_moderator,
                "is_owner": True if room is not None and u.id in room.owners else None,
                "last_post": int(u.last_post) if u.last_post else None,
                "last_seen": int(u.last_seen) if u.last_seen else None,
            }
        )
    return _json({"users": out})


# ---------------------------------------------------------------------- transcript and messages


def _transcript(
    request: web.Request,
    room: Room,
    day: date | None,
    hours: tuple[int, int] | None,
    *,
    highlight: Any = None,
    latest: bool = False,
) -> web.Response:
    world = _world(request)
    server = _server(request)
    viewer, fkey = _viewer(request, server)
    view = build_view(
        server,
        world.transcripts,
        room,
        day,
        hours,
        world.transcript_page_size,
        highlight=highlight,
        latest=latest,
    )
    return _html(pages.transcript_page(server, view, viewer, fkey))


def _visible_message(
    request: web.Request, server: ChatServer, message_id: int, viewer: User | None
) -> Any:
    msg = server.messages.get(message_id)
    if msg is None:
        raise Refusal(404, "The message does not exist")
    room = server.rooms.get(msg.room_id)
    if room is None or not server.can_read(room, viewer):
        raise Refusal(404, "The message does not exist")
    return msg


async def transcript_latest(request: web.Request) -> web.Response:
    server = _server(request)
    viewer, _ = _viewer(request, server)
    room = _room_for(request, server, viewer)
    m = request.query.get("m")
    if m is not None and m.isdigit():
        msg = _visible_message(request, server, int(m), viewer)
        return _transcript(request, room, day_of(msg.time), None, highlight=msg)
    return _transcript(request, room, None, None, latest=True)


async def transcript_day(request: web.Request) -> web.Response:
    server = _server(request)
    viewer, _ = _viewer(request, server)
    room = _room_for(request, server, viewer)
    info = request.match_info
    try:
        day = date(int(info["y"]), int(info["m"]), int(info["d"]))
    except ValueError:
        raise Refusal(404, "No such day") from None
    hours = None
    if info.get("h0") is not None:
        hours = (int(info["h0"]), int(info["h1"]))
    return _transcript(request, room, day, hours)


async def transcript_message(request: web.Request) -> web.Response:
    server = _server(request)
    viewer, _ = _viewer(request, server)
    msg = _visible_message(request, server, int(request.match_info["msg"]), viewer)
    room = server.room(msg.room_id)
    return _transcript(request, room, day_of(msg.time), None, highlight=msg)


def _may_see_deleted(msg: Any, viewer: User | None) -> bool:
    return viewer is not None and (viewer.id == msg.user_id or viewer.is_moderator)


async def message_text(request: web.Request) -> web.Response:
    server = _server(request)
    viewer, _ = _viewer(request, server)
    msg = _visible_message(request, server, int(request.match_info["msg"]), viewer)
    if msg.deleted and not _may_see_deleted(msg, viewer):
        raise Refusal(404, "The message does not exist")
    if request.query.get("plain") == "true":
        return _text(msg.source, 200)
    return _html(msg.html)


async def message_plain(request: web.Request) -> web.Response:
    server = _server(request)
    viewer, _ = _viewer(request, server)
    msg = _visible_message(request, server, int(request.match_info["msg"]), viewer)
    if msg.room_id != int(request.match_info["room"]) or (
        msg.deleted and not _may_see_deleted(msg, viewer)
    ):
        raise Refusal(404, "The message does not exist")
    return _text(msg.source, 200)


async def message_history(request: web.Request) -> web.Response:
    server = _server(request)
    viewer, fkey = _viewer(request, server)
    msg = _visible_message(request, server, int(request.match_info["msg"]), viewer)
    if msg.deleted and not _may_see_deleted(msg, viewer):
        return _html(pages.error_page("Not found", "The message does not exist"), 404)
    return _html(pages.history_page(server, msg, viewer, fkey))


# ---------------------------------------------------------------------- actions


async def send(request: web.Request) -> web.Response:
    server, user, form = await _writer(request)
    room_id = int(request.match_info["room"])
    if room_id not in server.rooms or server.rooms[room_id].deleted:
        return _html(pages.error_page("Not found", "The room does not exist"), 404)
    msg = server.post(room_id, user, str(form.get("text", "")))
    if msg is None:
        return _json({"id": None, "time": None})
    return _json({"id": msg.id, "time": int(msg.time)})


async def edit(request: web.Request) -> web.Response:
    server, user, form = await _writer(request)
    server.edit(int(request.match_info["msg"]), user, str(form.get("text", "")))
    return _json("ok")


async def delete(request: web.Request) -> web.Response:
    server, user, _ = await _writer(request)
    server.delete(int(request.match_info["msg"]), user)
    return _json("ok")


async def star(request: web.Request) -> web.Response:
    server, user, _ = await _writer(request)
    server.star(int(request.match_info["msg"]), user)
    return _json("ok")


async def owner_star(request: web.Request) -> web.Response:
    server, user, _ = await _writer(request)
    server.pin(int(request.match_info["msg"]), user)
    return _json("ok")


async def unowner_star(request: web.Request) -> web.Response:
    server, user, _ = await _writer(request)
    server.unpin(int(request.match_info["msg"]), user)
    return _json("ok")


async def unstar(request: web.Request) -> web.Response:
    server, user, _ = await _writer(request)
    server.clear_stars(int(request.match_info["msg"]), user)
    return _json("ok")


async def flag(request: web.Request) -> web.Response:
    server, user, _ = await _writer(request)
    server.flag(int(request.match_info["msg"]), user)
    return _json("ok")


async def ack_mentions(request: web.Request) -> web.Response:
    """``/messages/ack``: ``id`` is one message id or a comma list (the chat page sends both)."""
    server, user, form = await _writer(request)
    ids = [int(x) for x in str(form.get("id", "")).split(",") if x.strip().isdigit()]
    server.ack_mentions(user, ids)
    return _json("ok")


async def conversation_new(request: web.Request) -> web.Response:
    """``/conversation/new``: ``{"ok": true, "message": <html>}``, or a JSON string saying why
    not (the chat page shows either)."""
    server, user, form = await _writer(request)
    room = server.room(_int(str(form.get("roomId", "") or ""), 0) or 0)
    bookmark = server.add_bookmark(
        room,
        user,
        _int(str(form.get("firstMessageId", "") or ""), 0) or 0,
        _int(str(form.get("lastMessageId", "") or ""), 0) or 0,
        str(form.get("title", "")),
    )
    link = (
        f'<a href="/rooms/{room.id}/conversation/{bookmark.slug}">'
        f"{escape(bookmark.title)}</a>"
    )
    return _json({"ok": True, "message": f"The conversation {link} has been bookmarked."})


async def conversation_delete(request: web.Request) -> web.Response:
    server, user, _ = await _writer(request)
    room = server.room(int(request.match_info["room"]))
    server.delete_bookmark(room, user, request.match_info["cslug"])
    return _json("ok")


async def leave(request: web.Request) -> web.Response:
    server, user, _ = await _writer(request)
    which = request.match_info["room"]
    if which == "all":
        for room in list(server.rooms.values()):
            server.leave(room, user)
    else:
        server.leave(server.room(int(which)), user)
    return _json("ok")


async def room_events(request: web.Request) -> web.Response:
    """``/chats/<room>/events``: history (``mode=Messages``) or the event log since ``since``."""
    started = time.perf_counter()
    server = _server(request)
    form = await request.post()
    session = _session(request, server)
    viewer = server.users.get(session.user_id) if session is not None else None
    room = _room_for(request, server, viewer)
    if (
        viewer is not None
        and session is not None
        and secrets.compare_digest(str(form.get("fkey", "")), session.fkey)
    ):
        server.enter(room, viewer)
    count = max(0, min(500, _int(str(form.get("msgCount", "") or ""), 100) or 0))
    mode = str(form.get("mode", "Messages")).lower()
    since = _int(str(form.get("since", "") or ""), 0) or 0
    before = _int(str(form.get("before", "") or ""), None)
    if mode == "messages":
        msgs = server.room_messages(room.id)
        if before is not None:
            msgs = [m for m in msgs if m.id < before]
        chosen = msgs[-count:] if count else []
        events = [server.message_record(m) for m in chosen]
    else:
        vid = viewer.id if viewer is not None else None
        chosen_ev = visible_events(server, room.id, vid, since, count)
        chosen_ev = chosen_ev[-count:] if count else []
        events = [e.render(vid) for e in chosen_ev]
    ms = int((time.perf_counter() - started) * 1000)
    return _json(
        {"events": events, "time": server.last_event_id, "sync": int(server.clock.now()), "ms": ms}
    )


async def poll_events(request: web.Request) -> web.Response:
    """``/events``: ``r<room>=<t>`` for each watched room → one envelope per room."""
    server = _server(request)
    form = await request.post()
    session = _session(request, server)
    viewer = session.user_id if session is not None else None
    out: dict[str, Any] = {}
    for key, value in form.items():
        if not (key.startswith("r") and key[1:].isdigit()):
            continue
        room_id = int(key[1:])
        room = server.rooms.get(room_id)
        if room is None or not server.can_read(room, server.users.get(viewer or 0)):
            continue
        after = _int(str(value), 0) or 0
        t = None
        if after:  # a long backlog comes in parts: the oldest first, t = the last one given
            size = _world(request).poll_page
            if size is not None:
                page = server.events_after(room_id, after, oldest=size)
                t = page[-1].id if page and len(page) == size else None
            events = visible_events(server, room_id, viewer, after, through=t)
        else:
            events = visible_events(server, room_id, viewer, 0, BACKLOG)
        out[key] = envelope(server, room_id, events, viewer, t)
    return _json(out)


async def ws_auth(request: web.Request) -> web.Response:
    server, user, form = await _writer(request)
    room_id = _int(str(form.get("roomid", "") or ""), None)
    if room_id is None:
        return _text("roomid is required", 404)
    room = server.room(room_id)
    if not server.can_read(room, user):
        raise Refusal(404, "The room does not exist, or you do not have permission")
    token = secrets.token_hex(16)
    _world(request).ws_tokens[token] = (server.slug, room_id, user.id)
    return _json({"url": f"ws://{request.host}/{server.slug}/events/{room_id}/{token}"})


async def websocket(request: web.Request) -> web.StreamResponse:
    world = _world(request)
    server = _server(request)
    room_id = int(request.match_info["room"])
    entry = world.ws_tokens.pop(request.match_info["token"], None)
    if entry is None or entry[0] != server.slug or entry[1] != room_id:
        return _text("Unknown or used websocket token", 404)
    if not request.headers.get("Origin"):
        return _text("Origin header required", 403)
    ws = web.WebSocketResponse(autoping=True, timeout=2.0)
    await ws.prepare(request)
    user_id = entry[2]
    conn = Connection(ws, server, room_id, user_id)
    last = _int(request.query.get("l"), 0) or 0
    # replay and registration without an await in between: nothing lost, nothing twice
    backlog = visible_events(server, room_id, user_id, last, None if last else BACKLOG)
    world.hub.add(conn)
    try:
        if backlog:
            await conn.send_events(backlog)
        else:
            await ws.send_str(orjson.dumps({f"r{room_id}": {}}).decode())
        conn.task = asyncio.create_task(conn.writer(world.heartbeat))
        async for _msg in ws:
            pass  # clients never send anything the server needs
    finally:
        world.hub.remove(conn)
        conn.closed = True
        conn.queue.put_nowait(None)
        if conn.task is not None:
            conn.task.cancel()
            try:
                await conn.task
            except asyncio.CancelledError:
                pass
    return ws


# ---------------------------------------------------------------------- owner / moderator actions


async def set_user_access(request: web.Request) -> web.Response:
    server, user, form = await _writer(request)
    room = server.room(int(request.match_info["room"]))
    target = server.users.get(_int(str(form.get("aclUserId", "") or ""), 0) or 0)
    if target is None:
        raise Refusal(404, "No such user")
    server.set_access(room, user, target, str(form.get("userAccess", "")))
    return web.Response(status=200)  # the chat page shows any non-empty answer as an error


async def kick_mute(request: web.Request) -> web.Response:
    server, user, form = await _writer(request)
    room = server.room(int(request.match_info["room"]))
    target = server.users.get(_int(str(form.get("userID", "") or ""), 0) or 0)
    if target is None:
        raise Refusal(404, "No such user")
    server.kick(room, user, target)
    return _text(f"{target.name} has been kicked from the room for 1 minute.", 200)


async def request_access(request: web.Request) -> web.Response:
    server, user, form = await _writer(request)
    room = server.room(_int(str(form.get("roomId", "") or ""), 0) or 0)
    server.request_access(room, user)
    return _json({"success": True})


async def move_posts(request: web.Request) -> web.Response:
    server, user, form = await _writer(request)
    source = server.room(int(request.match_info["room"]))
    target = server.room(_int(str(form.get("to", "") or ""), 0) or 0)
    ids = [int(x) for x in str(form.get("ids", "")).split(",") if x.strip().isdigit()]
    return _json(server.move_messages(source, user, ids, target))


async def save_room(request: web.Request) -> web.StreamResponse:
    server, user, form = await _writer(request)
    name = str(form.get("name", "")).strip()
    description = str(form.get("description", ""))
    tags = str(form.get("tags", "")).split()
    room_id = _int(str(form.get("roomId", "") or ""), None)
    if room_id is not None:
        room = server.room(room_id)
        server.rename_room(room, user, name or None, description, tags)
    else:
        if not name:
            return _text("A room name is required", 400)
        room = server.add_room(
            None,
            name,
            description=description,
            tags=tags,
            owners={user.id},
            created=server.clock.now(),
        )
        if form.get("defaultAccess") == "read-only":
            room.access = "gallery"
    raise web.HTTPFound(f"/{server.slug}/rooms/info/{room.id}/{room.slug}?tab=general")


# ---------------------------------------------------------------------- misc


async def chat_root(request: web.Request) -> web.Response:
    return await rooms_list(request)


async def unprefixed(request: web.Request) -> web.StreamResponse:
    """Real pages link root-relative (``/transcript/...``): send those to the server the page came
    from."""
    referer = request.headers.get("Referer", "")
    m = re.search(r"//[^/]+/(se|so|mse)(?:/|$)", referer)
    slug = m.group(1) if m else "se"
    target = f"/{slug}{request.path}"
    if request.query_string:
        target += "?" + request.query_string
    if request.method == "GET":
        raise web.HTTPFound(target)
    raise web.HTTPTemporaryRedirect(target)


async def index(request: web.Request) -> web.Response:
    links = "".join(
        f'<li><a href="/{s}/rooms">{pages.HOSTS[s][0]}</a> (<code>/{s}</code>)</li>'
        for s in SERVER_SLUGS
    )
    return _html(
        pages._head("chatexchange devserver")
        + f"<body><h1>chatexchange devserver</h1><ul>{links}</ul></body></html>"
    )


def make_app(world: World) -> web.Application:
    app = web.Application(middlewares=[failures_mw])
    app[WORLD] = world
    s = "/" + SLUG_RE
    r = app.router
    r.add_get("/", index)
    r.add_get(s + "/users/login", login_get)
    r.add_post(s + "/users/login", login_post)
    r.add_post(s + "/users/signup-confirm", signup_confirm)
    r.add_get(s + "/nocaptcha", captcha)
    r.add_get(s + "/users/logout", logout_get)
    r.add_post(s + "/users/logout", logout_post)
    r.add_get(s + "/users/current", users_current)
    r.add_get(s + "/", chat_root)
    r.add_get(s, chat_root)
    r.add_get(s + "/chats/join/favorite", favorite_get)
    r.add_post(s + "/chats/join/favorite", favorite_post)
    r.add_get(s + "/rooms", rooms_list)
    r.add_get(s + r"/rooms/info/{room:\d+}", room_info)
    r.add_get(s + r"/rooms/info/{room:\d+}/{rslug}", room_info)
    r.add_get(s + r"/rooms/thumbs/{room:\d+}", room_thumbs)
    r.add_get(s + r"/rooms/pingable/{room:\d+}", room_pingable)
    r.add_get(s + r"/rooms/{room:\d+}", room_page)
    r.add_get(s + r"/rooms/{room:\d+}/{rslug}", room_page)
    r.add_post(s + r"/rooms/setuseraccess/{room:\d+}", set_user_access)
    r.add_post(s + r"/rooms/kickmute/{room:\d+}", kick_mute)
    r.add_post(s + "/rooms/requestaccess", request_access)
    r.add_post(s + "/rooms/save", save_room)
    r.add_post(s + r"/admin/movePosts/{room:\d+}", move_posts)
    r.add_get(s + r"/users/{user:-?\d+}", user_profile)
    r.add_get(s + r"/users/{user:-?\d+}/{uslug}", user_profile)
    r.add_post(s + "/user/info", user_info)
    r.add_get(s + r"/transcript/message/{msg:\d+}", transcript_message)
    r.add_get(s + r"/transcript/message/{msg:\d+}/{rest:.*}", transcript_message)
    r.add_get(s + r"/transcript/{room:\d+}", transcript_latest)
    day = r"/transcript/{room:\d+}/{y:\d{4}}/{m:\d{1,2}}/{d:\d{1,2}}"
    r.add_get(s + day, transcript_day)
    r.add_get(s + day + r"/{h0:\d{1,2}}-{h1:\d{1,2}}", transcript_day)
    r.add_get(s + r"/message/{msg:\d+}", message_text)
    r.add_get(s + r"/messages/{room:\d+}/{msg:\d+}", message_plain)
    r.add_get(s + r"/messages/{msg:\d+}/history", message_history)
    r.add_post(s + r"/chats/{room:\d+}/messages/new", send)
    r.add_post(s + r"/messages/{msg:\d+}", edit)
    r.add_post(s + r"/messages/{msg:\d+}/delete", delete)
    r.add_post(s + r"/messages/{msg:\d+}/star", star)
    r.add_post(s + r"/messages/{msg:\d+}/owner-star", owner_star)
    r.add_post(s + r"/messages/{msg:\d+}/unstar", unstar)
    r.add_post(s + r"/messages/{msg:\d+}/unowner-star", unowner_star)
    r.add_post(s + "/messages/ack", ack_mentions)
    r.add_post(s + "/conversation/new", conversation_new)
    r.add_post(s + r"/conversation/delete/{room:\d+}/{cslug}", conversation_delete)
    r.add_post(s + r"/messages/{msg:\d+}/flag", flag)
    r.add_post(s + r"/chats/leave/{room:\d+|all}", leave)
    r.add_post(s + r"/chats/{room:\d+}/events", room_events)
    r.add_post(s + "/events", poll_events)
    r.add_post(s + "/ws-auth", ws_auth)
    r.add_get(s + r"/events/{room:\d+}/{token}", websocket)
    r.add_route("*", r"/{path:(?!(?:se|so|mse)(?:/|$)).+}", unprefixed)
    return app
