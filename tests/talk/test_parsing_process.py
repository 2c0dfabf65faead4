"""ParsingProcess: direction commands, text consumption by offset, parsing relations and loops in a
walk."""

from __future__ import annotations

import re

import pytest

from tests.talk.graph_helpers import acc, loopfix, run_fix, vstart


@pytest.mark.parametrize(
    ("items", "ctx", "result", "query"),
    [
        (("next", "break", "stop"), {}, False, "break"),
        (("continue", "stop"), {}, False, "continue"),
        (("error", "stop"), {}, False, "error"),
        (("stop",), {"text": 1}, "stop", "next"),
        (("ok",), {"text": "left"}, False, "next"),
        (("ok",), {"text": ""}, "ok", "next"),
    ],
)
def test_direction_commands(talk, items, ctx, result, query):
    p = talk.ParsingProcess()
    assert p("new", *items, **ctx) == result
    assert p.query == query


def test_proceed(talk):
    root = talk.ActionNotion("go", {"proceed": 2})
    p = talk.ParsingProcess()
    assert p("new", root, text="go", answer="rank") == (None, 2)
    assert p.last_parsed == "go" and p.is_parsed()
    root.action = {"proceed": 2}
    assert p("new", root, text="gogo") is False
    assert p.text == "go" and p.context["text"] == "go"
    assert p("new", talk.ActionNotion("x", {"proceed": 5}), text="abc") is False
    assert p.parsed_length == 0 and p.message == [{"proceed": 5}]
    assert p("new", talk.ActionNotion("x", {"proceed": 1})) is False  # no text: unhandled
    assert p("new", talk.ActionNotion("x", {"proceed": -1}), text="ab") is False


def test_parsing_relation_in_a_walk(talk):
    root = talk.ComplexNotion("root")
    action = talk.ActionNotion("action", lambda last_parsed: last_parsed)
    rel = talk.ParsingRelation(root, action, "a")
    p = talk.ParsingProcess()
    assert p("new", root, text="a") is False
    assert p.parsed_length == 1 and p.current is action and p.message == ["a"]
    assert p("new", root, text="n") is False
    assert p.parsed_length == 0 and p.current is rel and p.query == "error"


def test_function_conditions_and_optional(talk):
    root = talk.ComplexNotion("root")
    rel = talk.ParsingRelation(root, None, lambda **c: 1 if c["text"].startswith("a") else -1)
    p = talk.ParsingProcess()
    assert p("new", root, text="a") is None and p.parsed_length == 1
    assert p("new", root, text="b") is False and p.parsed_length == 0
    rel.optional = True
    assert p("new", root, text="") is True
    assert p.parsed_length == 0 and p.query == "next"
    rel.condition = re.compile(r"(\s)*")
    assert p("new", root, text="     ") is None and p.parsed_length == 5
    assert p("new", root, text=" z") is False
    assert p.parsed_length == 1 and p.text == "z"


def test_check_only(talk):
    root = talk.ComplexNotion("root")
    rel = talk.ParsingRelation(root, True, "x", check_only=True)
    p = talk.ParsingProcess()
    assert p("new", root, text="x") is False and p.parsed_length == 0
    rel.check_only = False
    assert p("new", root, text="x") is True and p.parsed_length == 1
    assert talk.ParsingRelation(root, True)("next") is True


def test_search_and_ignore_case_lists(talk):
    root = talk.ComplexNotion("root")
    talk.ParsingRelation(root, None, re.compile("b+"), search=True)
    p = talk.ParsingProcess()
    assert p("new", root, text="aabbbc") is False
    assert (p.parsed_length, p.last_parsed, p.text) == (5, "aabbb", "c")
    root = talk.ComplexNotion("root")
    talk.ParsingRelation(root, None, ["if", "ifdef", "else"], ignore_case=True)
    assert p("new", root, text="IFDEF") is None
    assert (p.parsed_length, p.last_parsed) == (5, "IFDEF")


def test_sequence_parsing(talk):
    root = talk.ComplexNotion("root")
    talk.ParsingRelation(root, talk.ActionNotion("A", None), "a")
    talk.ParsingRelation(root, talk.ActionNotion("B", None), "b")
    p = talk.ParsingProcess()
    assert p("new", root, text="ab") is True
    assert (p.parsed_length, p.query) == (2, "next")
    assert p("new", root, text="bb") is False
    assert (p.parsed_length, p.query, p.text) == (0, "error", "bb")
    assert p("new", root, text="abc") is False
    assert (p.parsed_length, p.query, p.text) == (2, "next", "c")


@pytest.mark.parametrize(
    ("condition", "text", "expected"),
    [
        (5, "aaaaa", (None, 5, 5, 0, 0)),
        (5, "aaaa", (False, 4, 4, 0, 0)),
        (5, "aaaaaa", (False, 5, 5, 0, 0)),
        (0, "", (False, 0, 0, 0, 0)),
        (0, "a", (None, 1, 1, 0, 0)),
        ((2, 4), "aaa", (None, 3, 3, 0, 0)),
        ((2, 4), "a", (False, 1, 1, 0, 0)),
        ((2, 4), "aaaa", (None, 4, 4, 0, 0)),
        ((2, 4), "aaaaa", (False, 4, 4, 0, 0)),
        ((None, 2), "", (None, 0, 0, 0, 0)),
        ((None, 2), "aa", (None, 2, 2, 0, 0)),
        ((None, 2), "aaa", (False, 2, 2, 0, 0)),
        ((3, None), "aa", (False, 2, 2, 0, 0)),
        ((3, None), "aaa", (None, 3, 3, 0, 0)),
        ("*", "aaaa", (None, 4, 4, 0, 0)),
        ("*", "", (None, 0, 0, 0, 0)),
        ("+", "aaaa", (None, 4, 4, 0, 0)),
        ("+", "b", (False, 0, 0, 0, 0)),
        ("?", "a", (None, 1, 1, 0, 0)),
        ("?", "", (None, 0, 0, 0, 0)),
        ("?", "aa", (False, 1, 1, 0, 0)),
        (True, "aaaaa", (False, 5, 5, 0, 0)),
    ],
)
def test_loops(talk, condition, text, expected):
    """Counted, ranged, wildcard and endless loops: n means exactly n passes (0 means one), None
    or 0 in a range means no bound, True ends only by break or error."""
    root, _ = loopfix(talk, condition)
    assert run_fix(talk, root, text) == expected


def test_custom_loops(talk):
    root, loop = loopfix(talk, lambda state: 5 if "i" not in state else state["i"] - 1)
    assert (loop.is_general(), loop.is_flexible(), loop.is_custom()) == (False, False, True)
    assert sorted(loop.tags) == ["function"]
    assert run_fix(talk, root, "aaaaa") == (None, 5, 5, 0, 0)
    assert run_fix(talk, root, "aaaa") == (False, 4, 4, 0, 0)
    root, _ = loopfix(talk, lambda: False)
    assert run_fix(talk, root, "a") == (False, 0, 0, 0, 0)


def test_nested_loops(talk):
    root = talk.ComplexNotion("root")
    aaa = talk.ComplexNotion("aaa")
    aa = talk.ComplexNotion("aa")
    outer = talk.LoopRelation(root, aaa, 2)
    talk.LoopRelation(aaa, aa, 2)
    talk.ParsingRelation(aa, talk.ActionNotion("acc", acc), "a")
    p = talk.ParsingProcess()
    assert run_fix(talk, root, "aaaa", p) == (None, 4, 4, 0, 0) and p.current is outer
    assert run_fix(talk, root, "aaab", p) == (False, 3, 3, 0, 0) and p.current is outer


def _break_graph(talk, condition):
    root, loop = loopfix(talk, condition)
    aa = loop.object
    b = talk.ActionNotion("b", vstart)
    talk.NextRelation(aa, b)
    return root, aa, b


def test_break(talk):
    root, aa, b = _break_graph(talk, (2, None))
    c_rel = talk.ParsingRelation(root, talk.ActionNotion("c", acc), "c")
    p = talk.ParsingProcess()
    assert run_fix(talk, root, "ac", p) == (False, 1, 1, 0, 1)
    assert p.query == "error" and p.states[b] == {"v": 1} and p.current is c_rel
    acc_notion = aa.relations[0].object
    acc_notion.action = lambda **c: [acc(**c), "break"]
    assert run_fix(talk, root, "ac", p) == (None, 2, 2, 0, 0)
    assert p.query == "next" and b not in p.states and p.current.name == "c"


@pytest.mark.parametrize("condition", [2, lambda state: 2 if "i" not in state else state["i"] - 1])
def test_continue(talk, condition):
    root, aa, b = _break_graph(talk, condition)
    p = talk.ParsingProcess()
    assert run_fix(talk, root, "aa", p) == (None, 2, 2, 0, 1)
    assert p.query == "next" and p.states[b] == {"v": 2}
    aa.relations[0].object.action = lambda **c: [acc(**c), "continue"]
    assert run_fix(talk, root, "aa", p) == (None, 2, 2, 0, 0)
    assert p.query == "next" and b not in p.states and isinstance(p.current, talk.LoopRelation)


def test_loop_without_condition(talk):
    root = talk.ComplexNotion("root")
    aa = talk.ComplexNotion("aa")
    loop = talk.LoopRelation(root, aa)
    talk.ParsingRelation(aa, talk.Notion("a"), "a")
    assert run_fix(talk, root, "a") == (True, 1, 0, 0, 0)
    assert run_fix(talk, root, "aa") == (False, 1, 0, 0, 0)
    assert loop.tags == frozenset()


def test_general_loop_on_plain_process_stops(talk):
    root, _ = loopfix(talk, 3)
    assert talk.Process()("new", root) is False


# -- the offset text must look exactly like sliced text to everything that can read it ----------


def test_text_seen_by_actions_and_conditions_is_the_remaining_text(talk):
    seen = []
    root = talk.ComplexNotion("root")
    body = talk.ComplexNotion("body")
    talk.LoopRelation(root, body, "*")
    talk.ParsingRelation(body, talk.ActionNotion("spy", lambda **c: seen.append(c["text"])), "ab")
    p = talk.ParsingProcess()
    assert p("new", root, text="ababab") is None
    assert seen == ["abab", "ab", ""]
    assert p.context["text"] == "" and p.parsed_length == 6


def test_text_rolls_back_with_pop(talk):
    root = talk.SelectiveNotion("root")
    c1 = talk.ComplexNotion("c1")
    c2 = talk.ComplexNotion("c2")
    talk.NextRelation(root, c1)
    talk.NextRelation(root, c2)
    talk.ParsingRelation(c1, talk.ActionNotion("e", "error"), "abc")
    seen = []
    talk.ParsingRelation(c2, talk.ActionNotion("s", lambda text: seen.append(text)), "ab")
    p = talk.ParsingProcess()
    assert p("new", root, text="abcd") is False
    assert seen == ["cd"] and p.text == "cd" and p.parsed_length == 2


def test_text_replaced_by_a_command_and_on_resume(talk):
    root = talk.ComplexNotion("root")
    talk.ParsingRelation(root, talk.ActionNotion("a", {"update_context": {"text": "xyz"}}), "ab")
    talk.ParsingRelation(root, None, "xy")
    p = talk.ParsingProcess()
    assert p("new", root, text="abc") is False
    assert p.text == "z" and p.parsed_length == 4 and p.last_parsed == "xy"
    assert p(talk.ActionNotion("eat", {"proceed": 1})) is None
    assert p.is_parsed() and p.context["text"] == ""
    assert p(talk.ActionNotion("eat", {"proceed": 2}), text="uvw") is False
    assert p.text == "w"


def test_start_sensitive_regex_sees_a_real_slice(talk):
    root = talk.ComplexNotion("root")
    talk.ParsingRelation(root, None, "a")
    talk.ParsingRelation(root, None, re.compile(r"^b"))
    talk.ParsingRelation(root, None, re.compile(r"(?<=b)c"))
    p = talk.ParsingProcess()
    assert p("new", root, text="abc") is False  # lookbehind cannot see the consumed 'b'
    assert p.parsed_length == 2


def test_prefixed_direction_turns_to_the_canonical_query(talk):
    p = talk.ParsingProcess()
    assert p("new", "nextstep", text="") is None
    assert p.query == "next"


def test_custom_loop_error_passes_by_when_not_looping(talk):
    root = talk.ComplexNotion("root")
    talk.ParsingRelation(root, None, "x")
    talk.LoopRelation(root, talk.Notion("body"), lambda: 1)
    p = talk.ParsingProcess()
    assert p("new", root, text="y") is False
    assert p.query == "error" and p.message == []


def test_next_relation_condition_reading_text_gets_the_real_text(talk):
    seen = []

    def condition(text):
        seen.append(text)
        return True

    root = talk.ComplexNotion("root")
    talk.ParsingRelation(root, None, "ab")
    talk.NextRelation(root, None, condition)
    p = talk.ParsingProcess()
    p("new", root, text="abc")
    assert seen == ["c"]
