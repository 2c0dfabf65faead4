"""HTML pages in the real chat markup (ids, classes and attributes of the real pages' captures).

Links are root-relative like the real server's (``/transcript/1/2024/5/3``), without the devserver's
``/<slug>`` prefix, so parsers written against real pages read these unchanged; the app
redirects such unprefixed paths to the right server.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from .markdown import escape, escape_ascii, mark_mentions, mention_key, shorten
from .state import ChatServer, Message, Room, User

HOSTS = {
    "se": ("chat.stackexchange.com", "stackexchange.com", "The Stack Exchange Network"),
    "so": ("chat.stackoverflow.com", "stackoverflow.com", "Stack Overflow"),
    "mse": ("chat.meta.stackexchange.com", "meta.stackexchange.com", "Meta Stack Exchange"),
}
#: Consecutive messages further apart than this start a new monologue that shows its time.
MONOLOGUE_GAP = 120


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


def clock_text(ts: float) -> str:
    """``h:mm AM`` in UTC, as transcript timestamps are written."""
    d = _utc(ts)
    hour = d.hour % 12 or 12
    return f"{hour}:{d.minute:02d} {'AM' if d.hour < 12 else 'PM'}"


def ago(now: float, ts: float | None) -> str:
    """Relative time as profile pages write it (``14s ago``, ``49m ago``, ``746d ago``, ``n/a``)."""
    if ts is None:
        return "n/a"
    delta = max(0, int(now - ts))
    if delta < 5:
        return "just now"
    for size, suffix in ((31536000, "y"), (86400, "d"), (3600, "h"), (60, "m")):
        if delta >= size:
            return f"{delta // size}{suffix} ago"
    return f"{delta}s ago"


def day_path(room_id: int, day: date) -> str:
    return f"/transcript/{room_id}/{day.year}/{day.month}/{day.day}"


def fkey_input(fkey: str) -> str:
    return f'<input id="fkey" name="fkey" type="hidden" value="{escape(fkey)}" />'


def _head(title: str, extra: str = "") -> str:
    return (
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" >\n<head>\n'
        f"    <title>{escape(title)}</title>\n{extra}</head>\n"
    )


def topbar(server: ChatServer, viewer: User | None) -> str:
    if viewer is not None:
        link = (
            f'<a href="/users/{viewer.id}/{viewer.slug}" title="{escape(viewer.name)}">'
            f"{escape(viewer.name)}</a>"
        )
        inbox = (
            '<a href="#" class="topbar-icon icon-inbox yes-hover js-inbox-button" '
            'title="Recent inbox messages"><span class="hidden-text">Inbox</span></a>'
        )
    else:
        link = '<a href="/users/login">log in</a>'
        inbox = ""
    users = sum(1 for u in server.users.values() if u.id > 0)
    rooms = sum(1 for r in server.rooms.values() if not r.deleted)
    return f"""<div class="topbar">
    <div class="topbar-client">
        <div class="network-items">{inbox}</div>
        <div class="topbar-links">
                <div class="links-container">
                    <span class="topbar-menu-links">
{link}
                    </span>
                </div>
        </div>
    </div>
</div>
                <div id="header">
                        <div id="hmenu">
                            <div class="nav">
                                <ul>
                                    <li ><a href="/users" title="{users} users">users ({users})</a>
                                        </li>
                                    <li ><a href="/rooms" title="{rooms} rooms">rooms ({rooms})</a>
                                        </li>
                                    <li ><a href="/faq">faq</a></li>
                                </ul>
                            </div>
                        </div>
                    </div>
"""


def _page(
    server: ChatServer,
    viewer: User | None,
    title: str,
    content: str,
    fkey: str,
    body_class: str = "outside",
) -> str:
    return (
        _head(title)
        + f'<body class="{body_class}">\n    <div id="container">\n'
        + topbar(server, viewer)
        + f'        <div id="content">\n{content}\n        </div>\n    </div>\n'
        + f"    {fkey_input(fkey)}\n</body>\n</html>"
    )


# ---------------------------------------------------------------------- login host pages


def login_page(slug: str, fkey: str, error: str | None = None) -> str:
    host = HOSTS[slug][1]
    user_json = json.dumps({"fkey": fkey, "isAnonymous": True})
    err = f'<div class="js-error-message">{escape(error)}</div>' if error else ""
    return (
        _head(f"Log In - {host}", f'<script>StackExchange.init({{"user":{user_json}}});</script>\n')
        + f"""<body class="login-page">
<div id="content">
<h1>Log in</h1>
{err}
<form id="login-form" class="js-login-form" action="/users/login" method="POST">
    <input type="hidden" name="fkey" value="{fkey}">
    <input type="hidden" name="ssrc" value="head">
    <label for="email">Email</label>
    <input id="email" type="email" name="email" size="30" maxlength="100">
    <label for="password">Password</label>
    <input id="password" type="password" name="password" autocomplete="off">
    <input type="hidden" name="oauth_version" value="">
    <input type="hidden" name="oauth_server" value="">
    <input type="hidden" name="openid_username" value="">
    <input type="hidden" name="openid_identifier" value="">
    <button id="submit-button" name="submit-button">Log in</button>
</form>
</div>
</body>
</html>"""
    )


def captcha_page(slug: str) -> str:
    return (
        _head("Human verification - " + HOSTS[slug][1])
        + """<body>
<div id="content">
<h1>Human verification</h1>
<p>We noticed unusual activity from your account. Please confirm that you are a human before you
continue.</p>
<form id="captcha-form" method="post" action="/nocaptcha"><div class="g-recaptcha"></div></form>
</div>
</body>
</html>"""
    )


def no_account_page(slug: str, email: str, fkey: str) -> str:
    host = HOSTS[slug][1]
    return (
        _head(f"Confirm account creation - {host}")
        + f"""<body>
<div id="content">
<h1>Join {escape(host)}</h1>
<p>You do not have an account on {escape(host)} yet ({escape(email)}). Create one with your existing
network login?</p>
<form id="logout-user" method="post" action="/users/signup-confirm">
    <input type="hidden" name="fkey" value="{fkey}">
    <input type="hidden" name="email" value="{escape(email)}">
    <input type="submit" value="Confirm and create my account">
</form>
</div>
</body>
</html>"""
    )


def error_page(title: str, text: str) -> str:
    return _head(title) + f'<body><div id="content"><h2>{escape(text)}</h2></div></body></html>'


# ---------------------------------------------------------------------- chat pages


def favorite_page(server: ChatServer, viewer: User | None, fkey: str) -> str:
    content = f"""
    <h2>Join</h2>
    Please confirm that you wish to rejoin your favorited rooms:
    <form method="post" action="">
        {fkey_input(fkey)}
        <input class="button" type="submit" value="join" />
    </form>
"""
    title = f"Join favorite rooms | {HOSTS[server.slug][0]}"
    return (
        _head(title)
        + '<body class="outside">\n    <div id="container">\n'
        + topbar(server, viewer)
        + f'        <div id="content">\n{content}\n        </div>\n    </div>\n</body>\n</html>'
    )


def _stars_html(msg: Message, viewer: User | None) -> str:
    if not msg.stars and not msg.pinners:
        return ""
    classes = "stars vote-count-container"
    if msg.pinners:
        classes += " owner-star"
    if viewer is not None and viewer.id in msg.stars:
        classes += " user-star"
    count = len(msg.stars) or len(msg.pinners)
    times = "" if count == 1 else str(count)
    return (
        f'<span class="{classes}"><span class="img vote" title="star this message as useful / '
        f'interesting for the transcript"></span><span class="times">{times}</span></span>'
    )


def _user_names(server: ChatServer) -> Callable[[str], bool]:
    """Whether ``@name`` names a user of the server (a ping: transcripts mark it up)."""
    keys = {mention_key(u.name) for u in server.users.values()}

    def is_user(name: str) -> bool:
        key = mention_key(name)
        return key in keys or (len(key) >= 3 and any(k.startswith(key) for k in keys))

    return is_user


def message_html(
    server: ChatServer, msg: Message, viewer: User | None, highlight: int | None
) -> str:
    room = msg.room_id
    cls = "message highlight" if msg.id == highlight else "message"
    edits = " edits" if msg.edits else ""
    reply = (
        f' <a class="reply-info" href="/transcript/{room}?m={msg.parent_id}#{msg.parent_id}"> </a> '
        if msg.parent_id is not None and not msg.deleted
        else ""
    )
    if msg.deleted:
        content = ' <span class="deleted">(removed)</span>'
    else:
        short = shorten(msg.html)
        content = mark_mentions(short or msg.html, _user_names(server))
        if short is not None:
            content += (
                f' <a class="more-data" href="/messages/{room}/{msg.id}">(see full text)</a>'
            )
    return f"""
            <div class="{cls}" id="message-{msg.id}">
                <a name="{msg.id}" href="/transcript/{room}?m={msg.id}#{msg.id}">
                    <span style="display:inline-block;" class="action-link{edits}">
                        <span class="img"> </span></span></a>

                {reply}

                <div class="content">
                    {content}
                </div>
                <span class="flash">
                    {_stars_html(msg, viewer)}
                </span>
            </div>
"""


def signature(user: User | None, user_id: int) -> str:
    if user is None:
        return f"""    <div class="signature"><div class="tiny-signature">
        <div class="username">user{user_id}</div>
    </div></div>"""
    name = escape_ascii(user.name)
    return f"""    <div class="signature"><div class="tiny-signature">
            <div class="avatar avatar-16">
                <img width="16" height="16"
                    src="https://www.gravatar.com/avatar/{user.email_hash}?s=16&amp;d=identicon"
                    alt="{name}" />
            </div>
        <div class="username"><a href="/users/{user.id}/{user.slug}" title="{name}">{name}</a></div>
    </div></div>"""


def monologues(
    server: ChatServer, msgs: Sequence[Message], viewer: User | None, highlight: int | None = None
) -> str:
    """Group messages into monologues; a timestamp starts the page and every monologue after a
    gap."""
    out: list[str] = []
    i = 0
    prev_time: float | None = None
    while i < len(msgs):
        first = msgs[i]
        group = [first]
        j = i + 1
        while (
            j < len(msgs)
            and msgs[j].user_id == first.user_id
            and msgs[j].time - msgs[j - 1].time < MONOLOGUE_GAP
        ):
            group.append(msgs[j])
            j += 1
        if prev_time is not None and first.time - prev_time >= 3600:
            hours = int((first.time - prev_time) // 3600)
            label = "1 hour later" if hours == 1 else f"{hours} hours later"
            out.append(
                '<div class="system-message-container"><div class="system-message-spacer">&nbsp;'
                f'</div><div class="system-message">{label}&hellip;</div></div>'
            )
        stamp = ""
        if prev_time is None or first.time - prev_time >= MONOLOGUE_GAP:
            stamp = f'\n             <div class="timestamp">{clock_text(first.time)}</div>\n'
        mine = " mine" if viewer is not None and viewer.id == first.user_id else ""
        body = "".join(message_html(server, m, viewer, highlight) for m in group)
        out.append(
            f"""
<div class="monologue user-{first.user_id}{mine}">
{signature(server.users.get(first.user_id), first.user_id)}
    <div class="messages">
        {stamp}
        {body}
    </div>
    <div class="clear-both" style="height:0">&nbsp;</div>
</div>
"""
        )
        prev_time = group[-1].time
        i = j
    return "".join(out)


@dataclass(slots=True)
class TranscriptView:
    room: Room
    day: date
    messages: Sequence[Message]
    first_day: date | None
    previous_day: date | None
    next_day: date | None
    last_day: date | None
    #: (h0, h1) slices of the day when it is split, and the index of the shown one
    slices: list[tuple[int, int]]
    current: int | None
    highlight: int | None = None


def _nav(view: TranscriptView) -> str:
    rid = view.room.id
    parts: list[str] = []
    if view.first_day is not None and view.first_day < view.day:
        n = (view.day - view.first_day).days
        parts.append(
            f'<a href="{day_path(rid, view.first_day)}" class="button noprint" '
            f'title="{view.first_day.isoformat()}">&laquo; first day ({n} days earlier)</a>&nbsp;'
        )
    if view.previous_day is not None:
        p = view.previous_day
        parts.append(
            f'<a href="{day_path(rid, p)}" class="button noprint" rel="prev" '
            f'title="{p.isoformat()}">&larr; previous day</a>&nbsp;\n'
            f'<link rel="prev" title="{p.isoformat()}" href="{day_path(rid, p)}" />'
        )
    if view.next_day is not None:
        n_ = view.next_day
        parts.append(
            f'<a href="{day_path(rid, n_)}" class="button noprint" rel="next" '
            f'title="{n_.isoformat()}">next day &rarr;</a>&nbsp;\n'
            f'<link rel="next" title="{n_.isoformat()}" href="{day_path(rid, n_)}" />'
        )
    if view.last_day is not None and view.last_day > view.day:
        n = (view.last_day - view.day).days
        parts.append(
            f'<a href="{day_path(rid, view.last_day)}" class="button noprint" '
            f'title="{view.last_day.isoformat()}"> last day ({n} days later) &raquo;</a>&nbsp;'
        )
    return "\n".join(parts) + '\n<div class="clear-both"></div>'


def _pager(view: TranscriptView) -> str:
    if not view.slices:
        return ""
    base = day_path(view.room.id, view.day)
    items = []
    for k, (h0, h1) in enumerate(view.slices):
        label = f"{h0:02d}:00 - {h1 % 24:02d}:00"
        if k == view.current:
            items.append(f'<span class="page-numbers current">{label}</span>')
        else:
            items.append(
                f'<a href="{base}/{h0}-{h1}"><span class="page-numbers">{label}</span></a>'
            )
    return (
        '<div class="clear-both"></div><div class="pager">'
        + "".join(items)
        + '</div><div class="clear-both"></div>'
    )


def _calendar(view: TranscriptView) -> str:
    rid = view.room.id
    out = []

    def small(d: date) -> str:
        return (
            f'<a class="calendar-small-link" href="{day_path(rid, d)}">\n'
            f'            <div class="icon" title="{d.isoformat()}"><div class="calendar-small">'
            f'<span class="weekday-small">{d.strftime("%b")}</span>{d.day}</div></div>'
            "\n        </a>"
        )

    if view.previous_day is not None:
        out.append(small(view.previous_day))
    out.append(
        f'<div class="icon" title="{view.day.isoformat()}"><div class="calendar">'
        f'<span class="weekday">{view.day.strftime("%b")}</span>{view.day.day}</div></div>'
    )
    if view.next_day is not None:
        out.append(small(view.next_day))
    return "\n        ".join(out)


def room_mini(server: ChatServer, room: Room) -> str:
    now = server.clock.now()
    recent = len(server.room_messages_between(room.id, now - 7200, now + 1))
    desc = escape(room.description)
    return (
        '<div class="room-mini"><div class="room-mini-header"><h3><span class="room-name">'
        f'<a rel="noreferrer noopener" href="/rooms/{room.id}/{room.slug}">{escape(room.name)}</a>'
        f'</span></h3><div title="{desc}" class="room-mini-description">{desc}</div></div>'
        f'<div class="room-current-user-count" title="current users"><a rel="noopener noreferrer" '
        f'href="/rooms/info/{room.id}/{room.slug}">{len(room.present)}</a></div>'
        f'<div class="room-message-count" title="messages in the last 2h"><a rel="noopener '
        f'noreferrer" href="/transcript/{room.id}">{recent}</a></div>'
        '<div class="clear-both"></div></div>'
    )


def tags_html(slug: str, tags: Sequence[str]) -> str:
    site = HOSTS[slug][1]
    return " ".join(
        f'<a rel="noopener noreferrer" class="tag" href="//{site}/tags/{escape(t)}/info">'
        f"{escape(t)}</a>"
        for t in tags
    )


def transcript_page(
    server: ChatServer, view: TranscriptView, viewer: User | None, fkey: str
) -> str:
    room = view.room
    rid = room.id
    title = f"{room.name} - {view.day.isoformat()}"
    canonical = day_path(rid, view.day)
    if view.slices and view.current is not None:
        h0, h1 = view.slices[view.current]
        title += f" (page {view.current + 1} of {len(view.slices)})"
        canonical += f"/{h0}-{h1}"
    elif view.highlight is not None:
        # a message's page names an hour range, as on the real site, even on an unsplit day
        canonical += "/0-24"
    viewer_id = viewer.id if viewer is not None else 0
    logged = "true" if viewer is not None else "false"
    head = (
        f'    <link rel="canonical" href="{canonical}" />\n'
        '    <script type="text/javascript">\n        $(function() {\n'
        f"            initTranscript({logged},\n                {viewer_id}, true,\n"
        f"                true, {rid},\n                true);\n"
        "            popupDismisser();\n        });\n    </script>\n"
    )
    nav = _nav(view)
    pager = _pager(view)
    body = monologues(server, view.messages, viewer, view.highlight)
    return (
        _head(title, head)
        + f"""<body id="transcript-body">
    <div id="container">
    <div id="main">
      {nav}
      {pager}
      <br/>
      <div id="transcript">
{body}</div>
      {pager}
      <br/>
      {nav}
    <div id="sidebar">
    <div id="sidebar-content">
    <div id="info">
        <form method="get" action="/search">
            <input type="text" id="searchbox" name="q"/>
            <input type="hidden" name="room" value="{rid}" />
        </form>
        <div style="padding-top:3px;"><a href="/" class="button">all rooms</a></div>
        <br clear=left />
        <h2>Transcript for</h2>
        {_calendar(view)}
        <br clear=left />
        {room_mini(server, room)}
        <div>{tags_html(server.slug, room.tags)}</div>
        <br class="clear-both" />
        <div class="noprint">
            <div id="transcript-links">
                <a id="join-room" href="/rooms/{rid}/{room.slug}" class="button">join this room</a>
                    <br />
                <a href="/rooms/info/{rid}/{room.slug}" class="button">about this room</a><br />
            </div>
            <br />
            <div class="msg-small">
                all times are UTC
            </div>
            <br />
        </div>
    </div>
    </div>
    </div>
    </div>
    </div> {fkey_input(fkey)}
</body>
</html>"""
    )


def _present_json(server: ChatServer, room: Room) -> str:
    users = []
    for uid in room.present:
        u = server.users.get(uid)
        if u is None:
            continue
        users.append(
            {
                "id": u.id,
                "name": u.name,
                "email_hash": u.email_hash,
                "reputation": u.reputation,
                "last_post": int(u.last_post) if u.last_post else None,
                "is_moderator": u.is_moderator,
                "is_owner": uid in room.owners,
            }
        )
    return escape(json.dumps(users))


def room_page(server: ChatServer, room: Room, viewer: User | None, fkey: str) -> str:
    host, site, _ = HOSTS[server.slug]
    active = (
        f'<div id="active-user" class="user-container user-{viewer.id}"></div>'
        if viewer is not None
        else '<div id="bubble"><a href="/users/login">logged in</a> to chat</div>'
    )
    can_talk = viewer is not None and not room.frozen and server.can_write(room, viewer)
    box = '<textarea id="input" name="input"></textarea>' if can_talk else ""
    frozen = '<div id="frozen-notice">This room has been frozen.</div>' if room.frozen else ""
    content = f"""
<div id="roomname">{escape(room.name)}</div>
<div id="roomdesc">{escape(room.description)}</div>
<div id="room-tags">{tags_html(server.slug, room.tags)}</div>
<div id="present-users" class="js-present" data-users="{_present_json(server, room)}"></div>
{active}
{frozen}
<div id="chat"></div>
<div id="input-area">{box}</div>
<div id="footer-logo"><a href="//{site}">{escape(site)}</a></div>
<script>CHAT.init({{ roomId: {room.id} }});</script>
"""
    return _page(server, viewer, f"{room.name} | {host}", content, fkey, body_class="with-footer")


def short_count(n: int) -> str:
    """How cards abbreviate counts and reputation: ``8237`` -> ``8.2k``, ``15026`` -> ``15k``."""
    if n < 1000:
        return str(n)
    return f"{n / 1000:.1f}".removesuffix(".0") + "k"


def usercard(server: ChatServer, user: User, room: Room | None, prefix: str = "user") -> str:
    """A user card as room info pages show it (``.user-header`` with ``.user-flair``).

    Current users' cards (``prefix="user"``) also say how many messages the user posted in the
    room and link their last one; owners' cards leave ``.user-details`` empty.
    """
    mod = " moderator" if user.is_moderator else ""
    diamond = "&nbsp;♦" if user.is_moderator else ""
    name = escape(user.name)
    details = count = ""
    if room is not None and prefix == "user":
        posted = [m for m in server.room_messages(room.id) if m.user_id == user.id]
        if posted:
            last = posted[-1]
            details = (
                f'<div>last post here <a class="permalink" href="/transcript/message/{last.id}'
                f'#{last.id}">{ago(server.clock.now(), last.time)}</a></div>'
            )
        count = (
            f'<div class="user-message-count" title="{len(posted)} all time messages in '
            f'{escape(room.name)}">{short_count(len(posted))}</div>'
        )
    return f"""<div id="{prefix}-{user.id}" class="usercard">
    <div class="user-header" title="{name}">
        <a href="/users/{user.id}/{user.slug}"><img alt="{name}" class="user-gravatar48"
            height="48" width="48"
            src="https://www.gravatar.com/avatar/{user.email_hash}?s=48&amp;d=identicon" /></a>
        <h3><a class="username{mod}" href="/users/{user.id}/{user.slug}">{name}{diamond}</a></h3>
        <div class="user-flair"><span class="reputation-score"
            title="{user.reputation}">{short_count(user.reputation)}</span></div>
        <div class="user-message-info" title="{escape(user.about)}">{escape(user.about)}</div>
        <div class="clear-both"></div>
    </div>
    <div class="user-details">{details}</div>
    {count}
</div>"""


def room_info_page(server: ChatServer, room: Room, viewer: User | None, fkey: str) -> str:
    msgs = server.room_messages(room.id)
    first = _utc(msgs[0].time).date().isoformat() if msgs else "n/a"
    last = ago(server.clock.now(), msgs[-1].time) if msgs else "n/a"
    users = {m.user_id for m in msgs}
    fav = " favorite-room" if viewer is not None and viewer.id in room.favorites else ""
    owners = "".join(
        usercard(server, server.users[u], room, "owner-user")
        for u in sorted(room.owners)
        if u in server.users
    )
    current = "".join(
        usercard(server, server.users[u], room) for u in room.present if u in server.users
    )
    stars = sum(1 for m in msgs if m.stars)
    state = " frozen" if room.frozen else ""
    base = f"/rooms/info/{room.id}/{room.slug}"
    # chat.stackexchange.com hosts rooms of many sites and names the room's site with its logo;
    # on the single-site chat servers (Stack Overflow, Meta) the room card has no logo
    logo = (
        f'<img class="small-site-logo" title="{escape(HOSTS[server.slug][2])}" '
        'src="//cdn.sstatic.net/favicon.ico" />'
        if server.slug == "se"
        else ""
    )
    content = f"""
<div class="subheader">
    <h1>{escape(room.name)}</h1>
    <div id="tabs">
        <a href="?tab=general" class="youarehere">general</a>
        <a href="?tab=stars"><span class="tabcount">{stars}</span> stars</a>
        <a href="?tab=conversations">conversations</a>
        <a href="?tab=schedule">schedule</a>
        <a href="?tab=feeds">feeds</a>
        <a href="?tab=access">access</a>
    </div>
</div>
<div class="xxl-info-layout" style="float: left">
<div class="roomcard-xxl{state}" id="room-{room.id}">
    <div title="Toggle as a favorite room" class="favorite-room-vote{fav}"></div>
    <h1>{escape(room.name)}</h1>
    <p>{escape(room.description)}</p>
    <div>{tags_html(server.slug, room.tags)}</div>
    <table class="room-stats"><tbody>
        <tr><td class="room-keycell">first message</td><td>{first}</td></tr>
        <tr><td class="room-keycell">last message</td><td>{last}</td></tr>
    </tbody></table>
    <a class="button" href="/rooms/{room.id}/{room.slug}">join this room</a><br />
    <a class="button" href="/transcript/{room.id}">view transcript</a>
    <form action="/search" method="get"><input type="hidden" name="room" value="{room.id}" />
        <input class="button" type="submit" value="search for messages containing" />
        <input type="text" name="q" /></form>
    <br />
    <div class="clear-both room-message-count-xxl"
        title="{len(msgs)} all time messages">{len(msgs)}</div>
    <div class="room-user-count-xxl" title="all time users">{len(users)}</div>
    {logo}
</div>
<div id="room-ownercards"><h2>Owners of this room</h2>
{owners}
</div>
</div>
<div class="xxl-info-layout" style="float: right">
<div id="room-usercards">
    <div class="subtabs">
        <a href="{base}?id={room.id}&amp;tab=general&amp;users=current"
            class="youarehere">currently in room</a>
        <a href="{base}?id={room.id}&amp;tab=general&amp;users=frequent">frequently in room</a>
    </div>
    <div id="room-usercards-container" class="clear-both">
{current}
    </div>
</div>
</div>
"""
    return _page(server, viewer, "Overview | " + HOSTS[server.slug][0], content, fkey)


def roomcard(server: ChatServer, room: Room, by: User | None = None) -> str:
    """A room card as profile pages and the rooms list show it.

    On a profile (``by`` = the profile's user) the message count is that user's messages in the
    room, as the real card's title says ("20 all time messages (by Name)").
    """
    msgs = server.room_messages(room.id)
    state = " frozen" if room.frozen else (" deleted" if room.deleted else "")
    name, site_name = escape(room.name), escape(HOSTS[server.slug][2])
    description = escape(room.description)
    href = f"/transcript/{room.id}" if room.deleted else f"/rooms/{room.id}/{room.slug}"
    favorite = (
        ""
        if room.deleted
        else '<div title="Toggle as a favorite room" class="favorite-room-vote"> </div>'
    )
    activity = ""
    if msgs:
        last = msgs[-1]
        poster = server.users.get(last.user_id)
        who = (
            f' &ndash; <a href="/users/{poster.id}/{poster.slug}" title="{escape(poster.name)}">'
            f"{escape(poster.name)}</a>"
            if poster is not None
            else ""
        )
        activity = f'<div class="last-activity">{ago(server.clock.now(), last.time)}{who}</div>'
    present = [server.users[u] for u in list(room.present)[:10] if u in server.users]
    gravatars = "".join(
        f'<!--\n            --><a class="user-gravatar32" href="/users/{u.id}/{u.slug}"><img '
        f'height="32" width="32" alt="{escape(u.name)}" title="{escape(u.name)}" '
        f'src="https://www.gravatar.com/avatar/{u.email_hash}?s=32&amp;d=identicon" /></a>'
        for u in present
    )
    people = "1 user" if len(room.present) == 1 else f"{len(room.present)} users"
    if by is None:
        count = len(msgs)
        title = f"{count} all time messages"
    else:
        count = sum(1 for m in msgs if m.user_id == by.id)
        title = f"{count} all time messages (by {escape(by.name)})"
    return f"""<div id="room-{room.id}" class="roomcard{state}">
    <div class="room-header">
        {favorite}
        <h3><span class="room-name" title="{name}"><a rel="noreferrer noopener"
            href="{href}">{name}</a></span></h3>
        <img class="small-site-logo" title="{site_name}" alt="{site_name}" width="16" height="16"
            src="//cdn.sstatic.net/favicon.ico" />
        <div class="room-description" title="{description}">{description}</div>
        <div class="clear-both"></div>
    </div>
    <div class="room-details">
        <div class="cycle">{activity}</div>
        <div class="room-users" title="{people} present">{gravatars}<!--
        --></div>
    </div>
    <div class="room-message-count" title="{title}">
        <a href="/transcript/{room.id}">{count}</a></div>
    <div class="room-info-link"><a href="/rooms/info/{room.id}/{room.slug}">info</a></div>
</div>"""


def rooms_list_page(
    server: ChatServer, rooms: Sequence[Room], viewer: User | None, fkey: str, page: int, pages: int
) -> str:
    cards = "\n".join(roomcard(server, r) for r in rooms)
    pager = "".join(
        f'<span class="page-numbers current">{p}</span>'
        if p == page
        else f'<a href="/rooms?page={p}"><span class="page-numbers">{p}</span></a>'
        for p in range(1, pages + 1)
    )
    content = f'<div id="roomlist">\n{cards}\n</div>\n<div class="pager">{pager}</div>'
    return _page(server, viewer, f"Chat rooms | {HOSTS[server.slug][0]}", content, fkey)


def profile_page(server: ChatServer, user: User, viewer: User | None, fkey: str) -> str:
    """``/users/<id>``: the layout of real profiles (``.usercard-xxl`` tables, room cards that
    count the user's own messages)."""
    now = server.clock.now()
    site = HOSTS[server.slug][1]
    site_name = escape(HOSTS[server.slug][2])
    name = escape(user.name)
    status = f"{name}&nbsp;♦" if user.is_moderator else name
    msgs = user.past_messages + sum(1 for m in server.messages.values() if m.user_id == user.id)
    owned = [r for r in server.rooms.values() if user.id in r.owners]
    present = [r for r in server.rooms.values() if user.id in r.present and not r.deleted]
    rooms = user.past_rooms + len(present)
    parent = ""
    if user.parent_user_id is not None:
        parent = (
            f'<tr><td class="user-keycell">parent user</td><td class="user-valuecell">'
            f'<a href="//{site}/users/{user.parent_user_id}/{user.slug}"><img '
            f'class="small-site-logo" title="{site_name}" alt="{site_name}" width="16" height="16" '
            f'src="//cdn.sstatic.net/favicon.ico" />&nbsp;{name}</a>\n'
            f'<div class="user-flair"><span class="reputation-score" title="{user.reputation}">'
            f"{short_count(user.reputation)}</span></div></td></tr>"
        )
    content = f"""
<div class="subheader">
    <h1>{name}</h1>
    <div id="tabs">
        <a class="youarehere" href="?tab=general">general</a>
        <a href="?tab=prefs">prefs</a>
        <a href="?tab=recent">recent</a>
        <a href="?tab=replies">replies</a>
        <a href="?tab=conversations">conversations</a>
    </div>
</div>
<div class="xxl-info-layout" style="float:left;">
<div class="usercard-xxl">
    <table><tbody><tr>
        <td style="width: 128px; text-align: center; vertical-align: top;">
            <img src="https://www.gravatar.com/avatar/{user.email_hash}?s=128&amp;d=identicon"
                height="128" width="128" alt="{name}" class="user-gravatar-128" /></td>
        <td style="vertical-align: top; padding-left:10px; width: 180px;">
            <div class="user-status" style="float:left">{status}</div>
            <table class="user-stats"><tbody>
                <tr><td class="user-keycell">chat user since</td>
                    <td class="user-valuecell">{_utc(user.created).date().isoformat()}</td></tr>
                <tr><td class="user-keycell">last message</td>
                    <td class="user-valuecell">{ago(now, user.last_post)}</td></tr>
                <tr><td class="user-keycell">last seen</td>
                    <td class="user-valuecell">{ago(now, user.last_seen)}</td></tr>
                <tr><td class="user-keycell">about</td>
                    <td class="user-valuecell">{escape(user.about)}</td></tr>
                {parent}
            </tbody></table>
        </td>
    </tr></tbody></table>
    <br />
    <form action="/search" method="get">
        <input type="hidden" name="user" value="{user.id}" />
        <input class="button" type="submit" value="search for messages containing" />
        <input type="text" name="q" />
    </form>
    <div class="user-message-count-xxl" title="{msgs} all time messages">{msgs}</div>
    <div class="user-room-count-xxl" title="{rooms} all time rooms">{rooms}</div>
</div>
<div id="user-owningcards">
    <h2>Owner of these rooms</h2>
    {"".join(roomcard(server, r, user) for r in owned)}
</div>
</div><div class="xxl-info-layout" style="float:right;">
<div id="user-roomcards">
    <div class="subtabs">
        <a class="youarehere" href="/users/{user.id}/{user.slug}?tab=general&amp;rooms=current"
            >currently in rooms</a>
        <a href="/users/{user.id}/{user.slug}?tab=general&amp;rooms=frequent"
            >frequently in rooms</a>
    </div>
    <div id="user-roomcards-container" class="clear-both">
        {"".join(roomcard(server, r, user) for r in present)}
    </div>
</div>
</div>
"""
    return _page(server, viewer, f"User {user.name} | {HOSTS[server.slug][0]}", content, fkey)


def history_page(server: ChatServer, msg: Message, viewer: User | None, fkey: str) -> str:
    """``/messages/<id>/history``: the current version, then every revision newest first."""
    owner = server.users.get(msg.user_id)

    def block(html: str, source: str, when: float, label: str, user: User | None) -> str:
        uid = user.id if user else msg.user_id
        return f"""<div class="monologue user-{uid}">
{signature(user, uid)}
    <div class="messages">
        <div class="timestamp">{clock_text(when)}</div>
        <div class="message" id="message-{msg.id}">
            <a name="{msg.id}" href="/transcript/{msg.room_id}?m={msg.id}#{msg.id}">
                <span class="action-link"><span class="img"> </span></span></a>
            {label}
            <div class="content">{html}</div>
            <div class="message-source">{escape(source)}</div>
            <span class="flash">{_stars_html(msg, viewer)}</span>
        </div>
    </div>
</div>
"""

    current = msg.html if not msg.deleted else '<span class="deleted">(removed)</span>'
    parts = [
        f"<h2>Message history</h2>{block(current, msg.source, msg.time, '', owner)}",
        "<h2>Revisions</h2>",
    ]
    if msg.deleted:
        who = server.users.get(msg.deleted_by or msg.user_id)
        parts.append(block("", "", msg.time, "<b>deleted</b>", who))
    revs = msg.revisions or []
    for k in range(len(revs) - 1, -1, -1):
        rev = revs[k]
        label = "<b>edited:</b>" if k > 0 else "<b>said:</b>"
        parts.append(block(rev.html, rev.source, rev.time, label, server.users.get(rev.user_id)))
    for uid in sorted(msg.pinners):
        u = server.users.get(uid)
        if u is not None:
            parts.append(
                f'<p><span class="stars owner-star"></span> pinned by '
                f'<a href="/users/{u.id}/{u.slug}">{escape(u.name)}</a></p>'
            )
    return _page(server, viewer, "Message history", "\n".join(parts), fkey)


def replies_page(server: ChatServer, user: User, viewer: User | None, fkey: str) -> str:
    """``/users/<id>?tab=replies``: the messages that mentioned or replied to the user, newest
    first, one monologue each. Only the user sees the list (others get it empty); the messages
    not acknowledged yet (``/messages/ack``) carry the class ``unread`` (the devserver's marker:
    no capture shows the real one)."""
    items: list[str] = []
    if viewer is not None and viewer.id == user.id:
        unread = server.unread_mentions.get(user.id, set())
        for message_id in reversed(server.mentions.get(user.id, [])):
            msg = server.messages.get(message_id)
            if msg is None or msg.deleted:
                continue
            html = message_html(server, msg, viewer, None)
            if message_id in unread:
                html = html.replace('class="message"', 'class="message unread"', 1)
            author = server.users.get(msg.user_id)
            items.append(
                f'<div class="monologue user-{msg.user_id}">\n{signature(author, msg.user_id)}\n'
                f'    <div class="messages">{html}</div>\n</div>'
            )
    content = f"""
<div class="subheader">
    <h1>{escape(user.name)}</h1>
    <div id="tabs">
        <a href="/users/{user.id}/{user.slug}?tab=general">general</a>
        <a href="/users/{user.id}/{user.slug}?tab=recent">recent</a>
        <a href="/users/{user.id}/{user.slug}?tab=replies" class="youarehere">replies</a>
    </div>
</div>
<div id="user-replies">
{"".join(items)}
</div>
"""
    return _page(server, viewer, f"User {user.name} | {HOSTS[server.slug][0]}", content, fkey)
