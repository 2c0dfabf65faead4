"""Process, Shared-, Stacking-, Stateful- and VisitorProcess."""

from __future__ import annotations

import pytest

from tests.talk.graph_helpers import vstart


def _cn(talk, name, *children):
    cn = talk.ComplexNotion(name)
    for child in children:
        talk.NextRelation(cn, child)
    return cn


def test_constants(talk):
    p = talk.Process
    assert (p.NEW, p.OK, p.STOP, p.QUERY, p.NEXT, p.PREVIOUS) == (
        "new",
        "ok",
        "stop",
        "query",
        "next",
        "previous",
    )
    assert (p.CURRENT, p.MESSAGE, p.EMPTY_MESSAGE) == ("current", "message", "empty_message")
    assert p.STOP_CRITERIA == ("ok", "stop", False) and p.GO_CRITERIA == (None, True)
    s = talk.SharedProcess
    assert (s.ADD_CONTEXT, s.UPDATE_CONTEXT, s.DELETE_CONTEXT) == (
        "add_context",
        "update_context",
        "delete_context",
    )
    k = talk.StackingProcess
    assert (k.PUSH_CONTEXT, k.POP_CONTEXT, k.FORGET_CONTEXT, k.TRACKING) == (
        "push_context",
        "pop_context",
        "forget_context",
        "tracking",
    )
    st = talk.StatefulProcess
    assert (st.STATE, st.SET_STATE, st.CLEAR_STATE, st.HAS_STATES) == (
        "state",
        "set_state",
        "clear_state",
        "has_states",
    )
    pp = talk.ParsingProcess
    assert (pp.PROCEED, pp.ERROR, pp.BREAK, pp.CONTINUE) == (
        "proceed",
        "error",
        "break",
        "continue",
    )
    assert (pp.PARSED_LENGTH, pp.TEXT, pp.LAST_PARSED) == ("parsed_length", "text", "last_parsed")
    assert talk.VisitorProcess.VISIT == "visit"


def test_fresh_process(talk):
    p = talk.Process()
    assert p.current is None and p.message == [] and p.depth == 1
    assert p() is False
    assert p("new") is False


def test_list_replies_and_stop(talk):
    n2 = talk.ActionNotion("N2", [True, "stop"])
    cn = _cn(talk, "CN", talk.Notion("N1"), n2)
    p = talk.Process()
    assert p("new", cn) == "stop"
    assert p.current is n2 and p.depth == 1 and p.message == []


def test_skip(talk):
    p = talk.Process()
    assert p("new", "strange") is False
    assert p.current is None and p.message == ["strange"]
    n2 = talk.ActionNotion("N2", p.skip)
    assert p("new", n2, "strange") is True
    assert p.current is None and p.message == []


def test_callables_as_elements(talk):
    n1 = talk.Notion("N1")
    n2 = talk.ActionNotion("N2", lambda: lambda: n1)
    p = talk.Process()
    assert p("new", n2) is True
    assert p.current is n1

    class Holder:
        def method(self):
            return True

    h = Holder()
    rel = talk.NextRelation(None, h.method)
    assert p("new", rel) is True
    assert p.current == h.method


def test_stack_of_frames_and_skip(talk):
    b = talk.Notion("b")
    c = talk.ActionNotion("c", [])
    d = talk.ActionNotion("d", "unk")
    e = talk.ActionNotion("e", "unk")
    a = _cn(talk, "a", b, c, d)
    root = _cn(talk, "root", a, e)
    p = talk.Process()
    assert p(root) is False
    assert (p.current, p.depth, p.message[0]) == (d, 2, "unk")
    p.skip()
    assert p() is False
    assert (p.current, p.depth, p.message[0]) == (e, 1, "unk")
    p.skip()
    assert p() is False
    assert (p.current, p.depth, p.message) == (e, 1, [])
    p(e, b)
    p.skip()
    assert p() is True
    assert (p.current, p.depth, p.message) == (b, 1, [])


def test_what_an_element_sees(talk):
    seen = {}

    def spy(**context):
        seen.update(context)

    p = talk.Process()
    p(talk.ActionNotion("spy", spy), foo=1)
    assert sorted(seen) == ["condition", "event", "foo", "rank", "sender"]
    assert seen["sender"] is p and seen["rank"] == 0 and seen["condition"] is True
    assert seen["event"] is spy


def test_depth_first_order(talk):
    order = []

    def act(name):
        return talk.ActionNotion(name, lambda: order.append(name))

    a1 = _cn(talk, "A1", act("A11"), act("A12"), act("A13"))
    a = _cn(talk, "A", a1, act("A2"), act("A3"))
    assert talk.Process()("new", a) is True
    assert order == ["A11", "A12", "A13", "A2", "A3"]


@pytest.mark.parametrize(
    ("reply", "result", "head"),
    [
        (None, True, None),
        (0, True, None),
        ("", True, None),
        ([], True, None),
        (True, True, None),
        (1, True, None),
        ("okay", "ok", None),
        ("stopped", "stop", None),
        ("unknown", False, "unknown"),
        ([1, "y"], False, 1),
        ({"unknown": 1}, False, {"unknown": 1}),
        ([False], False, None),
    ],
)
def test_reply_interpretation(talk, reply, result, head):
    p = talk.SharedProcess()
    assert p("new", talk.ActionNotion("x", reply)) == result
    assert (p.message[0] if p.message else None) == head


def test_dict_commands_are_consumed(talk):
    x = talk.ActionNotion("x", {"add_context": {"k": 1}})
    p = talk.SharedProcess()
    assert p("new", x) is None
    assert p.context["k"] == 1
    assert p("new", x) is True
    assert "k" not in p.context
    assert x.action == {}


def test_shared_commands(talk):
    p = talk.SharedProcess()
    steps = talk.ActionNotion(
        "s",
        [
            {"add_context": {"a": 1, "b": 2}},
            {"add_context": {"a": 5}},
            {"update_context": {"b": 3}},
            {"delete_context": ["a", "missing"]},
            {"delete_context": "zzz"},
        ],
    )
    assert p("new", steps, c=0) is None
    assert p.context["b"] == 3 and "a" not in p.context and p.context["c"] == 0


def test_undo_without_push(talk):
    pop = talk.ActionNotion("pop", "pop_context")
    root = _cn(
        talk,
        "root",
        talk.ActionNotion("add", {"add_context": {"inject": 1}}),
        talk.ActionNotion("upd", {"update_context": {"inject": 2}}),
        talk.ActionNotion("del", {"delete_context": "inject"}),
        pop,
    )
    p = talk.StackingProcess()
    assert p(root) is False
    assert p.current is pop and "inject" not in p.context


def test_undo_groups(talk):
    steps = [
        "push_context",
        {"add_context": {"terminator": 1}},
        {"delete_context": "terminator"},
        {"update_context": {"alien": 1}},
    ]
    p = talk.StackingProcess()
    p("new", talk.ActionNotion("a", steps))
    assert p.context["alien"] == 1
    later = [
        "push_context",
        {"update_context": {"test": "predator"}},
        "forget_context",
        "pop_context",
    ]
    assert p(talk.ActionNotion("b", later)) is None
    assert "alien" not in p.context and "terminator" not in p.context
    assert p.context["test"] == "predator"
    assert p.undo_depth == 0


def test_private_state(talk):
    inc = talk.ActionNotion("inc", vstart)
    inc2 = talk.ActionNotion("inc2", vstart)
    check = talk.ActionNotion("check", lambda state: "stop" if "v" in state else "ok")
    root = talk.ComplexNotion("root")
    talk.NextRelation(root, inc)
    talk.NextRelation(root, inc)
    talk.NextRelation(root, check)
    p = talk.StatefulProcess()
    assert p(root) == "ok"
    assert p.current is check and p.states[inc]["v"] == 2
    assert "state" not in p.context
    assert p("new", root) == "ok" and p.states[inc]["v"] == 2
    inc.action = "clear_state"
    assert p(root) is False
    assert len(p.states) == 0 and p.current is inc
    assert inc2 not in p.states


def test_set_state_with_queued_command(talk):
    a = talk.ActionNotion("a", {"set_state": {"mind": "New York"}})
    p = talk.StatefulProcess()
    assert p(a, {"add_context": {"key": "skeleton"}}) is None
    assert p.states[a] == {"mind": "New York"} and p.context["key"] == "skeleton"
    with pytest.raises(TypeError):
        p.states[a] = 1  # a read-only view


def test_states_roll_back_with_pop(talk):
    a = talk.ActionNotion("a", ["push_context", {"set_state": 1}, "pop_context"])
    p = talk.StatefulProcess()
    assert p("new", a) is None
    assert a not in p.states


def test_context_is_assignable(talk):
    p = talk.SharedProcess()
    p.context = {"x": 1}
    assert p(talk.ActionNotion("a", {"update_context": {"y": 2}})) is None
    assert p.context == {
        "x": 1,
        "y": 2,
        "sender": p,
        "rank": 0,
        "condition": True,
        "event": p.context["event"],
    }


def test_subclass_overriding_update_tags_uses_the_generic_selection(talk):
    calls = []

    class Counting(talk.StatefulProcess):
        def update_tags(self):
            calls.append(1)
            return super().update_tags()

    root = _cn(talk, "root", talk.ActionNotion("a", vstart), talk.ActionNotion("b", "stop"))
    assert Counting()("new", root) == "stop"
    assert calls


def test_subclass_overriding_a_command(talk):
    class Loud(talk.Process):
        def __init__(self):
            super().__init__()
            self.asked = []

        def do_query(self):
            self.asked.append(self.current)
            return super().do_query()

    n = talk.Notion("n")
    p = Loud()
    assert p("new", n) is True
    assert p.asked == [n]


def test_user_events_on_a_process(talk):
    p = talk.Process()
    p.on("shout", lambda: "ok")
    p.on("stop_now", lambda: "stop")  # outranks the built-in 'stop' prefix (rank 8 > 4)
    assert p("new", talk.ActionNotion("a", "shout")) == "ok"
    assert p("new", talk.ActionNotion("a", "stop_now")) == "stop"
    p.on_any(p.skip)  # a user fallback for anything else: drop it
    assert p("new", talk.ActionNotion("a", 5)) is None
    assert p.message == []


def test_visitor_order(talk):
    g = talk.Graph("g")
    cn = g.root
    cn2 = talk.ComplexNotion("cn2", g)
    n1 = talk.Notion("n1", g)
    n2 = talk.ActionNotion("n2", "stop", g)
    r0 = talk.NextRelation(cn, cn2, owner=g)
    r1 = talk.NextRelation(cn2, n1, owner=g)
    r2 = talk.NextRelation(cn, n2, owner=g)
    r3 = talk.NextRelation(cn, n1, owner=g)
    p = talk.VisitorProcess()
    assert p(r1) is True and p.current is n1 and p.visited == [r1, n1]
    assert p("new", cn2) is True and p.visited == [cn2, r1, n1]
    assert p("new", cn) is True and p.visited == [cn, r0, cn2, r1, n1, r2, n2, r3]
    assert p("new", g) is True and p.current is n1
    assert p.visited == [g, cn, r0, cn2, r1, n1, r2, n2, r3]
    p.visit_event = talk.Event(False)
    assert p("new", g) is True and p.current is g and p.visited == []


def test_visitor_skips_action_relation_objects(talk):
    cn = talk.ComplexNotion("cn")
    ar = talk.ActionRelation(cn, talk.Notion("tail"), None)
    sub = talk.ComplexNotion("sub")
    nr = talk.NextRelation(cn, sub)
    looped = talk.Notion("looped")
    lr = talk.LoopRelation(sub, looped, "*")
    parsed = talk.Notion("parsed")
    pr = talk.ParsingRelation(sub, parsed, "a")
    fr = talk.NextRelation(sub, lambda: None)
    p = talk.VisitorProcess()
    assert p("new", cn) is True
    assert p.visited == [cn, ar, nr, sub, lr, looped, pr, parsed, fr]


def test_skip_on_an_empty_process_does_nothing(talk):
    p = talk.Process()
    p.skip()
    assert p.message == [] and p.depth == 1


def test_builtin_instances_of_each_implementation(talk):
    n = talk.Notion("n")
    if talk.KIND == "compiled":
        assert type(n).__module__ == "chatexchange._speedups.elements"
        assert type(talk.ParsingProcess()).__module__ == "chatexchange._speedups.process"
    else:
        assert type(n).__module__ == "chatexchange.talk.elements"


def test_views_are_read_only_and_context_is_assignable(talk):
    p = talk.ParsingProcess()
    n = talk.ActionNotion("n", "unknown")
    assert p("new", n, text="ab") is False
    for name in ("current", "message", "query", "states", "text", "parsed_length",
                 "last_parsed", "depth", "undo_depth"):
        with pytest.raises(AttributeError):
            setattr(p, name, None)
    p.message.append("not queued")  # a copy of the pending items
    assert p.message == ["unknown"] and p.current is n and p.is_parsed() is False
    p.context = {"text": "xyz"}
    assert p.text == "xyz" and p.context == {"text": "xyz"}
    v = talk.VisitorProcess()
    v("new", n)
    v.visited.clear()
    assert v.visited == [n]
    with pytest.raises(AttributeError):
        v.visited = []
