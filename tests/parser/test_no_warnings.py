"""Parsing pages warns about nothing (lxml's FutureWarning on truth-testing an element, above all).

A warning printed for every room info page would end up on a command's stderr; pages here are read
with every warning turned into an error.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest

from chatexchange._parser import parse_room_info, parse_rooms_list, parse_user_profile

from .test_pages import PROFILE, ROOM_INFO

INFO_URL = "https://chat.stackoverflow.com/rooms/info/92764"


def strictly(parse: Callable[..., Any], body: bytes | str, url: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return parse(body, url)


def _counts_outside_the_card(page: str) -> str:
    """The room info page with its counts after the room card (read from the page instead)."""
    counts = (
        '<div class="room-message-count-xxl" title="123287 all time messages">123k</div>\n'
        '  <div class="room-user-count-xxl" title="all time users">1042</div>\n'
    )
    assert counts in page
    return page.replace(counts, "").replace("</body>", counts + "</body>")


@pytest.mark.parametrize(
    "page",
    [
        ROOM_INFO,
        _counts_outside_the_card(ROOM_INFO),
        ROOM_INFO.replace('<img class="small-site-logo" title="Stack Overflow" src="#" />', ""),
        ROOM_INFO.replace("<p>Welcome to the <b>pit</b>.</p>", "").replace(
            '<div class="favorite-room-vote favorite-room"></div>', ""
        ),
    ],
    ids=["capture-like", "counts-outside-card", "no-site-logo", "no-description-no-favorite"],
)
def test_room_info_pages_parse_without_warnings(page: str) -> None:
    info = strictly(parse_room_info, page, INFO_URL)
    assert info.room_id == 92764 and info.owners


def test_profile_parses_without_warnings() -> None:
    profile = strictly(parse_user_profile, PROFILE, "https://chat.stackoverflow.com/users/4875631")
    assert profile.name == "FrankerZ"


@pytest.mark.parametrize(
    ("slug", "room_id"), [("se", 1), ("se", 2), ("se", 3), ("so", 1), ("mse", 89)]
)
async def test_devserver_pages_parse_without_warnings(devserver, slug: str, room_id: int) -> None:
    base = f"{devserver.url.rstrip('/')}/{slug}"
    async with aiohttp.ClientSession() as http:

        async def get(path: str) -> tuple[bytes, str]:
            async with http.get(base + path) as response:
                assert response.status == 200
                return await response.read(), str(response.url)

        info = strictly(parse_room_info, *await get(f"/rooms/info/{room_id}"))
        assert info.room_id == room_id
        for owner in info.owners:
            assert strictly(parse_user_profile, *await get(f"/users/{owner.user_id}")).user_id == (
                owner.user_id
            )
        assert strictly(parse_rooms_list, *await get("/rooms")).rooms
