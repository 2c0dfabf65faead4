"""A selection of plain parsing cases is matched by a plan made once (which cases to try for the
next character). The cases can still be changed at any time, also directly (the relations list,
a case's condition or events): each change between two tokens must take effect at the next one,
as it did when every case was asked at every token."""

from __future__ import annotations

import re


def _walk(talk):
    """A '*' loop over a selection with cases 'a', 'b' and [0-9]+; each action records what it
    parsed. Returns (graph, selection, cases, seen)."""
    seen = []
    builder = talk.GraphBuilder("tokens")
    builder.loop_rel("*").select("token")
    selection = builder.current
    cases = []
    for name, condition in (("a", "a"), ("b", "b"), ("digits", re.compile("[0-9]+"))):
        builder.set_current(selection)
        builder.parse_rel(condition)
        cases.append(builder.current)
        builder.act(name, lambda last_parsed, name=name: seen.append((name, last_parsed)))
    return builder.graph, selection, cases, seen


def _parse(talk, graph, text):
    process = talk.ParsingProcess()
    process("new", graph, text=text)
    return process


def test_a_condition_set_between_tokens_is_used_at_the_next_one(talk):
    graph, _selection, cases, seen = _walk(talk)
    swapped = []

    def swap(last_parsed):
        swapped.append(last_parsed)
        cases[1].condition = "x"  # through the setter
        cases[2].condition_access = talk.Condition("y")  # directly

    cases[0].object.action = swap
    process = _parse(talk, graph, "a12")
    # After 'a' no case matches '1' any more: the walk stops there, unparsed.
    assert swapped == ["a"]
    assert not process.is_parsed() and process.parsed_length == 1
    assert _parse(talk, graph, "axy").is_parsed()
    assert seen == [("b", "x"), ("digits", "y")]


def test_cases_added_or_removed_directly_take_part_at_once(talk):
    graph, selection, cases, seen = _walk(talk)
    assert _parse(talk, graph, "ab1").is_parsed()
    extra = talk.ParsingRelation(None, talk.ActionNotion("z", lambda: seen.append("z")), "z")
    selection.relations.append(extra)  # the live list, not the subject property
    assert _parse(talk, graph, "zaz").is_parsed()
    selection.relations.remove(cases[0])
    process = _parse(talk, graph, "za")
    assert not process.is_parsed() and process.parsed_length == 1
    assert seen == [("a", "a"), ("b", "b"), ("digits", "1"), "z", ("a", "a"), "z", "z"]


def test_a_case_that_stops_being_plain_is_asked_as_before(talk):
    """A pre-event on a case, its events list changed directly, an event added: each makes the
    case run user code, which the next selection runs."""
    graph, _selection, cases, seen = _walk(talk)
    calls = []
    cases[1].events[0][1].pre_event = talk.Event(lambda: calls.append("pre"))
    assert _parse(talk, graph, "ab").is_parsed()
    assert calls == ["pre"]
    cases[1].events[0][1].pre_event = None
    condition, event = cases[2].events[0]
    cases[2].events[0] = (condition, talk.Event(lambda: calls.append("replaced") or "stop"))
    process = _parse(talk, graph, "a7")
    assert calls == ["pre", "replaced"] and process.parsed_length == 1
    cases[2].events[0] = (condition, event)
    cases[0].on("next", lambda: calls.append("always") or "stop")
    process = _parse(talk, graph, "b")
    assert "always" in calls
    assert seen[:2] == [("a", "a"), ("b", "b")]


def test_a_default_set_or_cleared_between_walks(talk):
    graph, selection, _cases, seen = _walk(talk)
    assert not _parse(talk, graph, "a?").is_parsed()
    builder = talk.GraphBuilder(graph)
    builder.set_current(selection)
    builder.parse_rel(re.compile(r"[\s\S]")).default().act("other", lambda: seen.append("?"))
    assert _parse(talk, graph, "a?").is_parsed()
    selection.default = None  # now an ordinary case, tried with the others
    assert _parse(talk, graph, "?b").is_parsed()
    assert seen == [("a", "a"), ("a", "a"), "?", "?", ("b", "b")]


def test_a_notion_told_of_its_relations_runs_what_it_registered(talk):
    """A relation's new subject is told 'set_subject' (the notion adds the relation, a selection
    also drops a default that left). Built-in notions are told without the call; one whose
    'set_subject' pair has a pre-event, or a subclass with its own do_relation, is called."""
    told = []

    class Tracking(talk.ComplexNotion):
        def do_relation(self, **context):
            told.append((context["old-value"] is self, context["new-value"] is self))
            return talk.ComplexNotion.do_relation(self, **context)

    plain, tracking, hooked = talk.ComplexNotion("a"), Tracking("b"), talk.SelectiveNotion("c")
    hooked.events[0][1].pre_event = talk.Event(lambda **context: told.append(context["sender"]))
    relation = talk.NextRelation(plain, None)
    assert plain.relations == [relation]
    relation.subject = tracking
    assert plain.relations == [] and tracking.relations == [relation]
    relation.subject = hooked
    hooked.default = relation
    assert tracking.relations == [] and hooked.relations == [relation]
    assert told == [(False, True), (True, False), relation]
    relation.subject = plain
    assert hooked.relations == [] and hooked.default is None and plain.relations == [relation]


def _changes(talk, calls):
    """Ways to make case 'b' (index 1) run user code, each applied right after a walk that used
    the plan: the plan, checked per case at each selection, must notice every one."""

    def replace_event(case):
        condition, _event = case.events[0]
        case.events[0] = (condition, talk.Event(lambda: calls.append("replaced") or "stop"))

    def pre_event(case):
        case.events[0][1].pre_event = talk.Event(lambda: calls.append("pre"))

    def post_event(case):
        case.events[0][1].post_event = talk.Event(lambda: calls.append("post"))

    def unknown_pre_event(case):
        case.unknown_event.pre_event = talk.Event(lambda: calls.append("unknown pre"))

    def unknown_replaced(case):
        case.unknown_event = talk.Event(lambda: calls.append("unknown") or "stop")

    def added_pair(case):
        case.on("next", lambda: calls.append("added") or "stop")

    def condition_replaced(case):
        case.condition_access = talk.Condition(lambda: calls.append("condition"))

    return (replace_event, pre_event, post_event, unknown_pre_event, unknown_replaced,
            added_pair, condition_replaced)


def test_a_case_changed_after_a_walk_with_the_plan_runs_its_user_code(talk):
    """Each direct change of a case between two walks (the first made and used the plan) makes
    the next selection run the case's user code, as when every case was asked at every token."""
    calls = []
    for change in _changes(talk, calls):
        graph, _selection, cases, _seen = _walk(talk)
        assert _parse(talk, graph, "ab1").is_parsed()
        calls.clear()
        change(cases[1])
        _parse(talk, graph, "ab1")
        assert calls, change.__name__


def test_a_case_matched_elsewhere_with_another_condition_keeps_its_own(talk):
    """A case asked on its own with a TextCursor while its condition was swapped (which makes
    its offset matcher for that condition), then given its old condition back directly: the next
    selection matches the old condition again (consumes 'b'; its action then stops the walk)."""
    graph, _selection, cases, _seen = _walk(talk)
    assert _parse(talk, graph, "ab1").is_parsed()
    own = cases[1].condition_access
    cases[1].condition_access = talk.TRUE_CONDITION
    cases[1]("next", text=talk.TextCursor("zb", 0))
    cases[1].condition_access = own
    cases[1].object.action = lambda: "stop"
    process = _parse(talk, graph, "b")
    assert process.parsed_length == 1 and process.last_parsed == "b"


def test_text_replaced_by_an_action_is_what_the_next_selection_matches(talk):
    """An action replacing the process's text through its context: the next selection matches
    the new text (nothing is left), nothing more is consumed and the walk ends there."""
    process = talk.ParsingProcess()
    builder = talk.GraphBuilder("tokens")
    builder.loop_rel("*").select("token")
    token = builder.current
    builder.parse_rel("a")
    builder.act("a", lambda: process.context.update(text=""))
    builder.set_current(token)
    builder.parse_rel("b")
    builder.act("b", lambda: None)
    process("new", builder.graph, text="aa")
    assert process.parsed_length == 1 and process.last_parsed == "a"
    assert process.text == ""


def test_a_longer_match_after_tied_shorter_ones_is_the_only_best(talk):
    """Two cases tie at one character, then a later case matches two: it alone is the best, so
    when it fails further on there is nothing to fall back to (the shorter cases were never
    candidates of the lookahead)."""
    ran = []
    root = talk.ComplexNotion("root")
    selection = talk.SelectiveNotion("selection")
    talk.NextRelation(root, selection)
    talk.ParsingRelation(selection, talk.ActionNotion("eq", lambda: ran.append("eq")), "=")
    talk.ParsingRelation(
        selection, talk.ActionNotion("re", lambda: ran.append("re")), re.compile("=")
    )
    double = talk.ComplexNotion("double")
    talk.ParsingRelation(selection, double, "==")
    talk.ParsingRelation(double, talk.ActionNotion("bang", lambda: ran.append("!")), "!")
    assert _parse(talk, root, "==!").is_parsed() and ran == ["!"]
    process = _parse(talk, root, "==?")
    assert not process.is_parsed() and process.undo_depth == 0 and ran == ["!"]
