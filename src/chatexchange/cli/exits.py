"""How a failed command ends: one readable line on stderr and an exit code that says what kind of
failure.

The codes come from the ``exit_code`` of the ``chatexchange.errors`` classes, so scripts can tell
"room not found" (4) from "throttled" (6) without parsing text. Tracebacks are for ``--verbose`` and
for our own bugs.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from typing import TextIO

from .. import errors

__all__ = [
    "EXIT_CAPTCHA",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_PIPE",
    "EXIT_TERMINATED",
    "EXIT_USAGE",
    "EXIT_USER_CODE",
    "report",
]

EXIT_OK = 0
EXIT_USAGE = 2
EXIT_CAPTCHA = 10  # the password may be right: a person has to pass the check in a browser
EXIT_USER_CODE = 11  # the user's own code (a bot file) failed; its traceback is shown
EXIT_INTERNAL = 70  # EX_SOFTWARE: a bug of ours, not the user's
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what shells report for Ctrl-C
EXIT_PIPE = 141  # 128 + SIGPIPE: the reader of our output went away
EXIT_TERMINATED = 143  # 128 + SIGTERM

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
    if isinstance(exc, errors.ChatExchangeError):
        prefix = next((text for cls, text in _PREFIX.items() if isinstance(exc, cls)), "error")
        if not detail or detail.lower() in prefix.lower() or isinstance(exc, _TERSE):
            return prefix
        return f"{prefix}: {detail}"
    return detail or type(exc).__name__


#: Where the command line tells apart what the library groups (a captcha is not a wrong password).
_CODES: tuple[tuple[type[BaseException], int], ...] = ((errors.CaptchaError, EXIT_CAPTCHA),)


def exit_code(exc: BaseException) -> int:
    for cls, code in _CODES:
        if isinstance(exc, cls):
            return code
    code = getattr(exc, "exit_code", None)
    if isinstance(code, int):
        return code
    if isinstance(exc, errors.ChatExchangeError):
        return 1
    if isinstance(exc, argparse.ArgumentError):
        return EXIT_USAGE
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    return EXIT_INTERNAL


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
        if code == EXIT_USAGE and not isinstance(exc, errors.ChatExchangeError):
            line = f"error: {line}"
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
