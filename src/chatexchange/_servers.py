"""The three chat servers and where to reach them.

The bottom of the import graph: transport, storage, client and tools all read it, so the hosts are
written down once. ``CHATEXCHANGE_DEVSERVER`` (or an explicit ``server_url``) points every server
at a local devserver, which serves each server under its slug: ``<url>/se``, ``<url>/so``,
``<url>/mse``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

DEVSERVER_ENV = "CHATEXCHANGE_DEVSERVER"


@dataclass(frozen=True, slots=True)
class ServerInfo:
    slug: str
    name: str
    chat_host: str
    login_host: str

    @property
    def url(self) -> str:
        """The canonical chat URL, as stored in the archive."""
        return f"https://{self.chat_host}"


SERVERS: dict[str, ServerInfo] = {
    "se": ServerInfo("se", "Stack Exchange", "chat.stackexchange.com", "meta.stackexchange.com"),
    "so": ServerInfo("so", "Stack Overflow", "chat.stackoverflow.com", "stackoverflow.com"),
    "mse": ServerInfo(
        "mse", "Meta Stack Exchange", "chat.meta.stackexchange.com", "meta.stackexchange.com"
    ),
}

BY_HOST: dict[str, ServerInfo] = {s.chat_host: s for s in SERVERS.values()}


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Base URLs one server is reached at (no trailing slash)."""

    chat: str
    login: str


def endpoints(slug: str, server_url: str | None = None) -> Endpoints:
    """Where the server ``slug`` lives: the real hosts, or a devserver when one is configured."""
    info = SERVERS[slug]
    base = server_url or os.environ.get(DEVSERVER_ENV)
    if base:
        base = base.rstrip("/") + "/" + slug
        return Endpoints(chat=base, login=base)
    return Endpoints(chat=f"https://{info.chat_host}", login=f"https://{info.login_host}")
