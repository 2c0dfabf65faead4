"""A bot module for ``chatexchange replay ... --bot tests.bot.replay_bot:bot``."""

from chatexchange import Bot
from tests.bot.rules import add_rules

bot = add_rules(Bot(name="replay-test"))


def make_bot() -> Bot:
    return add_rules(Bot(name="made"))
