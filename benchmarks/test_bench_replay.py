"""Replay end to end from SQLite: a bot of 50 rules (string, regex, function, tags) over an archive
of 100,000 messages, on the pure engine (the baseline) and the compiled one, in the same run.

End to end means everything ``bot.replay()`` does: the SQLAlchemy Core select, building the
message objects and contexts, the engine's selection, and the answers. The archive is a SQLite
file built once per session (about 20% of the messages are commands). ``extra_info`` holds
messages per second (from the median) and, for the compiled engine, its ratio to the pure one.
Target: compiled >= 100,000 messages/second.

Run: ``.venv/bin/pytest benchmarks/test_bench_replay.py --benchmark-enable``. On a busy machine add
``--benchmark-timer=time.process_time``: the replay is one thread reading SQLite from the page
cache, so its CPU time is what the wall time would be on an idle core.
"""

from __future__ import annotations

import pytest
from tests.bot.archive import build_archive
from tests.bot.rules import add_rules

from chatexchange import _store
from chatexchange.bot import Bot

from .conftest import engine_module

MESSAGES = 100_000
_rates: dict[str, float] = {}


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('bench-replay')}/archive.db"
    engine = _store.open_engine(url)
    build_archive(engine, MESSAGES)
    yield engine
    engine.dispose()


def _replay(bot, engine) -> int:
    answered = 0
    for _message, answer in bot.replay("se/r/1", database=engine):
        if answer is not None:
            answered += 1
    return answered


@pytest.mark.parametrize("kind", ["pure", "compiled"])
def test_replay_50_rules_100k_messages(benchmark, archive, kind):
    engine_module(kind, "core")  # skips the compiled case when it is not built
    bot = add_rules(Bot.using(kind)())
    assert len(bot.events) == 50
    answered = benchmark.pedantic(_replay, args=(bot, archive), rounds=5, warmup_rounds=1)
    assert answered > MESSAGES // 10
    rate = MESSAGES / benchmark.stats.stats.median
    _rates[kind] = rate
    benchmark.extra_info["messages"] = MESSAGES
    benchmark.extra_info["rules"] = 50
    benchmark.extra_info["messages_per_second"] = round(rate)
    if kind == "compiled" and "pure" in _rates:
        benchmark.extra_info["ratio_to_pure"] = round(rate / _rates["pure"], 2)
