"""What the classic suites need of the devserver: the reply notice for a reply to one's own
message, seeds with replies, edit history, stars, pins and presence, and the login limit and
heartbeat from the command line."""

from __future__ import annotations

import pytest

from chatexchange.devserver import DevServer, main
from chatexchange.devserver.cli import build_parser

from .conftest import Browser


async def test_reply_to_own_message_notifies_the_author(
    devserver: DevServer, alice: Browser
) -> None:
    _, first = await alice.send(1, "a question to myself")
    _, answer = await alice.send(1, f":{first['id']} and my own answer")
    notices = [e for e in devserver.server("se").events if e.fields["event_type"] == 18]
    assert len(notices) == 1
    notice = notices[0]
    assert notice.fields["message_id"] == answer["id"]
    assert notice.fields["parent_id"] == first["id"]
    assert notice.fields["target_user_id"] == 1 and notice.targets == frozenset({1})
    assert devserver.server("se").mentions.get(1, []) == []  # the inbox only counts others


async def test_seed_replies_edit_history_stars_pins_presence() -> None:
    seed = {
        "accounts": [{"email": "e@example.com", "password": "pw", "name": "Eve",
                      "past_messages": 40, "past_rooms": 3, "ids": {"se": 9}}],
        "rooms": {"se": [{"id": 7, "name": "Seeded", "owners": [9], "present": [9, 1]}]},
        "messages": {"se": [
            {"id": 100, "room": 7, "user": 9, "text": "first", "time": -600},
            {"id": 101, "room": 7, "user": 1, "text": ":100 answer", "time": -500,
             "revisions": [{"text": ":100 draft"}, {"text": ":100 draft 2", "user": 9}],
             "edited_by": 9, "stars": [9], "pinned_by": [9]},
            {"id": 102, "room": 7, "user": 9, "text": "@Alice implicit", "time": -400,
             "reply_to": 101},
        ]},
    }
    async with DevServer.with_test_data() as server:
        from chatexchange.devserver.seed import apply

        apply(server.world.servers, seed)
        se = server.server("se")
        assert set(se.rooms[7].present) == {9, 1}
        answer = se.messages[101]
        assert answer.parent_id == 100 and answer.show_parent
        assert "@Eve" in answer.html
        assert [(r.user_id, r.source) for r in answer.revisions] == [
            (1, ":100 draft"), (9, ":100 draft 2"), (9, ":100 answer")
        ]
        assert answer.edits == 2 and answer.stars == {9} and answer.pinners == {9}
        assert se.messages[102].parent_id == 101
        eve = Browser(server)
        _, body = await eve.get("/users/9")
        assert 'class="user-message-count-xxl" title="42 all time messages">42<' in body
        assert ">4</div>" in body  # 3 past rooms + the one Eve is in now


def test_login_limit_and_heartbeat_options(capsys: pytest.CaptureFixture[str]) -> None:
    args = build_parser().parse_args(["--login-limit", "3/60", "--heartbeat", "0.5"])
    assert (args.login_limit.count, args.login_limit.per, args.heartbeat) == (3, 60.0, 0.5)
    with pytest.raises(SystemExit):
        main(["--port", "0", "--login-limit", "often"])
    assert "COUNT/SECONDS" in capsys.readouterr().err
