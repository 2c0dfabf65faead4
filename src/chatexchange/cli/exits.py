"""How a failed command ends: one readable line on stderr and an exit code that says what kind of
failure.

:data:`EXIT_CODES` is the one table of codes (``--help`` and docs/cli.md show it), so scripts can
tell "room not found" (4) from "throttled" (6) without parsing text. Tracebacks are for
``--verbose`` and for our own bugs.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from typing import TextIO

from .. import errors

__all__ = [
    "EXIT_CODES",
    "EXIT_INTERNAL",
    "EXIT_OK",
    "EXIT_PIPE",
    "EXIT_USAGE",
    "MEANINGS",
    "Interrupted",
    "Terminated",
    "exit_code",
    "report",
]

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_INTERNAL = 70  # EX_SOFTWARE: a bug of ours, not the user's
EXIT_PIPE = 141  # 128 + SIGPIPE: the reader of our output went away


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, with a note of what was kept (``main()`` appends it to the one-line report)."""

    cli_line = "interrupted"

    def __init__(self, note: str | None = None) -> None:
        super().__init__()
        self.cli_note = note


class Terminated(Interrupted):
    """SIGTERM: stopped in order, like Ctrl-C, with its own exit code (128 + 15)."""

    cli_line = "terminated"


#: The exit code of a failure: the first row whose class it is an instance of decides (so the
#: more specific classes come first). Anything not in it is a bug of ours: ``EXIT_INTERNAL``.
EXIT_CODES: tuple[tuple[type[BaseException], int], ...] = (
    (Terminated, 143),  # 128 + SIGTERM
    (KeyboardInterrupt, 130),  # 128 + SIGINT, what shells report for Ctrl-C
    (argparse.ArgumentError, EXIT_USAGE),
    (errors.UsageError, EXIT_USAGE),
    (errors.MessageTooLongError, EXIT_USAGE),
    (errors.CaptchaError, 10),  # the password may be right: a person must pass the check
    (errors.LoginError, 3),
    (errors.AuthRequiredError, 3),
    (errors.NotFoundError, 4),
    (errors.AccessDeniedError, 5),
    (errors.RefusedError, 5),
    (errors.ThrottledError, 6),
    (errors.ServerError, 7),
    (errors.ConnectionLostError, 7),
    (errors.StaleDataError, 7),
    (errors.ParseError, 8),
    (errors.StorageError, 9),
    (errors.UserCodeError, 11),  # the user's code failed; its traceback is shown, not ours
    (errors.ChatExchangeError, 1),
)

#: What each code means, for ``--help``; docs/cli.md has the same table (a test compares them).
MEANINGS: dict[int, str] = {
    EXIT_OK: "ok",
    1: "another chat error",
    EXIT_USAGE: "bad arguments or message too long",
    3: "login failed (wrong email or password) or credentials missing",
    4: "room or message not found",
    5: "refused by the server",
    6: "throttled beyond retries",
    7: "server or network error",
    8: "unreadable page",
    9: "database cannot be opened or written",
    10: "login needs a captcha",
    11: "the bot's own code failed (its traceback is shown)",
    EXIT_INTERNAL: "internal error",
    130: "interrupted (Ctrl-C)",
    143: "terminated (SIGTERM)",
}

_PREFIX = {
    errors.BadCredentialsError: "login failed: wrong email or password",
    errors.CaptchaError: "login failed: the server asks for human verification (captcha); "
    "log in through a browser once, or wait",
    errors.LoginRateLimitedError: "login failed: too many logins (HTTP 429); wait a while",
    errors.NoAccountError: "login failed: this account has no profile on that chat server's site",
    errors.LoginError: "login failed",
    errors.AuthRequiredError: "an account is needed: set ChatExchangeU and ChatExchangeP "
    "(email and password)",
    errors.NotFoundError: "not found",
    errors.AccessDeniedError: "refused",
    errors.RefusedError: "refused by the server",
    errors.MessageTooLongError: "message too long",
    errors.ThrottledError: "throttled: the server kept saying to wait",
    errors.ServerError: "server error",
    errors.ConnectionLostError: "connection failed",
    errors.ParseError: "unreadable answer",
    errors.StaleDataError: "no fresh data",
    errors.StorageError: "database error",
}


#: Errors whose own text is written for Python callers; the prefix says it better on a shell.
_TERSE = (errors.AuthRequiredError,)


def describe(exc: BaseException) -> str:
    """One line for an error, with its kind first and the detail after."""
    detail = " ".join(str(exc).split())
    if isinstance(exc, errors.ChatExchangeError) and not isinstance(exc, errors.UserCodeError):
        prefix = next((text for cls, text in _PREFIX.items() if isinstance(exc, cls)), "error")
        if not detail or detail.lower() in prefix.lower() or isinstance(exc, _TERSE):
            return prefix
        return f"{prefix}: {detail}"
    return detail or type(exc).__name__


def exit_code(exc: BaseException) -> int:
    """The code :data:`EXIT_CODES` gives ``exc``."""
    return next((code for cls, code in EXIT_CODES if isinstance(exc, cls)), EXIT_INTERNAL)


def report(
    exc: BaseException,
    *,
    verbose: bool = False,
    stream: TextIO | None = None,
    prog: str = "chatexchange",
    note: str | None = None,
) -> int:
    """Write the one line (and the traceback when ``verbose``) and return the exit code."""
    stream = stream if stream is not None else sys.stderr
    code = exit_code(exc)
    if isinstance(exc, KeyboardInterrupt):
        line = getattr(exc, "cli_line", "interrupted")
    elif isinstance(exc, argparse.ArgumentError):
        line = f"error: {exc.message}"
    elif code == EXIT_INTERNAL:
        line = f"internal error: {type(exc).__name__}: {describe(exc)}"
        if not verbose:
            line += " (run with --verbose for the traceback)"
    else:
        line = describe(exc)
    if note:
        line = f"{line}; {note}"
    user_traceback = getattr(exc, "user_traceback", None)
    if verbose and not isinstance(exc, (KeyboardInterrupt, argparse.ArgumentError)):
        traceback.print_exception(exc, file=stream)
    elif isinstance(user_traceback, str):  # the user's bug: their code's traceback, not ours
        stream.write(user_traceback)
    stream.write(f"{prog}: {line}\n")
    stream.flush()
    return code
