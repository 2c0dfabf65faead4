"""Every error the package raises on purpose.

One hierarchy, so callers can catch ``ChatExchangeError`` and the CLI can map each kind to one line
and an exit code (its one table is ``chatexchange.cli.exits.EXIT_CODES``). Messages never contain
credentials, cookies or fkeys.
"""

from __future__ import annotations


class ChatExchangeError(Exception):
    """Base of all errors raised by chatexchange."""


class UsageError(ChatExchangeError):
    """A bad argument, found before anything was sent: a room form, a database URL, a search with
    nothing to look for, a ``--bot`` that names no bot."""


class ClosedError(ChatExchangeError, RuntimeError):
    """The client was closed; a closed client does nothing more (open a new one)."""


class UserCodeError(ChatExchangeError):
    """The user's own code (a bot file) failed; ``user_traceback`` is its traceback as text."""

    user_traceback: str | None = None


class LoginError(ChatExchangeError):
    """Logging in failed; the subclass says why."""


class BadCredentialsError(LoginError):
    """The server rejected the email or password."""


class CaptchaError(LoginError):
    """The server asks for human verification (too many logins in a short time)."""


class LoginRateLimitedError(LoginError):
    """The login host answered HTTP 429."""


class NoAccountError(LoginError):
    """The credentials are valid, but the user has no account on that chat server's site."""


class AuthRequiredError(ChatExchangeError):
    """A write was attempted by a client that has no credentials."""


class NotFoundError(ChatExchangeError):
    """The room, message or user does not exist (or is not visible to us)."""


class AccessDeniedError(ChatExchangeError):
    """The server refused the action: no permission, frozen room, bad fkey.

    ``text`` is the server's own words (for example "You do not have permission to kick users
    from this room"); the message adds what was attempted and where."""

    def __init__(self, message: str, text: str | None = None) -> None:
        super().__init__(message)
        self.text = text if text is not None else message


class RefusedError(ChatExchangeError):
    """The server refused an action with an explanation (``text`` holds it)."""

    def __init__(self, message: str, text: str | None = None) -> None:
        super().__init__(message)
        self.text = text if text is not None else message


class EditWindowError(RefusedError):
    """Too late to edit or delete, or the message is already deleted."""


class DuplicateMessageError(RefusedError):
    """The server suppressed a message identical to the previous one."""


class MessageTooLongError(ChatExchangeError):
    """A single-line message over 500 characters, refused before it was sent."""


class ThrottledError(ChatExchangeError):
    """The server kept answering 409 "try again in N seconds" beyond the retry budget."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServerError(ChatExchangeError):
    """The server answered with an unexpected status (5xx, or a shape we do not know)."""


class ConnectionLostError(ChatExchangeError):
    """The network connection failed and could not be re-established."""


class FencedError(ChatExchangeError):
    """A write was not sent: the write guard of the code that started it said no (a bot process
    whose lease on the room has lapsed; see ``chatexchange._fencing``)."""


class ParseError(ChatExchangeError):
    """A page or payload was not what was expected.

    ``url`` names the page; the message says what is missing.
    """

    def __init__(self, message: str, url: str | None = None) -> None:
        super().__init__(f"{message} ({url})" if url else message)
        self.url = url


class StaleDataError(ChatExchangeError):
    """A fetch failed and no local row is fresh enough for ``required_max_age``."""


class StorageError(ChatExchangeError):
    """The database could not be opened or written."""
