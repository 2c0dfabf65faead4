"""A moderation bot: welcomes whoever enters, answers when pinged, and moves off-topic messages to
another room when a room owner asks (``!!/offtopic`` as a reply to the message, or followed by
message ids). It needs to be a room owner itself to move messages.

It is three small bots included into one (``bot.include``), the way a larger bot is split into
modules: greetings (event routes), mentions (an event route) and moderation (a message rule with
the ``owner`` tag, so the engine hides it from everyone who is not a room owner).

Try it offline against a devserver (alice owns room 1; room 3 takes the off-topic messages)::

    chatexchange devserver --port 8080 &
    CHATEXCHANGE_DEVSERVER=http://127.0.0.1:8080 \\
    ChatExchangeU=alice@example.com ChatExchangeP=alice-password \\
        python examples/moderation_bot.py se/r/1 3
"""

from __future__ import annotations

import asyncio
import re
import sys

from chatexchange import AsyncClient, Bot

#: The room off-topic messages go to (the second command-line argument).
OFF_TOPIC_ROOM = 3

greetings = Bot(name="greetings")
mentions = Bot(name="mentions")
moderation = Bot(name="moderation")


@greetings.on_join
def welcome(user, room):
    return f"Welcome to {room.name}, {user.name}!"


@mentions.on_mention
def answer_mention(user):
    return (
        f"Hi {user.name}! Room owners can move an off-topic message by replying to it with "
        "!!/offtopic."
    )


# A reply's text starts with "@Name" (chat's rendering of ":<id>"), so the command may follow one.
OFFTOPIC = re.compile(r"(?:@\S+\s+)?!!/offtopic\b")


@moderation.rule(OFFTOPIC, "owner")
async def offtopic(message, condition, room, client):
    ids = [int(n) for n in re.findall(r"\b\d+\b", message.text[len(condition) :])]
    if not ids and message.parent_id is not None:
        ids = [message.parent_id]
    if not ids:
        return "Reply to the off-topic message with !!/offtopic, or give its id."
    if client is None:  # a replay: nothing is moved
        return f"would move {len(ids)} message(s)"
    moved = await room.move_messages(ids, OFF_TOPIC_ROOM)
    return f"Moved {moved} message(s) to the off-topic room."


@moderation.on_error
def moderation_failed(error):
    return f"Could not do that: {error}"


bot = Bot(name="moderation bot")
bot.include(greetings, mentions, moderation)


async def main(room: str = "se/r/1", off_topic: str | None = None) -> None:
    global OFF_TOPIC_ROOM
    if off_topic is not None:
        OFF_TOPIC_ROOM = int(off_topic)
    async with AsyncClient() as client:  # credentials: ChatExchangeU / ChatExchangeP
        bot.client = client
        await bot.run(room)


if __name__ == "__main__":
    try:
        asyncio.run(main(*sys.argv[1:3]))
    except KeyboardInterrupt:
        pass
