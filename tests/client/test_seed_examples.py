"""The seed README's two examples, run to the end against the devserver.

Adapted only where the README cannot be taken literally (ARCHITECTURE.md): ``chatexchange.async``
is ``chatexchange.aio``, and ``hello.replies()`` (which would end at once, nobody having replied
yet) is ``hello.all_replies()``; the credentials are a devserver user's, and
``CHATEXCHANGE_DEVSERVER`` points the client at the devserver. The README's ``room.name`` refers
to a variable it never defines: the room it means is ``sandbox``. Everything else — unawaited
``reply.reply(...)`` calls in the async version, ``reply.name``, ``break`` out of a live stream —
runs as written.

Other devserver users answer in turn: each posts a reply to ``hello`` only after the client has
answered the previous one.
"""

# The examples keep the README's %-formatting.
# ruff: noqa: UP031

from __future__ import annotations

import asyncio
import threading
import time

import chatexchange
import chatexchange.aio

ALICE = ("alice@example.com", "alice-password")
# (user id, name) of the repliers on se: bob, mod, bob
REPLIERS = [(2, "Bob Builder"), (3, None), (2, "Bob Builder")]
ANSWERS = ["hello, {}. 😐", "Hello, {}. 🙂", "Hello, {}! 😄"]


def _messages(ds, room_id=1):
    return list(ds.server("se").room_messages(room_id))


def _find(messages, predicate):
    for message in messages:
        if predicate(message):
            return message
    return None


async def _responder_async(ds, start_id):
    """Wait for alice's hello, then reply three times, each after alice answered the last reply."""
    deadline = time.monotonic() + 20
    hello = None
    while hello is None:
        assert time.monotonic() < deadline, "the client never said hello"
        await asyncio.sleep(0.02)
        hello = _find(
            _messages(ds), lambda m: m.id > start_id and m.user_id == 1 and "hello" in m.source
        )
    replies = []
    for user_id, _ in REPLIERS:
        reply = ds.post("se", 1, user_id, f":{hello.id} hi alice, reply {len(replies)}")
        replies.append(reply)
        while not _find(_messages(ds), lambda m, r=reply: m.parent_id == r.id and m.user_id == 1):
            assert time.monotonic() < deadline, f"no answer to reply {len(replies)}"
            await asyncio.sleep(0.02)
    return hello, replies


def _check_transcript(ds, start_id, hello_id, replies):
    ours = [m for m in _messages(ds) if m.id > start_id and m.user_id == 1]
    names = {uid: ds.server("se").users[uid].name for uid, _ in REPLIERS}
    expected = ["hello, Sandbox 😶"]
    for reply, template in zip(replies, ANSWERS, strict=True):
        expected.append(template.format(names[reply.user_id]))
    expected.append("see y'all later!")
    texts = [m.source.split(" ", 1)[1] if m.parent_id else m.source for m in ours]
    assert texts == expected
    assert ours[0].id == hello_id
    assert [m.parent_id for m in ours[1:4]] == [r.id for r in replies]
    assert ours[-1].parent_id is None


async def test_async_example(devserver, monkeypatch):
    monkeypatch.setenv("CHATEXCHANGE_DEVSERVER", devserver.url)
    start_id = max(m.id for m in _messages(devserver))
    responder = asyncio.create_task(_responder_async(devserver, start_id))

    # --- the README's async example -------------------------------------------------------------
    chat = chatexchange.AsyncClient(auth=ALICE)
    sandbox = await chat.se.room(room_id=1)
    hello = await sandbox.send("hello, %s 😶" % (sandbox.name))
    async for i, reply in chatexchange.aio.enumerate(hello.all_replies()):
        if i == 0:
            reply.reply("hello, %s. 😐" % (reply.name))
        elif i == 1:
            reply.reply("Hello, %s. 🙂" % (reply.name))
        else:
            reply.reply("Hello, %s! 😄" % (reply.name))
            break

    await asyncio.sleep(1.0)
    goodbye = await sandbox.send("see y'all later!")
    # ---------------------------------------------------------------------------------------------

    hello_seen, replies = await asyncio.wait_for(responder, 10)
    assert hello_seen.id == hello.id
    assert goodbye.id > hello.id
    _check_transcript(devserver, start_id, hello.id, replies)
    # the archive saw the whole conversation
    archived = [m async for m in hello.replies()]
    assert [m.id for m in archived] == [r.id for r in replies]
    await chat.close()


def test_blocking_example(devserver_thread, monkeypatch):
    monkeypatch.setenv("CHATEXCHANGE_DEVSERVER", devserver_thread.url)
    ds_call = devserver_thread.call
    start_id = ds_call(lambda ds: max(m.id for m in _messages(ds)))
    outcome: dict = {}

    def responder():
        try:
            deadline = time.monotonic() + 20
            hello = None
            while hello is None:
                assert time.monotonic() < deadline, "the client never said hello"
                time.sleep(0.02)
                hello = ds_call(
                    lambda ds: _find(
                        _messages(ds),
                        lambda m: m.id > start_id and m.user_id == 1 and "hello" in m.source,
                    )
                )
            replies = []
            for user_id, _ in REPLIERS:
                text = f":{hello.id} hi alice, reply {len(replies)}"
                reply = ds_call(lambda ds, u=user_id, t=text: ds.post("se", 1, u, t))
                replies.append(reply)
                while not ds_call(
                    lambda ds, r=reply: _find(
                        _messages(ds), lambda m: m.parent_id == r.id and m.user_id == 1
                    )
                ):
                    assert time.monotonic() < deadline, f"no answer to reply {len(replies)}"
                    time.sleep(0.02)
            outcome["replies"] = replies
        except BaseException as error:  # reported by the test thread
            outcome["error"] = error

    thread = threading.Thread(target=responder, daemon=True)
    thread.start()

    # --- the README's blocking example ----------------------------------------------------------
    chat = chatexchange.BlockingClient(auth=ALICE)
    sandbox = chat.se.room(room_id=1)
    hello = sandbox.send("hello, %s 😶" % (sandbox.name))
    for i, reply in enumerate(hello.all_replies()):
        if i == 0:
            reply.reply("hello, %s. 😐" % (reply.name))
        elif i == 1:
            reply.reply("Hello, %s. 🙂" % (reply.name))
        else:
            reply.reply("Hello, %s! 😄" % (reply.name))
            break

    time.sleep(1.0)
    goodbye = sandbox.send("see y'all later!")
    # ---------------------------------------------------------------------------------------------

    thread.join(10)
    assert "error" not in outcome, outcome.get("error")
    replies = outcome["replies"]
    assert goodbye.id > hello.id
    ds_call(lambda ds: _check_transcript(ds, start_id, hello.id, replies))
    chat.close()
    assert chat.closed
