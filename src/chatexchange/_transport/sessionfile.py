"""The session file: login sessions kept between runs, so that a restart does not log in again.

Logging in often is what makes the login host ask for a captcha, so every client, CLI run and bot
keeps its session cookies here and logs in only when the saved session is rejected. One file holds
the sessions of several servers and accounts, each under a key made of the chat origin and a hash
of the account's email (the email itself is not stored). The cookie records are those of
:mod:`.cookies`; the file is written with mode 0600 and replaced atomically. Processes sharing the
file take an exclusive ``flock`` on ``<file>.lock`` around load, validation, login and save, so two
bots starting together log in once and never write over each other's sessions (without ``fcntl``,
on Windows, the atomic replace alone keeps the file whole).

Where: ``session_file=`` of the client, else ``$CHATEXCHANGE_SESSION_FILE``, else
``sessions.json`` in the user's cache directory (``$XDG_CACHE_HOME/chatexchange``,
``~/.cache/chatexchange``, ``~/Library/Caches/chatexchange`` on macOS,
``%LOCALAPPDATA%\\chatexchange\\Cache`` on Windows).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import os
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson

from .._files import write_private
from ..errors import ChatExchangeError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["ENV", "SessionFile", "account_key", "default_path", "resolve"]

log = logging.getLogger("chatexchange.transport")

ENV = "CHATEXCHANGE_SESSION_FILE"
FORMAT = "chatexchange3-sessions"
VERSION = 1


def default_path(environ: Any = os.environ) -> Path:
    """``sessions.json`` in the user's cache directory (see the module docstring)."""
    if sys.platform == "win32":  # pragma: no cover - Windows
        base = Path(environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "chatexchange" / "Cache" / "sessions.json"
    if sys.platform == "darwin":  # pragma: no cover - macOS
        return Path.home() / "Library" / "Caches" / "chatexchange" / "sessions.json"
    base = Path(environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "chatexchange" / "sessions.json"


def resolve(session_file: Any, environ: Any = os.environ) -> SessionFile | None:
    """The session file a client uses: ``False`` none, a path that one, ``None`` the env/default."""
    if session_file is False:
        return None
    if session_file is None or session_file is True:
        from_env = environ.get(ENV, "").strip()
        return SessionFile(from_env or default_path(environ))
    if isinstance(session_file, SessionFile):
        return session_file
    return SessionFile(session_file)


def account_key(origin: str, email: str) -> str:
    """The key of one account's session on one chat origin (a hash, not the email)."""
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:24]
    return f"{origin.rstrip('/')} {digest}"


class SessionFile:
    """Saved login sessions (cookie records) by :func:`account_key`."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser()
        self._lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"<SessionFile {self.path}>"

    @contextlib.asynccontextmanager
    async def locked(self) -> AsyncIterator[None]:
        """Hold this file for a load-validate-login-save sequence (other tasks and processes
        wait)."""
        async with self._lock:
            fd = await asyncio.to_thread(self._acquire)
            try:
                yield
            finally:
                if fd is not None:
                    with contextlib.suppress(OSError):
                        if fcntl is not None:
                            fcntl.flock(fd, fcntl.LOCK_UN)
                        os.close(fd)

    def _acquire(self) -> int | None:
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(self.path.with_name(self.path.name + ".lock"), os.O_RDWR | os.O_CREAT,
                         0o600)
        except OSError as exc:
            log.warning("session file %s cannot be locked (%s); sessions are not shared safely",
                        self.path, type(exc).__name__)
            return None
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        return fd

    def _read_all(self) -> dict[str, Any]:
        try:
            data = orjson.loads(self.path.read_bytes())
        except FileNotFoundError:
            return {}
        except (OSError, orjson.JSONDecodeError) as exc:
            log.warning("session file %s is unreadable (%s); logging in afresh", self.path,
                        type(exc).__name__)
            return {}
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            log.warning("%s is not a chatexchange3 session file; logging in afresh", self.path)
            return {}
        sessions = data.get("sessions")
        return sessions if isinstance(sessions, dict) else {}

    def load(self, key: str) -> list[dict[str, Any]] | None:
        """The saved cookie records of ``key`` (None when there are none)."""
        entry = self._read_all().get(key)
        cookies = entry.get("cookies") if isinstance(entry, dict) else None
        return cookies if isinstance(cookies, list) else None

    def save(self, key: str, records: list[dict[str, Any]] | None) -> None:
        """Store (or with ``None`` forget) the records of ``key``, keeping every other entry.

        Call it while holding :meth:`locked`, so that no other process writes in between.
        """
        sessions = self._read_all()
        if records is None:
            if sessions.pop(key, None) is None:
                return
        else:
            sessions[key] = {"saved": time.time(), "cookies": records}
        data = orjson.dumps({"format": FORMAT, "version": VERSION, "sessions": sessions})
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            write_private(self.path, data)
        except OSError as exc:
            raise ChatExchangeError(
                f"cannot write session file {self.path}: {type(exc).__name__}"
            ) from None
