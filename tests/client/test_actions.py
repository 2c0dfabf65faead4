"""Every owner and user action on the client objects, against the devserver over loopback: the
result, what the archive holds afterwards, and the server's refusal as a specific error."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from chatexchange import errors, models
from chatexchange.client import (
    AccessLevel,
    AsyncClient,
    BlockingClient,
    Bookmark,
    Mention,
    PingableUser,
    RoomDetails,
    UserProfile,
)

ALICE = ("alice@example.com", "alice-password")  # owner of se rooms 1 and 3
BOB = ("bob@example.com", "bob-password")


@pytest.fixture
async def alice(devserver):
    async with AsyncClient(server_url=devserver.url, auth=ALICE) as client:
        yield client


@pytest.fixture
async def bob(devserver):
    async with AsyncClient(server_url=devserver.url, auth=BOB) as client:
        yield client


def _row(client, message_id):
    with client.sql_session() as session:
        return session.execute(
            select(models.Message).where(models.Message.id == message_id)
        ).scalar_one()


# -- messages --------------------------------------------------------------------------------


async def test_unpin_unstar_and_clear_stars(devserver, alice, bob) -> None:
    message = await (await bob.se.room(1)).send("worth a star")
    as_alice = await alice.se.message(message.id)
    await as_alice.star()
    await as_alice.pin()
    stored = devserver.server("se").messages[message.id]
    assert stored.pinners == {1}
    with pytest.raises(errors.AccessDeniedError, match="Only room owners can unpin"):
        await (await bob.se.message(message.id)).unpin()
    await as_alice.unpin()
    assert not stored.pinners and stored.stars == {1}
    with pytest.raises(errors.RefusedError, match="not pinned"):
        await as_alice.unpin()
    assert await as_alice.unstar() is True
    assert stored.stars == set()
    assert await as_alice.unstar() is False  # no star of ours: nothing sent
    assert stored.stars == set()
    await as_alice.star()
    with pytest.raises(errors.AccessDeniedError, match="Only room owners can clear stars"):
        await (await bob.se.message(message.id)).clear_stars()
    await as_alice.clear_stars()
    assert stored.stars == set()
    assert (await alice.se.message(message.id, desired_max_age=0)).stars == 0


async def test_flag_and_its_refusals(devserver, alice, bob) -> None:
    spam = await (await alice.se.room(1)).send("cheap watches")
    mine = await (await bob.se.room(1)).send("my words")
    await (await bob.se.message(spam.id)).flag()
    assert devserver.server("se").messages[spam.id].flaggers == {2}
    with pytest.raises(errors.RefusedError, match="already flagged") as twice:
        await (await bob.se.message(spam.id)).flag()
    assert twice.value.text == "You have already flagged this message"
    with pytest.raises(errors.AccessDeniedError, match="You cannot flag your own message"):
        await mine.flag()


async def test_source_and_history_are_read_from_the_server_and_archived(
    devserver, db_url
) -> None:
    async with AsyncClient(db_url, server_url=devserver.url, auth=ALICE) as alice:
        await _source_and_history(devserver, alice)


async def _source_and_history(devserver, alice) -> None:
    room = await alice.se.room(1)
    sent = await room.send("first **draft**")
    await sent.edit("second **draft**")
    message = await alice.se.message(sent.id)
    devserver.post("se", 1, 2, "unrelated")  # the server's state, not ours, is what counts
    assert await message.source() == "second **draft**"
    assert _row(alice, sent.id).content_markdown == "second **draft**"
    history = await message.history()
    assert [(r.label, r.source) for r in history] == [
        (None, "second **draft**"),
        ("edited", "second **draft**"),
        ("said", "first **draft**"),
    ]
    assert {r.user_id for r in history} == {1} and history[0].message_id == sent.id
    assert "<b>draft</b>" in history[-1].content_html
    assert _row(alice, sent.id).edits == 1
    with alice.sql_session() as session:
        stored = session.scalars(
            select(models.MessageRevision)
            .join(models.Message)
            .where(models.Message.id == sent.id)
            .order_by(models.MessageRevision.position)
        ).all()
    assert [(r.position, r.label, r.content_markdown) for r in stored] == [
        (0, None, "second **draft**"),
        (1, "edited", "second **draft**"),
        (2, "said", "first **draft**"),
    ]
    await sent.edit("third **draft**")
    assert len(await message.history()) == 4  # a second read replaces the stored revisions
    with alice.sql_session() as session:
        count = session.scalar(
            select(func.count()).select_from(models.MessageRevision)
        )
    assert count == 4


async def test_source_of_a_deleted_message_is_not_found_for_others(devserver, alice, bob) -> None:
    sent = await (await bob.se.room(1)).send("soon gone")
    as_alice = await alice.se.message(sent.id)
    await sent.delete()
    with pytest.raises(errors.NotFoundError):
        await as_alice.source()
    assert await sent.source() == "soon gone"  # the author still may


# -- rooms -----------------------------------------------------------------------------------


async def test_kick_and_set_access_and_their_refusals(devserver, alice, bob) -> None:
    room = await alice.se.room(1)
    bob_user = await alice.se.user(2)
    answer = await room.kick(bob_user)
    assert answer == "Bob Builder has been kicked from the room for 1 minute."
    assert 2 in devserver.room("se", 1).kicked and 2 not in devserver.room("se", 1).present
    with pytest.raises(errors.AccessDeniedError) as denied:
        await (await bob.se.room(1)).kick(1)
    assert denied.value.text == "You do not have permission to kick users from this room"
    assert "kick" in str(denied.value) and "/rooms/kickmute/1" in str(denied.value)
    await room.set_access(bob_user, AccessLevel.OWNER)
    assert 2 in devserver.room("se", 1).owners
    assert 2 in (await alice.se.room(1)).owner_ids  # the archive was refreshed
    await room.set_access(2, "remove")
    assert 2 not in devserver.room("se", 1).owners
    assert 2 not in (await alice.se.room(1)).owner_ids
    with pytest.raises(errors.AccessDeniedError, match="permission to change access"):
        await (await bob.se.room(3)).set_access(4, AccessLevel.READ_WRITE)
    with pytest.raises(ValueError, match="unknown access level"):
        await room.set_access(2, "emperor")


async def test_move_messages_and_the_refusal(devserver, alice, bob) -> None:
    talk = await bob.se.room(1)
    first = await talk.send("off topic one")
    second = await talk.send("off topic two")
    with pytest.raises(errors.AccessDeniedError, match="permission to move messages"):
        await talk.move_messages([first], 3)
    assert devserver.server("se").messages[first.id].room_id == 1
    gallery = await alice.se.room(3)
    moved = await (await alice.se.room(1)).move_messages([first, second.id], gallery)
    assert moved == 2
    assert devserver.server("se").messages[second.id].room_id == 3
    assert (await alice.se.message(first.id)).room_id == 3  # stale row read again
    with pytest.raises(ValueError):
        await (await alice.se.room(1)).move_messages([], 3)


async def test_bookmark_and_delete_it_with_refusals(devserver, alice, bob) -> None:
    room = await bob.se.room(1)
    start = await room.send("how it began")
    end = await (await alice.se.room(1)).send("how it ended")
    bookmark = await room.bookmark(start, end, "The story")
    assert bookmark == Bookmark(1, "the-story", "The story")
    assert bookmark.url == "/rooms/1/conversation/the-story"
    with pytest.raises(errors.RefusedError, match="needs a title"):
        await room.bookmark(start, end, " ")
    other = await (await alice.se.room(3)).send("elsewhere")
    with pytest.raises(errors.RefusedError, match="Both messages must be in this room"):
        await room.bookmark(start, other, "mixed")
    second = await room.bookmark(start.id, end.id, "The story")
    assert second.slug == "the-story-2"
    carol_auth = ("carol@example.com", "carol-password")
    async with AsyncClient(server_url=devserver.url, auth=carol_auth) as carol:
        with pytest.raises(errors.AccessDeniedError, match="permission to delete"):
            await (await carol.se.room(1)).delete_bookmark(bookmark)
    await room.delete_bookmark(bookmark)
    await (await alice.se.room(1)).delete_bookmark("the-story-2")  # the room owner may
    with pytest.raises(errors.NotFoundError):
        await room.delete_bookmark("the-story")
    with pytest.raises(ValueError):
        await room.delete_bookmark("a/b")


async def test_info_current_and_pingable_users(devserver, alice, bob) -> None:
    await (await bob.se.room(1)).send("hello, I am here")
    info = await (await alice.se.room(1)).info()
    assert isinstance(info, RoomDetails)
    assert (info.room_id, info.name, info.tags) == (1, "Sandbox", ("sandbox",))
    assert info.description.startswith("Where you can play")
    assert [(o.user_id, o.name) for o in info.owners] == [(1, "Alice")]
    assert info.message_count == len(devserver.server("se").room_messages(1))
    assert 2 in {u.user_id for u in info.current_users}
    users = await (await alice.se.room(1)).current_users()
    assert {u.id for u in users} >= {2}
    bob_user = next(u for u in users if u.id == 2)
    assert bob_user.name == "Bob Builder" and bob_user.reputation == 300
    pingable = await (await alice.se.room(1)).pingable_users()
    assert all(isinstance(p, PingableUser) for p in pingable)
    assert {p.user_id: p.name for p in pingable}[2] == "Bob Builder"
    async with AsyncClient(server_url=devserver.url) as anonymous:
        assert await (await anonymous.se.room(1)).pingable_users() == []


# -- users and the server ----------------------------------------------------------------------


async def test_profile_fields_on_user_and_profile(devserver, alice) -> None:
    devserver.user("se", 2).about = "I build things"
    devserver.user("se", 2).parent_user_id = 4242
    bob_user = await alice.se.user(2)
    assert (bob_user.reputation, bob_user.about, bob_user.is_moderator) == (
        300, "I build things", False,
    )
    assert bob_user.since is not None and bob_user.message_count is not None
    assert (bob_user.parent_user_id, bob_user.parent_site) == (4242, "stackexchange.com")
    await (await alice.se.room(3)).set_access(2, AccessLevel.OWNER)
    profile = await bob_user.profile()
    assert isinstance(profile, UserProfile)
    assert (profile.user_id, profile.name, profile.parent_user_id) == (2, "Bob Builder", 4242)
    assert (3, "Gallery") in profile.rooms_owned
    assert (await alice.se.user(3)).is_moderator is True
    stub = (await (await alice.se.room(1)).send("x")).owner  # what a message row knows: a name
    assert (stub.name, stub.reputation, stub.parent_user_id, stub.since) == (
        "Alice", None, None, None,
    )


async def test_mentions_and_acknowledging_them(devserver, alice, bob) -> None:
    await bob.se.room(1)  # bob is seen in the room, so @Bob reaches him
    await (await bob.se.room(1)).send("a question")
    ping = await (await alice.se.room(1)).send("@Bob look")
    inbox = await bob.se.mentions()
    assert [(m.message_id, m.room_id, m.user_id, m.unread) for m in inbox][:1] == [
        (ping.id, 1, 1, True)
    ]
    assert all(isinstance(m, Mention) for m in inbox)
    await bob.se.ack_mentions(inbox[:1])
    assert ping.id not in {m.message_id for m in await bob.se.mentions(unread_only=True)}
    assert ping.id in {m.message_id for m in await bob.se.mentions()}
    async with AsyncClient(server_url=devserver.url) as anonymous:
        with pytest.raises(errors.AuthRequiredError):
            await anonymous.se.mentions()


async def test_writes_without_credentials_are_refused(devserver) -> None:
    async with AsyncClient(server_url=devserver.url, auth=False) as anonymous:
        room = await anonymous.se.room(1)
        message = await anonymous.se.message(next(iter(devserver.server("se").messages)))
        for task in (message.flag(), message.unpin(), room.kick(2), room.set_access(2, "owner")):
            with pytest.raises(errors.AuthRequiredError):
                await task


# -- the same through BlockingClient -------------------------------------------------------------


def test_blocking_client_has_every_action(devserver_thread) -> None:
    url = devserver_thread.url
    with BlockingClient(server_url=url, auth=ALICE) as chat, \
            BlockingClient(server_url=url, auth=BOB) as other:
        room = chat.se.room(1)
        message = other.se.room(1).send("@Alice flag-worthy")
        as_alice = chat.se.message(message.id)
        as_alice.flag()
        with pytest.raises(errors.RefusedError, match="already flagged"):
            as_alice.flag()
        as_alice.pin()
        as_alice.unpin()
        assert as_alice.unstar() is True  # pinning starred it
        assert as_alice.source() == "@Alice flag-worthy"
        assert [r.label for r in as_alice.history()] == [None, "said"]
        assert room.info().owners[0].name == "Alice"
        assert 2 in {u.id for u in room.current_users()}
        assert all(hasattr(u, "async_object") for u in room.current_users())  # wrapped objects
        assert {p.user_id for p in room.pingable_users()} >= {1, 2}
        assert room.kick(2).endswith("has been kicked from the room for 1 minute.")
        room.set_access(2, AccessLevel.DEFAULT)
        with pytest.raises(errors.AccessDeniedError):
            other.se.room(1).kick(1)
        bookmark = room.bookmark(message, message, "One message")
        room.delete_bookmark(bookmark)
        assert room.move_messages([message], 3) == 1
        inbox = chat.se.mentions(unread_only=True)
        assert message.id in {m.message_id for m in inbox}
        chat.se.ack_mentions([message.id])
        assert message.id not in {m.message_id for m in chat.se.mentions(unread_only=True)}
        assert other.se.user(1).profile().rooms_owned[0] == (1, "Sandbox")


async def test_bad_arguments_fail_at_the_call_and_send_nothing(devserver, alice) -> None:
    room = await alice.se.room(1)
    before = len(devserver.server("se").events)
    with pytest.raises(TypeError, match="user must be"):
        room.kick("Bob Builder")
    with pytest.raises(TypeError, match="user must be"):
        room.set_access(True, AccessLevel.OWNER)
    with pytest.raises(ValueError, match="unknown access level"):
        room.set_access(2, "emperor")
    with pytest.raises(TypeError, match="messages must be a list"):
        room.move_messages("10001", 3)
    with pytest.raises(ValueError, match="no messages to move"):
        room.move_messages([], 3)
    with pytest.raises(TypeError, match="to_room must be"):
        room.move_messages([10001], "Gallery")
    with pytest.raises(TypeError, match="first must be"):
        room.bookmark(None, 10001, "title")
    with pytest.raises(ValueError, match="not a bookmark"):
        room.delete_bookmark("")
    with pytest.raises(TypeError, match="mentions must be"):
        alice.se.ack_mentions(5)
    assert len(devserver.server("se").events) == before
    assert devserver.room("se", 1).owners == {1}


async def test_reads_of_things_gone_meanwhile_are_not_found(devserver, alice, bob) -> None:
    gallery = await alice.se.room(3)
    carol = await alice.se.user(4)
    sent = await (await alice.se.room(1)).send("about to vanish")
    as_bob = await bob.se.message(sent.id)
    await sent.delete()
    with pytest.raises(errors.NotFoundError):
        await as_bob.history()  # a deleted message's history: its author and moderators only
    assert [r.label for r in await sent.history()][:2] == [None, "deleted"]
    devserver.room("se", 3).deleted = True
    for read in (gallery.info, gallery.current_users, gallery.pingable_users):
        with pytest.raises(errors.NotFoundError):
            await read()
    del devserver.server("se").users[4]
    with pytest.raises(errors.NotFoundError):
        await carol.profile()
    async with AsyncClient(server_url=devserver.url, auth=False) as anonymous:
        with pytest.raises(errors.AuthRequiredError):
            await anonymous.se.ack_mentions([sent.id])


async def test_an_access_change_that_worked_is_not_reported_failed_when_the_reread_fails(
    devserver, alice, caplog
) -> None:
    room = await alice.se.room(1)
    devserver.fail(r"/rooms/info/1$", status=404, times=1)
    with caplog.at_level("WARNING", logger="chatexchange.client"):
        await room.set_access(2, AccessLevel.OWNER)
    assert 2 in devserver.room("se", 1).owners
    assert any("after an access change failed" in r.getMessage() for r in caplog.records)
    assert 2 in (await alice.se.room(1)).owner_ids  # stale row: read again on the next lookup
