"""A bot's answers are delivered: retried on 5xx, 429 and lost connections, never posted twice
even when the server applied a send whose answer was lost. Counted in the devserver's own log."""

from __future__ import annotations

import pytest

from chatexchange import errors
from chatexchange.bot._delivery import Delivery
from chatexchange.client import AsyncClient

ALICE = ("alice@example.com", "alice-password")
BOB, ALICE_ID = 2, 1
SEND = r"^/se/chats/1/messages/new$"


def _delivery(pauses: list[float]) -> Delivery:
    async def no_wait(seconds: float) -> None:  # simulated time: record the pause, do not wait
        pauses.append(seconds)

    return Delivery(attempts=5, backoff_initial=1.0, backoff_max=8.0, sleep=no_wait,
                    rng=lambda: 0.5)


def _replies(devserver, parent_id: int) -> list:
    return [m for m in devserver.server("se").room_messages(1) if m.parent_id == parent_id]


@pytest.fixture
async def client(devserver):
    async with AsyncClient(server_url=devserver.url, auth=ALICE) as client:
        await client.login("se")
        yield client


async def _command(devserver, client, text: str):
    posted = devserver.post("se", 1, BOB, text)
    return await client.se.message(posted.id)


@pytest.mark.parametrize("status", [500, 503, 429])
async def test_a_failure_window_is_retried_and_answered_once(devserver, client, status) -> None:
    message = await _command(devserver, client, f"!!/ping {status}")
    devserver.fail(SEND, status, times=3)
    pauses: list[float] = []
    answer = await _delivery(pauses).reply(message, "pong", ALICE_ID)
    assert [m.id for m in _replies(devserver, message.id)] == [answer.id]
    assert pauses == [0.75, 1.5, 3.0]  # doubling, with the jitter factor 0.75


@pytest.mark.parametrize("status", [500, 0])  # 0: the connection drops without an answer
async def test_an_applied_send_whose_answer_was_lost_is_not_sent_again(
    devserver, client, status
) -> None:
    message = await _command(devserver, client, f"!!/ping lost {status}")
    devserver.fail(SEND, status, times=1, applied=True)
    delivery = _delivery([])
    answer = await delivery.reply(message, "pong", ALICE_ID)
    replies = _replies(devserver, message.id)
    assert [m.id for m in replies] == [answer.id]
    assert delivery.recovered == 1


async def test_a_plain_send_is_checked_the_same_way(devserver, client) -> None:
    room = await client.se.room(1)
    devserver.fail(SEND, 502, times=2, applied=True)
    delivery = _delivery([])
    sent = await delivery.send(room, "welcome, carol", ALICE_ID)
    ours = [m for m in devserver.server("se").room_messages(1) if m.source == "welcome, carol"]
    assert [m.id for m in ours] == [sent.id] and delivery.recovered == 1


async def test_a_throttled_answer_waits_as_long_as_asked(devserver, client) -> None:
    delivery = _delivery([])
    error = errors.ThrottledError("throttled", retry_after=20.0)
    assert delivery.pause(1, error) == 20.0
    assert delivery.pause(1, errors.ServerError("x")) == 0.75
    assert delivery.pause(30, errors.ServerError("x")) == 6.0  # backoff_max, with the jitter


async def test_an_answer_that_keeps_failing_raises_the_last_error(devserver, client) -> None:
    message = await _command(devserver, client, "!!/ping never")
    devserver.fail(SEND, 500, times=None)
    pauses: list[float] = []
    with pytest.raises(errors.ServerError):
        await _delivery(pauses).reply(message, "pong", ALICE_ID)
    assert pauses == [0.75, 1.5, 3.0, 6.0]
    assert _replies(devserver, message.id) == []


async def test_a_refusal_is_not_retried(devserver, client) -> None:
    room = await client.se.room(2)  # frozen: the server refuses every post
    pauses: list[float] = []
    with pytest.raises(errors.ChatExchangeError) as info:
        await _delivery(pauses).send(room, "hello", ALICE_ID)
    assert not isinstance(info.value, errors.ServerError)
    assert pauses == []
