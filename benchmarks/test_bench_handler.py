"""Handler.handle: 10, 100 and 1000 conditions of each kind (prefix string, regex, ``*args``
function, context-mapped function), without tags and with tags leaving a tenth of the pairs active,
100 mixed conditions, and switching between two tag states; each on both implementations.

Each round makes 100 (or, above 100 active pairs, 10) handle calls; the report gives the time per
message. The message always matches exactly one condition, in the middle of the registration
order. String conditions are distinct generated words (varied first letters, as chat commands
and keywords are); ``string-prefixed`` gives them one shared first character (large groups are
looked up by prefix length); ``string-search`` uses ``search=True`` conditions, which no index
serves: the plain scan of every active pair. Figures from the original graph-talk (CPython 3.11,
semantics file §17) are kept in ``extra_info`` for the report.
"""

from __future__ import annotations

import random
import re

import pytest

from .conftest import engine_module

SIZES = (10, 100, 1000)
KINDS = ("string", "string-prefixed", "string-search", "regex", "function", "mapped")
#: The original's µs per handle with 1000 active conditions (semantics file §17).
ORIGINAL_US = {("string", 1000): 102.0, ("regex", 1000): 152.0, ("mapped", 1000): 895.0}
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
        impl=engine_kind, workload=benchmark.group, active=active, unit="message", units=count,
        original_us=None if tagged else ORIGINAL_US.get((kind, n)))
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
    benchmark.extra_info.update(impl=engine_kind, workload=benchmark.group, unit="message",
                                units=100, original_us=None)
    benchmark(steps)
