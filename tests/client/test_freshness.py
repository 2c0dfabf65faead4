"""The freshness rule, in all four cases, with a controllable clock and a devserver made to fail.

1. a local row updated within ``desired_max_age`` is returned without a request;
2. an older one is fetched again;
3. if that fetch fails and the row is within ``required_max_age``, the row is returned and a warning
   logged;
4. otherwise the error is raised (``StaleDataError`` with an old row, the fetch's error without
   one).
"""

from __future__ import annotations

import logging
import math
from datetime import timedelta

import pytest

from chatexchange import errors
from chatexchange._time import utcnow
from chatexchange.client import AsyncClient
from chatexchange.client.freshness import Freshness, resolve


class Clock:
    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
async def client(devserver):
    clock = Clock()
    async with AsyncClient(
        server_url=devserver.url, clock=clock, desired_max_age=60, required_max_age=600
    ) as c:
        c.test_clock = clock
        yield c


INFO = r"^/se/rooms/info/1\b"


async def test_fresh_row_is_returned_without_a_request(client, devserver):
    room = await client.se.room(1)
    assert room.name == "Sandbox"
    devserver.room("se", 1).name = "Renamed"
    devserver.fail(INFO, 500, times=None)  # any request would now fail
    client.test_clock.advance(59)
    again = await client.se.room(1, required_max_age=0)
    assert again.name == "Sandbox"
    assert again.meta_updated == room.meta_updated


async def test_stale_row_is_fetched_again(client, devserver):
    room = await client.se.room(1)
    devserver.room("se", 1).name = "Renamed"
    client.test_clock.advance(61)
    again = await client.se.room(1)
    assert again.name == "Renamed"
    assert again.meta_updated > room.meta_updated
    # per-call ages override the client's: desired_max_age=0 always asks
    devserver.room("se", 1).name = "Renamed twice"
    assert (await client.se.room(1, desired_max_age=0)).name == "Renamed twice"


async def test_failed_fetch_falls_back_to_a_row_within_required_age(client, devserver, caplog):
    await client.se.room(1)
    devserver.room("se", 1).name = "Renamed"
    devserver.fail(INFO, 500, times=None)
    client.test_clock.advance(300)
    with caplog.at_level(logging.WARNING, logger="chatexchange"):
        room = await client.se.room(1)
    assert room.name == "Sandbox"
    warnings = [r for r in caplog.records if "archived copy" in r.getMessage()]
    assert warnings and "room se/r/1" in warnings[0].getMessage()


async def test_failed_fetch_with_a_too_old_row_raises(client, devserver):
    await client.se.room(1)
    devserver.fail(INFO, 500, times=None)
    client.test_clock.advance(601)
    with pytest.raises(errors.StaleDataError) as info:
        await client.se.room(1)
    assert isinstance(info.value.__cause__, errors.ServerError)
    # required_max_age per call widens it again
    assert (await client.se.room(1, required_max_age=math.inf)).name == "Sandbox"


async def test_failed_fetch_without_any_row_raises_the_fetch_error(client, devserver):
    devserver.fail(r"^/se/users/2\b", 500, times=None)
    with pytest.raises(errors.ServerError):
        await client.se.user(2)


async def test_not_found_is_an_answer_not_a_failure(client, devserver):
    with pytest.raises(errors.NotFoundError):
        await client.se.room(987654)


async def test_messages_follow_the_rule_too(client, devserver):
    alice = devserver.user("se", 1)
    message = devserver.post("se", 1, alice.id, "a message to look up")
    first = await client.se.message(message.id)
    assert first.content_text == "a message to look up"
    devserver.fail(r"^/se/transcript/message/", 500, times=None)
    client.test_clock.advance(120)
    with pytest.raises(errors.StaleDataError):
        await client.se.message(message.id, required_max_age=60)
    assert (await client.se.message(message.id)).id == message.id  # within 600 s: fallback


async def test_resolve_unit_cases():
    now = utcnow()
    calls = []

    async def fetch():
        calls.append(1)
        return "remote"

    async def broken():
        raise errors.ConnectionLostError("down")

    policy = Freshness(10, 100)
    old = now - timedelta(seconds=50)
    assert await resolve("x", "local", now, fetch, policy, now) == "local"
    assert calls == []
    assert await resolve("x", "local", old, fetch, policy, now) == "remote"
    assert await resolve("x", None, None, fetch, policy, now) == "remote"
    assert await resolve("x", "local", old, broken, policy, now) == "local"
    with pytest.raises(errors.StaleDataError):
        await resolve("x", "local", now - timedelta(seconds=101), broken, policy, now)
    with pytest.raises(errors.ConnectionLostError):
        await resolve("x", None, None, broken, policy, now)
    with pytest.raises(ValueError):
        policy.override(desired_max_age=-1)
