"""The rows every new archive starts with: the three chat servers.

Applied once, when ``chatexchange.store.open_engine`` creates a database; a marker row in
``chatexchange_database`` records that it happened, so servers a user later edits or deletes are
not put back.
"""

from __future__ import annotations

from collections.abc import Iterator

from ._servers import SERVERS
from .models import Base, Server

__all__ = ["data"]


def data() -> Iterator[Base]:
    """Yield new (transient) model instances for a fresh database, in insertion order."""
    for info in SERVERS.values():
        yield Server(
            url=info.url,
            slug=info.slug,
            name=info.name,
            chat_host=info.chat_host,
            login_host=info.login_host,
        )
