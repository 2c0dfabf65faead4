"""The Bot offline: a ``talk.Handler`` on either engine, its rule forms, tags from the room and the
user, and subclasses."""

from __future__ import annotations

from types import SimpleNamespace as NS

import pytest

from chatexchange import Bot, talk
from chatexchange.bot import answer_text
from chatexchange.bot._engine import core_module

ROOM = NS(id=1, tags=("sandbox",), owner_ids=(1,))
OWNER = NS(id=1, name="Alice", is_moderator=False)
MOD = NS(id=3, name="Mo", is_moderator=True)
BOB = NS(id=2, name="Bob", is_moderator=False)


@pytest.fixture(params=["pure", "compiled"])
def kind(request):
    if request.param == "compiled":
        pytest.importorskip("chatexchange._speedups.core")
    return request.param


def test_a_bot_is_the_engines_handler(kind):
    assert isinstance(Bot(), talk.Handler)
    cls = Bot.using(kind)
    assert issubclass(cls, core_module(kind).Handler) and kind == cls.ENGINE
    assert cls.using(kind) is cls and cls.__name__ == "Bot"


def test_rule_forms_and_tags(kind):
    bot = Bot.using(kind)()
    bot.on("!!/alive", lambda user: f"Yes, {user.name}")
    bot.on("!!/kick", "kicked", "privileged")
    bot.on("!!/freeze", "frozen", "owner")
    bot.on("!!/where", "in the sandbox", "sandbox")

    @bot.on("!!/echo")
    def echo(condition, message):
        return message.text[len(condition) :].strip()

    @bot.rule("!!/ban", "moderator")
    def ban():
        return "banned"

    def reply(text, user):
        return bot.reply_to(text, user=user, room=ROOM, message=NS(text=text))

    assert reply("!!/alive", BOB) == "Yes, Bob"
    assert reply("!!/echo hi there", BOB) == "hi there"
    assert reply("!!/where", BOB) == "in the sandbox"  # the room's own tag
    assert [reply("!!/kick", u) for u in (BOB, OWNER, MOD)] == [None, "kicked", "kicked"]
    assert [reply("!!/freeze", u) for u in (BOB, OWNER, MOD)] == [None, "frozen", None]
    assert [reply("!!/ban", u) for u in (BOB, OWNER, MOD)] == [None, None, "banned"]
    assert bot.tags_for(ROOM, MOD) == {"sandbox", "moderator", "privileged"}


def test_answer_text():
    assert [answer_text(v) for v in (None, False, True, "", "x", 3)] == [
        None,
        None,
        None,
        None,
        "x",
        "3",
    ]


def test_subclasses_derive_from_the_engine_they_want(kind):
    class Trusting(Bot.using(kind)):
        def __init__(self):
            super().__init__(name="trusting")
            self.on("!!/deploy", "deploying", "trusted")

        def tags_for(self, room, user):
            tags = super().tags_for(room, user)
            return tags | {"trusted"} if user.id == 2 else tags

    bot = Trusting()
    assert bot.name == "trusting" and isinstance(bot, core_module(kind).Handler)
    assert bot.reply_to("!!/deploy", user=BOB, room=ROOM) == "deploying"
    assert bot.reply_to("!!/deploy", user=MOD, room=ROOM) is None
    with pytest.raises(TypeError, match=r"Bot\.using"):
        Trusting.using("pure")
