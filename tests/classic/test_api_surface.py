"""Every public name, method and signature of the classic package (ChatExchange 0.0.4,
Manishearth/ChatExchange) and of the fork SmokeDetector pins (ArtOfCode-/ChatExchange), listed
here by hand, exists with the same parameters; exception types keep their classic bases; and the
private names bots reach for (``_br``, ``_request_queue``, ``_do_action_despite_throttling``,
``_events_from_activity``, ...) are there too."""

from __future__ import annotations

import importlib
import inspect
import queue
import re

import pytest
import requests
from bs4 import BeautifulSoup

from chatexchange.classic import _utils

#: (module, class or None, name, parameters: "name" or "name=default repr"; None: not callable)
SURFACE: list[tuple[str, str | None, str, str | None]] = [
    # chatexchange
    ("chatexchange", None, "Browser", None),
    ("chatexchange", None, "Client", None),
    ("chatexchange", None, "browser", None),
    ("chatexchange", None, "client", None),
    ("chatexchange", None, "events", None),
    ("chatexchange", None, "messages", None),
    # chatexchange.browser
    ("chatexchange.browser", "Browser", "__init__", "self"),
    ("chatexchange.browser", "Browser", "user_agent", None),
    ("chatexchange.browser", "Browser", "request_timeout", None),
    ("chatexchange.browser", "Browser", "chat_fkey", None),
    ("chatexchange.browser", "Browser", "user_name", None),
    ("chatexchange.browser", "Browser", "user_id", None),
    ("chatexchange.browser", "Browser", "chat_root", None),
    ("chatexchange.browser", "Browser", "_default_ws_recovery", "self, room_id"),
    ("chatexchange.browser", "Browser", "_request",
     "self, method, url, data=None, headers=None, with_chat_root=True"),
    ("chatexchange.browser", "Browser", "get",
     "self, url, data=None, headers=None, with_chat_root=True"),
    ("chatexchange.browser", "Browser", "post",
     "self, url, data=None, headers=None, with_chat_root=True"),
    ("chatexchange.browser", "Browser", "get_soup",
     "self, url, data=None, headers=None, with_chat_root=True"),
    ("chatexchange.browser", "Browser", "post_soup",
     "self, url, data=None, headers=None, with_chat_root=True"),
    ("chatexchange.browser", "Browser", "post_fkeyed", "self, url, data=None, headers=None"),
    ("chatexchange.browser", "Browser", "login_site", "self, host, email, password"),
    ("chatexchange.browser", "Browser", "login_site_with_cookie", "self, host, cookie_jar"),
    ("chatexchange.browser", "Browser", "login_se_openid", "self, user, password"),  # the fork
    ("chatexchange.browser", "Browser", "_load_fkey", "self, soup"),
    ("chatexchange.browser", "Browser", "_load_user", "self, soup"),
    ("chatexchange.browser", "Browser", "user_id_and_name_from_link", "link_soup"),
    ("chatexchange.browser", "Browser", "_update_chat_fkey_and_user", "self"),
    ("chatexchange.browser", "Browser", "join_room", "self, room_id"),
    ("chatexchange.browser", "Browser", "leave_room", "self, room_id"),
    ("chatexchange.browser", "Browser", "watch_room_socket", "self, room_id, on_activity"),
    ("chatexchange.browser", "Browser", "watch_room_http",
     "self, room_id, on_activity, interval"),
    ("chatexchange.browser", "Browser", "toggle_starring", "self, message_id"),
    ("chatexchange.browser", "Browser", "toggle_pinning", "self, message_id"),
    ("chatexchange.browser", "Browser", "cancel_stars", "self, message_id"),
    ("chatexchange.browser", "Browser", "send_message", "self, room_id, text"),
    ("chatexchange.browser", "Browser", "edit_message", "self, message_id, text"),
    ("chatexchange.browser", "Browser", "delete_message", "self, message_id"),
    ("chatexchange.browser", "Browser", "get_history", "self, message_id"),
    ("chatexchange.browser", "Browser", "get_transcript_with_message", "self, message_id"),
    ("chatexchange.browser", "Browser", "get_profile", "self, user_id"),
    ("chatexchange.browser", "Browser", "get_room_info", "self, room_id"),
    ("chatexchange.browser", "Browser", "get_pingable_users_in_room", "self, room_id"),
    ("chatexchange.browser", "Browser", "get_pingable_user_ids_in_room", "self, room_id"),
    ("chatexchange.browser", "Browser", "get_pingable_user_names_in_room", "self, room_id"),
    ("chatexchange.browser", "Browser", "get_current_users_in_room", "self, room_id"),
    ("chatexchange.browser", "Browser", "get_current_user_ids_in_room", "self, room_id"),
    ("chatexchange.browser", "Browser", "get_current_user_names_in_room", "self, room_id"),
    ("chatexchange.browser", "Browser", "set_websocket_recovery", "self, on_ws_closed"),
    ("chatexchange.browser", "RoomSocketWatcher", "__init__",
     "self, browser, room_id, on_activity"),
    ("chatexchange.browser", "RoomSocketWatcher", "close", "self"),
    ("chatexchange.browser", "RoomSocketWatcher", "start", "self"),
    ("chatexchange.browser", "RoomSocketWatcher", "_runner", "self"),
    ("chatexchange.browser", "RoomPollingWatcher", "__init__",
     "self, browser, room_id, on_activity, interval"),
    ("chatexchange.browser", "RoomPollingWatcher", "close", "self"),
    ("chatexchange.browser", "RoomPollingWatcher", "start", "self"),
    ("chatexchange.browser", "RoomPollingWatcher", "_runner", "self"),
    ("chatexchange.browser", None, "BrowserError", None),
    ("chatexchange.browser", None, "LoginError", None),
    ("chatexchange.browser", None, "logger", None),
    # chatexchange.client
    ("chatexchange.client", None, "TOO_FAST_RE", None),
    ("chatexchange.client", None, "ChatActionError", None),
    ("chatexchange.client", None, "logger", None),
    ("chatexchange.client", "PeekableQueue", "peek_latest", "self"),
    ("chatexchange.client", "PeekableQueue", "poke_latest", "self, oldvalue, newvalue"),
    ("chatexchange.client", "Client", "__init__",
     "self, host='stackexchange.com', email=None, password=None, send_aggressively=False"),
    ("chatexchange.client", "Client", "_max_recently_gotten_objects", None),
    ("chatexchange.client", "Client", "valid_hosts", None),
    ("chatexchange.client", "Client", "get_message", "self, message_id, **attrs_to_set"),
    ("chatexchange.client", "Client", "get_room", "self, room_id, **attrs_to_set"),
    ("chatexchange.client", "Client", "get_user", "self, user_id, **attrs_to_set"),
    ("chatexchange.client", "Client", "_get_and_set_deduplicated",
     "self, cls, id, instances, attrs"),
    ("chatexchange.client", "Client", "get_me", "self"),
    ("chatexchange.client", "Client", "login", "self, email, password"),
    ("chatexchange.client", "Client", "login_with_cookie", "self, cookie_jar"),
    ("chatexchange.client", "Client", "logout", "self"),
    ("chatexchange.client", "Client", "set_websocket_recovery", "self, on_ws_closed"),
    ("chatexchange.client", "Client", "_worker", "self"),
    ("chatexchange.client", "Client", "_BACKOFF_ADDER", None),
    ("chatexchange.client", "Client", "_unpack_response", "response"),
    ("chatexchange.client", "Client", "_try_send",
     "self, action_type, room_id, message_id, text"),
    ("chatexchange.client", "Client", "_do_action_despite_throttling", "self, action"),
    ("chatexchange.client", "Client", "_join_room", "self, room_id"),
    ("chatexchange.client", "Client", "_leave_room", "self, room_id"),
    # chatexchange.rooms
    ("chatexchange.rooms", "Room", "__init__", "self, id, client"),
    *[("chatexchange.rooms", "Room", name, None) for name in (
        "name", "description", "message_count", "user_count", "parent_site_name", "owners",
        "tags", "text_description")],
    ("chatexchange.rooms", "Room", "scrape_info", "self"),
    ("chatexchange.rooms", "Room", "join", "self"),
    ("chatexchange.rooms", "Room", "leave", "self"),
    ("chatexchange.rooms", "Room", "send_message", "self, text, length_check=True"),
    ("chatexchange.rooms", "Room", "watch", "self, event_callback"),
    ("chatexchange.rooms", "Room", "watch_polling", "self, event_callback, interval"),
    ("chatexchange.rooms", "Room", "watch_socket", "self, event_callback"),
    ("chatexchange.rooms", "Room", "_events_from_activity", "self, activity, room_id"),
    ("chatexchange.rooms", "Room", "new_events", "self, types=<class 'Event'>"),
    ("chatexchange.rooms", "Room", "new_messages", "self"),
    ("chatexchange.rooms", "Room", "get_pingable_user_ids", "self"),
    ("chatexchange.rooms", "Room", "get_pingable_user_names", "self"),
    ("chatexchange.rooms", "Room", "get_pingable_users", "self"),
    ("chatexchange.rooms", "Room", "get_current_user_ids", "self"),
    ("chatexchange.rooms", "Room", "get_current_user_names", "self"),
    ("chatexchange.rooms", "Room", "get_current_users", "self"),
    ("chatexchange.rooms", "FilteredEventIterator", "__init__", "self, room, types"),
    ("chatexchange.rooms", "FilteredEventIterator", "__enter__", "self"),
    ("chatexchange.rooms", "FilteredEventIterator", "__exit__",
     "self, exc_type, exc_value, tracback"),
    ("chatexchange.rooms", "FilteredEventIterator", "__iter__", "self"),
    ("chatexchange.rooms", "FilteredEventIterator", "_on_event", "self, event, client"),
    ("chatexchange.rooms", "MessageIterator", "__init__", "self, room"),
    ("chatexchange.rooms", "MessageIterator", "__enter__", "self"),
    ("chatexchange.rooms", "MessageIterator", "__exit__", "self, exc_type, exc_value, tracback"),
    ("chatexchange.rooms", "MessageIterator", "__iter__", "self"),
    # chatexchange.messages
    ("chatexchange.messages", "Message", "__init__", "self, id, client"),
    *[("chatexchange.messages", "Message", name, None) for name in (
        "room", "content", "owner", "_parent_message_id", "stars", "starred_by_you", "pinned",
        "content_source", "editor", "edited", "edits", "pins", "pinners", "time_stamp",
        "parent", "text_content")],
    ("chatexchange.messages", "Message", "scrape_history", "self"),
    ("chatexchange.messages", "Message", "scrape_transcript", "self"),
    ("chatexchange.messages", "Message", "_scrape_stars", "self, data"),
    ("chatexchange.messages", "Message", "reply", "self, text, length_check=True"),
    ("chatexchange.messages", "Message", "edit", "self, text"),
    ("chatexchange.messages", "Message", "delete", "self"),
    ("chatexchange.messages", "Message", "star", "self, value=True"),
    ("chatexchange.messages", "Message", "pin", "self, value=True"),
    ("chatexchange.messages", "Message", "cancel_stars", "self"),
    # chatexchange.users
    ("chatexchange.users", "User", "__init__", "self, id, client"),
    *[("chatexchange.users", "User", name, None) for name in (
        "name", "about", "is_moderator", "message_count", "room_count", "reputation",
        "last_seen", "last_message")],
    ("chatexchange.users", "User", "scrape_profile", "self"),
    # chatexchange.events
    ("chatexchange.events", None, "make", "data, client"),
    ("chatexchange.events", None, "register_type", "event_type"),
    ("chatexchange.events", None, "types", None),
    ("chatexchange.events", "Event", "__init__", "self, data, client"),
    ("chatexchange.events", "Event", "_init_from_data", "self"),
    ("chatexchange.events", "MessageEvent", "_update_message", "self"),
    *[("chatexchange.events", None, name, None) for name in (
        "MessageEvent", "MessagePosted", "MessageEdited", "UserEntered", "UserLeft",
        "RoomNameChanged", "MessageStarred", "InternalEvent7", "UserMentioned",
        "MessageFlagged", "MessageDeleted", "FileAdded", "MessageFlaggedForModerator",
        "ModeratorFlag", "UserSettingsChanged", "GlobalNotification", "AccessLevelChanged",
        "AccountLevelChanged", "UserNotification", "Invitation", "MessageReply",
        "MessageMovedOut", "MessageMovedIn", "MessagedMovedIn", "TimeBreak", "FeedTicker",
        "InternalEvent23", "InternalEvent24", "InternalEvent25", "InternalEvent26",
        "InternalEvent27", "InternalEvent28", "UserSuspended", "UserMerged", "InternalEvent31",
        "InternalEvent32", "InternalEvent33", "UserNameOrAvatarChanged", "InternalEvent35")],
    # chatexchange._utils
    ("chatexchange._utils", None, "log_and_ignore_exceptions",
     "f, exceptions=<class 'Exception'>, logger=..."),
    ("chatexchange._utils", "HTMLTextExtractor", "get_text", "self"),
    ("chatexchange._utils", None, "html_to_text", "html"),
    ("chatexchange._utils", None, "parse_last_seen", "text"),
    ("chatexchange._utils", "LazyFrom", "__init__", "self, method_name"),
    ("chatexchange._utils", "LazyFrom", "__get__", "self, obj, cls"),
    ("chatexchange._utils", "LazyFrom", "__set__", "self, obj, value"),
    ("chatexchange._utils", "LazyFrom", "__delete__", "self, obj"),
    # chatexchange.markdown_detector
    ("chatexchange.markdown_detector", None, "markdown", "text"),
    *[("chatexchange.markdown_detector", None, f"mdre_{name}", None) for name in (
        "code", "reply", "mono", "url", "link", "italics", "bold")],
]


def _default_repr(value):
    if isinstance(value, type):
        return f"<class '{value.__name__}'>"
    return repr(value)


def _check_parameters(func, expected: str, where: str) -> None:
    actual = list(inspect.signature(func).parameters.values())
    wanted = [p.strip() for p in expected.split(",") if p.strip()]
    for index, spec in enumerate(wanted):
        assert index < len(actual), f"{where}: missing parameter {spec!r}"
        param = actual[index]
        name, _, default = spec.partition("=")
        if name.startswith("**"):
            assert param.kind is param.VAR_KEYWORD and param.name == name[2:], where
            continue
        if name.startswith("*"):
            assert param.kind is param.VAR_POSITIONAL, where
            continue
        assert param.name == name, f"{where}: parameter {index} is {param.name!r}, not {name!r}"
        if default:
            assert param.default is not param.empty, f"{where}: {name} lost its default"
            assert default == "..." or _default_repr(param.default) == default, (
                f"{where}: {name} defaults to {param.default!r}, not {default}"
            )
    for extra in actual[len(wanted):]:  # ours may accept more, never require more
        assert extra.default is not extra.empty or extra.kind in (
            extra.VAR_POSITIONAL, extra.VAR_KEYWORD
        ), f"{where}: extra required parameter {extra.name!r}"


@pytest.mark.parametrize(("module", "cls", "name", "params"), SURFACE,
                         ids=[f"{m}.{c + '.' if c else ''}{n}" for m, c, n, _ in SURFACE])
def test_classic_name_exists_with_its_signature(module, cls, name, params):
    owner = importlib.import_module(module)
    if cls is not None:
        owner = getattr(owner, cls)
        assert inspect.isclass(owner)
    # on a class, look without running a lazy (scraping) attribute; a module may load lazily
    static = inspect.getattr_static(owner, name) if cls else getattr(owner, name)
    if params is None:
        return
    func = getattr(owner, name)
    where = f"{module}.{cls + '.' if cls else ''}{name}"
    if isinstance(static, staticmethod):
        func = static.__func__
    _check_parameters(func, params, where)


def test_exception_types_keep_their_classic_bases():
    from chatexchange import browser, client, errors

    assert issubclass(browser.BrowserError, Exception)
    assert issubclass(browser.LoginError, browser.BrowserError)
    assert issubclass(browser.LoginError, errors.LoginError)  # and ours
    assert issubclass(client.ChatActionError, Exception)
    assert issubclass(client.PeekableQueue, queue.Queue)
    # a refused request is the requests library's error, as in classic
    assert issubclass(requests.HTTPError, requests.RequestException)


def test_classic_behaviours_of_the_helpers():
    from chatexchange import browser, client, events

    q = client.PeekableQueue()
    assert q.peek_latest() is None
    first, second = ("send", 1, "a"), ("send", 1, "b")
    q.put(first)
    assert q.peek_latest() is first
    assert q.poke_latest(first, second) and q.get() is second
    assert not q.poke_latest(first, second) if q.qsize() else True

    link = BeautifulSoup('<a href="/users/1251/jeremy-banks">Jeremy Banks</a>', "html.parser").a
    assert browser.Browser.user_id_and_name_from_link(link) == (1251, "Jeremy Banks")
    assert _utils.parse_last_seen("12d ago") == 12 * 86400
    assert _utils.parse_last_seen("n/a") == -1
    assert _utils.html_to_text("a &amp; <b>b</b>") == "a & b"

    assert events.ModeratorFlag is events.MessageFlaggedForModerator
    assert events.AccountLevelChanged is events.AccessLevelChanged
    assert events.MessagedMovedIn is events.MessageMovedIn
    assert sorted(events.types) == list(range(1, 36))

    c = client.Client("stackexchange.com")
    assert isinstance(c._request_queue, client.PeekableQueue)
    assert c._br.host == "stackexchange.com" and isinstance(c._br.session, requests.Session)
    posted = events.make(
        {"event_type": 1, "id": 1, "time_stamp": 5, "room_id": 9, "room_name": "R",
         "user_id": 7, "user_name": "U", "message_id": 3, "content": "x"}, c)
    assert posted.message.owner is posted.user and posted.message.time_stamp == 5
    assert posted.room is c.get_room(9) and posted.room.name == "R"
    c.close()


def test_classic_logger_names_and_error_bases():
    from chatexchange import browser, client, errors, events, messages, rooms, users

    for module in (browser, client, events, messages, rooms, users):
        assert module.logger.name == module.__name__.replace(".classic", "")
    assert issubclass(client.ChatActionError, errors.ChatExchangeError)


def test_the_migration_guide_states_the_measured_figures():
    from pathlib import Path

    path = Path(__file__).parents[2] / "docs" / "classic.md"
    if not path.exists():
        pytest.skip("needs the source tree (a wheel test has only tests/ and examples/)")
    guide = path.read_text(encoding="utf-8")
    assert f"...): {len(SURFACE)}\n  entries" in guide
    assert "+chatexchange3" in guide and "-ChatExchange==0.0.4" in guide
    named = set(re.findall(r"(test_\w+\.py)", guide))
    assert len(named) >= 6
    for name in named:  # every claim's test is there
        assert (Path(__file__).parent / name).exists(), name


#: Instance attributes the classic objects carry (set in their constructors).
INSTANCE_ATTRIBUTES = {
    "Client": ("logger host logged_in on_message_sent _request_queue _br _previous "
               "_recently_gotten_objects _requests_served _thread aggressive_sender _messages "
               "_rooms _users"),
    "Browser": "logger session rooms sockets polls host on_websocket_closed",
    "Room": "id _logger _client",
    "Message": "id _logger _client",
    "User": "id _client",
    "Event": "logger client data type_id id room time_stamp",
    "MessageEvent": ("logger client data type_id id room time_stamp user content _message_id "
                     "_message_edits show_parent _message_stars _message_owner_stars "
                     "target_user_id parent_message_id message"),
    "RoomSocketWatcher": "logger browser room_id thread on_activity on_websocket_closed killed",
    "RoomPollingWatcher": "logger browser room_id thread on_activity interval killed",
}


def test_classic_instance_attributes():
    from chatexchange import browser, client, events

    c = client.Client("stackexchange.com")
    room = c.get_room(1)
    data = {"event_type": 1, "id": 1, "time_stamp": 5, "room_id": 1, "room_name": "R",
            "user_id": 7, "user_name": "U", "message_id": 3, "content": "x"}
    objects = {
        "Client": c,
        "Browser": c._br,
        "Room": room,
        "Message": c.get_message(3),
        "User": c.get_user(7),
        "Event": events.make({"event_type": 14, "id": 2, "time_stamp": 5}, c),
        "MessageEvent": events.make(data, c),
        "RoomSocketWatcher": browser.RoomSocketWatcher(c._br, 1, print),
        "RoomPollingWatcher": browser.RoomPollingWatcher(c._br, 1, print, 3),
    }
    for kind, names in INSTANCE_ATTRIBUTES.items():
        for name in names.split():
            assert hasattr(objects[kind], name), f"{kind} instance has no {name!r}"
    c.close()
