"""A local, in-memory Stack Exchange chat server that speaks the real protocol.

The client's tests run against it over loopback, the demo runs on it, and bot authors can point an
unchanged bot at it (``CHATEXCHANGE_DEVSERVER=http://127.0.0.1:8080``). See ``docs/devserver.md``.
"""

from __future__ import annotations

from .cli import main
from .seed import TEST_SEED, TEST_USERS
from .server import DevServer, DevServerThread

__all__ = ["TEST_SEED", "TEST_USERS", "DevServer", "DevServerThread", "main"]
