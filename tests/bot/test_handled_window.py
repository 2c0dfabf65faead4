"""A live bot remembers the messages it handled per room in bounded memory (the issue allows 1 MiB
per watched room for de-duplication) and still never answers one twice."""

from __future__ import annotations

import tracemalloc

from chatexchange.bot import _live
from chatexchange.bot._live import _Handled

from .test_reliability import Run, tally

ROOM, OTHER = ("se", 1), ("se", 2)


def test_the_window_is_bounded_and_a_pushed_out_id_still_counts_as_handled() -> None:
    handled = _Handled(100)
    for message_id in range(1_000, 1_500):
        handled.add(ROOM, message_id)
    assert len(handled.rooms[ROOM][0]) == 100
    assert handled.seen(ROOM, 1_000) and handled.seen(ROOM, 1_499)  # pushed out / remembered
    assert not handled.seen(ROOM, 1_500)
    assert handled.recent(ROOM, 1_499) and not handled.recent(ROOM, 1_000)  # edits: recent only


def test_one_rooms_floor_hides_nothing_of_another() -> None:
    """Ids are global on a server: room 1 may be far ahead of room 2 (a catch-up reads one room
    after the other)."""
    handled = _Handled(10)
    for message_id in range(5_000, 5_100):
        handled.add(ROOM, message_id)
    assert handled.seen(ROOM, 3_000)
    assert not handled.seen(OTHER, 3_000)
    handled.add(OTHER, 3_000)
    handled.discard(OTHER, 3_000)  # a room lost to another process: read again when it returns
    assert not handled.seen(OTHER, 3_000)


def test_a_saturated_window_stays_under_a_mebibyte_per_room() -> None:
    handled = _Handled()
    tracemalloc.start()
    try:
        for room_id in range(5):
            for message_id in range(10_000_000, 10_000_000 + 3 * handled.size):
                handled.add(("se", room_id), message_id)
        used = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert used / 5 < 1024 * 1024, used


async def test_a_tiny_window_still_answers_each_command_once(devserver, monkeypatch) -> None:
    """With 8 ids remembered per room, dropped sockets (the feed repeats and fills gaps) lose
    nothing and answer nothing twice."""
    monkeypatch.setattr(_live, "_HANDLED_WINDOW", 8)
    async with Run(devserver) as run:
        commands = []
        for round_ in range(4):
            commands += run.post(20, f"small window {round_}")
            await devserver.drop_websockets()
        await run.all_answered(commands)
    assert tally(devserver, commands) == ([], [])
