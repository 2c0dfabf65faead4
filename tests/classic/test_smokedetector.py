"""SmokeDetector's chat side (``smokey.py``, written from its calls) against the devserver: cookie
login and its fallback, joining and watching, replies, delete-by-reply, edits, presence pings,
the silence watchdog fed by keep-alive frames, and a sender thread that survives a frozen room
and a 502."""

from __future__ import annotations

import pickle
import time

import pytest
import requests

from chatexchange.browser import Browser
from chatexchange.devserver import DevServerThread

from .conftest import SMOKEY, classic_devserver
from .smokey import Smokey

HQ = 11540
SANDBOX = 14219
FROZEN = 2


def wait_for(predicate, timeout=20.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def chat(monkeypatch):
    with DevServerThread(classic_devserver(heartbeat=0.2)) as server:
        monkeypatch.setenv("CHATEXCHANGE_DEVSERVER", server.url)
        yield server


def messages(chat, room):
    return chat.call(lambda d: list(d.server("se").room_messages(room)))


def logins(chat):
    return chat.call(lambda d: len(d.world.login_posts))


def test_smokedetector_runs_on_chatexchange3(chat, tmp_path):
    smokey = Smokey(tmp_path, [("stackexchange.com", HQ), ("stackexchange.com", SANDBOX)],
                    notify={HQ: [1251, 2]}, silence_limit=5.0)
    smokey.init(*SMOKEY)
    try:
        assert logins(chat) == 1
        assert "Logged in using cached cookies" not in " ".join(smokey.log)
        client = smokey.clients["stackexchange.com"]
        assert client._br.user_id == 120914
        jar = pickle.loads((tmp_path / "cookies.p").read_bytes())["stackexchange.com"]
        assert isinstance(jar, requests.cookies.RequestsCookieJar) and jar.get("acct")

        # the silence watchdog: keep-alive frames of a quiet room reach on_activity
        frames = client.frames
        wait_for(lambda: client.frames >= frames + 3, what="keep-alive frames")
        assert smokey.check_socket_connections()

        # a command, answered through the sender thread
        chat.post("se", HQ, 1251, "!!/alive")
        reply = wait_for(lambda: next((m for m in messages(chat, HQ)
                                       if m.user_id == 120914 and "Yup" in m.source), None),
                         what="the answer to !!/alive")
        command = next(m for m in messages(chat, HQ) if m.source == "!!/alive")
        assert reply.parent_id == command.id

        # a report pings the notified users who are in the room now (1251 is, Bob is not)
        chat.post("se", HQ, 31768, "!!/report https://example.com/q/1")
        report = wait_for(lambda: next((m for m in messages(chat, HQ)
                                        if "report by ManishEarth" in m.source), None),
                          what="the report")
        assert "@JeremyBanks" in report.source and "@BobBuilder" not in report.source

        # edit and delete by replying to the report
        chat.post("se", HQ, 1251, f":{report.id} postgone")
        wait_for(lambda: "(post gone)" in chat.call(
            lambda d: d.server("se").messages[report.id].source), what="the edit")
        chat.post("se", HQ, 1251, f":{report.id} del")
        wait_for(lambda: chat.call(lambda d: d.server("se").messages[report.id].deleted),
                 what="delete-by-reply")
        assert [m.id for m in smokey.get_last_messages(client.get_room(HQ), 2)] == [
            report.id, reply.id
        ]

        # the sender thread survives a frozen room and a 502, and goes on sending
        smokey._msg_queue_put(smokey.rooms[("stackexchange.com", HQ)], "before the storm")
        frozen = client.get_room(FROZEN)
        smokey.rooms[("stackexchange.com", FROZEN)] = type(smokey.rooms[
            ("stackexchange.com", HQ)])(frozen, -1, False)
        smokey._msg_queue_put(smokey.rooms[("stackexchange.com", FROZEN)], "into the ice")
        chat.fail(r"/se/chats/11540/messages/new$", 502, times=1)
        smokey._msg_queue_put(smokey.rooms[("stackexchange.com", HQ)], "through a 502")
        smokey._msg_queue_put(smokey.rooms[("stackexchange.com", HQ)], "still alive")
        wait_for(lambda: any(m.source == "still alive" for m in messages(chat, HQ)),
                 what="the message after the failures")
        assert smokey.sender.is_alive()
        sent = [m.source for m in messages(chat, HQ)]
        assert "through a 502" in sent  # the sender's retry after the HTTPError
        assert smokey.log.count(f"HTTPError sending to room {FROZEN}") == 3
        assert "HTTPError sending to room 11540" in smokey.log
        assert smokey.check_socket_connections()
    finally:
        smokey.stop(logout=False)

    # a restart: the pickled jar logs in without a login
    again = Smokey(tmp_path, [("stackexchange.com", HQ)], notify={})
    again.init(*SMOKEY)
    try:
        assert logins(chat) == 1
        assert "chat.stackexchange.com: Logged in using cached cookies" in again.log
    finally:
        again.stop(logout=True)
    # logout() leaves the session valid, as classic did: the jar still works...
    jar = pickle.loads((tmp_path / "cookies.p").read_bytes())["stackexchange.com"]
    browser = Browser()
    browser.login_site_with_cookie("stackexchange.com", jar)
    assert browser.user_id == 120914
    browser.logout()  # ...until the session is ended (as logging out in a web browser does)

    # the next start finds the jar refused: LoginError, then the credential login
    third = Smokey(tmp_path, [("stackexchange.com", HQ)], notify={})
    third.init(*SMOKEY)
    try:
        assert logins(chat) == 2
        assert any(line.startswith("chat.stackexchange.com: Login error LoginError")
                   for line in third.log)
    finally:
        third.stop()


def test_sloshy_thaws_a_room(chat):
    """tripleee/sloshy's calls: its import line, one client per server logged in, join and post
    in each room, log out and wait for the queue to drain."""
    from chatexchange.client import ChatActionError  # noqa: F401 - it died here before
    from chatexchange.client import Client as ChExClient

    client = ChExClient("stackexchange.com")
    client.login(*SMOKEY)
    room = client.get_room(SANDBOX)
    room.join()
    room.send_message("[tag:unfreeze] thaw")
    client.logout()
    assert client._request_queue.empty()
    assert any(m.source == "[tag:unfreeze] thaw" and m.user_id == 120914
               for m in messages(chat, SANDBOX))
