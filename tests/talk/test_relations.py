"""Relations: NextRelation, ActionRelation, ParsingRelation, LoopRelation replies."""

from __future__ import annotations

import re

import pytest


def test_next_relation(talk):
    n1, n2 = talk.Notion("n1"), talk.Notion("n2")
    nr = talk.NextRelation(n1, n2)
    assert nr("next") is n2
    nr.condition = lambda **c: "event" in c
    nr.object = [1]
    assert nr("next", event=1) == [1]
    assert nr(event=1) is False
    assert nr("next") is False
    assert nr("visit") is None
    assert talk.NextRelation(n1, n2, "next")("next", answer="rank") == (n2, 4)
    assert talk.NextRelation(n1, n2, "a")("next") is False
    assert talk.NextRelation(n1, n2, "a")("next", text="a") is False  # the message, not the text
    for falsy in (0, "", None, False):
        assert talk.NextRelation(n1, n2, falsy).condition_access is talk.TRUE_CONDITION
    nr.condition = None
    assert nr("next") is False  # Condition(None) matches only a first item equal to None


def test_action_relation(talk):
    rel = talk.ActionRelation("subj", "obj", True)
    assert rel("next") == (True, "obj")
    rel.action = None
    assert rel("next") == "obj"
    rel.action = 3
    assert rel("next") == (3, "obj")
    rel.object = None
    assert rel("next") == 3
    rel.action = lambda k: k * 2
    assert rel("next", k=21) == 42
    assert rel("visit") is False


def test_parsing_relation_called_directly(talk):
    root = talk.ComplexNotion("root")
    action = talk.ActionNotion("action", None)
    rel = talk.ParsingRelation(root, action, "a")
    assert rel("next", text="a") == ({"proceed": 1}, action)
    assert rel("next") == "error"
    assert rel("break") is None
    assert rel("next", text="b") == "error"
    rel.optional = True
    assert rel("next", text="b") is None
    rel.check_only = True
    assert rel("next", text="a") is action
    assert talk.ParsingRelation(root, True)("next") is True


def test_parsing_relation_options(talk):
    rel = talk.ParsingRelation(None, "o", ["if", "ifdef", "else"], ignore_case=True)
    assert rel("next", text="IfDeF x") == ({"proceed": 5}, "o")
    rel = talk.ParsingRelation(None, "o", re.compile("b+"), search=True)
    assert rel("next", text="aabbbc") == ({"proceed": 5}, "o")
    assert rel.condition_access.search is True


def _loop(talk, condition):
    o = talk.Notion("o")
    return talk.LoopRelation(talk.ComplexNotion("s"), o, condition), o


def test_loop_reply_protocol_exact(talk):
    loop, o = _loop(talk, 3)
    assert loop("next", state={}) == [{"set_state": {"i": 1}}, o, loop]
    assert loop("next", state={"i": 1}) == [{"set_state": {"i": 2}}, o, loop]
    assert loop("next", state={"i": 3}) == ["clear_state"]
    assert loop("error", state={"i": 2}) == ["clear_state"]
    assert loop("break", state={"i": 2}) == ["next", "clear_state"]
    assert loop("continue", state={"i": 1}) == ["next", {"set_state": {"i": 2}}, o, loop]


def test_loop_reply_protocol_wildcard(talk):
    loop, o = _loop(talk, "*")
    assert loop("next", state={}) == [{"set_state": {"i": 1}}, "push_context", o, loop]
    assert loop("next", state={"i": 1}) == [
        "forget_context",
        {"set_state": {"i": 2}},
        "push_context",
        o,
        loop,
    ]
    assert loop("error", state={"i": 2}) == ["next", "pop_context", "clear_state"]
    assert loop("break", state={"i": 2}) == ["next", "forget_context", "clear_state"]


def test_loop_reply_protocol_range(talk):
    loop, _ = _loop(talk, (2, 3))
    assert loop("error", state={"i": 2}) == ["forget_context", "clear_state"]
    assert loop("error", state={"i": 3}) == ["next", "pop_context", "clear_state"]
    assert loop("next", state={"i": 3}) == ["forget_context", "clear_state"]


def test_loop_reply_protocol_custom(talk):
    loop, o = _loop(talk, lambda: 7)
    assert loop("next", state={}) == [{"set_state": {"i": 7}}, o, loop]
    loop, o = _loop(talk, lambda: 0)
    assert loop("next", state={}) is False
    assert loop("next", state={"i": 4}) == ["clear_state"]
    assert loop("error", state={"i": 4}) == ("clear_state",)
    assert loop.tags == {"function"}


@pytest.mark.parametrize(
    ("condition", "bounds", "kinds"),
    [
        (5, (1, 5), {"numeric", "general"}),
        (0, (1, 0), {"numeric", "general"}),
        ((2, 4), (2, 4), {"numeric", "general", "flexible"}),
        ((None, 2), (0, 2), {"numeric", "general", "flexible"}),
        ((3, None), (3, float("inf")), {"numeric", "general", "flexible"}),
        ("*", (0, float("inf")), {"wildcard", "general", "flexible"}),
        ("+", (1, float("inf")), {"wildcard", "general", "flexible"}),
        ("?", (0, 1), {"wildcard", "general", "flexible"}),
        (True, (float("inf"), float("inf")), {"infinite", "general"}),
    ],
)
def test_loop_kinds_and_bounds(talk, condition, bounds, kinds):
    loop, _ = _loop(talk, condition)
    assert loop.get_bounds() == bounds
    found = {
        name
        for name in ("numeric", "wildcard", "infinite", "custom", "flexible", "general")
        if getattr(loop, "is_" + name)()
    }
    assert found == kinds


def test_loop_without_condition_passes_once(talk):
    loop, o = _loop(talk, None)
    assert loop.tags == frozenset()
    assert loop("next", state={}) is o
    assert talk.LoopRelation(None, o, [1, 2, 3]).is_wildcard() is False
