"""``chatexchange._rules``: the protocol rules both HTTP stacks share, checked without I/O."""

from __future__ import annotations

import pytest

from chatexchange import _rules, errors


def test_write_turns_wait_out_throttling_then_give_up():
    turns = _rules.WriteTurns("send", "u", throttle_retries=2, margin=0.5)
    assert turns.step(409, b"You can perform this action again in 3 seconds") == \
        _rules.WriteStep("wait", 3.5)
    # a 200 whose text is a throttle answer is one too
    assert turns.step(200, b'"You can perform this action again in 1 second"').action == "wait"
    with pytest.raises(errors.ThrottledError) as caught:
        turns.step(409, b"You can perform this action again in 3 seconds")
    assert caught.value.retry_after == 3.0


def test_write_turns_refresh_the_fkey_once():
    turns = _rules.WriteTurns("edit", "u")
    assert turns.step(403, b"").action == "refresh_fkey"
    with pytest.raises(errors.AccessDeniedError):
        turns.step(403, b"")
    assert _rules.WriteTurns("x", "u").step(200, b'{"id": 1}').action == "done"
    assert _rules.WriteTurns("x", "u").step(200, b'"ok"').action == "done"


def test_long_single_line_and_login_answers():
    assert _rules.check_message("x" * 501, multiline=True) == "x" * 501 + "\n"
    with pytest.raises(errors.MessageTooLongError):
        _rules.check_message("x" * 501)
    assert isinstance(_rules.login_page_error("u", 429, b""), errors.LoginRateLimitedError)
    assert isinstance(
        _rules.login_page_error("https://x/nocaptcha", 200, b""), errors.CaptchaError
    )
    assert _rules.login_page_error("u", 200, b"<form>") is None
    error = _rules.login_answer_error(
        "u", 200, b"", has_account_cookie=False, server="se", login_root="r"
    )
    assert isinstance(error, errors.BadCredentialsError)
    assert _rules.login_answer_error(
        "u", 200, b"", has_account_cookie=True, server="se", login_root="r"
    ) is None


def test_backoff_doubles_up_to_the_cap_with_jitter_in_half_to_one():
    """Every retry loop (socket reconnects, bot delivery, the CLI's --watch) pauses by this rule."""
    from chatexchange._rules import backoff

    assert [backoff(n, 0.5, 30.0, rng=lambda: 0.0) for n in (1, 2, 3, 7, 8, 2000)] == [
        0.25, 0.5, 1.0, 15.0, 15.0, 15.0
    ]
    assert backoff(1, 0.5, 30.0, rng=lambda: 0.999) < 0.5
    assert backoff(0, 1.0, 30.0, rng=lambda: 0.5) == 0.75  # no failure yet counts as the first
