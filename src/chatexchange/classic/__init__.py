"""The classic ``chatexchange`` package's public API, implemented on our transport and parsers.

Bots written for the classic package (``chatexchange.client.Client``, ``chatexchange.events``,
``.rooms``, ``.messages``, ``.users``, ``.browser``) run unchanged: those root modules are this
package's modules under their classic names. See ``docs/classic.md``.
"""

from __future__ import annotations

from . import browser, client, events, messages, rooms, users
from .browser import Browser
from .client import Client

__all__ = ["Browser", "Client", "browser", "client", "events", "messages", "rooms", "users"]
