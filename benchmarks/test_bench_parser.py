"""Parser speed against baselines measured in the same run.

* Transcript: the real chat.SE transcript page (61 messages) parsed by ``parse_transcript`` (lxml,
  selectors compiled at import) against an equivalent BeautifulSoup (``html.parser``) extraction of
  the same fields. Reported: messages per second for both and the ratio (the target is >= 10x).
* Websocket frames: frames decoded into typed event records by ``parse_ws_frame`` (orjson) against
  stdlib ``json`` plus attribute objects filled by dict access (what classic clients do).

Run with ``.venv/bin/pytest benchmarks/test_bench_parser.py --benchmark-enable``. Nothing here
asserts a time; the ratios are printed at the end and stored in each benchmark's ``extra_info``.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import orjson
import pytest
from bs4 import BeautifulSoup

from chatexchange._parser import parse_transcript, parse_ws_frame
from chatexchange._time import UTC

CAPTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "se-chat"
TRANSCRIPT = (CAPTURES / "transcript-se-11540-2017-11-17-1-2.html").read_bytes()
URL = "https://chat.stackexchange.com/transcript/11540/2017/11/17/1-2"
EVENTS = orjson.loads((CAPTURES / "events-se-11540-messages.json").read_bytes())["events"]

RESULTS: dict[str, float] = {}


def _record(benchmark: Any, key: str, items: int) -> None:
    """Keep the median time of a finished benchmark (absent when benchmarks are disabled); the
    median, because other work on a shared machine inflates the mean."""
    stats = getattr(benchmark, "stats", None)
    stats = getattr(stats, "stats", stats)
    median = getattr(stats, "median", None)
    if median:
        RESULTS[key] = median
        benchmark.extra_info["items_per_second"] = round(items / median)


# --------------------------------------------------------------------------------------------------
# Baseline: the same extraction with BeautifulSoup and the stdlib html.parser.

_CLOCK = re.compile(r"(\d{1,2}):(\d{2})\s*([AP]M)")
_DAY = re.compile(r"/(\d{4})/(\d{1,2})/(\d{1,2})")


def _bs_day(href: str | None) -> date | None:
    m = _DAY.search(href or "")
    return date(int(m[1]), int(m[2]), int(m[3])) if m else None


def bs4_transcript(body: bytes) -> dict[str, Any]:
    soup = BeautifulSoup(body, "html.parser")
    room_link = soup.select_one("#info .room-name a")
    room_id = int(room_link["href"].split("/")[2])
    title = soup.title.get_text()
    day = date.fromisoformat(re.search(r"\d{4}-\d{2}-\d{2}", title)[0])
    nav: dict[str, date | None] = {}
    for a in soup.select("#main > a.button"):
        text = a.get_text().lower()
        key = (
            "previous" if a.get("rel") == ["prev"] else
            "next" if a.get("rel") == ["next"] else
            "first" if "first" in text else "last"
        )  # fmt: skip
        nav.setdefault(key, _bs_day(a.get("href")))
    hours = []
    pager = soup.select_one(".pager")
    for el in pager.find_all(recursive=False) if pager else []:
        start, end = re.findall(r"(\d{1,2}):\d{2}", el.get_text())
        hours.append((int(start), int(end) or 24, "current" in (el.get("class") or [])))
    current = datetime.combine(day, time(1), UTC)
    messages = []
    for monologue in soup.select("#transcript .monologue"):
        owner_id = int(next(c for c in monologue["class"] if c.startswith("user-"))[5:])
        link = monologue.select_one(".username a")
        owner_name = link["title"] if link else None
        for item in monologue.select(".messages > div"):
            classes = item.get("class") or []
            if "timestamp" in classes:
                m = _CLOCK.search(item.get_text())
                hour = int(m[1]) % 12 + (12 if m[3] == "PM" else 0)
                current = datetime.combine(day, time(hour, int(m[2])), UTC)
                continue
            if "message" not in classes:
                continue
            content = item.select_one(".content")
            reply = item.select_one("a.reply-info")
            stars = item.select_one(".flash .stars")
            times = stars.select_one(".times") if stars else None
            onebox = content.select_one(".onebox")
            deleted = content.select_one("span.deleted") is not None
            messages.append(
                {
                    "id": int(item["id"][8:]),
                    "room_id": room_id,
                    "owner_id": owner_id,
                    "owner_name": owner_name,
                    "content_html": "" if deleted else content.decode_contents().strip(),
                    "content_text": "" if deleted else content.get_text().strip(),
                    "parent_id": int(reply["href"].rsplit("#", 1)[1]) if reply else None,
                    "edits": 1 if item.select_one(".action-link.edits") else 0,
                    "deleted": deleted,
                    "stars": (int(times.get_text() or 1) if times else 1) if stars else 0,
                    "pinned": bool(stars and "owner-star" in stars["class"]),
                    "onebox": next(
                        (c[3:] for c in onebox["class"] if c.startswith("ob-")), "onebox"
                    ) if onebox else None,
                    "time": current,
                }
            )  # fmt: skip
    return {"room_id": room_id, "room_name": room_link.get_text(), "date": day, "nav": nav,
            "hours": hours, "messages": messages}  # fmt: skip


def test_baseline_extracts_the_same_fields() -> None:
    """The comparison is fair only if both produce the same data."""
    ours = parse_transcript(TRANSCRIPT, URL)
    theirs = bs4_transcript(TRANSCRIPT)
    assert theirs["room_id"] == ours.room_id and theirs["date"] == ours.date
    assert len(theirs["messages"]) == len(ours.messages) == 61
    for mine, other in zip(ours.messages, theirs["messages"], strict=True):
        assert (mine.id, mine.owner_id, mine.parent_id, mine.edits, mine.deleted) == (
            other["id"], other["owner_id"], other["parent_id"], other["edits"], other["deleted"]
        )  # fmt: skip
        assert (mine.onebox, mine.stars, mine.time) == (other["onebox"], other["stars"],
                                                        other["time"])  # fmt: skip
        assert mine.content_text == other["content_text"]


@pytest.mark.benchmark(group="transcript")
def test_transcript_lxml(benchmark: Any) -> None:
    page = benchmark(parse_transcript, TRANSCRIPT, URL)
    assert len(page.messages) == 61
    _record(benchmark, "transcript_ours", len(page.messages))


@pytest.mark.benchmark(group="transcript")
def test_transcript_bs4_baseline(benchmark: Any) -> None:
    page = benchmark(bs4_transcript, TRANSCRIPT)
    assert len(page["messages"]) == 61
    _record(benchmark, "transcript_bs4", len(page["messages"]))


# --------------------------------------------------------------------------------------------------
# Websocket frames: 100 live-shaped frames (the capture's messages with live ids and room names).

FRAMES = [
    orjson.dumps({"r11540": {"e": [{**e, "id": 81818707 + i, "room_name": "Charcoal HQ"}],
                             "t": 81818707 + i, "d": 1}})
    for i, e in enumerate(EVENTS)
]  # fmt: skip


class _BaselineEvent:
    """A classic-client event: attributes filled from the decoded dict."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.event_type = data["event_type"]
        self.id = data.get("id")
        self.time_stamp = datetime.fromtimestamp(data["time_stamp"], UTC)
        self.room_id = data.get("room_id")
        self.room_name = data.get("room_name")
        self.user_id = data.get("user_id")
        self.user_name = data.get("user_name")
        self.content = data.get("content")
        self.target_user_id = data.get("target_user_id")
        self.message_id = data.get("message_id")
        self.parent_id = data.get("parent_id")
        self.show_parent = data.get("show_parent", False)
        self.message_edits = data.get("message_edits", 0)
        self.message_stars = data.get("message_stars", 0)
        self.message_owner_stars = data.get("message_owner_stars", 0)


def baseline_frames(frames: list[bytes]) -> int:
    count = 0
    for frame in frames:
        for key, value in json.loads(frame).items():
            room_id = int(key[1:])
            for data in value.get("e", ()):
                event = _BaselineEvent(data)
                count += event.room_id == room_id
    return count


def ours_frames(frames: list[bytes]) -> int:
    count = 0
    for frame in frames:
        for room in parse_ws_frame(frame):
            count += len(room.events)
    return count


@pytest.mark.benchmark(group="ws-frames")
def test_ws_frames_orjson(benchmark: Any) -> None:
    assert benchmark(ours_frames, FRAMES) == len(FRAMES)
    _record(benchmark, "frames_ours", len(FRAMES))


@pytest.mark.benchmark(group="ws-frames")
def test_ws_frames_stdlib_baseline(benchmark: Any) -> None:
    assert benchmark(baseline_frames, FRAMES) == len(FRAMES)
    _record(benchmark, "frames_baseline", len(FRAMES))


def test_report(request: pytest.FixtureRequest) -> None:
    """Print messages/frames per second and the ratios (needs ``--benchmark-enable``)."""
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    lines = []
    if {"transcript_ours", "transcript_bs4"} <= RESULTS.keys():
        ours, bs4 = RESULTS["transcript_ours"], RESULTS["transcript_bs4"]
        lines.append(
            f"transcript: lxml {61 / ours:,.0f} messages/s, BeautifulSoup(html.parser) "
            f"{61 / bs4:,.0f} messages/s, ratio {bs4 / ours:.1f}x"
        )
    if {"frames_ours", "frames_baseline"} <= RESULTS.keys():
        ours, base = RESULTS["frames_ours"], RESULTS["frames_baseline"]
        n = len(FRAMES)
        lines.append(
            f"ws frames: orjson+records {n / ours:,.0f} frames/s, stdlib json+dict "
            f"{n / base:,.0f} frames/s, ratio {base / ours:.2f}x"
        )
    for line in lines:
        if reporter is not None:
            reporter.write_line(line)
        else:
            print(line)
