"""What the full-text index costs and gives: storing transcript pages into an SQLite archive with
the index (triggers queue the rows), and with the queue then indexed as the first search does,
against the same archive without the index (baseline, same run); and searches per second.

Run: ``.venv/bin/pytest benchmarks/test_bench_search.py --benchmark-enable -s``.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from chatexchange import store
from chatexchange._parser.records import TranscriptMessage, TranscriptPage
from chatexchange._time import UTC
from chatexchange.store import fulltext as _search

PAGES, PER_PAGE = 40, 250
WORDS = [
    "websocket",
    "reconnect",
    "release",
    "parser",
    "engine",
    "bot",
    "merge",
    "fix",
    "bug",
    "deploy",
    "room",
    "star",
    "pin",
    "reply",
    "edit",
    "delete",
    "python",
    "rust",
    "regex",
    "async",
    "transcript",
    "throttle",
    "limit",
    "rate",
    "server",
    "client",
    "timeout",
]
RESULTS: dict[str, float] = {}


def _pages() -> list[TranscriptPage]:
    rng = random.Random(7)
    pages = []
    for p in range(PAGES):
        day = dt.date(2024, 1, 1) + dt.timedelta(days=p)
        messages = []
        for k in range(PER_PAGE):
            mid = p * PER_PAGE + k + 1
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 24)))
            messages.append(
                TranscriptMessage(
                    id=mid,
                    room_id=1,
                    owner_id=100 + mid % 9,
                    owner_name=f"user{mid % 9}",
                    content_html=text,
                    content_text=text,
                    parent_id=None,
                    edits=0,
                    deleted=False,
                    stars=0,
                    pinned=False,
                    onebox=None,
                    time=dt.datetime.combine(day, dt.time(k % 24, k % 60), UTC),
                )
            )
        pages.append(
            TranscriptPage(
                url="https://chat.stackexchange.com/transcript/1",
                room_id=1,
                room_name="Bench",
                date=day,
                first_day=dt.date(2024, 1, 1),
                previous_day=None,
                next_day=None,
                last_day=None,
                hours=(),
                messages=messages,
            )
        )
    return pages


VARIANTS = ["without-index-baseline", "with-index", "with-index-then-indexed"]


@pytest.mark.parametrize("index", VARIANTS)
def test_store_pages(benchmark: Any, tmp_path: Any, monkeypatch: Any, index: str) -> None:
    if index.startswith("without"):
        monkeypatch.setattr(_search, "ensure_index", lambda engine: False)
    pages = _pages()
    counter = iter(range(1000))

    def setup() -> tuple[tuple[Any, int], dict[str, Any]]:
        engine = store.open_engine(f"sqlite:///{tmp_path / f'a{next(counter)}.db'}")
        return (engine, store.server_meta_id(engine, "se")), {}

    def store_pages(engine: Any, server: int) -> None:
        for page in pages:
            store.upsert_transcript_page(engine, server, page)
        if index.endswith("then-indexed"):  # what the first search afterwards does
            with engine.begin() as conn:
                assert _search.sync(conn) == PAGES * PER_PAGE
        engine.dispose()

    benchmark.pedantic(store_pages, setup=setup, rounds=7)
    # The best round: the machine is shared, and load only ever slows a round down.
    RESULTS[index] = PAGES * PER_PAGE / benchmark.stats.stats.min
    if len(RESULTS) == len(VARIANTS):
        base, queued, indexed = (RESULTS[v] for v in VARIANTS)
        print(
            f"\nstore: {base:,.0f} msg/s without the index; with it {queued:,.0f} "
            f"({queued / base:.2f} of the baseline), {indexed:,.0f} counting the indexing of the "
            f"queue ({indexed / base:.2f})"
        )


def test_search_rate(benchmark: Any, tmp_path: Any) -> None:
    engine = store.open_engine(f"sqlite:///{tmp_path / 'search.db'}")
    server = store.server_meta_id(engine, "se")
    for page in _pages():
        store.upsert_transcript_page(engine, server, page)
    queries = ["websocket reconnect", '"rate limit"', "python OR rust -regex", "deploy timeout"]

    def run() -> int:
        with engine.connect() as conn:
            return sum(len(_search.search(conn, q, limit=20)) for q in queries)

    assert benchmark(run) > 0
    print(
        f"\nsearch: {len(queries) / benchmark.stats.stats.mean:,.0f} queries/s over "
        f"{PAGES * PER_PAGE:,} messages (top 20 each)"
    )
    engine.dispose()
