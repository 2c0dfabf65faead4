"""Transcript pages: ``/transcript/<room>[/<Y>/<M>/<D>[/<h0>-<h1>]]``, ``/transcript/message/<id>``.

Messages come out in document order, which is chronological but not always id order. The page has
no per-message times; see ``_Clock`` for how they are reconstructed.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import NamedTuple

from lxml import etree

from .._time import UTC
from ..errors import ParseError
from ._html import (
    XPath,
    cls,
    date_from_path,
    expect_page,
    guarded,
    has_class,
    inner_html,
    int_or_none,
    iso_date,
    missing,
    page_title,
    parse_html,
    text_of,
)
from .records import HourSlice, TranscriptMessage, TranscriptPage

__all__ = ["TranscriptReader", "parse_clock_time", "parse_transcript"]

# One scan of the document finds the three landmarks; everything else is looked up below them
# (each "//" over a whole transcript page costs as much as the rest of the work per page).
_LANDMARKS = XPath("//div[@id='transcript' or @id='info' or @id='main']")
_USER_LINK = XPath(".//div[" + cls("username") + "]//a[@href]")
_USERNAME = XPath("string(.//div[" + cls("username") + "])")
_AVATAR_ALT = XPath(".//div[" + cls("signature") + "]//img/@alt")
_ITEMS = XPath("./div[" + cls("messages") + "]/div")
_NAV = XPath("./a[" + cls("button") + "][@href]")
_PAGER = XPath("(./div[" + cls("pager") + "])[1]/*")
_PAGER_DEEP = XPath("(//div[" + cls("pager") + "])[1]/*")
_CANONICAL = XPath("string((/html/head/link[@rel='canonical'])[1]/@href)")
_ROOM_LINK = XPath("(.//*[" + cls("room-name") + "]//a[@href])[1]")
_ROOM_LINK_DEEP = XPath("(//*[" + cls("room-mini") + "]//*[" + cls("room-name") + "]//a[@href])[1]")
_ROOM_INPUT = XPath("string((//input[@name='room'])[1]/@value)")
_CURRENT_DAY = XPath("string((.//div[" + cls("icon") + "][div[@class='calendar']])[1]/@title)")
_STARS = XPath(".//*[" + cls("stars") + "]")
#: Everything under ``#transcript`` that looks like a message (by class or by id).
_MESSAGE_MARKS = XPath(".//div[starts-with(@id, 'message-') or " + cls("message") + "]")
_ONEBOX = XPath(".//*[" + cls("onebox") + "]/@class")
_INIT = re.compile(rb"initTranscript\(\s*\w+\s*,\s*(-?\d+)\s*,\s*\w+\s*,\s*\w+\s*,\s*(\d+)")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})\s*([AaPp][Mm])?")
_SLICE = re.compile(r"/(\d{1,2})-(\d{1,2})/?(?:[?#]|$)")
_HOURS_TEXT = re.compile(r"(\d{1,2}):\d{2}\s*-\s*(\d{1,2}):\d{2}")
_ID_IN_HREF = re.compile(r"(?:#|[?&]m=)(\d+)")
_USER_PATH = re.compile(r"/users/(-?\d+)")
_ROOM_PATH = re.compile(r"/rooms/(\d+)")
_TRANSCRIPT_ROOM = re.compile(r"/transcript/(\d+)")


def parse_clock_time(text: str) -> time | None:
    """``"1:05 PM"`` -> 13:05; also accepts 24-hour ``"13:05"``. ``None`` when there is no time."""
    m = _CLOCK.search(text)
    if m is None:
        return None
    hour, minute, half = int(m[1]), int(m[2]), m[3]
    if half is not None:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half in ("PM", "pm", "Pm", "pM") else 0)
    if hour > 23 or minute > 59:
        return None
    return time(hour, minute)


def _times(
    day: date, start_hour: int, end_hour: int, shown: list[time | None], url: str | None
) -> list[datetime]:
    """Reconstruct message times (the rule is documented in docs/parsing.md).

    A shown ``.timestamp`` (UTC, minute resolution) applies to the message after it and to every
    following message up to the next shown one, so each time is a lower bound. Messages before the
    first shown timestamp get the start of the page's hour range (00:00 for a whole day). Every
    shown time must lie in that range and none may be earlier than the one before: a page names
    one date and never spans midnight, so a time outside its hours or going backwards is a garbled
    page, not a guess to make.
    """
    combine = datetime.combine
    low, high = start_hour * 60, end_hour * 60
    current = combine(day, time(start_hour), UTC)
    previous = low
    times = []
    for clock in shown:
        if clock is not None:
            minute = clock.hour * 60 + clock.minute
            if not low <= minute < high:
                raise ParseError(
                    f"time {clock:%H:%M} outside the page's hours "
                    f"{start_hour:02d}:00-{end_hour:02d}:00",
                    url,
                )
            if minute < previous:
                raise ParseError(
                    f"time {clock:%H:%M} earlier than the time shown before it "
                    f"({previous // 60:02d}:{previous % 60:02d})",
                    url,
                )
            previous = minute
            current = combine(day, clock, UTC)
        times.append(current)
    return times


def _owner(monologue: etree._Element, url: str | None) -> tuple[int, str | None]:
    user_id = None
    for name in (monologue.get("class") or "").split():
        if name.startswith("user-"):
            user_id = int_or_none(name[5:])
            break
    links = _USER_LINK(monologue)
    owner_name = None
    if links:
        link = links[0]
        owner_name = link.get("title") or " ".join("".join(link.itertext()).split()) or None
        if user_id is None:
            m = _USER_PATH.search(link.get("href", ""))
            if m is not None:
                user_id = int(m[1])
    else:
        owner_name = " ".join(_USERNAME(monologue).split()) or None
    if owner_name is None:
        alts = _AVATAR_ALT(monologue)
        owner_name = alts[0] if alts else None
    if user_id is None:
        raise ParseError("monologue without a user id (no user-<id> class or user link)", url)
    return user_id, owner_name


def _stars(message: etree._Element) -> tuple[int, bool, bool]:
    """(star count, pinned, starred by the viewer) from the ``.flash`` markup."""
    count = 0
    pinned = starred = False
    for el in _STARS(message):
        names = (el.get("class") or "").split()
        if "owner-star" in names:
            pinned = True
        if "user-star" in names:
            starred = True
        times = None
        for child in el.iter():
            if has_class(child, "times"):
                times = "".join(child.itertext()).strip()
                break
        n = int_or_none(times) if times else 1
        count = max(count, n if n is not None else 1)
    return count, pinned, starred


def _message(
    el: etree._Element,
    room_id: int,
    owner_id: int,
    owner_name: str | None,
    stamp: datetime,
    shown: bool,
    mine: bool,
    url: str | None,
) -> TranscriptMessage:
    raw_id = el.get("id", "")
    message_id = int_or_none(raw_id[8:]) if raw_id.startswith("message-") else None
    parent_id = None
    edits = 0
    content = None
    has_flash = False
    for child in el:
        tag = child.tag
        if tag == "a":
            names = child.get("class")
            if names is not None and "reply-info" in names.split():
                m = _ID_IN_HREF.search(child.get("href", ""))
                if m is not None:
                    parent_id = int(m[1])
            else:
                if message_id is None:
                    message_id = int_or_none(child.get("name"))
                for span in child.iter("span"):
                    if has_class(span, "edits"):
                        edits = 1
                        break
        elif tag == "div":
            if content is None and has_class(child, "content"):
                content = child
        elif tag == "span" and len(child) and has_class(child, "flash"):
            has_flash = True
    if message_id is None:
        raise ParseError("message without an id (no message-<id> or a[name])", url)
    if content is None:
        raise ParseError(f"message {message_id} has no .content", url)
    deleted = False
    onebox = None
    partial = False
    first_child = content[0] if len(content) else None
    if first_child is not None and not (content.text or "").strip():
        first_class = first_child.get("class") or ""
        if first_child.tag == "span" and "deleted" in first_class.split():
            deleted = True
        elif "partial" in first_class.split():
            partial = True
    if deleted:
        html = text = ""
    else:
        html = inner_html(content)
        text = text_of(content)
        if first_child is not None:
            for value in _ONEBOX(content):
                for name in value.split():
                    if name.startswith("ob-"):
                        onebox = name[3:]
                        break
                else:
                    onebox = "onebox"
                break
    stars, pinned, starred = _stars(el) if has_flash else (0, False, False)
    return TranscriptMessage(
        message_id,
        room_id,
        owner_id,
        owner_name,
        html,
        text,
        parent_id,
        edits,
        deleted,
        stars,
        pinned,
        onebox,
        stamp,
        shown,
        starred,
        partial,
        has_class(el, "highlight"),
        mine,
    )


def _nav(main: etree._Element | None) -> dict[str, date | None]:
    found: dict[str, date | None] = {}
    for a in _NAV(main) if main is not None else ():
        rel = a.get("rel")
        text = "".join(a.itertext()).lower()
        if rel == "prev" or "previous" in text:
            key = "previous"
        elif rel == "next" or "next day" in text:
            key = "next"
        elif "first" in text:
            key = "first"
        elif "last" in text:
            key = "last"
        else:
            continue
        if key not in found:
            found[key] = date_from_path(a.get("href")) or iso_date(a.get("title"))
    return found


def _hours(
    root: etree._Element, main: etree._Element | None
) -> tuple[tuple[HourSlice, ...], tuple[int, int] | None]:
    slices = []
    current = None
    items = _PAGER(main) if main is not None else []
    for el in items or _PAGER_DEEP(root):
        text = "".join(el.itertext())
        m = _HOURS_TEXT.search(text)
        if m is None:
            continue
        start, end = int(m[1]), int(m[2])
        if end <= start:
            end += 24
        is_current = el.tag != "a" and has_class(el, "current")
        if el.tag == "a":
            inner = el.find("span")
            is_current = inner is not None and has_class(inner, "current")
        slices.append(HourSlice(start, end, is_current))
        if is_current:
            current = (start, end)
    return tuple(slices), current


def _room(
    root: etree._Element, info: etree._Element | None, body: bytes | str, url: str | None
) -> tuple[int, str | None]:
    links = (_ROOM_LINK(info) if info is not None else []) or _ROOM_LINK_DEEP(root)
    if links:
        m = _ROOM_PATH.search(links[0].get("href", ""))
        if m is not None:
            name = " ".join("".join(links[0].itertext()).split())
            return int(m[1]), name or None
    raw = body.encode() if isinstance(body, str) else body
    init = _INIT.search(raw)
    if init is not None:
        return int(init[2]), None
    room = int_or_none(_ROOM_INPUT(root))
    if room is not None:
        return room, None
    raise missing(root, url, "the room (sidebar room link, initTranscript or room input)")


def _page_date(
    root: etree._Element, info: etree._Element | None, canonical: str, url: str | None
) -> date:
    """The page's date: title, current-day calendar and canonical link must agree (the URL is
    only a fallback: it may be a message link without a date)."""
    title = page_title(root)
    m = re.search(r" - (\d{4}-\d{2}-\d{2})", title)
    named = {
        "title": iso_date(m[1]) if m else None,
        "calendar": iso_date(_CURRENT_DAY(info)) if info is not None else None,
        "canonical link": date_from_path(canonical),
    }
    found = {where: day for where, day in named.items() if day is not None}
    if len(set(found.values())) > 1:
        said = ", ".join(f"{where} {day}" for where, day in found.items())
        raise ParseError(f"the page names different dates ({said})", url)
    day = next(iter(found.values()), None) or date_from_path(url)
    if day is None:
        raise missing(root, url, "the page date (title, calendar, canonical link or URL)")
    return day


def _span(
    canonical: str, url: str | None, current: tuple[int, int] | None, page_url: str | None
) -> tuple[int, int]:
    """The page's UTC hours: canonical link, else the URL; the pager's current slice must agree."""
    span = None
    for candidate in (canonical, url or ""):
        m = _SLICE.search(candidate)
        if m is not None:
            span = (int(m[1]), int(m[2]))
            break
    if span is not None and current is not None and span != current:
        raise ParseError(
            f"the hour slice of the link ({span[0]}-{span[1]}) is not the pager's current one "
            f"({current[0]}-{current[1]})",
            page_url,
        )
    span = span or current or (0, 24)
    if not 0 <= span[0] < span[1] <= 24:
        raise ParseError(f"impossible hour range {span[0]}-{span[1]}", page_url)
    return span


@guarded
def parse_transcript(body: bytes | str, url: str | None = None) -> TranscriptPage:
    """A transcript page -> ``TranscriptPage``; ``ParseError`` when it is not one."""
    return TranscriptReader(body, url).page()


class TranscriptReader:
    """A transcript page read in two steps: creating it reads the page's frame (room, day, hour
    slices, the day links: ``next_day``); :meth:`page` then reads the messages, most of the work.
    The history import requests the next day's page between the two. ``ParseError`` from either
    step when it is not a transcript page."""

    def __init__(self, body: bytes | str, url: str | None = None) -> None:
        self._body = body
        self._url = url
        self._frame = _read_frame(body, url)
        self.next_day: date | None = self._frame.nav.get("next")

    def page(self) -> TranscriptPage:
        """The whole page, messages included."""
        return _read_page(self._body, self._url, self._frame)


class _Frame(NamedTuple):
    transcript: etree._Element
    canonical: str  # "" when the page has no canonical link (XPath string())
    room_id: int
    room_name: str
    day: date
    hours: tuple[HourSlice, ...]
    span: tuple[int, int]
    nav: dict[str, date | None]


@guarded
def _read_frame(body: bytes | str, url: str | None) -> _Frame:
    root = parse_html(body, url)
    landmarks = {el.get("id"): el for el in reversed(_LANDMARKS(root))}
    transcript = landmarks.get("transcript")
    if transcript is None:
        expect_page(root, url, "a transcript page")
        raise missing(root, url, "#transcript")
    info = landmarks.get("info")
    main = landmarks.get("main")
    room_id, room_name = _room(root, info, body, url)
    title = page_title(root)
    if room_name is None:
        m = re.match(r"(.*) - \d{4}-\d{2}-\d{2}", title)
        room_name = m[1].strip() if m else None
    if not room_name:
        raise missing(root, url, "the room name (sidebar room link or title)")
    canonical: str = _CANONICAL(root)
    day = _page_date(root, info, canonical, url)
    hours, current = _hours(root, main)
    span = _span(canonical, url, current, url)
    return _Frame(transcript, canonical, room_id, room_name, day, hours, span, _nav(main))


@guarded
def _read_page(body: bytes | str, url: str | None, frame: _Frame) -> TranscriptPage:
    transcript, canonical, room_id, room_name, day, hours, span, nav = frame
    raw = body.encode() if isinstance(body, str) else body
    init = _INIT.search(raw)
    viewer_id = int_or_none(init[1].decode("ascii")) if init is not None else None

    found_messages: list[tuple[etree._Element, int, str | None, bool]] = []
    shown: list[time | None] = []
    for monologue in _monologues(transcript, url):
        owner_id, owner_name = _owner(monologue, url)
        mine = has_class(monologue, "mine")
        pending = None
        count = len(found_messages)
        for item in _ITEMS(monologue):
            names = (item.get("class") or "").split()
            if "timestamp" in names:
                pending = parse_clock_time("".join(item.itertext()))
                if pending is None:
                    raise ParseError(f"unreadable timestamp {text_of(item)!r}", url)
            elif "message" in names:
                found_messages.append((item, owner_id, owner_name, mine))
                shown.append(pending)
                pending = None
            else:
                raise ParseError(
                    f"unknown element in the messages of user {owner_id} "
                    f"(class {item.get('class')!r}, id {item.get('id')!r})",
                    url,
                )
        if len(found_messages) == count:
            raise ParseError(
                f"monologue of user {owner_id} has no messages (.messages > .message)", url
            )
    marked = len(_MESSAGE_MARKS(transcript))
    if marked != len(found_messages):
        raise ParseError(
            f"{marked} elements look like messages but {len(found_messages)} are in the "
            "monologue markup (.monologue > .messages > .message)",
            url,
        )
    times = _times(day, span[0], span[1], shown, url)
    messages = [
        _message(item, room_id, owner_id, owner_name, stamp, clock is not None, mine, url)
        for (item, owner_id, owner_name, mine), stamp, clock in zip(
            found_messages, times, shown, strict=True
        )
    ]
    return TranscriptPage(
        url or canonical,
        room_id,
        room_name,
        day,
        nav.get("first"),
        nav.get("previous"),
        nav.get("next"),
        nav.get("last"),
        hours,
        messages,
        span[0],
        span[1],
        viewer_id,
    )


def _monologues(transcript: etree._Element, url: str | None) -> list[etree._Element]:
    """The monologues of ``#transcript``; any other child holding a message is changed markup."""
    found = []
    for child in transcript:
        if not isinstance(child.tag, str):
            continue
        names = (child.get("class") or "").split()
        if child.tag == "div" and "monologue" in names:
            found.append(child)
        elif "system-message-container" in names or not (
            "message" in names
            or (child.get("id") or "").startswith("message-")
            or _MESSAGE_MARKS(child)
        ):
            continue
        else:
            raise ParseError(
                f"messages outside a monologue (in <{child.tag} class={child.get('class')!r}>)",
                url,
            )
    return found
