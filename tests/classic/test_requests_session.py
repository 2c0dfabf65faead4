"""The classic ``Browser`` does its HTTP through a real ``requests.Session``: a test that fakes
``requests`` intercepts every call, as the classic package's ``test_update_fkey`` and
``test_user_agent`` do (their calls and assertions, written for a stand-in of httmock that
replaces ``requests.Session.send``)."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest
import requests

import chatexchange.client
from chatexchange.browser import Browser
from chatexchange.client import ChatActionError

FAVORITE = (Path(__file__).parents[1] / "fixtures" / "se-chat" / "favorite-se-2014.html")
TEST_FKEY = "dc63b60f5ada11372b8ff63821d9bf24"


def _answer(request: requests.PreparedRequest, status: int, body: bytes | str) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = body.encode() if isinstance(body, str) else body
    response.url = request.url
    response.request = request
    response.headers["Content-Type"] = "text/html"
    return response


class FakeRequests:
    """Replaces ``requests.Session.send`` (what httmock does): each request is answered by the
    first handler that returns something; an unexpected request fails the test."""

    def __init__(self, *handlers):
        self.handlers = handlers
        self.requests: list[requests.PreparedRequest] = []

    def __enter__(self):
        def send(session, request, **kwargs):
            self.requests.append(request)
            for handler in self.handlers:
                answer = handler(request)
                if answer is not None:
                    status, body = answer if isinstance(answer, tuple) else (200, answer)
                    return _answer(request, status, body)
            raise AssertionError(f"unexpected request, no fake for it: {request.url}")

        self._patch = mock.patch.object(requests.Session, "send", send)
        self._patch.start()
        return self

    def __exit__(self, *exc):
        self._patch.stop()


def favorite_with_test_fkey(request):
    if request.path_url.split("?")[0].endswith("/chats/join/favorite"):
        return FAVORITE.read_bytes()
    return None


def test_update_fkey():
    """The fkey (and the user) come from the favorites page, fetched through requests."""
    with FakeRequests(favorite_with_test_fkey) as fake:
        browser = Browser()
        browser.host = "stackexchange.com"
        assert browser.chat_fkey == TEST_FKEY
        assert (browser.user_id, browser.user_name) == (1251, "Jeremy Banks Ψ")
    assert len(fake.requests) == 1  # one page gave all three


def test_user_agent():
    """A host-less Browser's requests carry its User-Agent; get_soup gives a BeautifulSoup."""
    seen = []

    def verify_user_agent(request):
        assert request.headers["User-Agent"] == Browser.user_agent
        seen.append(request)
        return "<!doctype html><html><head><title>Hello<body>World"

    with FakeRequests(verify_user_agent):
        browser = Browser()
        soup = browser.get_soup("http://example.com/", with_chat_root=False)
        browser.get_soup("http://example.com/2", with_chat_root=False)
    assert len(seen) == 2
    assert soup.title.text.startswith("Hello")


def test_session_is_a_requests_session():
    browser = Browser()
    assert isinstance(browser.session, requests.Session)
    assert browser.session.headers["User-Agent"] == Browser.user_agent
    with pytest.raises(chatexchange.browser.BrowserError):
        browser.chat_root  # noqa: B018 - no host yet


def test_refusals_raise_requests_http_error():
    """Where the classic package let ``requests.HTTPError`` through, so do we."""
    def bad_gateway(request):
        return (502, "<html>bad gateway</html>")

    with FakeRequests(bad_gateway) as fake:
        browser = Browser()
        browser.host = "stackexchange.com"
        with pytest.raises(requests.HTTPError) as caught:
            browser.get("rooms/info/1")
        assert caught.value.response.status_code == 502
        # a read is tried again on 502 before giving up (the shared transient rule)
        assert len(fake.requests) == browser.max_http_retries


def test_queued_send_waits_out_a_409_and_reports_http_errors(monkeypatch):
    """The worker's send: a 409 "again in N seconds" is waited out (the shared write rules), a
    403 (frozen room) refreshes the fkey once and then raises requests.HTTPError."""
    waits: list[float] = []
    monkeypatch.setattr("chatexchange.classic.client.time.sleep", waits.append)
    answers = iter([(409, "You can perform this action again in 2 seconds"),
                    (200, '{"id": 5, "time": 1700000000}')])

    def chat(request):
        if request.path_url.endswith("/chats/join/favorite"):
            return FAVORITE.read_bytes()
        if request.path_url.endswith("/messages/new"):
            return next(answers)
        return None

    with FakeRequests(chat):
        client = chatexchange.client.Client("stackexchange.com")
        answer = client._do_action_despite_throttling(("send", 1, "hello"))
        assert answer.json()["id"] == 5
        assert waits == [2.25]

    posts = []

    def frozen(request):
        if request.path_url.endswith("/chats/join/favorite"):
            return FAVORITE.read_bytes()
        posts.append(request)
        return (403, "This room has been frozen")

    with FakeRequests(frozen), pytest.raises(requests.HTTPError):
        client._do_action_despite_throttling(("send", 1, "into the ice"))
    assert len(posts) == 2  # once more after refreshing the fkey

    def refused(request):
        if request.path_url.endswith("/chats/join/favorite"):
            return FAVORITE.read_bytes()
        return (200, '"You need 20 reputation to talk here"')

    with FakeRequests(refused), pytest.raises(ChatActionError):
        client._do_action_despite_throttling(("send", 1, "hi"))
    client.close()


def test_joining_a_closed_room_raises_key_error_as_classic():
    """Chat's answer to entering a closed room has no event cursor; classic bots (sloshy) catch
    the KeyError that classic raised for it."""
    def closed_room(request):
        if request.path_url.endswith("/chats/join/favorite"):
            return FAVORITE.read_bytes()
        if request.path_url.endswith("/chats/5/events"):
            return (200, '{"events": []}')
        return None

    with FakeRequests(closed_room):
        browser = Browser()
        browser.host = "stackexchange.com"
        with pytest.raises(KeyError, match="time"):
            browser.join_room(5)
