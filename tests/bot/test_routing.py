"""Bot routing offline: one observer per event kind, filters, first match, included bots, error
hooks, and ``event`` meaning the chat event in message rules, on either engine."""

from __future__ import annotations

from types import SimpleNamespace as NS

import pytest

from chatexchange import Bot, EventType
from chatexchange.bot import ANY
from chatexchange.client import event_record

ROOM = NS(id=1, tags=("sandbox",), owner_ids=(1,))
OWNER = NS(id=1, name="Alice", is_moderator=False)
BOB = NS(id=2, name="Bob", is_moderator=False)


@pytest.fixture(params=["pure", "compiled"])
def kind(request):
    if request.param == "compiled":
        pytest.importorskip("chatexchange._speedups.core")
    return request.param


def event(event_type: int, user=BOB, room=ROOM, **fields):
    raw = {"event_type": int(event_type), "id": 1, "time_stamp": 1_700_000_000}
    raw.update(room_id=room.id, room_name="Sandbox", user_id=user.id, user_name=user.name)
    raw.update(fields)
    return event_record(raw)


def route(bot, ev, user=BOB, room=ROOM, message=None):
    """What the bot answers to ``ev`` (as the live run and the replay call it)."""
    context = bot.context_for(message, room, user, event=ev)
    try:
        found, value = bot.answer_event(ev, context, bot.tags_for(room, user))
    except Exception as error:
        return bot.handle_error(error, context, found_owner(bot, ev, context))
    return value if found else "<unrouted>"


def found_owner(bot, ev, context):
    found = bot.route_for(ev, context, bot.tags_for(context["room"], context["user"]))
    return found.owner if found else bot


def test_one_observer_per_kind_with_named_decorators(kind):
    bot = Bot.using(kind)()

    @bot.on_join
    def welcome(event, user, room):
        return f"Welcome, {user.name} ({EventType(event.event_type).name} in {room.id})"

    bot.on_leave(lambda user: f"bye {user.name}")
    bot.on_event(EventType.MESSAGE_STARRED, lambda event: f"stars: {event.message_stars}")
    bot.on_move(lambda event: f"moved {event.event_type}")
    assert route(bot, event(3)).startswith("Welcome, Bob")
    assert route(bot, event(4)) == "bye Bob"
    assert route(bot, event(6, message_id=5, message_stars=2)) == "stars: 2"
    assert route(bot, event(19, message_id=5)) == "moved 19"
    assert route(bot, event(20, message_id=5)) == "moved 20"
    assert route(bot, event(15)) == "<unrouted>"
    assert bot.has_routes(3) and not bot.has_routes(15)


def test_filters_first_match_and_any(kind):
    bot = Bot.using(kind)()
    bot.on_join(lambda: "an owner came", tags=("owner",))
    bot.on_join(lambda: "bob came", user=2, when=lambda room: room.id == 1)
    bot.on_join(lambda: "someone came")
    bot.on_event(ANY, lambda event: f"any {event.event_type}", room=[ROOM])
    assert route(bot, event(3, user=OWNER), user=OWNER) == "an owner came"
    assert route(bot, event(3)) == "bob came"
    carol = NS(id=4, name="Carol", is_moderator=False)
    assert route(bot, event(3, user=carol), user=carol) == "someone came"
    assert route(bot, event(99)) == "any 99"  # an unknown type reaches ANY routes
    assert route(bot, event(4, room=NS(id=7)), room=NS(id=7, tags=(), owner_ids=())) == (
        "<unrouted>"
    )
    with pytest.raises(TypeError):
        bot.on_event("joined", print)


def test_include_composes_rules_routes_and_error_hooks(kind):
    root = Bot.using(kind)()
    greeter = Bot.using(kind)(name="greeter")
    commands = Bot.using(kind)(name="commands")
    greeter.on_join(lambda user: f"hi {user.name}")
    commands.on("!!/alive", "yes")
    root.include(greeter, commands)
    commands.on("!!/later", "registered after include")  # reaches the including bot too
    assert root.reply_to("!!/alive", user=BOB, room=ROOM) == "yes"
    assert root.reply_to("!!/later", user=BOB, room=ROOM) == "registered after include"
    assert route(root, event(3)) == "hi Bob"
    root.on_join(lambda: "the root's own route comes first")
    assert route(root, event(3)) == "the root's own route comes first"
    with pytest.raises(ValueError):
        greeter.include(root)

    def broken(user):
        raise RuntimeError("broken handler")

    commands.on_leave(broken)
    root.on_error(lambda error: f"root saw {error}")
    assert route(root, event(4)) == "root saw broken handler"
    commands.on_error(lambda error, event: f"commands saw {error} on {event.event_type}")
    assert route(root, event(4)) == "commands saw broken handler on 4"  # the owner's hook first


def test_event_is_the_chat_event_in_message_rules(kind):
    bot = Bot.using(kind)()
    bot.on("!!/type", lambda event: f"type {event.event_type}")
    bot.on("!!/rule", lambda rule, event: f"{rule.__name__} {type(event).__name__}")
    bot.on("!!/all", lambda **context: type(context["event"]).__name__)
    bot.on("!!/plain", lambda message: "no event asked")
    posted = event(1, message_id=9, content="!!/type")
    assert bot.reply_to("!!/type", user=BOB, room=ROOM, event=posted) == "type 1"
    assert bot.reply_to("!!/rule", user=BOB, room=ROOM, event=posted) == "<lambda> MessagePosted"
    assert bot.reply_to("!!/all", user=BOB, room=ROOM, event=posted) == "MessagePosted"
    assert bot.reply_to("!!/plain", user=BOB, room=ROOM, event=posted) == "no event asked"


def test_an_error_hook_for_message_rules(kind):
    root = Bot.using(kind)()
    child = Bot.using(kind)(name="child")
    root.include(child)

    @child.on("!!/fail")
    def fail(message):
        raise ValueError("nope")

    child.on_error(lambda error, message: f"child: {error}")
    context = root.context_for(NS(text="!!/fail"), ROOM, BOB)
    with pytest.raises(ValueError) as raised:
        root.answer("!!/fail", context)
    assert root.handle_error(raised.value, context, root.rule_owner(context)) == "child: nope"


def test_routes_of_the_kind_come_before_any_routes_across_included_bots(kind):
    root = Bot.using(kind)()
    root.on_event(ANY, lambda: "the root's catch-all")
    child = Bot.using(kind)()
    child.on_join(lambda: "the child's join route")
    root.include(child)
    assert route(root, event(3)) == "the child's join route"
    assert route(root, event(4)) == "the root's catch-all"
