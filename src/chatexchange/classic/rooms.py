"""A chat room as the classic package presents it: info-page attributes loaded on first read,
``send_message`` queued on the client, and watching with callbacks on a thread of their own
(``watch``, ``watch_polling``, ``watch_socket``) or as blocking iterators (``new_events``,
``new_messages``)."""

from __future__ import annotations

import logging
import queue
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from . import _utils, events

if TYPE_CHECKING:
    from .client import Client

__all__ = ["FilteredEventIterator", "MessageIterator", "Room"]

#: The classic logger name (bots configure ``chatexchange.rooms``).
logger = logging.getLogger("chatexchange.rooms")

#: Longest single-line message chat accepts.
MAX_LENGTH = 500


class Room:
    def __init__(self, id: int, client: Client) -> None:
        self.id = id
        self._logger = logger.getChild("Room")
        self._client = client

    def __repr__(self) -> str:
        return f"<classic Room {self.id}>"

    name = _utils.LazyFrom("scrape_info")
    description = _utils.LazyFrom("scrape_info")
    message_count = _utils.LazyFrom("scrape_info")
    user_count = _utils.LazyFrom("scrape_info")
    parent_site_name = _utils.LazyFrom("scrape_info")
    owners = _utils.LazyFrom("scrape_info")
    tags = _utils.LazyFrom("scrape_info")

    def scrape_info(self) -> None:
        """Load the room info page's attributes."""
        client = self._client
        data = client._br.get_room_info(self.id)
        self.name = data["name"]
        self.description = data["description"]
        self.message_count = data["message_count"]
        self.user_count = data["user_count"]
        self.parent_site_name = data["parent_site_name"]
        self.owners = [
            client.get_user(uid, name=name)
            for uid, name in zip(data["owner_user_ids"], data["owner_user_names"], strict=True)
        ]
        self.tags = data["tags"]

    @property
    def text_description(self) -> str | None:
        if self.description is not None:
            return _utils.html_to_text(self.description)
        return None

    # -- presence and writes ---------------------------------------------------------------------

    def join(self) -> Any:
        return self._client._join_room(self.id)

    def leave(self) -> Any:
        return self._client._leave_room(self.id)

    def send_message(self, text: str, length_check: bool = True) -> None:
        """Queue a message (sent in order, throttling obeyed). Over 500 characters it is dropped
        with a log line unless ``length_check=False`` (then it is sent as it is: chat takes a
        multi-line message of any length).

        With ``Client(send_aggressively=True)``, a message for this room queued while the
        previous one for it still waits is merged into it (one multi-line message, the texts
        joined by a newline): fewer posts, so less throttling."""
        if len(text) > MAX_LENGTH and length_check:
            self._logger.info("Could not send message because it was longer than 500 characters.")
            return
        if len(text) == 0:
            self._logger.info("Could not send message because it was empty.")
            return
        client = self._client
        if client.aggressive_sender:
            waiting = client._request_queue.peek_latest()
            if waiting is not None and waiting[0] == "send" and waiting[1] == self.id:
                merged = ("send", self.id, f"{waiting[2]}\n{text}")
                if client._request_queue.poke_latest(waiting, merged):
                    self._logger.info("Merged message %r into the waiting one.", text)
                    return
        client._request_queue.put(("send", self.id, text))
        self._logger.info("Queued message %r for room_id #%r.", text, self.id)

    # -- watching --------------------------------------------------------------------------------

    def watch(self, event_callback: Callable[[Any, Any], Any]) -> Any:
        """Call ``event_callback(event, client)`` for every event, from a thread (polling)."""
        return self.watch_polling(event_callback, 3)

    def watch_polling(self, event_callback: Callable[[Any, Any], Any], interval: float) -> Any:
        def on_activity(activity: dict[str, Any]) -> None:
            for event in self._events_from_activity(activity, self.id):
                event_callback(event, self._client)

        return self._client._br.watch_room_http(self.id, on_activity, interval)

    def watch_socket(self, event_callback: Callable[[Any, Any], Any]) -> Any:
        """Like :meth:`watch`, over the websocket (reconnects and fills gaps by itself)."""

        def on_activity(activity: dict[str, Any]) -> None:
            for event in self._events_from_activity(activity, self.id):
                event_callback(event, self._client)

        return self._client._br.watch_room_socket(self.id, on_activity)

    def _events_from_activity(self, activity: dict[str, Any], room_id: int) -> Iterator[Any]:
        """The events of one room in an activity frame (``{"r<id>": {"e": [...]}}``)."""
        room_activity = activity.get(f"r{room_id}", {})
        for data in room_activity.get("e", []):
            if data:
                event = events.make(data, self._client)
                self._client._recently_gotten_objects.appendleft(event)
                yield event

    def new_events(self, types: Any = events.Event) -> FilteredEventIterator:
        """Join and iterate the events of ``types`` from now on (blocks between events)."""
        return FilteredEventIterator(self, types)

    def new_messages(self) -> MessageIterator:
        """Join and iterate new messages (``Message`` objects)."""
        return MessageIterator(self)

    # -- who is here -----------------------------------------------------------------------------

    def get_pingable_user_ids(self) -> list[int]:
        return self._client._br.get_pingable_user_ids_in_room(self.id)

    def get_pingable_user_names(self) -> list[str]:
        return self._client._br.get_pingable_user_names_in_room(self.id)

    def get_pingable_users(self) -> list[Any]:
        """The users chat would complete a ping for (``User`` objects)."""
        client = self._client
        return [
            client.get_user(entry[0], name=entry[1])
            for entry in client._br.get_pingable_users_in_room(self.id)
        ]

    def get_current_users(self) -> list[Any]:
        """The users in the room now (``User`` objects)."""
        client = self._client
        return [
            client.get_user(user_id, name=name)
            for user_id, name in client._br.get_current_users_in_room(self.id)
        ]

    def get_current_user_ids(self) -> list[int]:
        return self._client._br.get_current_user_ids_in_room(self.id)

    def get_current_user_names(self) -> list[str]:
        return self._client._br.get_current_user_names_in_room(self.id)


class FilteredEventIterator:
    """Events of some types, from a watcher's thread to the iterating one."""

    def __init__(self, room: Room, types: Any) -> None:
        self.types = types
        self._queue: queue.Queue[Any] = queue.Queue()
        room.join()
        self._watcher = room.watch_socket(self._on_event)

    def __enter__(self) -> FilteredEventIterator:
        return self

    def __exit__(self, exc_type: Any, exc_value: Any, tracback: Any) -> None:
        self._watcher.close()

    def close(self) -> None:
        self._watcher.close()

    def __iter__(self) -> Iterator[Any]:
        while True:
            yield self._queue.get()

    def _on_event(self, event: Any, client: Any) -> None:
        if isinstance(event, self.types):
            self._queue.put(event)


class MessageIterator:
    """New messages (``MessagePosted`` events' messages), blocking between them."""

    def __init__(self, room: Room) -> None:
        self._event_iter = FilteredEventIterator(room, events.MessagePosted)

    def __enter__(self) -> MessageIterator:
        return self

    def __exit__(self, exc_type: Any, exc_value: Any, tracback: Any) -> None:
        self._event_iter.close()

    def close(self) -> None:
        self._event_iter.close()

    def __iter__(self) -> Iterator[Any]:
        for event in self._event_iter:
            yield event.message
