"""The background-thread fixture serves the same setup to blocking code."""

from __future__ import annotations

import json
import re
import urllib.request

from chatexchange.devserver import DevServerThread


def test_thread_server_serves_blocking_clients(devserver_thread: DevServerThread) -> None:
    with urllib.request.urlopen(devserver_thread.url + "/se/users/login", timeout=10) as r:
        assert re.search(rb'name="fkey" value="[0-9a-f]{64}"', r.read())
    msg = devserver_thread.post("se", 1, 2, "from the test thread")
    assert msg is not None
    with urllib.request.urlopen(
        devserver_thread.url + f"/se/message/{msg.id}?plain=true", timeout=10
    ) as r:
        assert r.read().decode() == "from the test thread"
    devserver_thread.fail(r"/se/rooms$", 503)
    try:
        urllib.request.urlopen(devserver_thread.url + "/se/rooms", timeout=10)
    except urllib.error.HTTPError as exc:
        assert exc.code == 503
    else:
        raise AssertionError("no failure")
    assert (
        json.loads(
            urllib.request.urlopen(
                urllib.request.Request(devserver_thread.url + "/se/user/info", data=b"ids=1,2"),
                timeout=10,
            ).read()
        )["users"][0]["name"]
        == "Alice"
    )
