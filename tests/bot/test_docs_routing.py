"""The routing example of docs/bots.md, run as written, then live on the devserver: it does what
the page says."""

from __future__ import annotations

import re
from pathlib import Path

from tests.bot.test_live import BOB, MOD, until
from tests.bot.test_live_events import posted_by_alice, running

DOC = Path(__file__).resolve().parents[2] / "docs" / "bots.md"
SECTION = "## Events: joins, stars, mentions, moves... (routes)"
CAROL = 4


def example() -> dict:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(SECTION)
    section = text[start : text.index("\n## ", start + len(SECTION))]
    (code,) = re.findall(r"```python\n(.*?)```", section, re.S)
    namespace: dict = {"__name__": "docs_bots_routing"}
    exec(compile(code, "docs/bots.md routing example", "exec"), namespace)
    return namespace


async def test_the_routing_example_does_what_the_page_says(devserver, tmp_path):
    ns = example()
    bot, seen_stars = ns["bot"], ns["seen_stars"]
    se = devserver.server("se")
    sandbox = se.room(1)
    start = max(m.id for m in se.room_messages(1))
    async with running(bot, devserver, tmp_path / "archive.db"):
        se.enter(sandbox, se.users[CAROL])
        ping = devserver.post("se", 1, CAROL, "@Alice hello")
        starred = devserver.post("se", 1, CAROL, "star me")
        se.star(starred.id, se.users[MOD])
        se.star(starred.id, se.users[BOB])
        se.set_access(sandbox, se.users[1], se.users[BOB], "read-only")  # by the bot itself
        alive = devserver.post("se", 1, MOD, "!!/alive")
        await until(
            lambda: any(m.parent_id == alive.id for m in posted_by_alice(devserver, start)),
            "the answer to the message rule",
        )
        await until(lambda: seen_stars, "the second star")
    answers = [m.source for m in posted_by_alice(devserver, start)]
    assert "Welcome to Sandbox, Carol Ψ!" in answers
    assert f":{ping.id} Carol Ψ, I only greet." in answers
    assert f":{alive.id} yes" in answers
    assert not any(a.startswith("noted") for a in answers)  # its own access change: not routed
    assert seen_stars == [(starred.id, 2)]
