"""gt.utils equivalents."""

from __future__ import annotations

import re

import pytest


def test_type_predicates(talk):
    assert talk.is_number(3) and not talk.is_number(True) and not talk.is_number(2.5)
    assert talk.is_list([1]) and talk.is_list((1,))
    assert not talk.is_list({1}) and not talk.is_list("ab")
    assert not talk.is_list({}.keys())
    assert talk.is_string("x") and not talk.is_string(b"x")
    assert talk.is_regex(re.compile("a")) and not talk.is_regex("a")
    assert talk.is_dict({}) and not talk.is_dict([])
    assert talk.is_function(len) and talk.is_function(lambda: 1) and not talk.is_function(1)


def test_has_first_has_keys_get_len(talk):
    assert talk.has_first([], 1) == [] and talk.has_first(None, 1) is None
    assert talk.has_first(["a", 2], "a") is True and talk.has_first(["b"], "a") is False
    assert talk.has_keys({"a": 1, "b": 2}, "a", "b") and not talk.has_keys({"a": 1}, "a", "c")
    assert talk.get_len([1, 2]) == 2 and talk.get_len(5) == -1 and talk.get_len({"a": 1}) == 1


def test_tupled_and_names(talk):
    assert talk.tupled(1, [2, 3], (4,), "ab", None) == (1, 2, 3, 4, "ab", None)
    assert talk.tupled() == ()
    assert talk.get_object_name(len) == "len" and talk.get_object_name(5) == "5"


def test_text_helpers(talk, tmp_path):
    assert talk.replace_special_chars('a\nb\tc"\r\v\b\f') == 'a\\nb\\tc\\"\\r\\v\\b\\f'
    assert talk.escape("a") == "a" and talk.escape("\x01") == "\\x01"
    # Decision: above 0xff the original raised TypeError on Python 3; here it escapes.
    assert talk.escape("\u20ac") == "\\u20ac" and talk.escape("\U0001f600") == "\\U0001f600"
    path = tmp_path / "t.txt"
    path.write_bytes(b"a\r\nb")
    assert talk.get_content(str(path)) == "a\r\nb"


def test_dict_change_group(talk):
    """Record, do, undo; set b=3 merges into set b=4."""
    d = {"a": 1, "c": 12}
    d2 = {"a": 1}
    op = talk.DictChangeOperation
    group = talk.DictChangeGroup()
    group.add(op(d, "add", "b", 2), False)
    group.add(op(d, "set", "b", 4), False)
    group.add(op(d, "set", "b", 3), False)
    group.add(op(d2, "add", "b", 3), False)
    group.add(op(d, "set", "a", 0), False)
    group.add(op(d, "delete", "c"), False)
    assert len(group.changes) == 5
    group.do()
    assert d == {"a": 0, "b": 3} and d2 == {"a": 1, "b": 3}
    group.undo()
    assert d == {"a": 1, "c": 12}


def test_dict_change_operation_strings_and_errors(talk):
    d = {"a": 1}
    add = talk.DictChangeOperation(d, "add", "b", 2)
    add.do()
    assert str(add) == "add b=2"
    s = talk.DictChangeOperation(d, "set", "a", 0)
    s.do()
    assert str(s) == "set a=0<-1"
    s.undo()
    assert d == {"a": 1, "b": 2}
    missing = talk.DictChangeOperation(d, "set", "z", 5)
    missing.do()  # a set of a missing key is an add
    assert missing.type == "add" and d["z"] == 5
    missing.undo()
    assert "z" not in d
    delete = talk.DictChangeOperation(d, "delete", "a")
    delete.do()
    assert "a" not in d and str(delete) == "delete a"
    delete.undo()
    assert d["a"] == 1
    with pytest.raises(ValueError):
        talk.DictChangeOperation(d, "bogus", "a").do()
    other = talk.DictChangeOperation({}, "set", "a", 1)
    assert not talk.DictChangeOperation(d, "set", "b", 1).merge(other)


def test_group_add_applies_by_default(talk):
    d = {}
    group = talk.DictChangeGroup()
    group.add(talk.DictChangeOperation(d, "add", "k", 1))
    assert d == {"k": 1}


def test_notify_containers(talk):
    calls = []
    lst = talk.NotifyList(lambda: calls.append(1), [3, 1])
    lst.append(2)
    lst.sort()
    lst[0] = 0
    del lst[0]
    lst.extend([5])
    lst.insert(0, 9)
    lst.pop()
    lst.remove(9)
    lst += [7]
    assert lst == [2, 3, 7] and len(calls) == 9
    d = talk.NotifyDict(lambda: calls.append(2), {"a": 1})
    d["b"] = 2
    d.update(c=3)
    d.pop("a")
    d.setdefault("e", 5)
    del d["b"]
    assert d == {"c": 3, "e": 5} and calls.count(2) == 5
