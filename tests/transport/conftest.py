"""Transport fixtures: connections to the devserver, logged in as its seeded users."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from chatexchange._transport import ServerConnection
from chatexchange.devserver import TEST_USERS, DevServer


@pytest.fixture
async def connect(devserver: DevServer) -> AsyncIterator[Callable[..., object]]:
    """``await connect("alice", slug="se", **options)``: a logged-in connection (closed after)."""
    opened: list[ServerConnection] = []

    async def make(login: str | None = "alice", *, slug: str = "se", **options: object):
        conn = ServerConnection(slug, server_url=devserver.url, **options)
        opened.append(conn)
        if login is not None:
            user = TEST_USERS[login]
            await conn.login(user["email"], user["password"])
        return conn

    yield make
    for conn in opened:
        await conn.close()


@pytest.fixture
async def alice(connect) -> ServerConnection:
    return await connect("alice")


@pytest.fixture
async def bob(connect) -> ServerConnection:
    return await connect("bob")
