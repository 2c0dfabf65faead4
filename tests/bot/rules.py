"""A bot of 50 rules of every kind (string, regex, function, tags), for replay tests and the
replay benchmark: 20 prefix strings, 15 regexes, 10 context-mapped functions, 5 tag-gated
commands."""

from __future__ import annotations

import re
from typing import Any


def add_rules(bot: Any) -> Any:
    """Register the 50 rules on ``bot`` and return it."""
    bot.on("!!/alive", lambda user: f"Yes, {user.name}")
    bot.on("!!/help", "Commands: !!/alive, !!/help, !!/echo TEXT (owners: !!/kick USER)")
    bot.on("!!/echo", lambda message, condition: message.text[len(condition) :].strip() or None)
    for i in range(17):
        bot.on(f"!!/cmd{i}", f"command {i}")
    bot.on(re.compile(r"ping (\d+)"), lambda condition: f"pong {condition.split()[1]}")
    for i in range(14):
        bot.on(re.compile(rf"(?:what|how) is topic{i}\b", re.IGNORECASE), f"topic {i}")
    bot.on(lambda message: 1 if message.text.endswith("?") else -1, None)
    for i in range(9):

        def shouted(message: Any, n: int = i) -> int:
            text = message.text
            return 2 if len(text) > 200 + n and text.isupper() else -1

        bot.on(shouted, f"no shouting ({i})")
    bot.on("!!/kick", lambda condition, message: f"kicked {message.text[8:]}", "privileged")
    bot.on("!!/ban", "banned", "moderator")
    bot.on("!!/freeze", "frozen", "owner")
    bot.on("!!/topic", "topic set", "owner", "sandbox")
    bot.on("!!/debug", "debug on", "debugging")
    return bot
