"""Replay: the bot's rules over an archive, no network, nothing posted; on both engines."""

from __future__ import annotations

import math
from datetime import timedelta
from types import SimpleNamespace

import pytest

from chatexchange import AsyncClient, Bot, store
from chatexchange.bot import Replayed, load_bot, replay_command
from chatexchange.bot._command import BotLoadError
from chatexchange.cli import main as cli_main
from tests.bot.archive import START, USERS, build_archive, message_texts
from tests.bot.rules import add_rules

N = 400


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('replay')}/archive.db"
    engine = store.open_engine(url)
    ids = build_archive(engine, N)
    engine.dispose()
    return url, ids


@pytest.fixture(params=["pure", "compiled"])
def engine_kind(request):
    if request.param == "compiled":
        pytest.importorskip("chatexchange._speedups.core")
    return request.param


def expected_answer(owner: int, text: str) -> str | None:
    names = dict(USERS)
    if text == "!!/alive":
        return f"Yes, {names[owner]}"
    if text == "!!/help":
        return "Commands: !!/alive, !!/help, !!/echo TEXT (owners: !!/kick USER)"
    if text.startswith("!!/echo "):
        return text[len("!!/echo ") :]
    if text.startswith("!!/kick "):
        return f"kicked {text[8:]}" if owner in (1, 3) else None  # owner alice, moderator mo
    if text.startswith("ping "):
        return f"pong {text.split()[1]}"
    return None


def test_replay_answers_every_message_in_order(archive, engine_kind):
    url, ids = archive
    bot = add_rules(Bot.using(engine_kind)())
    results = list(bot.replay("se/r/1", database=url))
    assert all(isinstance(r, Replayed) for r in results)
    assert [r.message.id for r in results] == ids
    texts = message_texts(N)
    assert [r.answer for r in results] == [expected_answer(o, t) for o, t in texts]
    first = results[0].message
    assert first.time == START and first.room.name == "Sandbox"
    assert first.owner.name == dict(USERS)[texts[0][0]]
    assert any(r.answer and r.answer.startswith("kicked") for r in results)


def test_pure_and_compiled_agree(archive):
    pytest.importorskip("chatexchange._speedups.core")
    url, _ = archive
    pure = [r.answer for r in add_rules(Bot.using("pure")()).replay("se/r/1", database=url)]
    compiled = [
        r.answer for r in add_rules(Bot.using("compiled")()).replay("se/r/1", database=url)
    ]
    assert pure == compiled


def test_since_and_until(archive):
    url, ids = archive
    bot = add_rules(Bot())
    by_id = [r.message.id for r in bot.replay(("se", 1), ids[10], ids[20], database=url)]
    assert by_id == ids[10:20]
    since = START + timedelta(seconds=30 * 5)
    until = START + timedelta(seconds=30 * 9)
    by_time = [r.message.id for r in bot.replay("se/r/1", since, until, database=url)]
    assert by_time == ids[5:9]
    with pytest.raises(TypeError):
        list(bot.replay("se/r/1", "yesterday", database=url))


def test_replay_reads_with_core_only(archive, monkeypatch):
    """Rows, not ORM objects: replay works with ORM sessions made impossible."""
    from sqlalchemy.orm import Session

    engine = store.open_engine(archive[0])

    def refuse(*args, **kwargs):
        raise AssertionError("replay opened an ORM session")

    monkeypatch.setattr(Session, "__init__", refuse)
    try:
        assert len(list(add_rules(Bot()).replay("se/r/1", database=engine))) == N
    finally:
        engine.dispose()


def test_a_failing_rule_is_logged_and_the_replay_goes_on(archive, caplog):
    url, ids = archive
    bot = Bot()
    bot.on("ping", "pong")

    def broken(room):
        return room.send("a replay room cannot post")  # AttributeError

    bot.on("!!/alive", broken)
    results = list(bot.replay("se/r/1", database=url))
    assert [r.message.id for r in results] == ids
    failed = [r for r in results if r.message.text == "!!/alive"]
    assert failed and all(r.answer is None for r in failed)
    assert any(r.answer and r.answer.startswith("pong") for r in results)
    assert "AttributeError" in caplog.text


def test_unknown_room(archive):
    from chatexchange import errors

    with pytest.raises(errors.NotFoundError):
        list(Bot().replay("se/r/999", database=archive[0]))


def test_a_room_text_without_database_is_a_type_error():
    bot = Bot()
    with pytest.raises(TypeError, match=r"^replay needs database="):
        list(bot.replay("se/r/1"))
    with pytest.raises(TypeError, match=r"^replay_events needs database="):
        list(bot.replay_events("se/r/1"))


async def test_replay_from_a_client_room(archive):
    url, ids = archive
    async with AsyncClient(url, auth=False) as client:
        room = await client.se.room(1, desired_max_age=math.inf)
        bot = add_rules(Bot())
        results = list(bot.replay(room))
    assert len(results) == len(ids)


def test_async_events_are_awaited(archive):
    url, _ = archive
    bot = Bot()

    async def alive(user):
        return f"async {user.name}"

    bot.on("!!/alive", alive)
    answers = [r.answer for r in bot.replay("se/r/1", database=url) if r.answer]
    assert answers and all(a.startswith("async ") for a in answers)


def test_memory_follows_each_user(archive):
    url, _ = archive
    bot = Bot()

    def count(memory):
        memory["n"] = memory.get("n", 0) + 1
        return None

    bot.on_any(count)
    list(bot.replay("se/r/1", database=url))
    # the replay's memory is its own: the bot's live memory is untouched
    assert len(bot.memory) == 0


def test_replay_command(archive, capsys):
    url, _ = archive
    ns = SimpleNamespace(
        database=url, room_ref=("se", 1), bot="tests.bot.replay_bot:bot", quiet=False, json=False
    )
    assert replay_command(ns) == 0
    out, err = capsys.readouterr()
    assert "-> Yes, " in out and f"{N} messages replayed" in err


def test_cli_replay_json_and_quiet(archive, capsys):
    url, _ = archive
    argv = ["replay", url, "se/r/1", "--bot", "tests.bot.replay_bot:make_bot", "--json"]
    assert cli_main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert '"answer"' in lines[0] and '"summary"' in lines[-1]
    assert cli_main(["replay", url, "se/r/1", "--bot", "tests.bot.replay_bot:bot", "-q"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "answered" in err


def test_bad_bot_spec():
    with pytest.raises(BotLoadError):
        load_bot("tests.bot.replay_bot:nothing")
    with pytest.raises(BotLoadError):
        load_bot("no_such_module_here:bot")
    with pytest.raises(BotLoadError):
        load_bot("tests.bot.archive:USERS")


def test_cli_bad_bot_is_a_usage_error(archive, capsys):
    code = cli_main(["replay", archive[0], "se/r/1", "--bot", "tests.bot.replay_bot:nothing"])
    assert code == 2
    assert "nothing" in capsys.readouterr().err
