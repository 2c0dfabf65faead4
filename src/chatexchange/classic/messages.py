"""A chat message as the classic package presents it: one shared object per message id and client,
attributes loaded lazily from the message's transcript page (``content``, ``owner``, ``room``,
``stars``, ``pinned``...) or its history (``content_source``, ``editor``, ``edits``, ``pins``...),
and writes queued on the client (``reply``, ``edit``, ``delete``) or done at once (``star``,
``pin``, ``cancel_stars``)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from . import _utils

if TYPE_CHECKING:
    from .client import Client

__all__ = ["Message"]

#: The classic logger name (bots configure ``chatexchange.messages``).
logger = logging.getLogger("chatexchange.messages")


class Message:
    def __init__(self, id: int, client: Client) -> None:
        self.id = id
        self._logger = logger.getChild("Message")
        self._client = client

    def __repr__(self) -> str:
        return f"<classic Message {self.id}>"

    room = _utils.LazyFrom("scrape_transcript")
    content = _utils.LazyFrom("scrape_transcript")
    owner = _utils.LazyFrom("scrape_transcript")
    _parent_message_id = _utils.LazyFrom("scrape_transcript")
    stars = _utils.LazyFrom("scrape_transcript")
    starred = _utils.LazyFrom("scrape_transcript")
    starred_by_you = _utils.LazyFrom("scrape_transcript")
    pinned = _utils.LazyFrom("scrape_transcript")
    deleted = _utils.LazyFrom("scrape_transcript")
    target_user_id = _utils.LazyFrom("scrape_transcript")
    time_stamp = _utils.LazyFrom("scrape_transcript")

    content_source = _utils.LazyFrom("scrape_history")
    editor = _utils.LazyFrom("scrape_history")
    edited = _utils.LazyFrom("scrape_history")
    edits = _utils.LazyFrom("scrape_history")
    pins = _utils.LazyFrom("scrape_history")
    pinners = _utils.LazyFrom("scrape_history")
    pinner_user_ids = _utils.LazyFrom("scrape_history")
    pinner_user_names = _utils.LazyFrom("scrape_history")

    # -- scraping --------------------------------------------------------------------------------

    def scrape_history(self) -> None:
        """Load the history-page attributes (and the Markdown source)."""
        data = self._client._br.get_history(self.id)
        client = self._client
        self.owner = client.get_user(data["owner_user_id"], name=data["owner_user_name"])
        if data["room_id"] is not None:
            self.room = client.get_room(data["room_id"])
        self.content = data["content"]
        self.content_source = data["content_source"]
        self.edits = data["edits"]
        self.edited = data["edited"]
        if data["editor_user_id"] is not None:
            self.editor = client.get_user(data["editor_user_id"], name=data["editor_user_name"])
        else:
            self.editor = None
        self._scrape_stars(data)

    def scrape_transcript(self) -> None:
        """Load the transcript-page attributes of this message and its neighbours on the page."""
        client = self._client
        data = client._br.get_transcript_with_message(self.id)
        for item in data["messages"]:
            message = client.get_message(item["id"])
            message.owner = client.get_user(item["owner_user_id"], name=item["owner_user_name"])
            message.room = client.get_room(item["room_id"], name=item["room_name"])
            message.content = item["content"]
            message.deleted = item["deleted"]
            message.edited = item["edited"]
            if not item["edited"]:
                message.edits = 0
                message.editor = None
            message._parent_message_id = item["parent_message_id"]
            message.time_stamp = item["time_stamp"]
            message._scrape_stars(item)
            if message not in Message.target_user_id.values:
                message.target_user_id = None  # only events name a target
        if self not in Message.content.values:
            # Not on its own transcript page (deleted for us, or moved): nothing to show.
            self.content = None
            self.deleted = True
            for attr in ("owner", "room", "_parent_message_id", "time_stamp"):
                if self not in getattr(Message, attr).values:
                    setattr(self, attr, None)
            self._scrape_stars({"stars": 0, "starred": False, "pinned": False})

    def _scrape_stars(self, data: dict[str, Any]) -> None:
        self.starred = data["starred"]
        self.stars = data["stars"]
        if "starred_by_you" in data:
            self.starred_by_you = data["starred_by_you"]
        elif self not in Message.starred_by_you.values:
            self.starred_by_you = False
        if data["pinned"] and not Message.pinned.values.get(self):
            # Newly pinned: cached pin details are stale.
            del self.pinners
            del self.pins
            del self.pinner_user_ids
            del self.pinner_user_names
        self.pinned = data["pinned"]
        if "pinner_user_ids" in data:
            self.pinner_user_ids = list(data["pinner_user_ids"])
            self.pinner_user_names = list(data["pinner_user_names"])
            pairs = zip(data["pinner_user_ids"], data["pinner_user_names"], strict=True)
            self.pinners = [self._client.get_user(uid, name=name) for uid, name in pairs]
        if "pins" in data:
            self.pins = data["pins"]

    # -- derived ---------------------------------------------------------------------------------

    @property
    def parent(self) -> Message | None:
        """The message this one replies to, or None."""
        if self._parent_message_id is not None:
            return self._client.get_message(self._parent_message_id)
        return None

    @property
    def text_content(self) -> str | None:
        """``content`` without markup."""
        if self.content is not None:
            return _utils.html_to_text(self.content)
        return None

    # -- writes ----------------------------------------------------------------------------------

    def reply(self, text: str, length_check: bool = True) -> None:
        """Queue ``:<id> text`` in this message's room."""
        self.room.send_message(f":{self.id} {text}", length_check)

    def edit(self, text: str) -> None:
        """Queue an edit (the author, within two minutes)."""
        self._client._request_queue.put(("edit", self.id, text))
        self._logger.info("Queued edit %r for message_id #%r.", text, self.id)

    def delete(self) -> None:
        """Queue a deletion."""
        self._client._request_queue.put(("delete", self.id, ""))
        self._logger.info("Queued deletion for message_id #%r.", self.id)

    def star(self, value: bool = True) -> None:
        """Star (or unstar, ``value=False``) unless it already is; done at once."""
        del self.starred_by_you  # ask the page, not the cache
        if self.starred_by_you == value:
            self._logger.info(".starred_by_you is already %r", value)
            return
        self._client._br.toggle_starring(self.id)
        self.starred_by_you = value
        if self in Message.stars.values:
            self.stars += 1 if value else -1
            self.starred = bool(self.stars)
        else:
            del self.starred

    def pin(self, value: bool = True) -> None:
        """Pin (or unpin) unless it already is; room owners and moderators; done at once."""
        del self.pinned
        if self.pinned == value:
            self._logger.info(".pinned is already %r", value)
            return
        self._client._br.toggle_pinning(self.id)
        self.pinned = value
        for attr in ("pins", "pinners", "pinner_user_ids", "pinner_user_names"):
            delattr(self, attr)

    def cancel_stars(self) -> None:
        """Remove every star (room owners); done at once."""
        del self.stars
        if not self.stars:
            self._logger.info(".stars is already 0")
            return
        self._client._br.cancel_stars(self.id)
        self.starred_by_you = False
        self.stars = 0
        self.starred = False
        self.pinned = False
        self.pins = 0
        self.pinners = []
        self.pinner_user_ids = []
        self.pinner_user_names = []
