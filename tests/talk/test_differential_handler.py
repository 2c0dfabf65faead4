"""The compiled Handler must give exactly what the pure one gives: random handlers (mixed condition
kinds, tags, ties, re-registrations) fed random messages and tag states, results and final contexts
compared step by step."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from .conftest import load_implementation

ALPHABET = "abA"
TAGS = ("x", "y", "z")
PATTERNS = ("a+", "b*", "ab", "A|b", "", "(?:a|bA)b", r"\bab", "[a-b]A", "(?i)a", "^b", "(a)?b",
            "a{2,}", "[^a]", ".")

words = st.text(ALPHABET, max_size=4)
tagsets = st.frozensets(st.sampled_from(TAGS), max_size=3)

conditions = st.one_of(
    st.tuples(st.just("string"), words, st.booleans(), st.booleans()),
    st.tuples(st.just("regex"), st.sampled_from(PATTERNS), st.booleans()),
    st.tuples(st.just("function"), st.integers(-1, 4), words),
    st.tuples(st.just("mapped"), st.integers(-1, 4)),
    st.tuples(st.just("float"), st.sampled_from([0.0, 1.5, 2.0, -0.5])),
    st.tuples(st.just("number"), st.integers(0, 2)),
    st.tuples(st.just("bool"), st.booleans()),
    st.tuples(st.just("list"), st.lists(words, min_size=1, max_size=3)),
    st.tuples(st.just("true")),
)
registrations = st.tuples(conditions, st.integers(0, 5), tagsets)
messages = st.one_of(
    st.lists(words, max_size=2),
    st.lists(st.one_of(st.integers(0, 2), st.none(), st.booleans()), min_size=1, max_size=1),
)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("handle"), messages, st.sampled_from([None, "rank"])),
        st.tuples(st.just("tags"), tagsets),
        st.tuples(st.just("register"), registrations),
        st.tuples(st.just("off"), st.integers(0, 20)),
        st.tuples(st.just("unknown"), st.booleans()),
    ),
    max_size=25,
)


def make_condition(talk, spec, tags, calls, condition_class=None):
    kind = spec[0]
    make = condition_class or talk.Condition
    if kind == "string":
        _, word, ignore_case, search = spec
        return make(word, *tags, ignore_case=ignore_case, search=search)
    if kind == "regex":
        _, pattern, search = spec
        return make(re.compile(pattern), *tags, search=search)
    if kind == "function":
        _, rank, word = spec

        def function(*message):
            calls.append(("function", rank, word))
            if message and isinstance(message[0], str) and message[0].startswith(word):
                return (rank, word)
            return None

        return talk.Condition(function, *tags)
    if kind == "mapped":
        rank = spec[1]

        def mapped(depth=0, rank_bonus=None):
            calls.append(("mapped", depth))
            return rank + depth if rank >= 0 else False

        return talk.Condition(mapped, *tags)
    if kind == "float":
        value = spec[1]
        return talk.Condition(lambda: (value, "float"), *tags)
    if kind == "number":
        return make(spec[1], *tags)
    if kind == "bool":
        return make(spec[1], *tags)
    if kind == "list":
        return make(list(spec[1]), *tags)
    return talk.TRUE_CONDITION


def plain(value):
    """Functions differ between the two runs; compare them as a marker."""
    return "<function>" if callable(value) else value


def scan_condition(talk):
    """A Condition whose check() is its own: a handler calls it for every message in registration
    order (no index), the original's plain scan."""

    class Scanned(talk.Condition):
        def check(self, message, context):
            return super().check(message, context)

    return Scanned


def run(talk, initial, ops, condition_class=None):
    calls: list = []
    h = talk.Handler()
    log: list = []

    def register(registration):
        spec, event_id, tags = registration
        event = talk.Event(lambda rank, condition, event_id=event_id: (event_id, rank, condition))
        h.on_access(make_condition(talk, spec, tags, calls, condition_class), event)

    for registration in initial:
        register(registration)
    for op in ops:
        if op[0] == "handle":
            _, message, answer = op
            context = {"depth": 1}
            try:
                if answer:
                    r = h(*message, answer=answer, depth=1)
                    log.append(("call", tuple(plain(v) for v in r)))
                else:
                    r = h.handle(list(message), context)
                    sender_is_handler = context.pop("sender") is h
                    event = context.pop("event", None)
                    log.append(
                        (
                            "handle",
                            r[0],
                            plain(r[1]),
                            len(r),
                            sender_is_handler,
                            callable(event),
                            sorted(context.items(), key=repr),
                        )
                    )
            except TypeError as exc:
                log.append(("TypeError", str(exc)))
        elif op[0] == "tags":
            h.tags = op[1]
            h.update_events()
            log.append(("active", len(h.active_events)))
        elif op[0] == "register":
            register(op[1])
            log.append(("events", len(h.events), len(h.active_events)))
        elif op[0] == "off":
            if h.events:
                condition, event = h.events[op[1] % len(h.events)]
                h.off(condition, event)
            log.append(("events", len(h.events)))
        elif op[0] == "unknown":
            h.unknown_event = (lambda: "unknown") if op[1] else None
    log.append(("calls", calls))
    return log


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(initial=st.lists(registrations, max_size=12), ops=operations)
def test_pure_and_compiled_handlers_agree(initial, ops):
    pure = load_implementation("pure")
    compiled = load_implementation("compiled")
    assert run(compiled, initial, ops) == run(pure, initial, ops)


# Text messages only: a regex given a non-string raises TypeError, and the plan (which tries the
# regexes after the unindexed conditions) may by then have called condition functions that a scan
# in registration order would not reach.
text_operations = st.lists(
    st.one_of(
        st.tuples(st.just("handle"), st.lists(words, max_size=2), st.sampled_from([None, "rank"])),
        st.tuples(st.just("tags"), tagsets),
        st.tuples(st.just("register"), registrations),
        st.tuples(st.just("off"), st.integers(0, 20)),
        st.tuples(st.just("unknown"), st.booleans()),
    ),
    max_size=25,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(initial=st.lists(registrations, max_size=12), ops=text_operations)
# A string (then an indexed regex) tied with a later unindexed condition, which a plan checks
# first: the earlier pair wins.
@example(
    initial=[(("string", "a", False, False), 1, frozenset()), (("mapped", 0), 2, frozenset())],
    ops=[("handle", ["ab"], None)],
)
@example(
    initial=[(("regex", "a+", False), 1, frozenset()), (("mapped", 0), 2, frozenset())],
    ops=[("handle", ["ab"], None)],
)
# The same with a bucket big enough for prefix-length tables.
@example(
    initial=[
        *[(("string", word, False, False), 1, frozenset())
          for word in ("aaA", "a", "aa", "ab", "aA", "aaa", "aab", "aba", "abb")],
        (("mapped", 0), 2, frozenset()),
    ],
    ops=[("handle", ["a"], None), ("handle", ["abA"], "rank")],
)
def test_plans_agree_with_a_scan_in_registration_order(initial, ops):
    """The indexes of a plan (strings and regexes by first character, prefix-length tables) give
    what the original's scan of every active pair gives, ties and side effects included."""
    for kind in ("pure", "compiled"):
        try:
            talk = load_implementation(kind)
        except pytest.skip.Exception:
            continue
        assert run(talk, initial, ops) == run(talk, initial, ops, scan_condition(talk))


@settings(max_examples=100, deadline=None)
@given(
    strings=st.lists(st.tuples(st.text("ab", min_size=1, max_size=5), st.integers(0, 3)),
                     max_size=40),
    others=st.lists(registrations, max_size=4),
    texts=st.lists(st.text("abc", max_size=6), min_size=1, max_size=8),
)
def test_many_prefix_strings_agree(strings, others, texts):
    """Big groups of strings sharing a first character (looked up by length tables) against the
    same conditions in the pure engine; and both against a plain scan in registration order."""
    pure = load_implementation("pure")
    compiled = load_implementation("compiled")
    results = []
    for talk in (pure, compiled):
        h = talk.Handler()
        for word, event_id in strings:
            h.on(word, (word, event_id))
        calls: list = []
        for spec, event_id, _tags in others:
            h.on_access(make_condition(talk, spec, (), calls), talk.Event(("other", event_id)))
        outcome = []
        for text in texts:
            try:
                r = h.handle([text], {})
                outcome.append((r[0], r[1]))
            except TypeError as exc:
                outcome.append(("TypeError", str(exc)))
        results.append(outcome)
    assert results[0] == results[1]
    if not others:
        for text, (result, rank) in zip(texts, results[0], strict=True):
            best = None
            for word, event_id in strings:  # the original's scan: strictly better only
                if text.startswith(word) and (best is None or len(word) > best[1]):
                    best = ((word, event_id), len(word))
            assert (result, rank) == (best if best else (False, -1))
