"""A bot written from SmokeDetector's calls into the classic package (Charcoal-SE/SmokeDetector:
``chatexchange_extension.py``, ``chatcommunicate.py``, ``helpers.py``, ``ws.py``), shrunk to what
touches chat: the subclassed Client and Room that stamp ``last_activity`` on every socket frame,
the cookie login with its pickled jar and the credential fallback, joining command rooms and
``watch_socket``, the sender thread over ``_do_action_despite_throttling(...).json()`` that
survives ``requests.HTTPError``, replies to commands, delete-by-reply, edits, presence-based
pings and the silence watchdog. Everything it calls is classic API; nothing here knows it runs on
chatexchange3."""

from __future__ import annotations

import pickle
import queue
import threading
from collections import deque
from datetime import UTC, datetime
from pathlib import Path

import requests

from chatexchange import client, events, rooms
from chatexchange.browser import LoginError
from chatexchange.messages import Message


def _now() -> datetime:
    return datetime.now(UTC)


# -- chatexchange_extension.py ---------------------------------------------------------------------


class Room(rooms.Room):
    def watch_socket(self, event_callback):
        self._client.last_activity = _now()

        def on_activity(activity):
            self._client.last_activity = _now()
            self._client.frames += 1
            for event in self._events_from_activity(activity, self.id):
                if isinstance(event, events.MessageEdited):
                    del event.message.content_source
                event_callback(event, self._client)

        return self._client._br.watch_room_socket(self.id, on_activity)


class Client(client.Client):
    def __init__(self, host):
        super().__init__(host)
        self.last_activity = None
        self.frames = 0

    def get_room(self, room_id, **attrs_to_set):
        return self._get_and_set_deduplicated(Room, room_id, self._rooms, attrs_to_set)


# -- chatcommunicate.py ----------------------------------------------------------------------------


class RoomData:
    def __init__(self, room, block_time, deletion_watcher):
        self.room = room
        self.block_time = block_time
        self.deletion_watcher = deletion_watcher


class Smokey:
    """One SmokeDetector instance's chat side (its module globals, as one object)."""

    def __init__(self, workdir: Path, command_rooms, notify: dict[int, list[int]],
                 silence_limit: float = 60.0):
        self.workdir = workdir
        self.command_rooms = command_rooms  # [(site, room id), ...]
        self.notify = notify  # room id -> user ids to ping when present
        self.silence_limit = silence_limit
        self.clients = {"stackexchange.com": None}
        self.rooms: dict = {}
        self.msg_queue: queue.Queue = queue.Queue()
        self.last_messages: dict = {}
        self.cookies: dict | None = None
        self.log: list[str] = []
        self.sender: threading.Thread | None = None
        self.replies: list[str] = []

    # datahandling: the pickled cookie jars
    def load_cookies(self):
        path = self.workdir / "cookies.p"
        self.cookies = pickle.loads(path.read_bytes()) if path.exists() else None

    def dump_cookies(self):
        (self.workdir / "cookies.p").write_bytes(pickle.dumps(self.cookies))

    def init(self, username, password, try_cookies=True):
        self.load_cookies()
        for site in self.clients:
            client_ = Client(site)
            logged_in = False
            if try_cookies:
                if self.cookies is None:
                    self.cookies = {}
                else:
                    try:
                        if site in self.cookies and self.cookies[site] is not None:
                            client_.login_with_cookie(self.cookies[site])
                            logged_in = True
                            self.log.append(f"chat.{site}: Logged in using cached cookies")
                    except LoginError as e:
                        self.log.append(f"chat.{site}: Login error {type(e).__name__}: {e}")
                        del self.cookies[site]
                        self.dump_cookies()
            if not logged_in:
                for _retry in range(3):
                    try:
                        self.cookies[site] = client_.login(username, password)
                        break
                    except Exception as e:
                        self.log.append(f"chat.{site}: Login error {type(e).__name__}: {e}")
                else:
                    raise Exception("Failed to log into " + site + ", max retries exceeded")
            self.clients[site] = client_
        self.join_command_rooms()
        self.sender = threading.Thread(name="message sender", target=self.send_messages,
                                       daemon=True)
        self.sender.start()
        self.dump_cookies()

    def join_command_rooms(self):
        for site, roomid in self.command_rooms:
            room = self.clients[site].get_room(roomid)
            room.join()
            room.watch_socket(self.on_msg)
            self.rooms[(site, roomid)] = RoomData(room, -1, False)

    def send_messages(self):
        while True:
            room, msg, report_data = self.msg_queue.get()
            if room is None:
                self.msg_queue.task_done()
                return
            if len(msg) > 500 and "\n" not in msg:
                self.log.append("Discarded a message over 500 characters")
                self.msg_queue.task_done()
                continue
            full_retries = 0
            while full_retries < 3:
                try:
                    response = room.room._client._do_action_despite_throttling(
                        ("send", room.room.id, msg)
                    ).json()
                    if "id" in response:
                        identifier = (room.room._client.host, room.room.id)
                        message_id = response["id"]
                        self.last_messages.setdefault(identifier, deque(maxlen=100)).append(
                            message_id
                        )
                        if report_data:
                            self.log.append(f"reported {report_data} as {message_id}")
                    break
                except requests.exceptions.HTTPError:
                    full_retries += 1
                    self.log.append(f"HTTPError sending to room {room.room.id}")
            self.msg_queue.task_done()

    def _msg_queue_put(self, room_data, msg, report_data=None):
        self.msg_queue.put((room_data, msg, report_data))

    def send_reply(self, room_ident, msg_id, text):
        self._msg_queue_put(self.rooms[room_ident], f":{msg_id} {text}")

    def on_msg(self, msg, client_):
        if not isinstance(msg, events.MessagePosted) and not isinstance(msg, events.MessageEdited):
            return
        message = msg.message
        room_ident = (client_.host, message.room.id)
        if message.owner.id == client_._br.user_id:
            return
        if message.content.startswith("<div class='partial'>"):
            message.content = message.content[21:]
            if message.content.endswith("</div>"):
                message.content = message.content[:-6]
        if message.parent:
            if message.parent.owner.id == client_._br.user_id:
                command = message.content_source.split(" ", 1)[1] if " " in \
                    message.content_source else ""
                self.dispatch_reply_command(message.parent, message, command, room_ident)
        elif message.content.startswith("!!/alive"):
            self.replies.append("alive")
            self.send_reply(room_ident, message.id, "Yup")
        elif message.content.startswith("!!/report"):
            self.tell_rooms(f"[ SmokeDetector ] report by {msg.user.name}", message.room.id)

    def dispatch_reply_command(self, msg, reply, command, room_ident):
        """Commands given by replying to one of our messages (``del``, ``postgone``)."""
        if command in ("del", "delete", "poof"):
            self.replies.append("delete")
            msg.delete()
        elif command == "postgone":
            self.replies.append("edit")
            msg.edit(msg.content_source + " (post gone)")

    def tell_rooms(self, text, room_id):
        """A report, with pings for the notification list's users who are in the room now."""
        room_data = self.rooms[("stackexchange.com", room_id)]
        client_ = room_data.room._client
        present = dict(client_._br.get_current_users_in_room(room_id))
        pings = [present[uid] for uid in self.notify.get(room_id, []) if uid in present]
        text += "".join(" @" + name.replace(" ", "") for name in pings)
        self._msg_queue_put(room_data, text, report_data=room_id)

    def get_last_messages(self, room, count):
        identifier = (room._client.host, room.id)
        for msg_id in list(reversed(self.last_messages.get(identifier, [])))[:count]:
            yield room._client.get_message(msg_id)

    # ws.py: the watchdog that restarts SmokeDetector when chat falls silent
    def check_socket_connections(self):
        for client_ in self.clients.values():
            if client_.last_activity and \
                    (_now() - client_.last_activity).total_seconds() >= self.silence_limit:
                return False
        return True

    def stop(self, logout=True):
        """Log out (the classic client only stops: the session stays valid); or
        (``logout=False``) end as a killed process does."""
        self.msg_queue.put((None, "", None))
        for client_ in self.clients.values():
            if client_ is None or not client_.logged_in:
                continue
            if logout:
                client_.logout()
            else:
                client_._request_queue.put(SystemExit)
                client_._br.close()


__all__ = ["Client", "Message", "Room", "Smokey"]
