"""Real-page markup the captures do not exercise (stars, pins, message pages, room info, profiles,
history) and wrong pages: each raises ParseError naming the URL and what was missing."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from chatexchange._parser import (
    parse_message_history,
    parse_message_source,
    parse_room_info,
    parse_rooms_list,
    parse_transcript,
    parse_user_profile,
)
from chatexchange._time import UTC
from chatexchange.errors import ParseError


def monologue(user: int, name: str, *messages: str, stamp: str | None = None) -> str:
    shown = f'<div class="timestamp">{stamp}</div>' if stamp else ""
    return (
        f'<div class="monologue user-{user}"><div class="signature"><div class="username">'
        f'<a href="/users/{user}/x" title="{name}">{name}</a></div></div>'
        f'<div class="messages">{shown}{"".join(messages)}</div></div>'
    )


def message(mid: int, content: str, flash: str = "", extra: str = "", cls: str = "") -> str:
    return (
        f'<div class="message{cls}" id="message-{mid}">'
        f'<a name="{mid}" href="/transcript/7?m={mid}">'
        f'<span class="action-link"><span class="img"> </span></span></a>{extra}'
        f'<div class="content">{content}</div><span class="flash">{flash}</span></div>'
    )


def transcript(body: str, title: str = "Room Seven - 2024-05-03", canonical: str = "") -> str:
    link = f'<link rel="canonical" href="{canonical}" />' if canonical else ""
    return (
        f"<html><head><title>{title}</title>{link}</head><body><div id='main'>"
        f"<div id='transcript'>{body}</div></div><div id='info'><div class='room-mini'>"
        "<span class='room-name'><a href='/rooms/7/room-seven'>Room Seven</a></span></div></div>"
        "</body></html>"
    )


STAR = (
    '<span class="stars vote-count-container{cls}"><span class="img vote"></span>'
    '<span class="times">{n}</span></span>'
)


def test_stars_pins_partial_and_text() -> None:
    body = transcript(
        monologue(
            5, "Eve",
            message(1, "plain", STAR.format(cls="", n="")),
            message(2, "x", STAR.format(cls=" owner-star user-star", n="4")),
            message(3, "<div class='partial'>line one<br>line two</div>"),
            message(4, "<span class='deleted'>(removed)</span>"),
            message(5, "<div class='onebox ob-youtube'><a href='#'>v</a></div>"),
            stamp="11:59 PM",
        )
    )  # fmt: skip
    page = parse_transcript(body, "https://chat.stackexchange.com/transcript/7/2024/5/3")
    m = {x.id: x for x in page.messages}
    assert (m[1].stars, m[1].pinned, m[1].starred) == (1, False, False)
    assert (m[2].stars, m[2].pinned, m[2].starred) == (4, True, True)
    assert m[3].partial and m[3].content_text == "line one\nline two"
    assert m[4].deleted and not m[3].deleted
    assert m[5].onebox == "youtube"
    assert m[1].time == datetime(2024, 5, 3, 23, 59, tzinfo=UTC)
    assert (page.room_id, page.room_name, page.date) == (7, "Room Seven", date(2024, 5, 3))
    assert page.hours == () and (page.start_hour, page.end_hour) == (0, 24)


def test_message_page_time_rules() -> None:
    """Undated first monologue: the slice start; later messages inherit the shown time."""
    body = transcript(
        monologue(1, "A", message(10, "a"))
        + monologue(2, "B", message(12, "b"), stamp="11:05 AM")
        + monologue(1, "A", message(11, "c"), message(13, "d", cls=" highlight"))
        + monologue(2, "B", message(14, "e"), stamp="10:58 PM"),
        canonical="/transcript/7/2024/5/3/11-23",
    )
    page = parse_transcript(body, "https://chat.stackexchange.com/transcript/message/13")
    assert [x.id for x in page.messages] == [10, 12, 11, 13, 14]
    at = datetime(2024, 5, 3, 11, tzinfo=UTC)
    assert [x.time for x in page.messages] == [
        at,
        at + timedelta(minutes=5),
        at + timedelta(minutes=5),
        at + timedelta(minutes=5),
        datetime(2024, 5, 3, 22, 58, tzinfo=UTC),
    ]
    assert [x.highlighted for x in page.messages] == [False, False, False, True, False]
    assert (page.start_hour, page.end_hour) == (11, 23)


@pytest.mark.parametrize(
    ("stamps", "url", "what"),
    [
        (("3:00 AM", "5:10 AM"), "/transcript/7/2024/5/3/5-6", r"03:00 outside .* 05:00-06:00"),
        (("5:10 AM", "6:00 AM"), "/transcript/7/2024/5/3/5-6", r"06:00 outside .* 05:00-06:00"),
        (("5:58 AM", "5:00 PM"), "/transcript/7/2024/5/3/5-6", r"17:00 outside"),
        (("11:05 PM", "12:10 AM"), "/transcript/7/2024/5/3", r"00:10 earlier than .* \(23:05\)"),
        (("1:54 AM", "1:00 AM"), "/transcript/7/2024/5/3/1-2", r"01:00 earlier than"),
    ],
)
def test_times_outside_the_page_or_backwards_raise(
    stamps: tuple[str, str], url: str, what: str
) -> None:
    """A page names one date and an hour range: a time outside it or going back is garbled."""
    body = transcript(
        monologue(1, "A", message(1, "a"), stamp=stamps[0])
        + monologue(2, "B", message(2, "b"), stamp=stamps[1])
    )
    with pytest.raises(ParseError, match=what):
        parse_transcript(body, "https://chat.stackexchange.com" + url)


def test_dates_and_slices_must_agree() -> None:
    body = transcript(monologue(1, "A", message(1, "a")), canonical="/transcript/7/2024/5/4")
    with pytest.raises(ParseError, match="different dates"):
        parse_transcript(body, "u")
    page = parse_transcript(body.replace("2024/5/4", "2024/5/3"), "u")
    assert page.date == date(2024, 5, 3)
    sliced = transcript(monologue(1, "A", message(1, "a")), canonical="/transcript/7/2024/5/3/2-4")
    pager = "<div class='pager'><span class='page-numbers current'>01:00 - 02:00</span></div>"
    with pytest.raises(ParseError, match="not the pager's current one"):
        parse_transcript(sliced.replace("<div id='transcript'>", pager + "<div id='transcript'>"))


@pytest.mark.parametrize(
    ("body", "what"),
    [
        ("<html><head><title>Page Not Found</title></head><body><h1>404</h1></body></html>",
         "#transcript not found.*Page Not Found"),
        ("", "empty page"),
        (transcript(monologue(1, "A", message(1, "x"))).replace("monologue user-1", "monologue")
         .replace('href="/users/1/x"', ""), "user id"),
        (transcript(monologue(1, "A", message(1, "x"))).replace('id="message-1"', "")
         .replace('name="1"', ""), "message without an id"),
        (transcript(monologue(1, "A", message(1, "x"))).replace('class="content"', 'class="body"'),
         r"message 1 has no \.content"),
        (transcript(monologue(1, "A", message(1, "x"), stamp="soon")), "unreadable timestamp"),
        (transcript(monologue(1, "A", message(1, "x"))).replace('"monologue ', '"chat-log '),
         r"messages outside a monologue"),
        (transcript(monologue(1, "A", message(1, "x"))).replace('"messages"', '"items"'),
         r"monologue of user 1 has no messages"),
        (transcript(monologue(1, "A", message(1, "x"))).replace('"message"', '"post"'),
         r"unknown element in the messages of user 1 \(class 'post', id 'message-1'\)"),
        (transcript(monologue(1, "A", message(1, "x"), stamp="1:05 PM"))
         .replace('"timestamp"', '"time"'), "unknown element in the messages of user 1"),
        (transcript(monologue(1, "A", message(1, "x")) + '<div class="message" id="message-2">'
         '<div class="content">y</div></div>'), "messages outside a monologue"),
        (transcript("").replace("/rooms/7/room-seven", "/elsewhere"), "the room"),
        (transcript("", title="Room Seven"), "page date"),
    ],
)  # fmt: skip
def test_transcript_errors(body: str, what: str) -> None:
    url = "https://chat.stackexchange.com/transcript/7"
    with pytest.raises(ParseError, match=what) as info:
        parse_transcript(body, url)
    assert info.value.url == url and url in str(info.value)


ROOM_INFO = """<html><head><title>Overview</title></head><body><div id="content">
<div class="subheader"><h1>The Hat Room</h1></div>
<div class="roomcard-xxl" id="room-92764">
  <div class="favorite-room-vote favorite-room"></div>
  <h1>The Hat Room</h1><p>Welcome to the <b>pit</b>.</p>
  <div><a class="tag" href="#">hats</a> <a class="tag" href="#">fun</a></div>
  <table class="room-stats"><tr><td class="room-keycell">first message</td><td>2015-10-19</td></tr>
  <tr><td class="room-keycell">last message</td><td>18 minutes ago</td></tr></table>
  <div class="room-message-count-xxl" title="123287 all time messages">123k</div>
  <div class="room-user-count-xxl" title="all time users">1042</div>
  <img class="small-site-logo" title="Stack Overflow" src="#" />
</div>
<div id="room-ownercards"><div id="owner-user-366904" class="usercard">
  <div class="user-header" title="Cody Gray"><h3><a class="username moderator"
  href="/users/366904/cody-gray">Cody Gray&nbsp;♦</a></h3>
  <span class="reputation-score" title="231342">231k</span>
  <div class="user-message-info" title="hello">hello</div></div></div></div>
<div id="room-usercards-container"><div id="user-15497888" class="usercard">
  <div class="user-header" title="Henry Ecker"><h3><a class="username"
  href="/users/15497888/henry-ecker">Henry Ecker</a></h3>
  <span class="reputation-score">31.9k</span></div></div></div>
</div></body></html>"""


def test_room_info() -> None:
    info = parse_room_info(ROOM_INFO, "https://chat.stackoverflow.com/rooms/info/92764")
    assert (info.room_id, info.name, info.description) == (
        92764,
        "The Hat Room",
        "Welcome to the pit.",
    )
    assert info.description_html == "Welcome to the <b>pit</b>."
    assert info.tags == ("hats", "fun") and info.favorite
    assert (info.message_count, info.user_count) == (123287, 1042)
    assert (info.first_message, info.last_message) == (date(2015, 10, 19), "18 minutes ago")
    assert info.parent_site == "Stack Overflow"
    (owner,) = info.owners
    assert (owner.user_id, owner.name, owner.moderator, owner.reputation, owner.about) == (
        366904, "Cody Gray", True, 231342, "hello")  # fmt: skip
    (user,) = info.users
    assert (user.user_id, user.name, user.moderator, user.reputation) == (
        15497888, "Henry Ecker", False, 31900)  # fmt: skip


PROFILE = """<html><head><title>User FrankerZ</title></head><body><div id="content">
<div class="subheader"><h1>FrankerZ</h1></div><div class="usercard-xxl">
<div class="user-status">FrankerZ ♦</div><table class="user-stats">
<tr><td class="user-keycell">chat user since</td><td class="user-valuecell">2015-05-26</td></tr>
<tr><td class="user-keycell">last message</td><td class="user-valuecell">49m ago</td></tr>
<tr><td class="user-keycell">last seen</td><td class="user-valuecell">14s ago</td></tr>
<tr><td class="user-keycell">about <span id="edit-message-container">(<a href="#">edit</a>)</span>
</td><td class="user-valuecell">You&#39;re awesome!</td></tr>
<tr><td class="user-keycell">parent user</td><td class="user-valuecell">
<a href="//stackoverflow.com/users/4875631/frankerz">FrankerZ</a>
<span class="reputation-score" title="15026">15k</span></td></tr></table>
<div class="user-message-count-xxl" title="8671 all time messages">8671</div>
<div class="user-room-count-xxl" title="44 all time rooms">44</div></div>
<div id="user-owningcards"><div id="room-177119" class="roomcard deleted">
<span class="room-name"><a href="/transcript/177119">NotepadDev Test</a></span>
<div class="room-description" title="Testing">Testing</div>
<div class="last-activity">89d ago</div>
<div class="room-users"><a class="user-gravatar32" href="/users/4875631/frankerz"></a></div>
<div class="room-message-count" title="44 all time messages (by FrankerZ)"><a>44</a></div>
</div></div><div id="user-roomcards-container"></div></div></body></html>"""


def test_user_profile() -> None:
    p = parse_user_profile(PROFILE, "https://chat.stackoverflow.com/users/4875631/frankerz")
    assert (p.user_id, p.name, p.moderator, p.reputation) == (4875631, "FrankerZ", True, 15026)
    assert (p.message_count, p.room_count, p.user_since) == (8671, 44, date(2015, 5, 26))
    assert (p.last_seen, p.last_message) == (timedelta(seconds=14), timedelta(minutes=49))
    assert p.about == "You're awesome!"
    assert (p.parent_user_id, p.parent_site) == (4875631, "stackoverflow.com")
    (room,) = p.rooms_owned
    # "44 all time messages (by FrankerZ)": the profile user's messages, not the room's
    assert (room.room_id, room.name, room.deleted, room.message_count) == (
        177119, "NotepadDev Test", True, None)  # fmt: skip
    assert room.user_message_count == 44
    assert room.user_ids == (4875631,) and p.rooms == ()


def test_rooms_list() -> None:
    body = PROFILE.replace('id="user-owningcards"', 'id="roomlist"').replace(
        "</body>",
        "<div class='pager'><span class='page-numbers current'>2</span>"
        "<a><span class='page-numbers'>3</span></a></div></body>",
    )
    rooms = parse_rooms_list(body, "https://chat.stackoverflow.com/rooms?page=2")
    assert [r.room_id for r in rooms.rooms] == [177119]
    assert (rooms.page, rooms.page_count) == (2, 3)


HISTORY = """<html><head><title>History</title></head><body><div id="content">
<h2>current</h2>
<div class="monologue user-1"><div class="username"><a href="/users/1/a">A</a></div>
<div class="messages"><div class="timestamp">1:02 PM</div><div class="message" id="message-9">
<a href="/transcript/7?m=9#9"></a><div class="content">new <i>text</i></div>
<span class="flash"><span class="stars owner-star"><span class="times">2</span></span></span>
</div></div></div>
<p><span class="stars owner-star"></span> pinned by <a href="/users/4/d">D</a></p>
<h2>history</h2>
<div class="monologue user-1"><div class="username"><a href="/users/1/a">A</a></div>
<div class="messages"><b>edited:</b><div class="content">new <i>text</i></div>
<div class="message-source">new *text*</div></div></div>
<div class="monologue user-1"><div class="username"><a href="/users/1/a">A</a></div>
<div class="messages"><b>said:</b><div class="content">old</div>
<div class="message-source">old</div></div></div>
</div></body></html>"""


def test_message_history() -> None:
    h = parse_message_history(HISTORY, "https://chat.stackexchange.com/messages/9/history")
    assert (h.message_id, h.room_id, h.stars, h.pinned, h.pinned_by, h.deleted) == (
        9, 7, 2, True, (4,), False)  # fmt: skip
    assert [r.label for r in h.revisions] == [None, "edited", "said"]
    assert h.revisions[0].content_text == "new text"
    assert [r.source for r in h.revisions] == [None, "new *text*", "old"]
    said = '<div class="monologue user-1"><div class="username"><a href="/users/1/a">A</a>'
    said += '</div>\n<div class="messages"><b>said:'
    changed = HISTORY.replace(said, said.replace('"monologue ', '"revision '))
    assert changed != HISTORY
    with pytest.raises(ParseError, match="revision outside the monologue markup"):
        parse_message_history(changed, "https://chat.stackexchange.com/messages/9/history")


def test_message_source() -> None:
    assert parse_message_source("**hi** <b>", "u") == "**hi** <b>"
    with pytest.raises(ParseError, match="message source"):
        parse_message_source(b"<!DOCTYPE html><html><title>Not found</title></html>", "u")


@pytest.mark.parametrize(
    ("parse", "what"),
    [
        (parse_transcript, r"#transcript not found"),
        (parse_room_info, r"room card \(\.roomcard-xxl\) not found"),
        (parse_user_profile, r"user card \(\.usercard-xxl\) not found"),
        (parse_rooms_list, "room list"),
        (parse_message_history, "message revisions"),
    ],
)
def test_wrong_pages_raise(parse, what: str) -> None:
    url = "https://chat.stackexchange.com/x"
    error_page = (
        "<html><head><title>Oops! Something Bad Happened!</title></head><body></body></html>"
    )
    with pytest.raises(ParseError, match=what) as info:
        parse(error_page, url)
    assert info.value.url == url and "Oops" in str(info.value)
    login = (
        "<html><body><form id='login-form'><input type='password' name='password'></form>"
        "</body></html>"
    )
    with pytest.raises(ParseError, match="login page"):
        parse(login, url)
