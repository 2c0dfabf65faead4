"""Handler.handle: 10, 100 and 1000 conditions of each kind (prefix string, regex, ``*args``
function, context-mapped function), without tags and with tags leaving a tenth of the pairs active,
100 mixed conditions, and switching between two tag states; each on both implementations.

Each round makes 100 (or, above 100 active pairs, 10) handle calls; the report gives the time per
message. The message always matches exactly one condition, in the middle of the registration
order. String conditions are distinct generated words (varied first letters, as chat commands
and keywords are); ``string-prefixed`` gives them one shared first character (large groups are
looked up by prefix length); ``string-search`` uses ``search=True`` conditions, which no index
serves: the plain scan of every active pair.

Baselines measured in the same run (``impl="baseline"``): what a user would write instead of a
Handler, a plain-Python loop over the same 100 rules (``str.startswith``, ``re.match``, direct
function calls) that gives the same answer: every rule is tried, the highest rank wins, ties go to
the first rule. The bot-rules workload is 100 rules as a chat bot has them over a stream of
chat lines.
"""

from __future__ import annotations

import random
import re

import pytest

from .conftest import engine_module

SIZES = (10, 100, 1000)
KINDS = ("string", "string-prefixed", "string-search", "regex", "function", "mapped")
TAGS = tuple(f"t{i}" for i in range(10))


def words(n: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    seen: set[str] = set()
    result = []
    while len(result) < n:
        word = "".join(rng.choice(letters) for _ in range(rng.randint(4, 9)))
        if word not in seen:
            seen.add(word)
            result.append(word)
    return result


def condition_for(kind: str, word: str):
    if kind == "string":
        return word
    if kind == "string-prefixed":
        return "!" + word
    if kind == "regex":
        return re.compile(re.escape(word) + r"\b")
    if kind == "function":
        return lambda *message: bool(message) and message[0] == word
    if kind == "mapped":
        return lambda text, user=None: text == word
    raise ValueError(kind)


def build(core, kind: str, n: int, tagged: bool):
    """A handler with n conditions of ``kind`` (``mixed``: a quarter of each) and the arguments of a
    handle call that matches the one in the middle."""
    handler = core.Handler()
    ws = words(n)
    kinds = ("string", "regex", "function", "mapped")
    target = n // 2
    if tagged:
        target -= target % 10  # tagged 't0', the active tenth
    for i, word in enumerate(ws):
        k = kinds[i % 4] if kind == "mixed" else kind
        tags = (TAGS[i % 10],) if tagged else ()
        if k == "string-search":  # not indexed: the plain scan of every pair
            handler.on_access(core.Condition(word, *tags, search=True), core.Event(i))
        else:
            handler.on(condition_for(k, word), i, *tags)
    if tagged:
        handler.tags = {TAGS[0]}
        handler.update_events()
    text = ws[target]
    if kind == "string-prefixed":
        text = "!" + text
    elif kind == "string-search":
        text = "please " + text
    return handler, [text], {"text": text, "user": "bob"}, target


def batched(handle, message, context, count):
    """``count`` handle calls per round, so that the harness's own call overhead (about as large
    as a compiled handle) does not hide the engine's cost; the report divides by ``units``."""
    rounds = range(count)

    def run():
        for _ in rounds:
            handle(message, context)

    return run


def run_handle(benchmark, core, kind, n, tagged, engine_kind):
    handler, message, context, target = build(core, kind, n, tagged)
    result = handler.handle(message, context)
    assert result[0] == target
    active = len(handler.active_events)
    count = 100 if active <= 100 else 10
    benchmark.group = f"handle {kind} {n}{' tags' if tagged else ''}"
    benchmark.extra_info.update(
        impl=engine_kind, workload=benchmark.group, active=active, unit="message", units=count
    )
    benchmark(batched(handler.handle, message, context, count))


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("kind", KINDS)
def test_handle(benchmark, engine_kind, kind, n):
    core = engine_module(engine_kind, "core")
    run_handle(benchmark, core, kind, n, False, engine_kind)


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("kind", KINDS)
def test_handle_tags(benchmark, engine_kind, kind, n):
    core = engine_module(engine_kind, "core")
    run_handle(benchmark, core, kind, n, True, engine_kind)


def test_handle_mixed(benchmark, engine_kind):
    core = engine_module(engine_kind, "core")
    run_handle(benchmark, core, "mixed", 100, False, engine_kind)


def test_handle_tag_switch(benchmark, engine_kind):
    """update() to another tag state then handle, alternating: what a process pays per step when its
    tags change (a cached plan lookup here; a re-filter of every pair in the original)."""
    core = engine_module(engine_kind, "core")
    states = [frozenset({"t0"}), frozenset({"t1"})]

    class Switching(core.Handler):
        def __init__(self):
            super().__init__()
            self.step = 0

        def update_tags(self):
            self.step += 1
            return states[self.step & 1]

    handler = Switching()
    ws = words(1000)
    for i, word in enumerate(ws):
        handler.on(word, i, TAGS[i % 10])
    message, context = [ws[500]], {}

    update, handle = handler.update, handler.handle
    rounds = range(100)

    def steps():
        for _ in rounds:
            update()
            handle(message, context)

    benchmark.group = "handle string 1000 tag-switch"
    benchmark.extra_info.update(
        impl=engine_kind, workload=benchmark.group, unit="message", units=100
    )
    benchmark(steps)


# -- same-run baselines: the loop a user would write instead of a Handler --------------------------

PREFIX, MATCH, SEARCH, ARGS, MAPPED = range(5)


def hand_loop(rules: list, active: frozenset = frozenset()):
    """The plain-Python loop over ``rules`` ((kind, test, tags, event) tuples) with a Handler's
    answer: every rule whose tags are active is tried, the highest rank wins, ties go to the
    first. ``test`` is a prefix, a compiled regex (``match`` or ``search``), or a function called
    directly: ``f(text)`` (ARGS) or ``f(text, user_id, room_id)`` (MAPPED)."""
    rules = [
        (
            kind,
            test.match if kind == MATCH else test.search if kind == SEARCH else test,
            tags,
            event,
        )
        for kind, test, tags, event in rules
    ]

    def handle(message, context):
        text = message[0]
        user_id = context.get("user_id")
        room_id = context.get("room_id")
        best_rank = -1
        best = None
        for kind, test, tags, event in rules:
            if tags and not tags <= active:
                continue
            if kind == PREFIX:
                if not text.startswith(test):
                    continue
                rank = len(test)
            elif kind in (MATCH, SEARCH):
                m = test(text)
                if m is None:
                    continue
                rank = m.end()
            elif kind == ARGS:
                if not test(text):
                    continue
                rank = 0
            else:
                if not test(text, user_id, room_id):
                    continue
                rank = 0
            if rank > best_rank:
                best_rank = rank
                best = event
        return best

    return handle


def baseline_rules(kind: str, n: int, tagged: bool) -> tuple:
    """The rules of ``build(core, kind, n, tagged)`` for ``hand_loop``, the active tags and the
    message and context of the benchmark (the same as the handler's)."""
    ws = words(n)
    kinds = ("string", "regex", "function", "mapped")
    target = n // 2
    if tagged:
        target -= target % 10
    rules = []
    for i, word in enumerate(ws):
        k = kinds[i % 4] if kind == "mixed" else kind
        tags = frozenset((TAGS[i % 10],)) if tagged else None
        if k == "string":
            rules.append((PREFIX, word, tags, i))
        elif k == "regex":
            rules.append((MATCH, re.compile(re.escape(word) + r"\b"), tags, i))
        elif k == "function":
            rules.append((ARGS, lambda text, word=word: text == word, tags, i))
        else:
            rules.append((MAPPED, lambda text, user_id, room_id, word=word: text == word, tags, i))
    text = ws[target]
    return rules, frozenset({TAGS[0]}), [text], {"text": text, "user": "bob"}, target


#: The handle workloads with a hand-written baseline: (kind, tagged).
BASELINES = (("string", False), ("mixed", False), ("string", True))


@pytest.mark.parametrize(("kind", "tagged"), BASELINES)
def test_handle_baseline(benchmark, kind, tagged):
    rules, active, message, context, target = baseline_rules(kind, 100, tagged)
    handle = hand_loop(rules, active)
    assert handle(message, context) == target
    benchmark.group = f"handle {kind} 100{' tags' if tagged else ''}"
    benchmark.extra_info.update(
        impl="baseline", workload=benchmark.group, unit="message", units=100
    )
    benchmark(batched(handle, message, context, 100))


# -- bot rules: 100 rules as a chat bot has them, over a stream of chat lines --------------------

COMMANDS = (
    "help",
    "alive",
    "weather",
    "time",
    "uptime",
    "roll",
    "flip",
    "quote",
    "define",
    "wiki",
    "so",
    "tag",
    "stats",
    "rank",
    "remind",
    "todo",
    "poll",
    "vote",
    "karma",
    "top",
    "joke",
    "cat",
    "dog",
    "xkcd",
    "translate",
    "convert",
    "calc",
    "search",
    "source",
    "version",
    "about",
    "ping",
    "echo",
    "say",
    "whois",
    "seen",
    "tell",
    "lang",
    "docs",
    "faq",
)
PRIVILEGED = (
    "kill",
    "ban",
    "unban",
    "restart",
    "pull",
    "standby",
    "freeze",
    "purge",
    "shutdown",
    "notify",
)
#: Match-mode patterns (the start of the message), then search-mode ones (anywhere).
MATCH_PATTERNS = (
    r"(?:hi|hello|hey|howdy)\b",
    r"(?:good )?morning\b",
    r"(?:thanks?|thx|ty)\b",
    r"lol\b",
    r"@(\w+)\s",
    r"(?:o/|\\o)",
    r"bye\b|cya\b|good night\b",
    r"(?:\+1|-1)\b",
    r"\?\?+",
    r"why (?:does|is|do)\b",
    r"how (?:do|can) I\b",
    r"anyone (?:know|here)\b",
    r"sd (\w+)",
    r"!!/(\w+)",
    r"(\d+) (?:min|minutes|h|hours) ago",
    r"tl;?dr\b",
    r"brb\b",
    r"afk\b",
    r"ping\b",
    r"(?:yes|no|maybe)\b",
)
SEARCH_PATTERNS = (
    r"stackoverflow\.com/(?:q|questions)/(\d+)",
    r"github\.com/([\w-]+/[\w.-]+)",
    r"\bbug\b",
    r"\b(?:python|java|rust|go)\b",
    r"```",
    r"\bdeploy(?:ed|ing)?\b",
    r"\berror\b",
    r"\bcoffee\b",
    r"https?://\S+\.(?:png|jpg|gif)\b",
    r"\bmeeting\b",
)
USERS = tuple(range(1000, 1020))
MODERATORS = frozenset({1003, 1011})
ROOMS = (1, 17, 42)


def bot_functions() -> list:
    """20 context-mapped rules (``text``, ``user_id``, ``room_id`` from the context): what a bot
    decides from who said what where."""
    functions = []
    for i in range(20):
        room = ROOMS[i % 3]
        user = USERS[i % len(USERS)]
        limit = 40 + 10 * (i % 5)
        if i % 4 == 0:
            functions.append(
                lambda text, user_id, room_id, room=room: room_id == room and text.endswith("?")
            )
        elif i % 4 == 1:
            functions.append(
                lambda text, user_id, room_id, limit=limit, user=user: (
                    user_id == user and len(text) > limit
                )
            )
        elif i % 4 == 2:
            functions.append(
                lambda text, user_id, room_id, room=room, n=i: (
                    room_id == room and text.count(" ") > 8 + n // 4
                )
            )
        else:
            functions.append(
                lambda text, user_id, room_id, user=user, room=room: (
                    user_id == user and room_id == room and "!!" not in text
                )
            )
    return functions


def chat_lines(count: int, seed: int = 3) -> list[tuple[str, int, int]]:
    """(text, user id, room id): commands (some privileged, some from moderators), greetings,
    links, questions and plain chatter, most of which no rule answers."""
    rng = random.Random(seed)
    chatter = [
        "I think the build is broken again",
        "did anyone try the new release?",
        "that answer is wrong, the question asks about generators",
        "see https://stackoverflow.com/questions/231767 for yield",
        "the meeting moved to thursday",
        "python 3.11 is noticeably faster here",
        "who broke the deploy",
        "no idea, ask in the other room",
        "nice",
        "lol that error message",
        "morning all",
        "hello there",
        "thanks, that fixed it",
        "@bob can you look at this",
        "why does this regex not match",
        "how do I flatten a list of lists",
        "here is the trace: ```Traceback (most recent call last)```",
        "brb coffee",
        "github.com/python/cpython has the fix",
        "o/",
        "sd k",
        "+1",
        "anyone know a good library for dates?",
        "tl;dr it works on my machine",
    ]
    lines = []
    for _ in range(count):
        roll = rng.random()
        if roll < 0.25:
            text = "!!/" + rng.choice(COMMANDS) + rng.choice(("", " london", " 2d6", " @bob"))
        elif roll < 0.3:
            text = "!!/" + rng.choice(PRIVILEGED) + rng.choice(("", " 12345"))
        else:
            text = rng.choice(chatter)
        user = rng.choice(USERS) if rng.random() > 0.1 else rng.choice(sorted(MODERATORS))
        lines.append((text, user, rng.choice(ROOMS)))
    return lines


def bot_rules() -> list:
    """The 100 rules as (kind, test, tags, event name): 40 command prefixes, 30 regexes (20 matched
    at the start, 10 searched anywhere), 20 context-mapped functions, 10 privileged commands."""
    rules = [(PREFIX, "!!/" + name, None, name) for name in COMMANDS]
    rules += [(MATCH, re.compile(p), None, f"re{i}") for i, p in enumerate(MATCH_PATTERNS)]
    rules += [(SEARCH, re.compile(p), None, f"search{i}") for i, p in enumerate(SEARCH_PATTERNS)]
    rules += [(MAPPED, f, None, f"f{i}") for i, f in enumerate(bot_functions())]
    rules += [(PREFIX, "!!/" + name, frozenset({"privileged"}), name) for name in PRIVILEGED]
    assert len(rules) == 100
    return rules


def bot_handler(core, rules: list):
    """A bot's rules on a Handler: the privileged ones are tagged and active for moderators only
    (``update_tags``), the functions are context-mapped (``text``, ``user_id``, ``room_id``)."""

    class BotRules(core.Handler):
        def __init__(self):
            super().__init__()
            self.user_id = None

        def update_tags(self):
            return ("privileged",) if self.user_id in MODERATORS else ()

    handler = BotRules()
    for kind, test, tags, event in rules:
        tags = tuple(tags or ())
        if kind == SEARCH:
            handler.on_access(core.Condition(test, *tags, search=True), core.Event(event))
        else:
            handler.on(test, event, *tags)
    return handler


BOT_LINES = 200


def run_bot(handler, lines: list) -> list:
    results = []
    handle = handler.handle
    for text, user_id, room_id in lines:
        handler.user_id = user_id
        handler.update()
        results.append(handle([text], {"text": text, "user_id": user_id, "room_id": room_id})[0])
    return results


def bot_baseline(rules: list, lines: list) -> list:
    plain = hand_loop(rules, frozenset())
    privileged = hand_loop(rules, frozenset({"privileged"}))
    results = []
    for text, user_id, room_id in lines:
        handle = privileged if user_id in MODERATORS else plain
        best = handle([text], {"text": text, "user_id": user_id, "room_id": room_id})
        results.append(False if best is None else best)
    return results


def test_bot_rules(benchmark, engine_kind):
    core = engine_module(engine_kind, "core")
    rules = bot_rules()
    lines = chat_lines(BOT_LINES)
    handler = bot_handler(core, rules)
    expected = bot_baseline(rules, lines)
    assert run_bot(handler, lines) == expected
    assert sum(1 for r in expected if r is not False) > BOT_LINES // 3  # most rules get exercised
    benchmark.group = "bot rules 100"
    benchmark.extra_info.update(
        impl=engine_kind, workload=benchmark.group, unit="message", units=BOT_LINES
    )
    benchmark(run_bot, handler, lines)


def test_bot_rules_baseline(benchmark):
    rules = bot_rules()
    lines = chat_lines(BOT_LINES)
    benchmark.group = "bot rules 100"
    benchmark.extra_info.update(
        impl="baseline", workload=benchmark.group, unit="message", units=BOT_LINES
    )
    benchmark(bot_baseline, rules, lines)
