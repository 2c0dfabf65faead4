"""The user and room-owner actions of the transport, each with the server's refusal."""

from __future__ import annotations

import pytest

from chatexchange import errors


async def test_flag_and_its_refusals(devserver, alice, bob) -> None:
    mid, _ = await alice.send(1, "spam spam spam")
    own, _ = await bob.send(1, "mine")
    await bob.flag(mid)
    assert devserver.server("se").messages[mid].flaggers == {2}
    with pytest.raises(errors.RefusedError, match="already flagged") as again:
        await bob.flag(mid)
    assert again.value.text == "You have already flagged this message"
    with pytest.raises(errors.AccessDeniedError, match="You cannot flag your own message"):
        await bob.flag(own)


async def test_unpin_is_not_a_toggle(devserver, alice, bob) -> None:
    mid, _ = await bob.send(1, "pin me")
    stored = devserver.server("se").messages[mid]
    await alice.pin(mid)
    with pytest.raises(errors.AccessDeniedError, match="Only room owners can unpin"):
        await bob.unpin(mid)
    await alice.unpin(mid)
    assert not stored.pinners
    with pytest.raises(errors.RefusedError, match="not pinned"):
        await alice.unpin(mid)
    assert not stored.pinners


async def test_kick_set_access_and_their_refusals(devserver, alice, bob) -> None:
    text = await alice.kick(1, 2)
    assert text == "Bob Builder has been kicked from the room for 1 minute."
    room = devserver.room("se", 1)
    with pytest.raises(errors.AccessDeniedError, match="do not have permission"):
        await bob.send(1, "let me back in")
    devserver.advance_clock(61)  # a kick-mute lasts a minute
    await bob.send(1, "back again")
    with pytest.raises(errors.AccessDeniedError) as denied:
        await bob.kick(1, 1)
    assert "You do not have permission to kick users from this room" in str(denied.value)
    await alice.set_access(1, 2, "owner")
    assert 2 in room.owners
    await alice.set_access(1, 2, "remove")
    assert 2 not in room.owners and 2 not in room.acl
    with pytest.raises(errors.AccessDeniedError, match="permission to change access"):
        await bob.set_access(3, 4, "read-write")
    with pytest.raises(errors.RefusedError, match="Unknown access level"):
        await alice.set_access(1, 2, "emperor")


async def test_move_messages_and_its_refusal(devserver, alice, bob) -> None:
    first, _ = await bob.send(1, "off topic one")
    second, _ = await bob.send(1, "off topic two")
    with pytest.raises(errors.AccessDeniedError, match="permission to move messages"):
        await bob.move_messages(1, [first], 3)
    assert await alice.move_messages(1, [first, second], 3) == 2
    assert devserver.server("se").messages[second].room_id == 3
    with pytest.raises(ValueError):
        await alice.move_messages(1, [], 3)


async def test_bookmark_and_delete_it(devserver, alice, bob) -> None:
    first, _ = await bob.send(1, "how it began")
    last, _ = await alice.send(1, "how it ended")
    answer = await bob.bookmark(1, first, last, "The <story>")
    assert (answer.room_id, answer.slug, answer.title) == (1, "the-story", "The <story>")
    with pytest.raises(errors.RefusedError, match="needs a title"):
        await bob.bookmark(1, first, last, "  ")
    elsewhere, _ = await alice.send(3, "elsewhere")
    with pytest.raises(errors.RefusedError, match="Both messages must be in this room"):
        await bob.bookmark(1, first, elsewhere, "mixed")
    with pytest.raises(errors.NotFoundError):
        await bob.delete_bookmark(1, "no-such-bookmark")
    await bob.delete_bookmark(1, answer.slug)
    assert devserver.server("se").bookmarks == {}


async def test_source_history_pingable_mentions_and_ack(devserver, alice, bob) -> None:
    await bob.join(1)
    mid, _ = await alice.send(1, "@Bob see **this**")
    await alice.edit(mid, "@Bob see **this** now")
    assert await bob.message_source(mid) == "@Bob see **this** now"
    history = await bob.message_history(mid)
    assert [r.source for r in history.revisions] == [
        "@Bob see **this** now",
        "@Bob see **this** now",
        "@Bob see **this**",
    ]
    pingable = {p.user_id: p for p in await bob.pingable(1)}
    assert pingable[1].name == "Alice" and pingable[2].last_seen is not None
    mentions = await bob.mentions(2)
    assert [(m.message_id, m.room_id, m.user_id, m.unread) for m in mentions] == [
        (mid, 1, 1, True)
    ]
    assert mentions[0].content_text.startswith("@Bob see this")
    await bob.ack_mentions([mid])
    assert [m.unread for m in await bob.mentions(2)] == [False]
    await bob.ack_mentions([])  # nothing to send


async def test_reads_of_missing_things_are_not_found(alice) -> None:
    with pytest.raises(errors.NotFoundError):
        await alice.message_source(999_999)
    with pytest.raises(errors.NotFoundError):
        await alice.message_history(999_999)
