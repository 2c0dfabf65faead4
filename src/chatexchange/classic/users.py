"""A chat user as the classic package presents it: one shared object per user id and client, the
profile page's attributes loaded on first read."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from . import _utils

if TYPE_CHECKING:
    from .client import Client

__all__ = ["User"]

#: The classic logger name (bots configure ``chatexchange.users``).
logger = logging.getLogger("chatexchange.users")


class User:
    def __init__(self, id: int, client: Client) -> None:
        self.id = id
        self._logger = logger.getChild("User")
        self._client = client

    def __repr__(self) -> str:
        return f"<classic User {self.id}>"

    name = _utils.LazyFrom("scrape_profile")
    about = _utils.LazyFrom("scrape_profile")
    is_moderator = _utils.LazyFrom("scrape_profile")
    message_count = _utils.LazyFrom("scrape_profile")
    room_count = _utils.LazyFrom("scrape_profile")
    reputation = _utils.LazyFrom("scrape_profile")
    last_seen = _utils.LazyFrom("scrape_profile")
    last_message = _utils.LazyFrom("scrape_profile")

    def scrape_profile(self) -> None:
        """Load the profile page's attributes."""
        data = self._client._br.get_profile(self.id)
        self.name = data["name"]
        self.about = data["about"]
        self.is_moderator = data["is_moderator"]
        self.message_count = data["message_count"]
        self.room_count = data["room_count"]
        self.reputation = data["reputation"]
        self.last_seen = data["last_seen"]
        self.last_message = data["last_message"]
