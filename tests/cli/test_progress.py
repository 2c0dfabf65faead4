"""The progress display: a redrawn bar on a terminal, rate-limited plain lines otherwise."""

from __future__ import annotations

import io
import math
from datetime import date, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from chatexchange.cli.commands import import_room
from chatexchange.cli.progress import Progress, format_count, format_duration, format_rate


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_formats() -> None:
    assert format_count(1234567) == "1,234,567"
    assert format_rate(12.34) == "12.3"
    assert format_rate(850) == "850"
    assert format_rate(12345) == "12.3k"
    assert format_rate(2_500_000) == "2.50M"
    assert format_rate(math.nan) == "?"
    assert format_duration(75) == "1:15"
    assert format_duration(3725) == "1:02:05"
    assert format_duration(math.inf) == "?"


def test_terminal_bar_redraws_in_place_with_rate_and_eta() -> None:
    out, clock = io.StringIO(), Clock()
    p = Progress("import se/r/1", stream=out, tty=True, clock=clock, total=10, width=100)
    clock.now += 1
    p.update(advance=1, items=500)
    assert out.getvalue().startswith("\rimport se/r/1 [")
    assert "500 messages, 1/10 pages (10%), 500 messages/s, ETA 0:09" in out.getvalue()
    assert "\n" not in out.getvalue()
    drawn = out.getvalue()
    p.update(advance=1, items=10)  # same instant: not redrawn
    assert out.getvalue() == drawn
    clock.now += 1
    p.update(advance=8, items=490)
    p.finish("imported 1,000 messages")
    text = out.getvalue()
    assert "1,000 messages, 10/10 pages (100%), 500 messages/s, in 0:02" in text
    assert text.endswith("\nimported 1,000 messages\n")
    assert "#" * 10 in text


def test_bar_never_wider_than_the_terminal() -> None:
    out, clock = io.StringIO(), Clock()
    p = Progress("x" * 30, stream=out, tty=True, clock=clock, total=3, width=40)
    clock.now += 1
    p.update(advance=1, items=123456)
    line = out.getvalue().split("\r")[-1].replace("\x1b[K", "")
    assert len(line) < 40


def test_an_80_column_terminal_gets_a_bar_and_a_shorter_text() -> None:
    out, clock = io.StringIO(), Clock()
    p = Progress("import se/r/100", stream=out, tty=True, clock=clock, total=81, width=80)
    clock.now += 2
    p.update(done=40, items=9_876)
    line = out.getvalue().split("\r")[-1].removesuffix("\x1b[K")
    assert len(line) < 80
    assert line.startswith("import se/r/100 [" + "#" * 5)
    assert line.endswith("]  49% 9,876 messages, 4,938/s, ETA 0:02")


@pytest.mark.parametrize("width", [79, 60, 45, 30, 20])
def test_below_80_columns_the_bar_stays_and_the_text_gives_way(width: int) -> None:
    out, clock = io.StringIO(), Clock()
    p = Progress("import se/r/100", stream=out, tty=True, clock=clock, total=81, width=width)
    clock.now += 2
    p.update(done=40, items=9_876)
    line = out.getvalue().split("\r")[-1].removesuffix("\x1b[K")
    assert len(line) < width
    assert "[" + "#" in line and "-] " in line and "49%" in line
    if width >= 45:
        assert line.startswith("import se/r/100 [")


def test_plain_lines_are_rate_limited_and_short_tasks_print_only_the_summary() -> None:
    out, clock = io.StringIO(), Clock()
    p = Progress("import", stream=out, tty=False, clock=clock, interval=2.0)
    for _ in range(5):
        clock.now += 0.1
        p.update(advance=1, items=10)
    assert out.getvalue() == ""
    clock.now += 2
    p.update(advance=1, items=10)
    assert out.getvalue() == "import: 60 messages, 6 pages, 24.0 messages/s\n"
    p.finish("done")
    assert out.getvalue().endswith("\ndone\n")
    assert "\r" not in out.getvalue()


def test_finish_without_summary_ends_a_log_with_the_final_figures() -> None:
    out, clock = io.StringIO(), Clock()
    p = Progress("import", stream=out, tty=False, clock=clock, total=4, interval=2.0)
    p.update(done=1, items=25)
    clock.now += 2
    p.update(done=2, items=25)
    clock.now += 2
    p.update(done=4, items=50)
    clock.now += 1
    p.update(items=0)  # within the interval: not drawn
    p.finish()
    assert out.getvalue().splitlines() == [
        "import: 50 messages, 2/4 pages (50%), 25.0 messages/s, ETA 0:02",
        "import: 100 messages, 4/4 pages (100%), 25.0 messages/s, ETA 0:00",
        "import: 100 messages, 4/4 pages (100%), 20.0 messages/s, in 0:05",
    ]


def test_a_short_task_in_a_log_prints_nothing() -> None:
    out, clock = io.StringIO(), Clock()
    p = Progress("import", stream=out, tty=False, clock=clock, total=4)
    clock.now += 1
    p.update(done=4, items=100)
    p.finish()
    assert out.getvalue() == ""


class _Day:
    def __init__(self, day: date, total: int) -> None:
        self.day = day
        self.total_messages_stored = total


class _Room:
    """What ``import_room`` needs of a client room: an import that reports each day."""

    def __init__(self, days: list[date]) -> None:
        self.days = days

    async def import_history(
        self, *, since: object, until: object, max_age: object, progress: Any
    ) -> Any:
        for k, day in enumerate(self.days):
            progress(_Day(day, 100 * (k + 1)))
        return SimpleNamespace(messages_stored=100 * len(self.days))


async def test_the_import_bar_ends_at_100_percent() -> None:
    today = date.today()
    days = [today - timedelta(days=n) for n in (9, 8, 7)]  # the last days are up to date
    out, clock = io.StringIO(), Clock()
    progress = Progress("import se/r/1", stream=out, tty=True, clock=clock, width=120, unit="days")
    report = await import_room(_Room(days), full=True, max_age=None, progress=progress)
    assert report.messages == 300
    last = out.getvalue().split("\r")[-1]
    assert "300 messages, 10/10 days (100%)" in last and " in 0:00" in last
    assert last.endswith("\n")


def test_disabled_progress_counts_but_prints_nothing() -> None:
    out, clock = io.StringIO(), Clock()
    p = Progress("import", stream=out, enabled=False, clock=clock, tty=True)
    clock.now += 2
    p.update(advance=3, items=40, total=6)
    p.finish("summary")
    assert out.getvalue() == ""
    assert (p.done, p.items, p.total, p.rate, p.eta) == (3, 40, 6, 20.0, 2.0)


@pytest.mark.parametrize("tty", [True, False])
def test_an_error_leaves_the_cursor_on_a_fresh_line(tty: bool) -> None:
    out, clock = io.StringIO(), Clock()
    with pytest.raises(RuntimeError), Progress("x", stream=out, tty=tty, clock=clock) as p:
        clock.now += 5
        p.update(advance=1, items=1)
        clock.now += 5
        p.update(advance=1, items=1)
        raise RuntimeError
    assert out.getvalue().endswith("\n")


def test_figures_freeze_when_the_task_ends() -> None:
    out, clock = io.StringIO(), Clock()
    with Progress("x", stream=out, tty=False, clock=clock) as p:
        clock.now += 2
        p.update(items=10)
    clock.now += 100
    assert p.elapsed == 2 and p.rate == 5
