"""A conversation built as a talk graph: ordering a pizza over several messages.

``!!/order large ham`` orders at once; ``!!/order`` asks for the size, then the topping, and the
user's next messages answer (a function condition routes them to the graph while the order is
open). The graph is parsed by a ParsingProcess: optional size, optional topping, then a reply that
asks for what is missing or confirms. Each (room, user) has its own ``memory``. ``!!/cancel``
forgets the order.

Run it like ``examples/command_bot.py`` (see its docstring):
``python examples/conversation_bot.py se/r/1``.
"""

from __future__ import annotations

import asyncio
import re
import sys

from chatexchange import AsyncClient, Bot, talk
from chatexchange.bot import GraphEvent

# The graph is built from the selected engine (compiled when built), like the bot's rules.

SIZES = ("small", "medium", "large")
TOPPINGS = ("cheese", "ham", "mushrooms", "pineapple")


def build_order_graph() -> object:
    """The order notion of a new graph (walked by a ParsingProcess)."""
    graph = talk.Graph("order")
    root = talk.ComplexNotion("order", graph)

    def set_size(last_parsed, memory):
        memory["size"] = last_parsed.strip().lower()

    def set_topping(last_parsed, memory):
        memory["topping"] = last_parsed.strip().lower()

    def reply(memory, say):
        if "size" not in memory:
            say("What size? " + ", ".join(SIZES))
        elif "topping" not in memory:
            say("Which topping? " + ", ".join(TOPPINGS))
        else:
            say(f"One {memory['size']} pizza with {memory['topping']}, coming up!")
            memory.clear()

    words = "|".join(SIZES)
    talk.ParsingRelation(
        root,
        talk.ActionNotion("size", set_size, graph),
        re.compile(rf"\s*(?:{words})\b", re.IGNORECASE),
        graph,
        optional=True,
    )
    words = "|".join(TOPPINGS)
    talk.ParsingRelation(
        root,
        talk.ActionNotion("topping", set_topping, graph),
        re.compile(rf"\s*(?:{words})\b", re.IGNORECASE),
        graph,
        optional=True,
    )
    talk.NextRelation(root, talk.ActionNotion("reply", reply, graph), None, graph)
    return root


ORDER = build_order_graph()
start_order = GraphEvent(ORDER)  # parses what follows "!!/order"
continue_order = GraphEvent(ORDER, whole_text=True)  # parses the whole follow-up message

bot = Bot(name="pizza bot")


@bot.on("!!/order")
def order(*message, **context):
    memory = context["memory"]
    memory.clear()
    memory["ordering"] = True
    return start_order(*message, **context)


@bot.on("!!/cancel")
def cancel(memory):
    if memory.pop("ordering", None):
        memory.clear()
        return "Order cancelled."
    return None


def in_conversation(memory):
    """Rank 1 while this user has an open order: commands (longer matches) still win."""
    return 1 if memory.get("ordering") else -1


bot.on(in_conversation, continue_order)


async def main(room: str = "se/r/1") -> None:
    async with AsyncClient() as client:
        bot.client = client
        await bot.run(room)


if __name__ == "__main__":
    try:
        asyncio.run(main(*sys.argv[1:2]))
    except KeyboardInterrupt:
        pass
