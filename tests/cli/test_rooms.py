"""Room forms and database URLs: every accepted spelling reduces to one reference, others fail
clearly."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chatexchange.cli.rooms import (
    DatabaseFormError,
    RoomFormError,
    RoomRef,
    database_url,
    looks_like_database,
    parse_room,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("se/r/1", RoomRef("se", 1)),
        ("so/r/1", RoomRef("so", 1)),
        ("mse/r/89", RoomRef("mse", 89)),
        ("SE/r/11540", RoomRef("se", 11540)),
        ("se/rooms/1/", RoomRef("se", 1)),
        ("chat.stackexchange.com/rooms/1", RoomRef("se", 1)),
        ("chat.stackoverflow.com/rooms/167908/sobotics-workshop", RoomRef("so", 167908)),
        ("chat.meta.stackexchange.com/rooms/89", RoomRef("mse", 89)),
        ("https://chat.stackexchange.com/rooms/1/sandbox", RoomRef("se", 1)),
        ("http://CHAT.StackExchange.com/rooms/1/sandbox?tab=x#y", RoomRef("se", 1)),
        ("https://chat.stackexchange.com/rooms/info/11540/charcoal-hq", RoomRef("se", 11540)),
        ("https://chat.stackexchange.com/transcript/1", RoomRef("se", 1)),
        ("https://chat.stackexchange.com/transcript/1/2024/1/2", RoomRef("se", 1)),
        ("https://chat.stackexchange.com/transcript/11540/2017/11/17/1-2", RoomRef("se", 11540)),
        (
            "https://chat.stackexchange.com/transcript/11540?m=41198880#41198880",
            RoomRef("se", 11540),
        ),
        (
            "https://chat.stackoverflow.com/transcript/message/44402065",
            RoomRef("so", message_id=44402065),
        ),
        ("r/B6", RoomRef(meta_slug="B6")),
        ("  se/r/7  ", RoomRef("se", 7)),
    ],
)
def test_accepted_forms(text: str, expected: RoomRef) -> None:
    assert parse_room(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty room"),
        ("foo", "cannot read a room"),
        ("xx/r/1", "unknown server 'xx'"),
        ("se/r/0", "positive"),
        ("se/r/abc", "cannot read a room"),
        ("example.com/rooms/1", "unknown chat host 'example.com'"),
        ("https://chat.stackexchange.com/users/1", "not a room"),
        ("sqlite://./data", "database URL"),
        ("https://chat.stackexchange.com:8443/rooms/1", "port"),
    ],
)
def test_rejected_forms_say_why(text: str, fragment: str) -> None:
    with pytest.raises(RoomFormError, match=fragment):
        parse_room(text)


def test_devserver_urls_are_rooms_only_under_the_given_server_url() -> None:
    base = "http://127.0.0.1:8080"
    assert parse_room(f"{base}/se/rooms/5", base) == RoomRef("se", 5)
    assert parse_room("127.0.0.1:8080/mse/transcript/89/2020/1/1", base) == RoomRef("mse", 89)
    with pytest.raises(RoomFormError, match="--server-url"):
        parse_room(f"{base}/se/rooms/5")


@given(server=st.sampled_from(["se", "so", "mse"]), room_id=st.integers(1, 2**62))
def test_short_form_round_trips(server: str, room_id: int) -> None:
    ref = parse_room(f"{server}/r/{room_id}")
    assert ref == RoomRef(server, room_id)
    assert parse_room(str(ref)) == ref


@given(st.text(max_size=40))
def test_any_text_is_a_room_or_a_clear_error(text: str) -> None:
    try:
        ref = parse_room(text)
    except RoomFormError as exc:
        assert str(exc)
        assert "\n" not in str(exc)
    else:
        assert (ref.server is None) == (ref.meta_slug is not None)


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("sqlite://./data", "sqlite:///./data"),
        ("sqlite://data.db", "sqlite:///data.db"),
        ("sqlite:///abs/path.db", "sqlite:///abs/path.db"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
        ("sqlite://", "sqlite://"),
        ("sqlite://:memory:", "sqlite://"),
        ("archive.sqlite3", "sqlite:///archive.sqlite3"),
        ("postgresql+psycopg://u@localhost/chat", "postgresql+psycopg://u@localhost/chat"),
    ],
)
def test_database_urls(text: str, url: str) -> None:
    assert looks_like_database(text)
    assert database_url(text) == url


def test_rooms_are_not_databases() -> None:
    for text in (
        "se/r/1",
        "https://chat.stackexchange.com/rooms/1",
        "r/B6",
        "chat.stackexchange.com/rooms/1",
    ):
        assert not looks_like_database(text)
    with pytest.raises(DatabaseFormError):
        database_url("se/r/1")
