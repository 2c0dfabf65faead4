"""A bot of 50 rules of every kind (string, regex, function, tags), for replay tests and the
replay benchmark: 20 prefix strings, 15 regexes, 10 context-mapped functions, 5 tag-gated
commands.

The regexes and condition functions are module-level so that the replay benchmark can run the
rules' own code without any engine: what every message costs whatever dispatches it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

#: The regex conditions, in registration order: the engine's rank of a match is its length.
REGEXES: list[re.Pattern[str]] = [re.compile(r"ping (\d+)")] + [
    re.compile(rf"(?:what|how) is topic{i}\b", re.IGNORECASE) for i in range(14)
]


def _question(message: Any) -> int:
    return 1 if message.text.endswith("?") else -1


def _shouted(i: int) -> Callable[..., int]:
    # ``n`` is a parameter with a default, as people write them: the engine maps it from the
    # context (absent there), so each call passes two arguments.
    def shouted(message: Any, n: int = i) -> int:
        text = message.text
        return 2 if len(text) > 200 + n and text.isupper() else -1

    return shouted


#: The function conditions, in registration order: each reads the message from the context.
CONDITION_FUNCTIONS: list[Callable[..., int]] = [_question] + [_shouted(i) for i in range(9)]


def add_rules(bot: Any) -> Any:
    """Register the 50 rules on ``bot`` and return it."""
    bot.on("!!/alive", lambda user: f"Yes, {user.name}")
    bot.on("!!/help", "Commands: !!/alive, !!/help, !!/echo TEXT (owners: !!/kick USER)")
    bot.on("!!/echo", lambda message, condition: message.text[len(condition) :].strip() or None)
    for i in range(17):
        bot.on(f"!!/cmd{i}", f"command {i}")
    bot.on(REGEXES[0], lambda condition: f"pong {condition.split()[1]}")
    for i, regex in enumerate(REGEXES[1:]):
        bot.on(regex, f"topic {i}")
    bot.on(CONDITION_FUNCTIONS[0], None)
    for i, shouted in enumerate(CONDITION_FUNCTIONS[1:]):
        bot.on(shouted, f"no shouting ({i})")
    bot.on("!!/kick", lambda condition, message: f"kicked {message.text[8:]}", "privileged")
    bot.on("!!/ban", "banned", "moderator")
    bot.on("!!/freeze", "frozen", "owner")
    bot.on("!!/topic", "topic set", "owner", "sandbox")
    bot.on("!!/debug", "debug on", "debugging")
    return bot
