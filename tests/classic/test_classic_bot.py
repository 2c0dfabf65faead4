"""A bot written for the classic package, run unchanged against the devserver.

It logs in with ``chatexchange.client.Client``, watches a room over the websocket with a callback
(called from a watcher thread), replies, edits and deletes, stars and pins, and sees events of
each kind the room produces. ``CHATEXCHANGE_DEVSERVER`` is the only difference from a live run.
"""

from __future__ import annotations

import gc
import queue
import threading
import time

import pytest

import chatexchange.client
import chatexchange.events
from chatexchange import errors

ALICE = ("alice@example.com", "alice-password")
BOB = ("bob@example.com", "bob-password")


@pytest.fixture
def env(devserver_thread, monkeypatch):
    monkeypatch.setenv("CHATEXCHANGE_DEVSERVER", devserver_thread.url)
    monkeypatch.delenv("ChatExchangeU", raising=False)
    monkeypatch.delenv("ChatExchangeP", raising=False)
    return devserver_thread


@pytest.fixture
def alice(env):
    client = chatexchange.client.Client("stackexchange.com", *ALICE)
    yield client
    if client.logged_in:
        client.logout()


def wait_for(predicate, timeout=10.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def _room_messages(ds, room_id=1):
    return ds.call(lambda d: list(d.server("se").room_messages(room_id)))


def test_client_basics(alice):
    assert alice.host == "stackexchange.com" and alice.logged_in
    me = alice.get_me()
    assert me.id == 1 and me.name == "Alice"
    assert alice.get_user(1) is me  # one object per id
    room = alice.get_room(1)
    assert room.name == "Sandbox" and [u.id for u in room.owners] == [1]
    bob = alice.get_user(2)
    assert bob.name == "Bob Builder" and bob.is_moderator is False
    assert alice.get_user(3).is_moderator is True
    with pytest.raises(ValueError):
        chatexchange.client.Client("example.com")
    with pytest.raises(ValueError):
        chatexchange.client.Client("stackexchange.com", email="x@example.com")


def _classic_loop_threads():
    name = "chatexchange-classic-watch-stackexchange.com"  # the watchers' background loop
    return {t for t in threading.enumerate() if t.name == name and t.is_alive()}


def _new_loop_threads(before):
    """The loop threads started since ``before``: earlier tests' loops may still be ending, so
    counting all of them would flake when one of those ends in the middle of a test."""
    return _classic_loop_threads() - before


def test_bad_login_is_a_login_error(env):
    before = _classic_loop_threads()
    with pytest.raises(errors.LoginError):
        chatexchange.client.Client("stackexchange.com", "alice@example.com", "wrong")
    assert not _new_loop_threads(before)  # nothing was left running


def test_anonymous_client_closes_its_thread(env):
    before = _classic_loop_threads()
    client = chatexchange.client.Client("stackexchange.com")
    assert client.get_room(1).name == "Sandbox"  # reading is plain requests: no thread
    assert not _new_loop_threads(before)
    watcher = client.get_room(1).watch_polling(lambda event, client: None, 0.5)
    assert len(_new_loop_threads(before)) == 1  # watching runs the background loop
    client.close()
    assert watcher.killed
    assert not _new_loop_threads(before)
    client.close()  # idempotent

    # A watching client stays alive (its watcher's thread holds its callback, as in classic);
    # once the watcher is closed, a dropped client stops the background loop.
    dropped = chatexchange.client.Client("stackexchange.com")
    dropped.get_room(1).watch_polling(lambda event, client: None, 0.5).close()
    assert len(_new_loop_threads(before)) == 1
    del dropped

    def collected():
        gc.collect()  # client and rooms refer to each other: only the cycle collector frees them
        return not _new_loop_threads(before)

    wait_for(collected, what="the dropped client's background loop to stop")


def test_classic_bot_end_to_end(env, alice):
    seen: queue.Queue = queue.Queue()
    threads: set[str] = set()
    sent: list[tuple[int, int]] = []
    alice.on_message_sent = lambda message_id, room_id: sent.append((message_id, room_id))

    def on_event(event, client):
        threads.add(threading.current_thread().name)
        seen.put(event)
        if (
            isinstance(event, chatexchange.events.MessagePosted)
            and event.user.id != client.get_me().id
            and event.content.startswith("!!/alive")
        ):
            event.message.reply("I'm alive")

    room = alice.get_room(1)
    room.join()
    watcher = room.watch_socket(on_event)
    try:
        env.post("se", 1, 2, "!!/alive please")

        def reply():
            return next(
                (m for m in _room_messages(env) if m.user_id == 1 and "I'm alive" in m.source), None
            )

        answer = wait_for(reply, what="the bot's reply")
        command = next(m for m in _room_messages(env) if m.source == "!!/alive please")
        assert answer.parent_id == command.id
        wait_for(lambda: sent, what="on_message_sent")
        assert sent[0] == (answer.id, 1)

        # the bot's own message, edited and deleted through the classic Message
        mine = alice.get_message(answer.id)
        assert "I'm alive" in mine.content_source and mine.owner.id == 1
        assert mine.parent is alice.get_message(command.id)
        mine.edit("I'm alive (edited)")
        wait_for(
            lambda: "edited" in next(m for m in _room_messages(env) if m.id == answer.id).source,
            what="the edit",
        )
        mine.delete()
        wait_for(
            lambda: next(m for m in _room_messages(env) if m.id == answer.id).deleted,
            what="deletion",
        )

        # star and pin a message of bob's
        other = alice.get_message(command.id)
        assert other.text_content == "!!/alive please"
        other.star()
        other.pin()
        del other.stars
        assert other.stars >= 1 and other.pinned is True

        # bob answers the bot: the bot's owner gets a MessageReply (and the MessagePosted)
        env.post("se", 1, 2, f":{command.id} not a reply to alice")
        hello = alice.get_room(1)
        hello.send_message("a message bob will reply to")
        target = wait_for(
            lambda: next(
                (m for m in _room_messages(env) if m.source == "a message bob will reply to"), None
            )
        )
        env.post("se", 1, 2, f":{target.id} replying to alice")

        kinds = {}

        def collect():
            while True:
                try:
                    event = seen.get_nowait()
                except queue.Empty:
                    break
                kinds.setdefault(type(event), event)
            return {
                chatexchange.events.MessagePosted,
                chatexchange.events.MessageEdited,
                chatexchange.events.MessageDeleted,
                chatexchange.events.MessageStarred,
                chatexchange.events.MessageReply,
            } <= set(kinds)

        wait_for(collect, what="every message event kind")
        assert threads == {"ChatExchange: RoomSocketWatcher for room #1"}  # the classic name
        deleted = kinds[chatexchange.events.MessageDeleted]
        assert deleted.message.deleted is True and deleted.content is None
        edited = kinds[chatexchange.events.MessageEdited]
        assert edited.message.id == answer.id and edited.room is room
    finally:
        watcher.close()


def test_room_events_of_each_kind(env, alice):
    """Entering, leaving, renaming, access changes and moves reach a classic callback as the
    classic classes."""
    got: queue.Queue = queue.Queue()
    room = alice.get_room(1)
    watcher = room.watch_socket(lambda event, client: got.put(event))
    try:
        env.call(lambda d: d.server("se").enter(d.room("se", 1), d.user("se", 2)))
        env.call(lambda d: d.server("se").leave(d.room("se", 1), d.user("se", 2)))
        env.call(
            lambda d: d.server("se").rename_room(
                d.room("se", 1), d.user("se", 1), "Sandbox 2", None, None
            )
        )
        types = set()

        def collect():
            while True:
                try:
                    types.add(type(got.get_nowait()))
                except queue.Empty:
                    break
            return {
                chatexchange.events.UserEntered,
                chatexchange.events.UserLeft,
                chatexchange.events.RoomNameChanged,
            } <= types

        wait_for(collect, what="room events")
    finally:
        watcher.close()


def test_new_messages_iterator(env, alice):
    room = alice.get_room(1)
    results: queue.Queue = queue.Queue()
    iterator = room.new_messages()

    def consume():
        for message in iterator:
            results.put(message)
            return

    thread = threading.Thread(target=consume, daemon=True)
    thread.start()
    env.post("se", 1, 2, "through the iterator")
    message = results.get(timeout=10)
    iterator.close()
    assert message.content == "through the iterator"
    assert message.owner.name == "Bob Builder"


def test_polling_watch(env, alice):
    got: queue.Queue = queue.Queue()
    watcher = alice.get_room(1).watch_polling(lambda event, client: got.put(event), 0.2)
    try:
        env.post("se", 1, 2, "polled")
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            event = got.get(timeout=10)
            if isinstance(event, chatexchange.events.MessagePosted):
                assert event.content == "polled"
                break
        else:
            raise AssertionError("no event")
    finally:
        watcher.close()


def test_long_message_is_dropped_unless_length_check_is_off(env, alice):
    room = alice.get_room(1)
    before = len(_room_messages(env))
    room.send_message("x" * 501)
    room.send_message("short one")
    wait_for(lambda: any(m.source == "short one" for m in _room_messages(env)))
    assert len(_room_messages(env)) == before + 1


def test_actions_answer_like_responses(env, alice):
    """SmokeDetector sends through ``_do_action_despite_throttling(("send", room, text)).json()``
    and reads the new message's id from it; edits and deletions answer too."""
    sent = alice._do_action_despite_throttling(("send", 1, "sent directly")).json()
    assert "id" in sent and sent["time"] > 0
    stored = next(m for m in _room_messages(env) if m.id == sent["id"])
    assert stored.source == "sent directly"
    edited = alice._do_action_despite_throttling(("edit", sent["id"], "edited directly"))
    assert edited.status_code == 200 and edited.json() == "ok"
    assert alice._do_action_despite_throttling(("delete", sent["id"], "")).json() == "ok"
    again = alice._do_action_despite_throttling(("delete", sent["id"], ""))
    assert "deleted" in again.json()  # chat's answer, not an error: as the classic package
    assert next(m for m in _room_messages(env) if m.id == sent["id"]).deleted


def test_new_events_and_leave(env, alice):
    env.call(lambda d: d.server("se").enter(d.room("se", 1), d.user("se", 2)))
    room = alice.get_room(1)
    entered = room.new_events(chatexchange.events.UserEntered)  # joins, then watches
    assert 1 in env.call(lambda d: list(d.room("se", 1).present))
    got: queue.Queue = queue.Queue()
    thread = threading.Thread(target=lambda: got.put(next(iter(entered))), daemon=True)
    thread.start()
    env.post("se", 1, 2, "a message is no UserEntered")
    env.call(lambda d: d.server("se").enter(d.room("se", 1), d.user("se", 3)))
    event = got.get(timeout=10)
    assert isinstance(event, chatexchange.events.UserEntered) and event.user.id == 3
    watcher = alice._br.sockets["1"]
    room.leave()  # stops the room's watchers and leaves
    assert watcher.killed and "1" not in alice._br.sockets
    assert 1 not in env.call(lambda d: list(d.room("se", 1).present))


def test_send_aggressively_merges_waiting_messages(env):
    """Messages for a room queued while one for it still waits go out as one multi-line
    message; a message for another room, or the default client, does not merge."""
    client = chatexchange.client.Client("stackexchange.com", send_aggressively=True)
    room = client.get_room(1)
    room.send_message("first line")
    room.send_message("second line")
    assert client._request_queue.qsize() == 1
    client.get_room(3).send_message("elsewhere")
    room.send_message("third line")
    assert client._request_queue.qsize() == 3  # no merging across another room's message
    client.login(*ALICE)  # the worker starts and sends
    try:
        wait_for(lambda: any(m.source == "third line" for m in _room_messages(env)))
        assert any(m.source == "first line\nsecond line" for m in _room_messages(env))
    finally:
        client.logout()
    plain = chatexchange.client.Client("stackexchange.com")
    plain.get_room(1).send_message("a")
    plain.get_room(1).send_message("b")
    assert plain._request_queue.qsize() == 2


def test_long_multi_line_message_is_sent_as_it_is(env, alice):
    text = "a report\n" + "x" * 700
    alice.get_room(1).send_message(text, length_check=False)
    wait_for(lambda: any(m.source == text for m in _room_messages(env)), what="the long message")


def test_worker_survives_a_failing_action_and_pads_a_repeat(env, alice):
    """A queued message to a frozen room fails (logged); the worker goes on with the next one.
    A message repeating the previous one is padded, so chat does not drop it."""
    alice.get_room(2).send_message("into the ice")
    alice.get_room(1).send_message("after the failure")
    wait_for(lambda: any(m.source == "after the failure" for m in _room_messages(env)))
    assert alice._thread.is_alive()
    first = alice._do_action_despite_throttling(("send", 1, "twice")).json()["id"]
    second = alice._do_action_despite_throttling(("send", 1, "twice")).json()["id"]
    assert first != second
    sources = {m.id: m.source for m in _room_messages(env)}
    assert sources[first] == "twice" and sources[second].strip() == "twice"


def test_message_source_is_the_markdown(env, alice):
    seeded = next(m for m in _room_messages(env) if m.source == "Hello, **Sandbox**!")
    assert alice._br.get_message_source(seeded.id) == "Hello, **Sandbox**!"
