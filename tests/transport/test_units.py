"""Transport pieces that need no server: message checks, refusal mapping, cookie files, dedupe."""

from __future__ import annotations

import os
import stat
from http.cookies import SimpleCookie

import aiohttp
import pytest
from yarl import URL

from chatexchange import errors
from chatexchange._parser import MessagePosted, UserEntered
from chatexchange._transport import ServerConnection, check_message
from chatexchange._transport.cookies import dump_jar, load_jar, read_cookies, save_cookies
from chatexchange._transport.session import Response, refusal_error, throttle_seconds
from chatexchange._transport.watch import Watcher


def _response(status: int, body: bytes, headers: dict[str, str] | None = None) -> Response:
    return Response("http://127.0.0.1/se/x", status, body, "text/plain", headers or {})


@pytest.mark.parametrize(
    ("slug", "login", "origin"),
    [
        ("se", "https://meta.stackexchange.com/users/login", "https://chat.stackexchange.com"),
        ("so", "https://stackoverflow.com/users/login", "https://chat.stackoverflow.com"),
        ("mse", "https://meta.stackexchange.com/users/login",
         "https://chat.meta.stackexchange.com"),
    ],
)  # fmt: skip
def test_login_host_and_origin_per_server(slug: str, login: str, origin: str) -> None:
    """The stackexchange.com server logs in on meta; the socket's Origin is the chat host."""
    http = ServerConnection(slug).http
    assert http.login("/users/login") == login
    assert http.origin == origin
    assert http.chat("/ws-auth") == origin + "/ws-auth"


def test_check_message_limits() -> None:
    assert check_message("hi") == "hi"
    assert check_message("x" * 500) == "x" * 500
    with pytest.raises(errors.MessageTooLongError):
        check_message("x" * 501)
    assert check_message("x" * 501, multiline=True) == "x" * 501 + "\n"
    long_multi = "a\n" + "x" * 800
    assert check_message(long_multi) == long_multi
    with pytest.raises(errors.RefusedError):
        check_message("   ")


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("You can perform this action again in 3 seconds", 3.0),
        ("You can perform this action again in 1 second.", 1.0),
        ('"You can perform this action again in 12 seconds"', 12.0),
        ("ok", None),
    ],
)
def test_throttle_seconds(text: str, seconds: float | None) -> None:
    assert throttle_seconds(text) == seconds


@pytest.mark.parametrize(
    ("status", "body", "kind"),
    [
        (409, b"You can perform this action again in 2 seconds", errors.ThrottledError),
        (200, b'"It is too late to edit this message"', errors.EditWindowError),
        (200, b'"This message has already been deleted."', errors.EditWindowError),
        (400, b"The message is too long", errors.MessageTooLongError),
        (404, b"The room has been frozen; new messages cannot be added", errors.AccessDeniedError),
        (403, b"The room does not exist, or you do not have permission", errors.AccessDeniedError),
        (404, b"The room does not exist, or you do not have permission", errors.NotFoundError),
        (403, b'"You can only edit your own messages"', errors.AccessDeniedError),
        (429, b"slow down", errors.ThrottledError),
        (500, b"<html><body>oops</body></html>", errors.ServerError),
        (400, b"You must provide a message", errors.RefusedError),
    ],
)
def test_refusal_mapping(status: int, body: bytes, kind: type[Exception]) -> None:
    error = refusal_error(_response(status, body), "send")
    assert type(error) is kind
    assert "http://127.0.0.1/se/x" in str(error)


def test_refusal_keeps_server_text() -> None:
    error = refusal_error(_response(200, b'"It is too late to delete this message"'), "delete")
    assert isinstance(error, errors.EditWindowError)
    assert error.text == "It is too late to delete this message"
    answer = _response(409, b"You can perform this action again in 7 seconds")
    throttled = refusal_error(answer, "x")
    assert isinstance(throttled, errors.ThrottledError)
    assert throttled.retry_after == 7.0


async def test_cookie_file_roundtrip(tmp_path) -> None:
    jar = aiohttp.CookieJar(unsafe=True)
    jar.update_cookies(
        SimpleCookie("acct=t=abc&s=def; Path=/se; HttpOnly"),
        URL("http://127.0.0.1:8080/se/users/login"),
    )
    jar.update_cookies({"prov": "p-123"}, URL("https://meta.stackexchange.com/"))
    path = tmp_path / "cookies.json"
    assert save_cookies(jar, path, "se") == 2
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600

    other = aiohttp.CookieJar(unsafe=True)
    assert load_jar(other, read_cookies(path, "se")) == 2
    sent = other.filter_cookies(URL("http://127.0.0.1:8080/se/chats/join/favorite"))
    assert sent["acct"].value == "t=abc&s=def"
    assert "acct" not in other.filter_cookies(URL("http://127.0.0.1:8080/so/"))
    assert sorted(r["name"] for r in dump_jar(other)) == ["acct", "prov"]
    with pytest.raises(errors.ChatExchangeError):
        read_cookies(path, "so")


async def test_expired_cookies_are_not_loaded(tmp_path) -> None:
    jar = aiohttp.CookieJar(unsafe=True)
    records = [{"name": "acct", "value": "v", "domain": "127.0.0.1", "path": "/se",
                "host_only": True, "expires": 1.0}]
    assert load_jar(jar, records) == 0
    assert len(jar) == 0


async def test_reprs_hide_secrets(tmp_path) -> None:
    async with ServerConnection("se", server_url="http://127.0.0.1:9") as conn:
        conn.http.cookie_jar.update_cookies(
            {"acct": "t=SECRETVALUE"}, URL("http://127.0.0.1:9/se/")
        )
        assert conn.logged_in
        assert "SECRETVALUE" not in repr(conn)
        assert "SECRETVALUE" not in repr(conn.http)


def _posted(event_id: int | None, message_id: int, room: int = 1) -> MessagePosted:
    raw = {"event_type": 1, "id": event_id, "message_id": message_id, "room_id": room}
    return MessagePosted(event_type=1, id=event_id, time_stamp=None, room_id=room,
                         room_name=None, user_id=1, user_name="a", raw=raw,
                         message_id=message_id)


async def test_dedupe_by_event_id_and_message_id() -> None:
    watcher = Watcher(ServerConnection("se", server_url="http://127.0.0.1:9"), [1])
    watcher._begin(1, 100, 10)
    entered = UserEntered(event_type=3, id=102, time_stamp=None, room_id=1, room_name=None,
                          user_id=2, user_name="b", raw={})
    await watcher._deliver(1, [_posted(99, 9), _posted(101, 11), entered])
    # replay over the socket, and the id-less entries of a mode=Messages gap answer
    await watcher._deliver(1, [_posted(101, 11), entered, _posted(103, 12)])
    await watcher._deliver(
        1, [_posted(None, 11), _posted(None, 12), _posted(None, 13)], from_gap=True
    )
    got = []
    while not watcher._queue.empty():
        got.append(watcher._queue.get_nowait())
    assert [(e.event_type, e.id, getattr(e, "message_id", None)) for e in got] == [
        (1, 101, 11), (3, 102, None), (1, 103, 12), (1, None, 13)
    ]
    assert watcher._cursor[1] == 103
    assert watcher.duplicates == 4
