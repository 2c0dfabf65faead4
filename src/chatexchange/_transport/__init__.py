"""The transport layer: one aiohttp session per chat server (docs/transport.md).

``ServerConnection`` is the one public entry point: login and cookies, pages, the ordered write
queue with throttle handling, and live events (websocket with reconnect and gap filling, polling
fallback). It parses everything it reads with ``chatexchange._parser`` and raises only
``chatexchange.errors``.
"""

from __future__ import annotations

from .actions import MAX_SINGLE_LINE, ActionQueue
from .connection import ServerConnection, check_message
from .session import USER_AGENT, HttpSession, Response
from .watch import Watcher

__all__ = [
    "MAX_SINGLE_LINE",
    "USER_AGENT",
    "ActionQueue",
    "HttpSession",
    "Response",
    "ServerConnection",
    "Watcher",
    "check_message",
]
