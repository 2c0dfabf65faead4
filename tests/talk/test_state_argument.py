"""A StatefulProcess hands its built-in elements their state as an argument instead of writing
``context['state']`` around every question; code that could read the key still finds it there,
and ``proceed`` writes its two keys with one undo record. These pin what user code sees."""

from __future__ import annotations

import re


def test_mapped_code_asking_for_state_sees_the_elements_state(talk):
    """Every callee that maps 'state' from the context gets the state of the element asked:
    an action notion's action and an action relation's action (an empty state), a loop's own
    function condition (its iteration) and a relation's function condition."""
    seen = []

    def notion_action(state):
        seen.append(("notion", dict(state)))

    def relation_action(state):
        seen.append(("relation", dict(state)))

    def condition(state):
        seen.append(("condition", dict(state)))
        return True

    def loop_condition(state):
        seen.append(("loop", dict(state)))
        return 0 if state else 1  # one iteration

    root = talk.ComplexNotion("root")
    body = talk.ComplexNotion("body")
    talk.LoopRelation(root, body, loop_condition)
    leaf = talk.ActionNotion("leaf", notion_action)
    talk.ActionRelation(body, None, relation_action)
    talk.NextRelation(body, leaf, condition)
    process = talk.StatefulProcess()
    process("new", root, {})
    assert seen == [
        ("loop", {}),
        ("relation", {}),
        ("condition", {}),
        ("notion", {}),
        ("loop", {"i": 1}),
    ]
    assert "state" not in process.context


def test_code_not_asking_for_state_never_finds_the_key(talk):
    """An action mapping other keys, and a **context action, see no 'state' written by a
    different element: the key exists only while an element whose code could read it is asked."""
    seen = []

    def mapped(last_parsed, state=None):
        seen.append(("mapped", last_parsed, state))

    def with_context(**context):
        seen.append(("context", context.get("last_parsed"), context.get("state")))

    builder = talk.GraphBuilder("tokens")
    builder.loop_rel("*").select("token")
    token = builder.current
    builder.parse_rel(re.compile("[a-z]+"))
    builder.act("word", mapped)
    builder.set_current(token)
    builder.parse_rel(" ")
    builder.act("space", with_context)
    process = talk.ParsingProcess()
    process("new", builder.graph, text="ab cd")
    assert process.is_parsed()
    assert seen == [("mapped", "ab", {}), ("context", " ", {}), ("mapped", "cd", {})]
    assert "state" not in process.context


def test_a_state_key_of_the_caller_is_still_replaced_while_asking_and_removed(talk):
    """A caller's own 'state' key is what it always was: the element asked sees its own state,
    and the key is gone afterwards."""
    seen = []
    leaf = talk.ActionNotion("leaf", lambda state: seen.append(state))
    process = talk.StatefulProcess()
    process("new", leaf, {"state": "mine"})
    assert seen == [{}]
    assert "state" not in process.context


def test_proceed_keys_go_through_context_set_of_a_subclass(talk):
    """A process class with its own context_set sees proceed's two keys set through it."""
    written = []

    class Recording(talk.ParsingProcess):
        def context_set(self, key, value):
            written.append((key, value))
            talk.ParsingProcess.context_set(self, key, value)

    builder = talk.GraphBuilder("tokens")
    builder.loop_rel("*").select("token")
    builder.parse_rel(re.compile("[a-z]+|[ ]"))
    builder.act("act", lambda: None)
    process = Recording()
    process("new", builder.graph, text="ab c")
    assert process.is_parsed()
    assert written == [
        ("parsed_length", 0),
        ("last_parsed", ""),
        ("last_parsed", "ab"),
        ("parsed_length", 2),
        ("last_parsed", " "),
        ("parsed_length", 3),
        ("last_parsed", "c"),
        ("parsed_length", 4),
    ]


def test_rolled_back_proceeds_restore_both_keys_and_the_text(talk):
    """Two cases match 'a' equally: the first fails after consuming it and is rolled back, so the
    second consumes the same 'a' again, seeing the keys and text as before the first."""
    seen = []
    root = talk.SelectiveNotion("root")
    first = talk.ComplexNotion("first")
    second = talk.ComplexNotion("second")
    talk.ParsingRelation(root, first, "a")
    talk.ParsingRelation(root, second, "a")
    talk.ParsingRelation(first, None, "x")
    talk.ParsingRelation(second, talk.ActionNotion(
        "seen", lambda last_parsed, parsed_length, text: seen.append(
            (last_parsed, parsed_length, str(text)))), "a")
    process = talk.ParsingProcess()
    process("new", root, text="aa")
    assert process.is_parsed()
    assert seen == [("a", 2, "")]
    assert process.parsed_length == 2 and process.last_parsed == "a"
    assert process.undo_depth == 0


def test_a_subclass_ask_is_called_for_every_question_with_the_state_in_the_context(talk):
    """A process class with its own ask() gets every question, with 'state' in the context as
    always (the state argument is the built-in ask's shortcut only)."""
    asked = []

    class Asking(talk.StatefulProcess):
        def ask(self, element):
            asked.append((getattr(element, "name", None), self.context.get("state")))
            return talk.StatefulProcess.ask(self, element)

    root = talk.ComplexNotion("root")
    talk.NextRelation(root, talk.ActionNotion("leaf", lambda: None))
    process = Asking()
    process("new", root, {})
    assert [state for _name, state in asked] == [{}, {}, {}]
    assert [name for name, _state in asked if name is not None] == ["root", "leaf"]
