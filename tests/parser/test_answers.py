"""Action answers: pingable users, bookmark answers and the replies tab, wrong shapes included."""

from __future__ import annotations

import pytest

from chatexchange import _parser
from chatexchange.errors import ParseError


def test_pingable_rows_and_missing_times() -> None:
    users = _parser.parse_pingable(b'[[1, "Alice", 1700000000, 0], [2, "Bob"]]', "u")
    assert [(u.user_id, u.name) for u in users] == [(1, "Alice"), (2, "Bob")]
    assert users[0].last_seen is not None and users[0].last_post is None
    assert users[1].last_seen is None


@pytest.mark.parametrize("body", [b"<html></html>", b'{"a": 1}', b'[["x", "y"]]', b"[[1]]"])
def test_pingable_wrong_shapes_name_the_url(body: bytes) -> None:
    with pytest.raises(ParseError, match="pingable-url"):
        _parser.parse_pingable(body, "pingable-url")


def test_bookmark_answer_ok_refusal_and_wrong_shapes() -> None:
    ok = _parser.parse_bookmark_answer(
        b'{"ok": true, "message": "The conversation <a href=\\"/rooms/7/conversation/'
        b'a-b\\">A &amp; B</a> has been bookmarked."}'
    )
    assert (ok.room_id, ok.slug, ok.title) == (7, "a-b", "A & B")
    assert _parser.parse_bookmark_answer(b'"Please give a title"') == "Please give a title"
    for body in (b'{"ok": true, "message": "no link"}', b"{}", b"oops"):
        with pytest.raises(ParseError, match="bm-url"):
            _parser.parse_bookmark_answer(body, "bm-url")


def test_replies_tab_needs_its_list() -> None:
    page = b"<html><head><title>User Bob</title></head><body><div id='content'></div></body></html>"
    with pytest.raises(ParseError, match="replies"):
        _parser.parse_mentions(page, "replies-url")
    empty = page.replace(b"<div id='content'>", b"<div id='content'><div id='user-replies'></div>")
    assert _parser.parse_mentions(empty, "replies-url") == ()
