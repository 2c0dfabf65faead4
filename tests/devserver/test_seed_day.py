"""The built-in test data keeps room 1's history on the current UTC day at any hour, so tests that
read room 1's latest transcript day do not fail in the first hours after midnight."""

from __future__ import annotations

import pytest

from chatexchange.devserver import DevServer

MIDNIGHT = 1_700_006_400  # 2023-11-15 00:00:00 UTC


@pytest.mark.parametrize("seconds_after_midnight", [60, 3_600, 7_150, 43_200])
async def test_room_1_history_is_on_the_current_day(seconds_after_midnight: int) -> None:
    now = MIDNIGHT + seconds_after_midnight
    async with DevServer.with_test_data(clock_start=now) as server:
        messages = server.server("se").room_messages(1)
        times = [m.time for m in messages]
    assert len(times) == 2
    assert all(MIDNIGHT <= t <= now for t in times)
    assert times == sorted(times) and times[0] < times[1]
    if seconds_after_midnight >= 7_200:  # far enough into the day: exactly "two hours ago"
        assert times[0] == pytest.approx(now - 7_200, abs=1)


async def test_other_seed_messages_keep_their_relative_times() -> None:
    now = MIDNIGHT + 60
    async with DevServer.with_test_data(clock_start=now) as server:
        frozen = server.server("se").room_messages(2)
    assert frozen[0].time == pytest.approx(now - 86_400 * 20, abs=1)
