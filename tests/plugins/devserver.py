"""Shared devserver fixtures.

``devserver`` (async) is a started :class:`chatexchange.devserver.DevServer` on 127.0.0.1 with a
random port; ``devserver_thread`` (sync) runs the same setup on its own event loop in a background
thread, for blocking clients and subprocess CLI tests (``.url``, ``.server_url(slug)``,
``.call(fn, ...)``, ``.post(...)``, ``.fail(...)``, ``.advance_clock(...)``).

Both are seeded with ``chatexchange.devserver.TEST_SEED``; ``TEST_USERS[login]`` has the same data:

- alice: alice@example.com / alice-password; chat ids se 1, so 1001, mse 2001
- bob: bob@example.com / bob-password; se 2, so 1002, mse 2002
- mod (moderator): mod@example.com / mod-password; se 3, so 1003, mse 2003
- carol: carol@example.com / carol-password; se 4, mse 2004 -- NO account on ``so``
- user -2 "Feeds" on every server (no login)

Rooms: se 1 "Sandbox" (owner alice; two messages by alice and bob two hours ago), se 2 "Frozen
Room" (frozen: posting answers 404), se 3 "Gallery" (read-only unless granted; owner alice), so 1
"Sandbox" (owner alice), mse 89 "Tavern on the Meta" (owner mod).

No rate rule is set (add one with ``devserver.set_rate_rule(count, per)``); the websocket heartbeat
is 1 s; login throttling has the defaults (captcha after 5 logins per email per minute, HTTP 429
after 30 login posts per minute; change with ``devserver.configure(...)``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from chatexchange.devserver import DevServer, DevServerThread


@pytest.fixture
async def devserver() -> AsyncIterator[DevServer]:
    async with DevServer.with_test_data(heartbeat=1.0) as server:
        yield server


@pytest.fixture
def devserver_thread() -> Iterator[DevServerThread]:
    with DevServerThread(DevServer.with_test_data(heartbeat=1.0)) as server:
        yield server
