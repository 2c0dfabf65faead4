"""Mutated real captures: a parser raises ``ParseError`` or returns records that agree with the
unmutated parse everywhere the mutation did not touch what a field is read from.

A field read from a mutated element may change or go missing; every other field must keep its
value, and no message may be lost or added. What a field is read from:

* a message's own fields (id, content, parent, edits, stars, flags): the ``.message`` element;
* its owner (id, name, ``mine``): its monologue outside the messages (signature, classes);
* its time: the ``.timestamp`` elements before it, and the page's date and hour range;
* page fields (room, date, day links, pager, viewer): anything outside ``#transcript``.

Mutations: class tokens swapped for others the parsers know, attributes dropped, digits changed
(also to non-ASCII digits: ``①``, ``²``, ``٣``), timestamps garbled, the page truncated at any
byte, an unclosed ``<!--``, nesting deeper than libxml2 reads and text nodes over 10 MB. The
number of examples is bounded so the whole module runs in seconds.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from chatexchange._parser import TranscriptPage, parse_favorite, parse_transcript
from chatexchange.errors import ParseError

from .conftest import CAPTURES, FAVORITE_URL, TRANSCRIPT_URL

RAW = (CAPTURES / "transcript-se-11540-2017-11-17-1-2.html").read_bytes()
FAVORITE = (CAPTURES / "favorite-se-2014.html").read_bytes()
BASE = parse_transcript(RAW, TRANSCRIPT_URL)
BASE_SESSION = parse_favorite(FAVORITE, FAVORITE_URL)

CONTENT = (
    "id", "content_html", "content_text", "parent_id", "edits", "deleted", "stars", "pinned",
    "onebox", "starred", "partial", "highlighted",
)  # fmt: skip
OWNER = ("owner_id", "owner_name", "mine")
TIME = ("time", "time_shown")
PAGE = (
    "room_id", "room_name", "date", "first_day", "previous_day", "next_day", "last_day", "hours",
    "start_hour", "end_hour", "viewer_id",
)  # fmt: skip
TOKENS = (
    "message", "messages", "monologue", "timestamp", "content", "reply-info", "edits", "deleted",
    "partial", "stars", "owner-star", "user-star", "times", "flash", "username", "signature",
    "highlight", "mine", "system-message-container", "pager", "current", "page-numbers",
    "room-name", "room-mini", "button", "icon", "calendar", "onebox", "user-7", "x",
)  # fmt: skip
ODD_DIGITS = "①²٣߁０"


def _tree(raw: bytes) -> etree._Element:
    return etree.fromstring(raw, etree.HTMLParser(encoding="utf-8"))


def _serialize(root: etree._Element) -> bytes:
    return etree.tostring(root, method="html", encoding="utf-8")


def _touched_map(root: etree._Element) -> list[tuple[str, ...]]:
    """For every element (document order), which (group, message index) pairs it feeds."""
    elements = list(root.iter())
    position = {el: k for k, el in enumerate(elements)}
    transcript = root.xpath("//div[@id='transcript']")[0]
    messages = transcript.xpath("./div[contains(@class,'monologue')]/div[@class='messages']/div")
    messages = [m for m in messages if "message" in (m.get("class") or "").split()]
    assert len(messages) == len(BASE.messages)
    starts = [position[m] for m in messages]
    inside_transcript = set(transcript.iter())
    ancestors = set(transcript.iterancestors()) | {transcript}
    out: list[tuple[str, ...]] = []
    everything = tuple(f"{g}:{i}" for g in ("time", "owner") for i in range(len(messages)))
    for el in elements:
        if el in ancestors:
            out.append(("page", *everything))
            continue
        if el not in inside_transcript:
            out.append(("page", *(f"time:{i}" for i in range(len(messages)))))
            continue
        touched: list[str] = []
        message = next((m for m in messages if el is m or m in el.iterancestors()), None)
        if message is not None:
            touched.append(f"content:{messages.index(message)}")
        else:
            stamp = el if "timestamp" in (el.get("class") or "") else None
            for up in el.iterancestors():
                if "timestamp" in (up.get("class") or ""):
                    stamp = up
            mono = next(
                (up for up in [el, *el.iterancestors()] if "monologue" in (up.get("class") or "")),
                None,
            )
            if mono is not None:
                mine = [i for i, m in enumerate(messages) if mono in m.iterancestors()]
                touched += [f"owner:{i}" for i in mine]
                if mine and stamp is None:
                    touched += [f"time:{i}" for i in range(mine[0], len(messages))]
            if stamp is not None:
                after = [i for i, s in enumerate(starts) if s > position[stamp]]
                touched += [f"time:{i}" for i in after]
        out.append(tuple(touched))
    return out


BASE_TREE = _tree(RAW)
TOUCHED = _touched_map(BASE_TREE)
ELEMENTS = len(TOUCHED)


def check_agrees(page: TranscriptPage, touched: tuple[str, ...]) -> None:
    """The property: untouched fields equal the unmutated parse; no message lost or added."""
    assert len(page.messages) == len(BASE.messages), "a message was lost or invented"
    if "page" not in touched:
        for name in PAGE:
            assert getattr(page, name) == getattr(BASE, name), name
    for i, (got, want) in enumerate(zip(page.messages, BASE.messages, strict=True)):
        groups = {"content": CONTENT, "owner": OWNER, "time": TIME}
        for group, names in groups.items():
            if f"{group}:{i}" in touched:
                continue
            for name in names:
                assert getattr(got, name) == getattr(want, name), (i, name)
        if "page" not in touched:
            assert got.room_id == want.room_id


def outcome(parse: Callable[[bytes], Any], body: bytes) -> Any:
    """The parse result, or ``None`` for ParseError; anything else escapes and fails the test."""
    try:
        return parse(body)
    except ParseError as exc:
        assert exc.url is not None
        return None


def _transcript(body: bytes) -> TranscriptPage:
    return parse_transcript(body, TRANSCRIPT_URL)


def _mutate(root: etree._Element, data: st.DataObject) -> int | None:
    elements = list(root.iter())
    el = elements[data.draw(st.integers(0, len(elements) - 1), label="element")]
    kind = data.draw(
        st.sampled_from(["swap-class", "add-class", "drop-attribute", "digit", "odd-digit"]),
        label="kind",
    )
    if kind in ("swap-class", "add-class"):
        tokens = (el.get("class") or "").split()
        new = data.draw(st.sampled_from(TOKENS), label="token")
        if kind == "swap-class" and tokens:
            tokens[data.draw(st.integers(0, len(tokens) - 1))] = new
        else:
            tokens.append(new)
        el.set("class", " ".join(tokens))
    elif kind == "drop-attribute":
        names = sorted(el.attrib)
        if names:
            del el.attrib[data.draw(st.sampled_from(names), label="attribute")]
    else:
        places = [("attr", n) for n, v in el.attrib.items() if re.search(r"\d", v)]
        if el.text and re.search(r"\d", el.text):
            places.append(("text", ""))
        if not places:
            return None
        where, name = data.draw(st.sampled_from(places), label="place")
        value = el.get(name) if where == "attr" else el.text
        digits = [k for k, c in enumerate(value) if c.isdigit()]
        k = data.draw(st.sampled_from(digits), label="digit")
        pool = ODD_DIGITS if kind == "odd-digit" else "0123456789"
        value = value[:k] + data.draw(st.sampled_from(pool)) + value[k + 1 :]
        if where == "attr":
            el.set(name, value)
        else:
            el.text = value
    return elements.index(el)


def test_serialized_capture_parses_like_the_capture() -> None:
    """The mutations below work on a re-serialized tree: unmutated, it parses identically."""
    assert _transcript(_serialize(_tree(RAW))) == BASE


@settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.data())
def test_element_mutations(data: st.DataObject) -> None:
    root = _tree(RAW)
    index = _mutate(root, data)
    page = outcome(_transcript, _serialize(root))
    if page is not None and index is not None:
        check_agrees(page, TOUCHED[index])


STAMPS = [m.start(1) for m in re.finditer(rb'<div class="timestamp">([^<]*)</div>', RAW)]


@settings(max_examples=150, deadline=None, derandomize=True, database=None)
@given(
    st.sampled_from(STAMPS),
    st.one_of(
        st.builds(
            "{}:{:02d} {}".format,
            st.integers(0, 13),
            st.integers(0, 70),
            st.sampled_from(["AM", "PM", "am", ""]),
        ),
        st.text(max_size=8),
    ),
)
def test_garbled_times(at: int, clock: str) -> None:
    end = RAW.index(b"<", at)
    body = RAW[:at] + clock.encode("utf-8", "surrogatepass").replace(b"<", b"") + RAW[end:]
    page = outcome(_transcript, body)
    if page is not None:
        before = len(re.findall(rb'class="message[ "]', RAW[:at]))
        check_agrees(page, tuple(f"time:{i}" for i in range(before, len(BASE.messages))))


TAGS = [m.start() for m in re.finditer(rb"<(?!/)", RAW[RAW.index(b"<body") :])]
BODY_AT = RAW.index(b"<body")


@settings(max_examples=250, deadline=None, derandomize=True, database=None)
@given(st.integers(0, len(RAW) - 1))
def test_truncated_at_any_byte(cut: int) -> None:
    """A page cut short raises (unless only the trailing whitespace went)."""
    page = outcome(_transcript, RAW[:cut])
    assert page is None or (page == BASE and not RAW[cut:].strip())


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(st.sampled_from(TAGS), st.sampled_from([b"<!--", b"<!-- x ", b"<!---"]))
def test_unclosed_comment(at: int, opener: bytes) -> None:
    at += BODY_AT
    assert outcome(_transcript, RAW[:at] + opener + RAW[at:]) is None


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(st.sampled_from(TAGS), st.integers(256, 400), st.sampled_from([b"<div>", b"<span>", b"<b>"]))
def test_nesting_deeper_than_the_parser_reads(at: int, depth: int, tag: bytes) -> None:
    at += BODY_AT
    assert outcome(_transcript, RAW[:at] + tag * depth + RAW[at:]) is None


@pytest.mark.parametrize("where", [0.1, 0.5, 0.9])
def test_text_node_over_10_mb(where: float) -> None:
    at = BODY_AT + TAGS[int(len(TAGS) * where)]
    huge = b"lorem ipsum " * (11 * 1024 * 1024 // 12)
    assert outcome(_transcript, RAW[:at] + huge + RAW[at:]) is None


def test_a_comment_hiding_page_markup_raises() -> None:
    """A stray ``<!--`` that meets a later ``-->`` hides everything between: that raises too."""
    first = RAW.index(b'<div class="monologue', RAW.index(b'<div class="monologue') + 10)
    second = RAW.index(b'<div class="monologue', first + 10)
    body = RAW[:first] + b"<!--" + RAW[first:second] + b"-->" + RAW[second:]
    assert outcome(_transcript, body) is None
    spacer = RAW[:first] + b"<!-- \n  -->" + RAW[first:]
    assert outcome(_transcript, spacer) == BASE, "a comment holding no markup is harmless"


# -------------------------------------------------------------------------------------------------
# The favorite page: fkey from input#fkey, the user from the topbar link.

FAV_TREE = _tree(FAVORITE)
FAV_SOURCES = {
    k
    for k, el in enumerate(FAV_TREE.iter())
    if el.get("id") == "fkey"
    or any("topbar-menu-links" in (up.get("class") or "") for up in [el, *el.iterancestors()])
}


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.data())
def test_favorite_mutations(data: st.DataObject) -> None:
    root = _tree(FAVORITE)
    index = _mutate(root, data)
    session = outcome(lambda b: parse_favorite(b, FAVORITE_URL), _serialize(root))
    if session is not None and index is not None and index not in FAV_SOURCES:
        assert dataclasses.astuple(session) == dataclasses.astuple(BASE_SESSION)


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(st.integers(0, len(FAVORITE) - 1))
def test_favorite_truncated(cut: int) -> None:
    session = outcome(lambda b: parse_favorite(b, FAVORITE_URL), FAVORITE[:cut])
    assert session is None or not FAVORITE[cut:].strip()
