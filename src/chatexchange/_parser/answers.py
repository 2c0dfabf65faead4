"""Answers of the action endpoints and the mention inbox -> plain records.

``/rooms/pingable/<room>`` (JSON 4-tuples), ``/conversation/new`` (JSON ``{"ok", "message"}`` or a
JSON string saying why not) and the profile's replies tab (one monologue per message that mentioned
or replied to the viewer). Like the other parsers: bytes or str in, frozen records out, and a
payload of the wrong shape raises ``ParseError`` naming the URL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import orjson

from .._time import from_timestamp
from ..errors import ParseError
from ._html import (
    XPath,
    cls,
    expect_page,
    first,
    guarded,
    has_class,
    inner_html,
    missing,
    parse_html,
    text_of,
)

__all__ = [
    "BookmarkAnswer",
    "Mention",
    "PingableUser",
    "parse_bookmark_answer",
    "parse_mentions",
    "parse_pingable",
]


@dataclass(frozen=True, slots=True)
class PingableUser:
    """A user a ``@name`` in the room reaches: present now or talking there lately
    (``room.pingable_users()``)."""

    user_id: int
    name: str
    last_seen: datetime | None
    last_post: datetime | None


@dataclass(frozen=True, slots=True)
class BookmarkAnswer:
    """A bookmarked conversation as ``/conversation/new`` announces it."""

    room_id: int
    slug: str
    title: str
    message_html: str


@dataclass(frozen=True, slots=True)
class Mention:
    """A message that mentioned or replied to you (``server.mentions()``); ``unread`` until
    acknowledged with ``server.ack_mentions(...)``."""

    message_id: int
    room_id: int
    user_id: int | None
    user_name: str | None
    content_html: str
    content_text: str
    unread: bool


def _json(body: bytes | str, url: str | None, what: str) -> object:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise ParseError(f"{what} is not JSON", url) from None


def _stamp(value: object) -> datetime | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return from_timestamp(value)
    return None


@guarded
def parse_pingable(body: bytes | str, url: str | None = None) -> tuple[PingableUser, ...]:
    """``/rooms/pingable/<room>``: ``[[user_id, name, last_seen, last_post], ...]``."""
    data = _json(body, url, "the pingable users answer")
    if not isinstance(data, list):
        raise ParseError("the pingable users answer is not a list", url)
    out = []
    for row in data:
        if (
            not isinstance(row, list)
            or len(row) < 2
            or not isinstance(row[0], int)
            or not isinstance(row[1], str)
        ):
            raise ParseError(f"unexpected pingable user entry {row!r:.80}", url)
        seen = _stamp(row[2]) if len(row) > 2 else None
        post = _stamp(row[3]) if len(row) > 3 else None
        out.append(PingableUser(row[0], row[1], seen, post))
    return tuple(out)


_CONVERSATION_LINK = re.compile(
    r"""<a\s+href=["'][^"']*/rooms/(\d+)/conversation/([^"'/?#]+)["'][^>]*>(.*?)</a>""",
    re.IGNORECASE | re.DOTALL,
)
_TAGS = re.compile(r"<[^>]+>")


@guarded
def parse_bookmark_answer(body: bytes | str, url: str | None = None) -> BookmarkAnswer | str:
    """``/conversation/new``: the bookmark, or the server's text saying why it refused."""
    data = _json(body, url, "the bookmark answer")
    if isinstance(data, str):
        return data
    if not isinstance(data, dict) or not data.get("ok") or not isinstance(data.get("message"), str):
        raise ParseError("the bookmark answer has neither 'ok' and 'message' nor a text", url)
    message = data["message"]
    link = _CONVERSATION_LINK.search(message)
    if link is None:
        raise ParseError("the bookmark answer does not link the conversation", url)
    from html import unescape

    title = unescape(_TAGS.sub("", link[3])).strip()
    return BookmarkAnswer(int(link[1]), link[2], title, message)


_REPLIES = XPath("//*[@id='user-replies']")
_MONOLOGUES = XPath(".//div[" + cls("monologue") + "]")
_MESSAGES = XPath(".//div[" + cls("message") + "][starts-with(@id, 'message-')]")
_USER_LINK = XPath("(.//*[" + cls("username") + "]//a[@href])[1]")
_USERNAME = XPath("(.//*[" + cls("username") + "])[1]")
_CONTENT = XPath("(.//*[" + cls("content") + "])[1]")
_TRANSCRIPT_LINK = XPath("(.//a[contains(@href, '/transcript/')])[1]")
_USER_PATH = re.compile(r"/users/(-?\d+)")
_ROOM_PATH = re.compile(r"/transcript/(\d+)")


@guarded
def parse_mentions(body: bytes | str, url: str | None = None) -> tuple[Mention, ...]:
    """``/users/<me>?tab=replies``: the mentions and replies listed there, newest first."""
    root = parse_html(body, url)
    replies = first(_REPLIES(root))
    if replies is None:
        expect_page(root, url, "the replies tab of a user profile")
        raise missing(root, url, "the replies list (#user-replies)")
    out = []
    for monologue in _MONOLOGUES(replies):
        link = first(_USER_LINK(monologue))
        user_id = user_name = None
        if link is not None:
            m = _USER_PATH.search(link.get("href", ""))
            user_id = int(m[1]) if m is not None else None
            user_name = link.get("title") or text_of(link) or None
        else:
            name = first(_USERNAME(monologue))
            user_name = (text_of(name) or None) if name is not None else None
        for message in _MESSAGES(monologue):
            message_id = int(message.get("id", "")[8:])
            link_el = first(_TRANSCRIPT_LINK(message))
            room = _ROOM_PATH.search(link_el.get("href", "") if link_el is not None else "")
            if room is None:
                raise missing(root, url, f"the room of message {message_id}")
            content = first(_CONTENT(message))
            out.append(
                Mention(
                    message_id,
                    int(room[1]),
                    user_id,
                    user_name,
                    inner_html(content).strip() if content is not None else "",
                    text_of(content) if content is not None else "",
                    has_class(message, "unread"),
                )
            )
    return tuple(out)
