"""Archive write speed: parsed transcript pages -> rows, per second.

``upsert_transcript_page`` (batched, one transaction per page) against a naive baseline measured in
the same run: the ORM way, one lookup and one ``Session.add`` per message, a commit per page. Both
write into an SQLite FILE and, when a server is available, into PostgreSQL. Rates (messages per
second, from each benchmark's fastest round) and the batched/naive ratios are printed at the end
of the module and stored in ``extra_info``.

    .venv/bin/pytest benchmarks/test_bench_storage.py --benchmark-enable
"""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest
from sqlalchemy import MetaData, select
from sqlalchemy.orm import Session
from tests.plugins.database import postgres_admin, postgres_schema  # noqa: F401 (fixture)

from chatexchange import store
from chatexchange._parser.records import TranscriptMessage, TranscriptPage
from chatexchange._time import UTC
from chatexchange.models import Message, Room, User

PAGES = 20
PER_PAGE = 500
BASELINE_PAGES = 3
RESULTS: dict[tuple[str, str], float] = {}


def _pages(count: int, first_id: int = 1_000_000) -> list[TranscriptPage]:
    """Day pages shaped like a busy room's: 50 regular users, replies, some edits and stars."""
    pages = []
    ids = itertools.count(first_id)
    for p in range(count):
        day = dt.date(2020, 1, 1) + dt.timedelta(days=p)
        messages = []
        for i in range(PER_PAGE):
            mid = next(ids)
            owner = mid % 50
            messages.append(
                TranscriptMessage(
                    id=mid,
                    room_id=11540,
                    owner_id=owner,
                    owner_name=f"user {owner}",
                    content_html=f'message {mid} with a <a href="https://x.example/{i}">link</a>',
                    content_text=f"message {mid} with a link",
                    parent_id=mid - 3 if i % 7 == 0 and i > 3 else None,
                    edits=1 if i % 11 == 0 else 0,
                    deleted=False,
                    stars=1 if i % 23 == 0 else 0,
                    pinned=False,
                    onebox=None,
                    time=dt.datetime(day.year, day.month, day.day, tzinfo=UTC)
                    + dt.timedelta(minutes=i * 1440 // PER_PAGE),
                )
            )
        pages.append(
            TranscriptPage(
                url=f"https://chat.stackexchange.com/transcript/11540/{day:%Y/%m/%d}",
                room_id=11540,
                room_name="Charcoal HQ",
                date=day,
                first_day=dt.date(2013, 11, 16),
                previous_day=day - dt.timedelta(days=1),
                next_day=day + dt.timedelta(days=1),
                last_day=None,
                hours=(),
                messages=messages,
            )
        )
    return pages


@pytest.fixture(scope="module")
def pages() -> list[TranscriptPage]:
    return _pages(PAGES)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def bench_db(request: pytest.FixtureRequest, tmp_path: Any) -> Any:
    """A factory of fresh, empty archives (a new file or a reset schema per round)."""
    if request.param == "sqlite":
        counter = itertools.count()
        engines: list[Any] = []

        def fresh() -> Any:
            engine = store.open_engine(f"sqlite:///{tmp_path}/bench{next(counter)}.db")
            engines.append(engine)
            return engine

        yield request.param, fresh
        for engine in engines:
            engine.dispose()
        return
    admin, reason = request.getfixturevalue("postgres_admin")
    if admin is None:
        pytest.skip(reason)
    with postgres_schema(admin) as url:
        engines = []

        def fresh_pg() -> Any:
            if engines:  # every table of the schema, the migrations' bookkeeping too
                tables = MetaData()
                tables.reflect(engines[-1])
                tables.drop_all(engines[-1])
                engines.pop().dispose()
            engines.append(store.open_engine(url))
            return engines[-1]

        yield request.param, fresh_pg
        for engine in engines:
            engine.dispose()


def _batched(engine: Any, pages: list[TranscriptPage]) -> None:
    sid = store.server_meta_id(engine, "se")
    for page in pages:
        store.upsert_transcript_page(engine, sid, page)


def _naive(engine: Any, pages: list[TranscriptPage]) -> None:
    """What one writes without thinking about speed: ORM objects, a lookup per message."""
    with Session(engine) as s:
        sid = store.server_meta_id(engine, "se")
        for page in pages:
            room = s.scalars(
                select(Room).where(Room.server_meta_id == sid, Room.id == page.room_id)
            ).first()
            if room is None:
                room = Room(server_meta_id=sid, id=page.room_id, name=page.room_name)
                s.add(room)
            for m in page.messages:
                owner = s.scalars(
                    select(User).where(User.server_meta_id == sid, User.id == m.owner_id)
                ).first()
                if owner is None:
                    owner = User(server_meta_id=sid, id=m.owner_id, name=m.owner_name)
                    s.add(owner)
                msg = s.scalars(
                    select(Message).where(Message.server_meta_id == sid, Message.id == m.id)
                ).first()
                if msg is None:
                    msg = Message(server_meta_id=sid, id=m.id)
                    s.add(msg)
                msg.set(
                    room=room,
                    owner=owner,
                    content_html=m.content_html,
                    parent_id=m.parent_id,
                    time=m.time,
                    edits=m.edits,
                    stars=m.stars,
                    pinned=m.pinned,
                )
            s.commit()


def _report(benchmark: Any, kind: str, backend: str, messages: int) -> None:
    rate = messages / benchmark.stats.stats.min
    RESULTS[(kind, backend)] = rate
    benchmark.extra_info["messages_per_second"] = round(rate)
    base = RESULTS.get(("naive", backend))
    if base and kind != "naive":
        benchmark.extra_info["ratio_to_naive"] = round(rate / base, 1)


@pytest.fixture(scope="module", autouse=True)
def _summary(request: pytest.FixtureRequest) -> Any:
    yield
    lines = []
    for (kind, backend), rate in sorted(RESULTS.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        base = RESULTS.get(("naive", backend))
        ratio = f"  x{rate / base:.1f} vs naive" if base and kind != "naive" else ""
        lines.append(f"  {backend:8} {kind:9} {rate:>10,.0f}{ratio}")
    write_summary(request, "storage write rates (messages/second, best round):", lines)


def write_summary(request: pytest.FixtureRequest, title: str, lines: list[str]) -> None:
    """Print a module's summary on the terminal (outside output capturing, which would swallow
    what a fixture's teardown writes)."""
    plugins = request.config.pluginmanager
    reporter = plugins.get_plugin("terminalreporter")
    capture = plugins.get_plugin("capturemanager")
    if reporter is None or capture is None or not lines:
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line("")
        reporter.write_line(title)
        for line in lines:
            reporter.write_line(line)


def test_naive_orm_baseline(benchmark: Any, bench_db: Any, pages: list[TranscriptPage]) -> None:
    backend, fresh = bench_db
    subset = pages[:BASELINE_PAGES]
    benchmark.group = f"storage-{backend}"
    benchmark.pedantic(_naive, setup=lambda: ((fresh(), subset), {}), rounds=2)
    _report(benchmark, "naive", backend, BASELINE_PAGES * PER_PAGE)


def test_batched_insert(benchmark: Any, bench_db: Any, pages: list[TranscriptPage]) -> None:
    backend, fresh = bench_db
    benchmark.group = f"storage-{backend}"
    benchmark.pedantic(_batched, setup=lambda: ((fresh(), pages), {}), rounds=4)
    _report(benchmark, "insert", backend, PAGES * PER_PAGE)


def test_batched_reimport(benchmark: Any, bench_db: Any, pages: list[TranscriptPage]) -> None:
    """The same pages again: every row conflicts and is merged (an import that resumes)."""
    backend, fresh = bench_db
    engine = fresh()
    _batched(engine, pages)
    benchmark.group = f"storage-{backend}"
    benchmark.pedantic(_batched, args=(engine, pages), rounds=4)
    _report(benchmark, "reimport", backend, PAGES * PER_PAGE)
