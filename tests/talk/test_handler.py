"""Handler registration, selection, tags and context."""

from __future__ import annotations

import re

import pytest


def test_guide_example(talk):
    h = talk.Handler()
    h.on("event", lambda: True)
    assert h("event") is True and h("tneve") is False


def test_registration(talk):
    h = talk.Handler()

    def f():
        return "f"

    h.on("event", f)
    h.on("event", f)
    h.on("1", 1)
    h.on_any(f)
    h.on_any(f)
    assert len(h.events) == 3
    assert h.get_events("1") == [1] and h.get_events() == [f]
    h.off_any(f)
    assert len(h.events) == 2 and h.get_events() == []
    h.on("cond", 1)
    h.on("cond", 2)
    h.on("other", 2)
    h.off_condition("cond")
    assert h.get_events("cond") == [] and len(h.events) == 3
    h.off_event(2)
    assert len(h.events) == 2
    h.off("event", f)
    assert [c.value for c, _ in h.events] == ["1"]
    h.clear_events()
    assert h.events == [] and h.active_events == ()


def test_duplicates_ignore_tags(talk):
    h = talk.Handler()
    h.on("go", "first", "t1")
    h.on("go", "first", "t2")
    assert len(h.events) == 1
    h.on("go", "second")
    assert h("go") == "second" and len(h.active_events) == 1


def test_event_context(talk):
    h = talk.Handler()
    h.on("sender", lambda **c: c["sender"])
    assert h.handle(["sender"], {})[:2] == (h, 6)
    assert h.handle(["sender"], {"sender": "test"})[:2] == ("test", 6)

    def show(**c):
        return (c["rank"], c["condition"], c["event"] is show, sorted(c))

    h2 = talk.Handler()
    h2.on(re.compile("a+"), show)
    assert h2("aaa", extra=1) == (3, "aaa", True, ["condition", "event", "extra", "rank", "sender"])


def test_docs_example_with_pre_event(talk):
    h = talk.Handler()
    e = talk.Event(lambda **c: None)
    h.on_access(talk.Condition(re.compile("a+")), e)
    e.pre = 1
    assert h("a") == 1
    assert h.handle(["aa"], {}) == (1, 2, 1)
    assert h.handle([], {}) == (False, -1, None)


def test_highest_rank_wins_and_ties_go_to_the_first(talk):
    h = talk.Handler()
    h.on("a", "short")
    h.on(re.compile("a+"), "regex")
    h.on("aa", "long")
    h.on(lambda: (2, "f"), "function")
    assert h.handle(["aab"], {}) == ("regex", 2, "regex")
    assert h.handle(["ab"], {}) == ("function", 2, "function")
    assert h.handle(["aaa"], {}) == ("regex", 3, "regex")
    h2 = talk.Handler()
    h2.on(lambda: (1, "x"), "function first")
    h2.on("b", "string second")
    assert h2("bc") == "function first"


def test_every_condition_runs(talk):
    calls = []
    h = talk.Handler()
    h.on("x", "string")
    h.on(lambda: calls.append(1), "a")
    h.on(lambda: calls.append(2), "b")
    assert h("x") == "string" and calls == [1, 2]


def test_answer_rank_and_unknown_event(talk):
    h = talk.Handler()
    h.on("go", "went")
    assert h("go", answer="rank") == ("went", 2)
    assert h("nope", answer="rank") == (False, -1)
    h.unknown_event = lambda: "unknown"
    assert isinstance(h.unknown_event, talk.Event)
    assert h.handle(["nope"], {}) == ("unknown", h.unknown_event.value)
    assert h("nope") == "unknown"
    h.unknown_event = None
    assert h("nope") is False


def test_answer_is_not_passed_on(talk):
    h = talk.Handler()
    h.on_any(lambda **c: sorted(c))
    assert h("x", answer="rank", k=1) == (["condition", "event", "k", "rank", "sender"], 0)


def test_tags_and_update(talk):
    """The guide's UpdateTest."""

    class UpdateTest(talk.Handler):
        def __init__(self):
            super().__init__()
            self.fixed_tags = set()

        def update_tags(self):
            return self.fixed_tags

    u = UpdateTest()
    u.on("move", talk.Event(True), "fuel", "direction")
    assert u("move") is False
    u.fixed_tags = {"fuel", "maps"}
    u.update()
    assert u("move") is False and u.tags == {"fuel", "maps"}
    u.fixed_tags = {"fuel", "direction", "doors"}
    u.update()
    assert u("move") is True and len(u.active_events) == 1
    u.fixed_tags = set()
    u.update()
    assert u("move") is False and u.active_events == ()


def test_setting_tags_does_not_recompute(talk):
    h = talk.Handler()
    h.on("a", 1, "t")
    assert h("a") is False
    h.tags = {"t"}
    assert isinstance(h.tags, frozenset) and h("a") is False
    h.update_events()
    assert h("a") == 1
    h.on("b", 2, "t")  # registration recomputes for the current tags
    assert h("b") == 2


def test_tags_set_before_lazy_recompute(talk):
    """Registration recomputes for the tags of that moment, even if tags change before the next
    handle (as the original's eager recompute)."""
    h = talk.Handler()
    h.on("a", 1, "t")
    h.tags = {"t"}
    assert h("a") is False
    h.update()  # update_tags() returns the same tags: nothing to do
    assert h("a") is False


def test_tag_states_are_remembered_and_invalidated(talk):
    states = [frozenset({"x"}), frozenset({"y"})]

    class Switch(talk.Handler):
        def __init__(self):
            super().__init__()
            self.i = 0

        def update_tags(self):
            return states[self.i]

    h = Switch()
    h.on("go", "x-go", "x")
    h.on("go", "y-go", "y")
    results = []
    for i in (0, 1, 0, 1):
        h.i = i
        h.update()
        results.append(h("go"))
    assert results == ["x-go", "y-go", "x-go", "y-go"]
    h.off("go", "y-go")
    h.i = 1
    h.update()
    assert h("go") is False


def test_string_index_keeps_scan_order(talk):
    """Strings indexed by first character still lose ties to earlier pairs of any kind."""
    h = talk.Handler()
    h.on(re.compile("ab"), "regex")
    h.on("ab", "string")
    h.on(lambda: (2, "f"), "function")
    h.on("abc", "longer")
    assert h("abd") == "regex" and h("abc") == "longer"
    h2 = talk.Handler()
    h2.on("ab", "string")
    h2.on(re.compile("ab"), "regex")
    assert h2("ab") == "string"
    h3 = talk.Handler()
    h3.on("ab", "first")
    h3.on("ab", "second")
    assert h3("ab") == "first" and h3("ax") is False and h3("") is False


def test_non_string_first_items(talk):
    class Sliceable:
        def __getitem__(self, item):
            return "ab"

    h = talk.Handler()
    h.on("ab", "string")
    h.on(5, "five")
    assert h(Sliceable()) == "string"
    assert h(5) == "five" and h(None) is False and h() is False


def test_ignore_case_and_search_in_a_handler(talk):
    h = talk.Handler()
    h.on_access(talk.Condition("HELLO", ignore_case=True), talk.Event("hi"))
    h.on_access(talk.Condition("bye", search=True), talk.Event("bye"))
    h.on_access(talk.Condition("hey", ignore_case=True), talk.Event("hey"))
    assert h("hello there") == "hi" and h("so bye") == "bye" and h("HeY") == "hey"


def test_wrapped_condition_and_event(talk):
    h = talk.Handler()
    h.on(talk.Condition("x"), talk.Event(lambda: "inner"))
    assert h("x") == "inner" and h("xy") is False


def test_post_event_sees_result(talk):
    h = talk.Handler()
    e = talk.Event(lambda: 2)
    e.post = lambda result: result * 10
    h.on_access(talk.Condition("go"), e)
    context = {}
    assert h.handle(["go"], context)[:2] == (20, 2) and context["result"] == 2


def test_subclass_can_override_handle_and_call(talk):
    class Counting(talk.Handler):
        def __init__(self):
            super().__init__()
            self.count = 0

        def handle(self, message, context):
            self.count += 1
            return super().handle(message, context)

    h = Counting()
    h.on("a", 1)
    assert h("a") == 1 and h("b") is False and h.count == 2


def test_handler_as_event_and_condition(talk):
    inner = talk.Handler()
    inner.on("x", lambda **c: c["sender"])
    outer = talk.Handler()
    outer.on("x", inner)
    assert outer("x") is outer  # the caller's sender is passed on
    assert talk.Condition(inner).spec == "abstract"


def test_non_number_rank_is_an_error(talk):
    h = talk.Handler()
    h.on(lambda: ("high", 1), "x")
    with pytest.raises(TypeError):
        h("m")


def test_constants(talk):
    h = talk.Handler
    assert (h.ANSWER, h.SENDER, h.CONDITION, h.EVENT, h.RANK) == (
        "answer",
        "sender",
        "condition",
        "event",
        "rank",
    )
    assert h.NO_HANDLE == (False, -1, None)


def test_regex_first_character_index_keeps_results(talk):
    """Match-mode regexes that can only start with known characters are tried only for those;
    every answer and error stays what a full scan gives."""
    h = talk.Handler()
    h.on(re.compile(r"go\b"), "go")
    h.on(re.compile("(?i)GO+"), "ignore-case")
    h.on(re.compile("[x-z]+"), "xyz")
    h.on(re.compile("a|b"), "a-or-b")
    h.on(re.compile(r"^\bq?r"), "anchored")
    assert h("go") == "go"  # rank 2 twice: the first registered
    assert h("GOO") == "ignore-case" and h("zzy") == "xyz" and h("b") == "a-or-b"
    assert h("qr") == "anchored" and h("r") == "anchored"
    assert h("w") is False and h("") is False
    with pytest.raises(TypeError):
        h(5)
    h2 = talk.Handler()
    h2.on(re.compile(b"a"), "bytes")
    with pytest.raises(TypeError):
        h2("a")


def test_events_list_can_be_replaced(talk):
    """``events`` is a plain attribute in both engines; after changing it directly,
    ``update_events()`` makes the change active."""
    h = talk.Handler()
    h.on("a", 1)
    h.events = [(talk.Condition("b"), talk.Event(2))]
    h.update_events()
    assert h("a") is False and h("b") == 2


def test_on_access_wraps_raw_values(talk):
    """Decision: the original stored raw values given to on_access and failed when it
    handled them; here they are wrapped in a Condition and an Event."""
    h = talk.Handler()
    h.on_access("go", lambda rank: rank)
    (condition, event), = h.events
    assert isinstance(condition, talk.Condition) and isinstance(event, talk.Event)
    assert h("gone") == 2
