"""Replay end to end from SQLite (and PostgreSQL when ``CHATEXCHANGE_TEST_POSTGRES_URL`` names a
server): a bot of 50 rules (string, regex, function, tags) over an archive
of 100,000 messages, on the pure engine (the baseline) and the compiled one, in the same run.

End to end means everything ``bot.replay()`` does: the SQLAlchemy Core select, building the
message objects and contexts, the engine's selection, and the answers. The archive is a SQLite
file built once per session (about 20% of the messages are commands). Two more measurements in
the same run split that time:

* ``no rules``: the same replay with a bot without rules: reading the rows, building each
  message and its context, an empty dispatch. What is left of the 50-rule replay is dispatch.
* ``dispatch only``: the 50 rules' ``handle()`` over contexts built beforehand, no database: the
  ratio compiled/pure here is the most any replay can show, whatever reading costs.
* ``rules' own code``: no engine at all, the rules' own code called directly over the same
  messages: the ten condition functions (``functions``), and those plus the fifteen regexes'
  ``match`` (``functions+regexes``). The functions are Python code any dispatcher must run for every
  message (the best rank is known only after every condition has been asked); regexes are C code
  an engine may skip when the text cannot match. So no compiled replay costs less than reading plus
  the functions, and the module prints the highest ratio an engine could reach on this rule set:
  (the pure replay) / (reading + the functions).

Run: ``.venv/bin/pytest benchmarks/test_bench_replay.py --benchmark-enable``. On a busy machine add
``--benchmark-timer=time.process_time``: the replay is one thread reading SQLite from the page
cache, so its CPU time is what the wall time would be on an idle core.
"""

from __future__ import annotations

from typing import Any

import pytest
from tests.bot.archive import build_archive
from tests.bot.rules import CONDITION_FUNCTIONS, REGEXES, add_rules
from tests.plugins.database import postgres_admin, postgres_schema  # noqa: F401 (fixture)

from benchmarks.test_bench_storage import write_summary
from chatexchange import store
from chatexchange.bot import Bot
from chatexchange.bot._replay import replay

from .conftest import engine_module

MESSAGES = 100_000
_rates: dict[tuple[str, str, str], float] = {}


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def archive(request, tmp_path_factory):
    """The archive, an SQLite file or a PostgreSQL schema (``CHATEXCHANGE_TEST_POSTGRES_URL``)."""
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('bench-replay')}/archive.db"
    else:
        admin, reason = request.getfixturevalue("postgres_admin")
        if admin is None:
            pytest.skip(reason)
        schema = postgres_schema(admin)
        url = schema.__enter__()
    engine = store.open_engine(url)
    build_archive(engine, MESSAGES)
    yield request.param, engine
    engine.dispose()
    if schema is not None:
        schema.__exit__(None, None, None)


@pytest.fixture(scope="module", autouse=True)
def _summary(request: pytest.FixtureRequest) -> Any:
    yield
    lines = []
    for db in ("sqlite", "postgres"):
        for workload in ("50 rules", "no rules", "dispatch only"):
            pure = _rates.get((db, workload, "pure"))
            compiled = _rates.get((db, workload, "compiled"))
            if pure and compiled:
                lines.append(
                    f"  {db:8} {workload:14} pure {pure:>9,.0f}  compiled {compiled:>9,.0f}"
                    f"  compiled/pure {compiled / pure:.2f}x"
                )
        for kind in ("pure", "compiled"):
            full, bare = _rates.get((db, "50 rules", kind)), _rates.get((db, "no rules", kind))
            if full and bare:
                reading = full / bare  # time share: (1/bare) / (1/full)
                lines.append(
                    f"  {db:8} {kind:8} 50-rule replay: {reading:.0%} reading rows and building "
                    f"messages and contexts, {1 - reading:.0%} dispatch"
                )
        bare = _rates.get((db, "no rules", "compiled"))
        replayed = _rates.get((db, "50 rules", "pure"))
        compiled = _rates.get((db, "dispatch only", "compiled"))
        for part in OWN_CODE:
            own = _rates.get((db, f"rules' own code, {part}", "none"))
            if own and compiled:
                lines.append(
                    f"  {db:8} rules' own code, {part}: {own:,.0f} msg/s; the compiled dispatch "
                    f"costs {own / compiled:.2f}x it"
                )
        own = _rates.get((db, "rules' own code, functions", "none"))
        if own and bare and replayed:
            ceiling = (1 / replayed) / (1 / bare + 1 / own)
            lines.append(
                f"  {db:8} highest 50-rule replay ratio any engine could reach here "
                f"(pure replay / (reading + the functions)): {ceiling:.2f}x"
            )
    write_summary(request, "replay of 100,000 archived messages (messages/second, median):", lines)


def _record(benchmark: Any, db: str, workload: str, kind: str) -> None:
    rate = MESSAGES / benchmark.stats.stats.median
    _rates[(db, workload, kind)] = rate
    benchmark.extra_info.update(messages=MESSAGES, messages_per_second=round(rate))
    pure = _rates.get((db, workload, "pure"))
    if kind == "compiled" and pure:
        benchmark.extra_info["ratio_to_pure"] = round(rate / pure, 2)


def _replay(bot, engine) -> int:
    answered = 0
    for _message, answer in bot.replay("se/r/1", database=engine):
        if answer is not None:
            answered += 1
    return answered


@pytest.mark.parametrize("kind", ["pure", "compiled"])
def test_replay_50_rules_100k_messages(benchmark, archive, kind):
    engine_module(kind, "core")  # skips the compiled case when it is not built
    db, engine = archive
    bot = add_rules(Bot.using(kind)())
    assert len(bot.events) == 50
    benchmark.group = f"replay 50 rules {db}"
    answered = benchmark.pedantic(_replay, args=(bot, engine), rounds=5, warmup_rounds=1)
    assert answered > MESSAGES // 10
    benchmark.extra_info["rules"] = 50
    _record(benchmark, db, "50 rules", kind)


@pytest.mark.parametrize("kind", ["pure", "compiled"])
def test_replay_no_rules(benchmark, archive, kind):
    """Reading, messages and contexts: the replay's own share."""
    engine_module(kind, "core")
    db, engine = archive
    bot = Bot.using(kind)()
    benchmark.group = f"replay no rules {db}"
    answered = benchmark.pedantic(_replay, args=(bot, engine), rounds=5, warmup_rounds=1)
    assert answered == 0
    _record(benchmark, db, "no rules", kind)


def _prepared(bot: Any, engine: Any) -> list[tuple[Any, dict, Any]]:
    """What the replay hands ``bot.handle`` for each message: (args, context, tags), kept from a
    replay with the same bot."""
    prepared = []
    original = bot.handle

    def keep(args: Any, context: dict) -> Any:
        prepared.append((args, context, bot._next_tags))
        return original(args, context)

    bot.handle = keep
    for _ in replay(bot, "se/r/1", database=engine):
        pass
    bot.handle = original
    return prepared


@pytest.mark.parametrize("kind", ["pure", "compiled"])
def test_dispatch_only(benchmark, archive, kind):
    """The 50 rules over the same messages with their contexts built beforehand (no database)."""
    engine_module(kind, "core")
    db, engine = archive
    bot = add_rules(Bot.using(kind)())
    prepared = _prepared(bot, engine)
    use_tags, handle = bot._use_tags, bot.handle

    def dispatch() -> None:
        for args, context, tags in prepared:
            use_tags(tags)
            handle(args, context)

    benchmark.group = f"replay dispatch only {db}"
    benchmark.pedantic(dispatch, rounds=5, warmup_rounds=1)
    _record(benchmark, db, "dispatch only", kind)


OWN_CODE = ("functions", "functions+regexes")


@pytest.mark.parametrize("part", OWN_CODE)
def test_rules_own_code(benchmark, archive, part):
    """The rules' own code over the same messages, no engine: each condition function called with
    the message (and with ``functions+regexes`` each regex's ``match`` on the text)."""
    db, engine = archive
    messages = [(context["message"], args[0]) for args, context, _ in _prepared(Bot(), engine)]
    assert len(messages) == MESSAGES
    functions = tuple(CONDITION_FUNCTIONS)
    matchers = tuple(regex.match for regex in REGEXES) if part == OWN_CODE[1] else ()

    def own_code() -> int:
        matched = 0
        for message, text in messages:
            for function in functions:
                if function(message) > 0:
                    matched += 1
            for match in matchers:
                if match(text) is not None:
                    matched += 1
        return matched

    benchmark.group = f"replay rules' own code {db}"
    matched = benchmark.pedantic(own_code, rounds=5, warmup_rounds=1)
    assert matched > 0
    _record(benchmark, db, f"rules' own code, {part}", "none")
