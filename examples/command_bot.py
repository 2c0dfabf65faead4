"""A command bot: ``!!/alive``, ``!!/help``, ``!!/echo TEXT`` and the privileged ``!!/say TEXT``
(room owners and moderators only: the rule carries the ``privileged`` tag, so the engine's tag
filter hides it from everyone else).

Try it offline against a devserver::

    chatexchange devserver --port 8080 &
    CHATEXCHANGE_DEVSERVER=http://127.0.0.1:8080 \\
    ChatExchangeU=alice@example.com ChatExchangeP=alice-password \\
        python examples/command_bot.py se/r/1

then post ``!!/alive`` in http://127.0.0.1:8080/se/rooms/1 as bob (bob@example.com /
bob-password). Replay it over an archive: ``chatexchange replay sqlite://./data se/r/1 --bot
examples/command_bot.py:bot``.
"""

from __future__ import annotations

import asyncio
import sys

from chatexchange import AsyncClient, Bot

bot = Bot(name="command bot")


@bot.on("!!/alive")
def alive(user):
    return f"Yes, {user.name}"


@bot.on("!!/help")
def help_(user, bot):
    commands = ["!!/alive", "!!/help", "!!/echo TEXT"]
    if "privileged" in bot.tags:  # the tags of this very message: room owner or moderator
        commands.append("!!/say TEXT")
    return "Commands: " + ", ".join(commands)


@bot.on("!!/echo")
def echo(message, condition):
    return message.text[len(condition) :].strip() or None


@bot.rule("!!/say", "privileged")
def say(message, condition, room, client):
    text = message.text[len(condition) :].strip()
    if text and client is not None:  # no client in a replay: nothing is posted
        room.send(text)  # a message of its own, not a reply
    return None


async def main(room: str = "se/r/1") -> None:
    async with AsyncClient() as client:  # credentials: ChatExchangeU / ChatExchangeP
        bot.client = client
        await bot.run(room)


if __name__ == "__main__":
    try:
        asyncio.run(main(*sys.argv[1:2]))
    except KeyboardInterrupt:
        pass
