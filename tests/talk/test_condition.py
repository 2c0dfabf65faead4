"""Condition kinds and checks."""

from __future__ import annotations

import re

import pytest


def check(cond, *message):
    return cond.check(list(message), {})


def test_regex_match_and_search(talk):
    c = talk.Condition
    assert check(c(re.compile("a+")), "aab") == (2, "aa")
    assert check(c(re.compile("a+")), "baa") == (-1, None)
    assert check(c(re.compile("a+"))) == (-1, None)
    assert check(c(re.compile("a*")), "b") == (0, "")
    assert check(c(re.compile("b+"), search=True), "agabb") == (5, "bb")
    assert check(c(re.compile("b+"), search=True), "nope") == (-1, None)
    with pytest.raises(TypeError):
        check(c(re.compile("a")), 5)  # re's own TypeError, as in the original


def test_string_match_is_a_prefix_match(talk):
    c = talk.Condition
    assert check(c("stop"), "stop") == (4, "stop")
    assert check(c("ok"), "okay") == (2, "ok")
    assert check(c("okay"), "ok") == (-1, None)
    assert check(c(""), "anything") == (0, "")
    assert check(c("a")) == (-1, None)
    assert check(c("a"), 5) == (-1, None)
    assert check(c("a"), {"a": 1}) == (-1, None)
    assert check(c("ab"), ["a", "b"]) == (-1, None)


def test_string_search_and_ignore_case(talk):
    c = talk.Condition
    assert check(c("x", search=True), "aax") == (3, "x")
    assert check(c("run", search=True), "now run") == (7, "run")
    assert check(c("3", search=True), (None, 3)) == (8, "3")
    y = c("y", search=True, ignore_case=True)
    assert check(y, "YY") == (1, "Y") and y.value == "Y"
    abc = c("abc", ignore_case=True)
    assert check(abc, "aBcd") == (3, "ABC") and abc.value == "ABC"
    assert abc.ignore_case and abc.options["ignore_case"] is True


def test_string_search_on_empty_message(talk):
    """Decision: the original raised IndexError here; an empty message is simply no match."""
    assert check(talk.Condition("x", search=True)) == (-1, None)


def test_list_conditions(talk):
    c = talk.Condition(("a", "bb"), "tag", ignore_case=True)
    assert check(c, "bB") == (2, "BB")
    assert check(c, "aa") == (1, "A")
    assert check(c, "c") == (-1, None)
    assert c.spec == "list" and [i.spec for i in c.list] == ["string", "string"]
    assert all(i.tags == {"tag"} for i in c.list)
    ties = talk.Condition([lambda: (1, "first"), lambda: (1, "second"), lambda: (0, "third")])
    assert check(ties, "x") == (1, "first")
    nested = talk.Condition(["a", ["bb", re.compile("c+")]])
    assert check(nested, "ccc") == (3, "ccc") and check(nested, "bbx") == (2, "bb")
    assert talk.Condition("x").list[0] is not None and len(talk.Condition("x").list) == 1


def test_compare_and_boolean(talk):
    one = talk.Condition(1)
    assert check(one, 1) == (0, 1) and check(one, 0) == (-1, None)
    assert check(one, True) == (0, 1) and check(one, 1.0) == (0, 1) and one.spec == "number"
    t = talk.Condition(True)
    assert check(t, True) == (0, True) and check(t, 1) == (-1, None) and t.spec == "bool"
    assert check(talk.Condition(False), False) == (0, False)
    d = {"a": 1, "b": 2}
    assert check(talk.Condition(d), dict(d)) == (2, d) and talk.Condition({}).spec == "dict"
    none = talk.Condition(None)
    assert check(none, None) == (0, None) and check(none) == (-1, None)
    f = talk.Condition(2.5)
    assert f.spec == "other" and check(f, 2.5) == (0, 2.5)


def test_specs_tags_and_true_condition(talk):
    c = talk.Condition
    specs = [
        c(1).spec,
        c([1]).spec,
        c((1, 2)).spec,
        c("s").spec,
        c(re.compile(".")).spec,
        c(object()).spec,
        c(True).spec,
    ]
    assert specs == ["number", "list", "list", "string", "regex", "other", "bool"]
    assert c(lambda: 1).mode == "function"
    assert c("x", "t1", "t2").tags == {"t1", "t2"}
    assert talk.TrueCondition().check("Yey", "cheers!") == (0, True)
    assert not talk.TrueCondition() == talk.TRUE_CONDITION  # noqa: SIM201
    assert talk.TRUE_CONDITION.spec == "number" and talk.TRUE_CONDITION.mode == "value"


def test_abstract_condition_compares_by_equality(talk):
    inner = talk.Condition("x")
    wrapped = talk.Condition(inner)
    assert wrapped.spec == "abstract"
    assert check(wrapped, "x") == (0, "x") and check(wrapped, "xy") == (-1, None)


def test_function_condition_results(talk):
    c = talk.Condition
    assert check(c(lambda: (1, "ok")), "m") == (1, "ok")
    assert check(c(lambda: [3, "l"]), "m") == (3, "l")
    assert check(c(lambda: True), "m") == (0, True)
    assert check(c(lambda: 4), "m") == (4, 4)
    assert check(c(lambda: 1.5), "m") == (1.5, 1.5)
    assert check(c(lambda: -1), "m") == (-1, -1)
    for falsy in (0, None, False, "", [], {}):
        assert check(c(lambda falsy=falsy: falsy), "m") == (-1, None)
    assert check(c(lambda *m: m[0] == "hi"), "hi") == (0, True)
    assert check(c(lambda text: text == "a"), "m") == (-1, None)
    assert c(lambda text: (2, text)).check([], {"text": "t"}) == (2, "t")


def test_function_condition_non_number_results(talk):
    """Decision: a truthy non-number is satisfied with rank 0, only 2-item tuples and lists
    are (rank, result), and a non-number rank in such a pair is an error."""
    c = talk.Condition
    assert check(c(lambda: "yes"), "m") == (0, "yes")
    assert check(c(lambda: "ab"), "m") == (0, "ab")
    assert check(c(lambda: {"a": 1, "b": 2}), "m") == (0, {"a": 1, "b": 2})
    assert check(c(lambda: ("x",)), "m") == (0, ("x",))
    with pytest.raises(TypeError, match="rank must be a number"):
        check(c(lambda: ("a", "b")), "m")


def test_options_are_kept_and_passed_on(talk):
    c = talk.Condition(["a", "b"], "t", ignore_case=True, custom=5)
    assert c.options == {"custom": 5, "ignore_case": True, "search": False}
    assert c.list[0].options["custom"] == 5


def test_subclass_overriding_check(talk):
    class Odd(talk.Condition):
        def check(self, message, context):
            return (1, "odd") if message and message[0] % 2 else (-1, None)

    h = talk.Handler()
    h.on_access(Odd(0), talk.Event("picked"))
    h.on("7", "string")
    assert h(7) == "picked" and h(8) is False


def test_constants(talk):
    c = talk.Condition
    assert (c.NUMBER, c.LIST, c.DICT, c.STRING, c.REGEX, c.BOOLEAN) == (
        "number",
        "list",
        "dict",
        "string",
        "regex",
        "bool",
    )
    assert c.NO_CHECK == (-1, None)


def test_subclass_extending_check_with_super(talk):
    """Regression: an override that calls ``super().check`` raised TypeError ("overrides
    nothing"); the base check still knows the value's kind."""
    seen = []

    class Logged(talk.Condition):
        def check(self, message, context):
            checked = super().check(message, context)
            seen.append(checked)
            return checked

    h = talk.Handler()
    h.on_access(Logged("go"), talk.Event("string"))
    h.on_access(Logged(re.compile("b+")), talk.Event("regex"))
    h.on_access(Logged(["x", "xy"]), talk.Event("list"))
    assert h("gone") == "string" and h("bbb") == "regex" and h("xyz") == "list"
    assert h("zzz") is False
    assert seen[:3] == [(2, "go"), (-1, None), (-1, None)]
