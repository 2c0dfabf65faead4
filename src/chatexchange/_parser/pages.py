"""Chat pages other than transcripts: sessions (fkey, current user), login page, room info, user
profile, rooms list, message history and message source.

Each function checks that the page is the one it expects (the element that identifies it) before
reading anything, so an error page or a login page raises ``ParseError`` instead of yielding empty
or wrong records.
"""

from __future__ import annotations

import re

from lxml import etree

from .._time import parse_ago
from ..errors import ParseError
from ._html import (
    XPath,
    cls,
    expect_page,
    first,
    guarded,
    has_class,
    inner_html,
    int_or_none,
    iso_date,
    missing,
    parse_html,
    text_of,
)
from .records import (
    ChatSession,
    MessageHistory,
    Revision,
    RoomCard,
    RoomInfo,
    RoomsList,
    UserCard,
    UserProfile,
)

__all__ = [
    "parse_ago",
    "parse_favorite",
    "parse_login_page",
    "parse_message_history",
    "parse_message_html",
    "parse_message_source",
    "parse_room_info",
    "parse_rooms_list",
    "parse_user_profile",
]

_USER_PATH = re.compile(r"/users/(-?\d+)")
_FIRST_INT = re.compile(r"-?\d[\d,]*")


def _text(el: etree._Element | None) -> str:
    """Whitespace-collapsed text (``&nbsp;`` included)."""
    if el is None:
        return ""
    return " ".join("".join(el.itertext()).replace("\xa0", " ").split())


def _count(el: etree._Element | None) -> int | None:
    """A count from ``title="123287 all time messages"``, else from the text (``"8671"``)."""
    if el is None:
        return None
    for source in (el.get("title") or "", _text(el)):
        m = _FIRST_INT.match(source.strip())
        if m is not None:
            return int(m[0].replace(",", ""))
    return None


# --------------------------------------------------------------------------------------------------
# Sessions

_FKEY = XPath("(//input[@id='fkey' or @name='fkey'][@value != ''])[1]/@value")
_ANY_FKEY_INPUT = XPath("//input[@id='fkey' or @name='fkey']")
_TOPBAR_USER = XPath(
    "(//*[" + cls("topbar-menu-links") + "]//a[contains(@href, '/users/')]"
    " | //*[" + cls("topbar") + "]//a[" + cls("my-profile") + "][contains(@href, '/users/')])"
)
_ACTIVE_USER = XPath("//*[@id='active-user']/@class")
#: Transcript pages name their viewer only here: ``initTranscript(true, <viewer id>, ...)``.
_INIT_VIEWER = re.compile(rb"initTranscript\(\s*true\s*,\s*(\d+)\s*,")


@guarded
def parse_favorite(body: bytes | str, url: str | None = None) -> ChatSession:
    """Any chat page (``/chats/join/favorite`` in practice) -> the chat fkey and the current user.

    An anonymous page gives ``user_id=None``; a page without an fkey (or a login page) raises.
    """
    root = parse_html(body, url)
    expect_page(root, url, "a chat page")
    fkeys = _FKEY(root)
    if not fkeys:
        raise missing(root, url, "the fkey input (#fkey)")
    user_id = user_name = None
    for link in _TOPBAR_USER(root):
        m = _USER_PATH.search(link.get("href", ""))
        if m is not None:
            user_id = int(m[1])
            user_name = link.get("title") or _text(link) or None
            break
    if user_id is None:
        for value in _ACTIVE_USER(root):
            for name in value.split():
                if name.startswith("user-"):
                    user_id = int_or_none(name[5:])
    if user_id is None:
        raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
        init = _INIT_VIEWER.search(raw)
        if init is not None and int(init[1]) > 0:
            user_id = int(init[1])
    return ChatSession(fkeys[0].strip(), user_id, user_name)


_LOGIN_FORMS = XPath(
    "//form[@id='login-form' or contains(@action, 'login')][.//input[@type='password']]"
)
_LOGIN_FKEY = XPath(".//input[@name='fkey']/@value")
_SCRIPTS = XPath("//script/text()")
_INIT_FKEY = re.compile(r"StackExchange\.init\(.*?\"fkey\"\s*:\s*\"([0-9A-Za-z]+)\"", re.DOTALL)


@guarded
def parse_login_page(body: bytes | str, url: str | None = None) -> str:
    """The login page of a main site (``/users/login``) -> the fkey its login form posts."""
    root = parse_html(body, url)
    forms = _LOGIN_FORMS(root)
    if not forms:
        expect_page(root, url, "the login form")
        raise missing(root, url, "the login form (a form with a password field)")
    for form in forms:
        value: str
        for value in _LOGIN_FKEY(form):
            if value.strip():
                return value.strip()
    page_fkeys: list[str] = _FKEY(root)
    if page_fkeys:
        return page_fkeys[0].strip()
    for script in _SCRIPTS(root):
        m = _INIT_FKEY.search(script)
        if m is not None:
            return m[1]
    raise missing(root, url, "the login form's fkey (fkey input or StackExchange.init data)")


# --------------------------------------------------------------------------------------------------
# Room info

_ROOMCARD_XXL = XPath("//div[" + cls("roomcard-xxl") + "]")
_SUBHEADER_H1 = XPath("(//div[" + cls("subheader") + "]//h1)[1]")
_H1 = XPath("(.//h1)[1]")
_DESCRIPTION = XPath("(./p)[1]")
_TAGS = XPath(".//a[" + cls("tag") + "]")
_FAVORITE = XPath(".//*[" + cls("favorite-room-vote") + "]")
_STATS_ROWS = XPath(".//table[" + cls("room-stats") + "]//tr")
_KEYCELL = XPath("./td[" + cls("room-keycell") + "]")
_MSG_COUNT_XXL = XPath("(.//*[" + cls("room-message-count-xxl") + "])[1]")
_USER_COUNT_XXL = XPath("(.//*[" + cls("room-user-count-xxl") + "])[1]")
_SITE_LOGO = XPath("(.//img[" + cls("small-site-logo") + "])[1]/@title")
_OWNER_BOX = XPath("//*[@id='room-ownercards']")
_USER_BOX = XPath("//*[@id='room-usercards-container']")
#: Cards by class or by id: a card whose class changed must not just vanish from the record.
_USERCARD_LIKE = XPath(
    ".//div["
    + cls("usercard")
    + " or starts-with(@id, 'user-') or starts-with(@id, 'owner-user-')]"
)
_USER_MSG_COUNT_CARD = XPath("(.//*[" + cls("user-message-count") + "])[1]")
_PERMALINK = XPath("(.//a[" + cls("permalink") + "])[1]/@href")
_CARD_HEADER = XPath("(.//*[" + cls("user-header") + "])[1]")
_CARD_USERNAME = XPath("(.//a[" + cls("username") + "])[1]")
_CARD_LINK = XPath("(.//a[contains(@href, '/users/')])[1]/@href")
_REP = XPath("(.//*[" + cls("reputation-score") + "])[1]")
_ABOUT = XPath("(.//*[" + cls("user-message-info") + "])[1]")


def _reputation(el: etree._Element | None) -> int | None:
    """Exact reputation from ``title``; the text may be abbreviated (``31.9k``)."""
    if el is None:
        return None
    exact = int_or_none(el.get("title"))
    if exact is not None:
        return exact
    text = _text(el).lower().replace(",", "")
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([km]?)", text)
    if m is None:
        return None
    scale = {"": 1, "k": 1000, "m": 1_000_000}[m[2]]
    return int(float(m[1]) * scale)


def _usercard(card: etree._Element, url: str | None) -> UserCard:
    user_id = None
    card_id = card.get("id") or ""
    m = re.search(r"user-(-?\d+)$", card_id)
    if m is not None:
        user_id = int(m[1])
    else:
        hrefs = _CARD_LINK(card)
        m = _USER_PATH.search(hrefs[0]) if hrefs else None
        user_id = int(m[1]) if m is not None else None
    if user_id is None:
        raise ParseError(f"user card {card_id!r} without a user id", url)
    username = first(_CARD_USERNAME(card))
    header = first(_CARD_HEADER(card))
    name = (header.get("title") if header is not None else None) or _text(username)
    name = name.replace("♦", "").strip()
    moderator = username is not None and (
        has_class(username, "moderator") or "♦" in "".join(username.itertext())
    )
    about_el = first(_ABOUT(card))
    about = (about_el.get("title") or _text(about_el)) if about_el is not None else None
    last = _PERMALINK(card)
    lm = re.search(r"/transcript/message/(\d+)", last[0]) if last else None
    return UserCard(
        user_id,
        name,
        moderator,
        _reputation(first(_REP(card))),
        about or None,
        _count(first(_USER_MSG_COUNT_CARD(card))),
        int(lm[1]) if lm is not None else None,
    )


def _cards(
    box: etree._Element | None, like: etree.XPath, name: str, url: str | None
) -> list[etree._Element]:
    """The cards (class ``name``) in ``box``; anything shaped like one without the class raises."""
    if box is None:
        return []
    found: list[etree._Element] = like(box)
    for el in found:
        if not has_class(el, name):
            raise ParseError(
                f"changed markup: <{el.tag} id={el.get('id')!r} class={el.get('class')!r}> "
                f"where a .{name} was expected",
                url,
            )
    return found


@guarded
def parse_room_info(body: bytes | str, url: str | None = None) -> RoomInfo:
    """``/rooms/info/<id>`` -> ``RoomInfo`` (owners and the users currently in the room)."""
    root = parse_html(body, url)
    card = first(_ROOMCARD_XXL(root))
    if card is None:
        expect_page(root, url, "a room info page")
        raise missing(root, url, "the room card (.roomcard-xxl)")
    m = re.search(r"room-(\d+)$", card.get("id") or "")
    if m is None and url:
        m = re.search(r"/rooms/info/(\d+)", url)
    if m is None:
        raise missing(root, url, "the room id (.roomcard-xxl#room-<id>)")
    room_id = int(m[1])
    name = _text(first(_H1(card))) or _text(first(_SUBHEADER_H1(root)))
    if not name:
        raise missing(root, url, "the room name")
    description_el = first(_DESCRIPTION(card))
    first_message = last_message = None
    for row in _STATS_ROWS(card):
        key = first(_KEYCELL(row))
        if key is None:
            continue
        cells = row.findall("td")
        value = _text(cells[-1]) if len(cells) > 1 else ""
        label = _text(key).lower()
        if label.startswith("first message"):
            first_message = iso_date(value)
        elif label.startswith("last message"):
            last_message = value or None
    favorite_el = first(_FAVORITE(card))
    logos = _SITE_LOGO(card)
    return RoomInfo(
        url or "",
        room_id,
        name,
        text_of(description_el) if description_el is not None else None,
        inner_html(description_el) if description_el is not None else None,
        tuple(_text(tag) for tag in _TAGS(card)),
        tuple(
            _usercard(c, url)
            for c in _cards(first(_OWNER_BOX(root)), _USERCARD_LIKE, "usercard", url)
        ),
        tuple(
            _usercard(c, url)
            for c in _cards(first(_USER_BOX(root)), _USERCARD_LIKE, "usercard", url)
        ),
        _count(first(_MSG_COUNT_XXL(card) or _MSG_COUNT_XXL(root))),
        _count(first(_USER_COUNT_XXL(card) or _USER_COUNT_XXL(root))),
        first_message,
        last_message,
        logos[0] if logos else None,
        favorite_el is not None and has_class(favorite_el, "favorite-room"),
    )


# --------------------------------------------------------------------------------------------------
# Room cards (profile pages and the rooms list)

_ROOMCARDS = XPath(".//div[" + cls("roomcard") + " or starts-with(@id, 'room-')]")
_ROOM_NAME = XPath("(.//*[" + cls("room-name") + "])[1]")
_ROOM_DESCRIPTION = XPath("(.//*[" + cls("room-description") + "])[1]")
_ROOM_MSG_COUNT = XPath("(.//*[" + cls("room-message-count") + "])[1]")
_LAST_ACTIVITY = XPath("(.//*[" + cls("last-activity") + "])[1]")
_ROOM_USERS = XPath(".//*[" + cls("room-users") + "]//a[contains(@href, '/users/')]/@href")


def _roomcard(card: etree._Element, url: str | None) -> RoomCard:
    m = re.fullmatch(r"room-(\d+)", card.get("id") or "")
    if m is None:
        raise ParseError(f"room card {card.get('id')!r} without a room id", url)
    name_el = first(_ROOM_NAME(card))
    name = _text(name_el) or (name_el.get("title") if name_el is not None else "") or ""
    description_el = first(_ROOM_DESCRIPTION(card))
    description = None
    if description_el is not None:
        description = description_el.get("title") or _text(description_el) or None
    activity_el = first(_LAST_ACTIVITY(card))
    activity = last_user = None
    if activity_el is not None:
        # "23h ago – <a href="/users/7/x">X</a>": when, then who posted last
        activity = " ".join((activity_el.text or "").replace("\u2013", " ").split()) or None
        link = activity_el.find(".//a[@href]")
        lm = _USER_PATH.search(link.get("href", "")) if link is not None else None
        last_user = int(lm[1]) if lm is not None else None
        if activity is None and link is None:
            activity = _text(activity_el) or None
    users = []
    for href in _ROOM_USERS(card):
        um = _USER_PATH.search(href)
        if um is not None:
            users.append(int(um[1]))
    count_el = first(_ROOM_MSG_COUNT(card))
    count = _count(count_el)
    room_total, by_user = count, None
    if count_el is not None and "(by " in (count_el.get("title") or ""):
        # a profile's card counts the profile user's messages in the room, not the room's
        room_total, by_user = None, count
    return RoomCard(
        int(m[1]),
        name,
        description,
        room_total,
        activity,
        tuple(users),
        has_class(card, "deleted"),
        has_class(card, "frozen"),
        by_user,
        last_user,
    )


_ROOMLIST = XPath("//*[@id='roomlist' or @id='rooms' or " + cls("roomlist") + "]")
_PAGER_CURRENT = XPath("(//*[" + cls("pager") + "]//*[" + cls("current") + "])[1]")
_PAGER_NUMBERS = XPath("//*[" + cls("pager") + "]//*[" + cls("page-numbers") + "]")


@guarded
def parse_rooms_list(body: bytes | str, url: str | None = None) -> RoomsList:
    """``/rooms`` -> the room cards of this page, with the pager's page and page count."""
    root = parse_html(body, url)
    containers = _ROOMLIST(root)
    if not containers:
        expect_page(root, url, "the rooms list")
        raise missing(root, url, "the room list (#roomlist)")
    cards = _cards(containers[0], _ROOMCARDS, "roomcard", url)
    page = int_or_none(_text(first(_PAGER_CURRENT(root))))
    numbers = [int_or_none(_text(el)) for el in _PAGER_NUMBERS(root)]
    known = [n for n in numbers if n is not None]
    return RoomsList(
        url or "",
        [_roomcard(card, url) for card in cards],
        page if page is not None else (1 if known else None),
        max(known) if known else None,
    )


# --------------------------------------------------------------------------------------------------
# User profile

_USERCARD_XXL = XPath("//div[" + cls("usercard-xxl") + "]")
_USER_STATUS = XPath("(.//*[" + cls("user-status") + "])[1]")
_STAT_ROWS = XPath(".//table[" + cls("user-stats") + "]//tr")
_USER_KEYCELL = XPath("(./td[" + cls("user-keycell") + "])[1]")
_USER_VALUECELL = XPath("(./td[" + cls("user-valuecell") + "])[1]")
_USER_MSG_COUNT = XPath("(//*[" + cls("user-message-count-xxl") + "])[1]")
_USER_ROOM_COUNT = XPath("(//*[" + cls("user-room-count-xxl") + "])[1]")
_OWNED = XPath("//*[@id='user-owningcards']")
_IN_ROOMS = XPath("//*[@id='user-roomcards-container' or @id='user-roomcards']")
_PROFILE_ID_HINTS = XPath(
    "//form[@action='/search']//input[@name='user']/@value"
    " | //input[@name='UserId' or @name='withUserId']/@value"
    " | //*[@id='tabs' or " + cls("subtabs") + "]//a[starts-with(@href, '/users/')]/@href"
)
_EDIT_LINK = XPath(".//*[@id='edit-message-container']")


@guarded
def parse_user_profile(body: bytes | str, url: str | None = None) -> UserProfile:
    """``/users/<id>`` -> ``UserProfile``."""
    root = parse_html(body, url)
    card = first(_USERCARD_XXL(root))
    if card is None:
        expect_page(root, url, "a user profile")
        raise missing(root, url, "the user card (.usercard-xxl)")
    user_id = None
    m = re.search(r"/users/(-?\d+)", url or "")
    if m is not None:
        user_id = int(m[1])
    else:
        for hint in _PROFILE_ID_HINTS(root):
            hm = _USER_PATH.search(hint)
            user_id = int(hm[1]) if hm is not None else int_or_none(hint)
            if user_id is not None:
                break
    if user_id is None:
        raise missing(root, url, "the user id (URL, search form or tab links)")
    status = first(_USER_STATUS(card))
    name = _text(first(_SUBHEADER_H1(root))) or _text(status)
    name = name.replace("♦", "").strip()
    if not name:
        raise missing(root, url, "the user name")
    moderator = status is not None and "♦" in "".join(status.itertext())
    values: dict[str, etree._Element] = {}
    for row in _STAT_ROWS(card):
        key, value = first(_USER_KEYCELL(row)), first(_USER_VALUECELL(row))
        if key is None or value is None:
            continue
        for edit in _EDIT_LINK(key):
            edit.getparent().remove(edit)
        values[_text(key).lower()] = value
    parent = values.get("parent user")
    parent_url = parent_id = parent_site = None
    reputation = None
    if parent is not None:
        link = parent.find(".//a[@href]")
        if link is not None:
            parent_url = link.get("href")
            pm = _USER_PATH.search(parent_url or "")
            parent_id = int(pm[1]) if pm is not None else None
            hm = re.match(r"(?:https?:)?//([^/]+)", parent_url or "")
            parent_site = hm[1] if hm is not None else None
        reputation = _reputation(first(_REP(parent)))
    about = values.get("about")
    owned = first(_OWNED(root))
    current = first(_IN_ROOMS(root))
    return UserProfile(
        url or "",
        user_id,
        name,
        moderator,
        reputation,
        _count(first(_USER_MSG_COUNT(root))),
        _count(first(_USER_ROOM_COUNT(root))),
        iso_date(_text(values.get("chat user since"))),
        parse_ago(_text(values.get("last seen"))),
        parse_ago(_text(values.get("last message"))),
        (_text(about) or None) if about is not None else None,
        parent_url,
        parent_id,
        parent_site,
        tuple(_roomcard(c, url) for c in _cards(owned, _ROOMCARDS, "roomcard", url)),
        tuple(_roomcard(c, url) for c in _cards(current, _ROOMCARDS, "roomcard", url)),
    )


# --------------------------------------------------------------------------------------------------
# Message history and source

_CONTENT = XPath("//*[@id='content']")
_HISTORY_MONOLOGUES = XPath(".//div[" + cls("monologue") + "]")
#: A revision's content outside every monologue: its monologue's markup changed.
_STRAY_CONTENT = XPath(
    ".//*[" + cls("content") + " or " + cls("message-source") + "]"
    "[not(ancestor::div[" + cls("monologue") + "])]"
)
_H_USER_LINK = XPath("(.//*[" + cls("username") + "]//a[@href])[1]")
_H_USERNAME = XPath("(.//*[" + cls("username") + "])[1]")
_H_TIMESTAMP = XPath("(.//*[" + cls("timestamp") + "])[1]")
_H_CONTENT = XPath("(.//*[" + cls("content") + "])[1]")
_H_SOURCE = XPath("(.//*[" + cls("message-source") + "])[1]")
# the revision's label ("edited:", "said:", "deleted"): a <b> outside the content (bold text in
# the message itself is not a label)
_H_LABEL = XPath(
    "(.//b[not(ancestor::*[" + cls("content") + " or " + cls("message-source") + "])])[1]"
)
_H_MESSAGE = XPath("(.//div[" + cls("message") + "])[1]")
_H_TRANSCRIPT_LINK = XPath("(.//*[" + cls("message") + "]//a[contains(@href, '/transcript/')])[1]")
_H_STARS = XPath(".//*[" + cls("stars") + "]")
_H_TIMES = XPath("(.//*[" + cls("times") + "])[1]")
_H_PIN_PARAS = XPath("./p[.//*[" + cls("owner-star") + "]]")


def _revision(monologue: etree._Element) -> Revision:
    link = first(_H_USER_LINK(monologue))
    user_id = user_name = None
    if link is not None:
        m = _USER_PATH.search(link.get("href", ""))
        user_id = int(m[1]) if m is not None else None
        user_name = link.get("title") or _text(link) or None
    else:
        user_name = _text(first(_H_USERNAME(monologue))) or None
    content = first(_H_CONTENT(monologue))
    source = first(_H_SOURCE(monologue))
    label_el = first(_H_LABEL(monologue))
    label = _text(label_el).rstrip(":").strip().lower() if label_el is not None else None
    return Revision(
        user_id,
        user_name,
        _text(first(_H_TIMESTAMP(monologue))) or None,
        inner_html(content) if content is not None else "",
        text_of(content) if content is not None else "",
        ("".join(source.itertext()).strip("\n") if source is not None else None),
        label or None,
    )


@guarded
def parse_message_history(body: bytes | str, url: str | None = None) -> MessageHistory:
    """``/messages/<id>/history`` -> revisions (current first), stars, pin and who pinned."""
    root = parse_html(body, url)
    content = first(_CONTENT(root))
    monologues = _HISTORY_MONOLOGUES(content) if content is not None else []
    if not monologues:
        expect_page(root, url, "a message history page")
        raise missing(root, url, "the message revisions (#content .monologue)")
    if _STRAY_CONTENT(content):
        raise ParseError("a revision outside the monologue markup (#content .monologue)", url)
    message_id = None
    m = re.search(r"/messages/(\d+)/history", url or "")
    if m is not None:
        message_id = int(m[1])
    else:
        message = first(_H_MESSAGE(monologues[0]))
        raw = message.get("id", "") if message is not None else ""
        message_id = int_or_none(raw[8:]) if raw.startswith("message-") else None
    if message_id is None:
        raise missing(root, url, "the message id (URL or .message#message-<id>)")
    room_id = None
    link = first(_H_TRANSCRIPT_LINK(monologues[0]))
    if link is not None:
        rm = re.search(r"/transcript/(\d+)", link.get("href", ""))
        room_id = int(rm[1]) if rm is not None else None
    revisions = tuple(_revision(mono) for mono in monologues)
    stars = 0
    pinned = False
    for el in _H_STARS(monologues[0]):
        pinned = pinned or has_class(el, "owner-star")
        count = _text(first(_H_TIMES(el)))
        stars = max(stars, (int_or_none(count) or 1) if count else 1)
    pinned_by = []
    for para in _H_PIN_PARAS(content):
        user_link = para.find(".//a[@href]")
        if user_link is not None:
            pm = _USER_PATH.search(user_link.get("href", ""))
            if pm is not None:
                pinned_by.append(int(pm[1]))
    return MessageHistory(
        url or "",
        message_id,
        room_id,
        revisions,
        stars,
        pinned or bool(pinned_by),
        tuple(pinned_by),
        any(r.label == "deleted" for r in revisions),
    )


_HTML_DOCUMENT = re.compile(rb"^\s*(?:<!doctype html|<html[\s>])", re.IGNORECASE)


@guarded
def parse_message_source(body: bytes | str, url: str | None = None) -> str:
    """``/message/<id>?plain=true`` -> the Markdown source; an HTML document there is an error."""
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    if _HTML_DOCUMENT.match(raw[:200]):
        root = parse_html(raw, url, whole=False)
        expect_page(root, url, "a message source")
        raise missing(root, url, "the message source (got an HTML page)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ParseError("message source is not UTF-8 text", url)


_FRAGMENT = XPath("//div[@id='chatexchange-fragment']")


@guarded
def parse_message_html(body: bytes | str, url: str | None = None) -> tuple[str, str]:
    """``/message/<id>`` -> ``(content_html, content_text)`` of the whole message.

    Transcripts shorten long multi-line messages (``.partial``); this endpoint answers the full
    rendered content as an HTML fragment. A whole HTML document there is an error page.
    """
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    if _HTML_DOCUMENT.match(raw[:200]):
        root = parse_html(raw, url, whole=False)
        expect_page(root, url, "a message's content")
        raise missing(root, url, "the message content (got an HTML page)")
    if not raw.strip():
        raise ParseError("empty message content", url)
    wrapped = b"<html><body><div id='chatexchange-fragment'>" + raw + b"</div></body></html>"
    root = parse_html(wrapped, url)
    holder = first(_FRAGMENT(root))
    if holder is None:
        raise ParseError("unreadable message content", url)
    return inner_html(holder), text_of(holder)
