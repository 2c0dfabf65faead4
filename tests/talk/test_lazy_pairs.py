"""Lazy own pairs: an instance of exactly a built-in class (but ActionNotion, ParsingRelation and
Graph) registers no (Condition, Event) pair in its constructor; its pairs are built on first need
(``events``, any registration, the generic ``handle``), as the constructor built them before.
Until then the direct paths answer as the class's own untouched pairs would. Elements whose pairs
were never built and elements whose pairs were built early (by reading ``events``) answer alike
everywhere, and constructing one leaves far fewer objects for the cycle collector."""

from __future__ import annotations

import gc
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

M = "method"

#: What each constructor registers: (condition, its tags, event); ("method", name): a bound
#: method of the element itself.
_NEXT_PAIRS = [((M, "can_pass"), [], (M, "do_next")), ("visit", [], (M, "do_visit"))]
_COMPLEX_PAIRS = [
    ("set_subject", [], (M, "do_relation")),
    ((M, "can_go_forward"), [], (M, "do_forward")),
    ("visit", [], (M, "do_visit")),
]
EXPECTED = {
    "Notion": [],
    "Relation": [],
    "ComplexNotion": _COMPLEX_PAIRS,
    "SelectiveNotion": [
        *_COMPLEX_PAIRS,
        ((M, "can_retry"), [], (M, "do_retry")),
        ((M, "can_finish"), [], (M, "do_finish")),
    ],
    "NextRelation": _NEXT_PAIRS,
    "ActionRelation": [((M, "can_go_forward"), [], (M, "do_act"))],
    "LoopRelation": [
        *_NEXT_PAIRS,
        ((M, "can_start"), ["value"], (M, "do_start")),
        ((M, "can_loop"), ["value"], (M, "do_loop")),
        ((M, "can_error"), ["value"], (M, "do_error")),
        ((M, "can_iterate"), ["function"], (M, "do_custom_loop")),
        ((M, "can_error"), ["function"], (M, "do_custom_error")),
        ((M, "can_break"), [], (M, "do_break")),
        ((M, "can_continue"), [], (M, "do_continue")),
    ],
}


def _norm(value, element):
    """``value`` comparable between two elements built alike: the element's bound methods by
    name, the element itself as 'self', other elements by their repr."""
    func = getattr(value, "__func__", None)
    if func is not None and getattr(value, "__self__", None) is element:
        return (M, func.__name__)
    if value is element:
        return "self"
    if isinstance(value, (tuple, list)):
        return (type(value).__name__, [_norm(v, element) for v in value])
    if isinstance(value, dict):
        return ("dict", sorted((k, repr(_norm(v, element))) for k, v in value.items()))
    if type(value).__module__.startswith("chatexchange"):
        return repr(value)
    return value


def _pairs(element, pairs):
    return [
        (type(c).__name__, _norm(c.value, element), sorted(c.tags), type(e).__name__,
         _norm(e.value, element), e.pre, e.post)
        for c, e in pairs
    ]


def _done():
    return "done"


def _counted(i=None):
    return i


def _build(talk, kind, variant=0):
    """A fresh ``kind`` on a fresh little graph (its subject a ComplexNotion)."""
    notion = talk.ComplexNotion("whole")
    target = talk.Notion("target")
    if kind in ("Notion", "ComplexNotion", "SelectiveNotion"):
        return getattr(talk, kind)("it")
    if kind == "Relation":
        return talk.Relation(notion, target)
    if kind == "NextRelation":
        return talk.NextRelation(notion, target, "go")
    if kind == "ActionRelation":
        return talk.ActionRelation(notion, target, _done)
    conditions = ["*", 3, _counted, True, None]
    return talk.LoopRelation(notion, target, conditions[variant])


CASES = [(kind, 0) for kind in EXPECTED] + [("LoopRelation", v) for v in range(1, 5)]


@pytest.mark.parametrize(("kind", "variant"), CASES)
def test_own_pairs_are_built_as_the_constructor_built_them(talk, kind, variant):
    element = _build(talk, kind, variant)
    events = element.events
    assert type(events) is list
    assert element.events is events  # built once: the live list
    assert [
        (_norm(c.value, element), sorted(c.tags), _norm(e.value, element)) for c, e in events
    ] == [(c, t, e) for c, t, e in EXPECTED[kind]]
    assert all(type(c) is talk.Condition and type(e) is talk.Event for c, e in events)
    assert all(e.pre is None and e.post is None for _c, e in events)
    # Sealed as the constructor sealed them: the same pair objects, in order.
    assert len(element._seal_pairs) == len(events)
    assert all(s is p for s, p in zip(element._seal_pairs, events, strict=True))


@pytest.mark.parametrize(("kind", "variant"), CASES)
def test_a_subclass_builds_the_same_pairs_at_once(talk, kind, variant):
    """A subclass's instance still registers through ``on``: the same pairs, in order."""
    element = _build(talk, kind, variant)
    sub = type("Sub", (getattr(talk, kind),), {})
    calls = []

    def on_access(self, condition, event):
        calls.append(self)
        getattr(talk, kind).on_access(self, condition, event)

    sub.on_access = on_access
    other = _build(_Namespace(talk, kind, sub), kind, variant)
    assert type(other) is sub
    assert len([c for c in calls if c is other]) == len(EXPECTED[kind])
    assert _pairs(other, other.events) == _pairs(element, element.events)


class _Namespace:
    """``talk`` with one class replaced."""

    def __init__(self, talk, kind, cls):
        self._talk = talk
        self._kind = kind
        self._cls = cls

    def __getattr__(self, name):
        return self._cls if name == self._kind else getattr(self._talk, name)


def _messages(kind):
    common = [("next",), ("visit",), ("other",)]
    if kind == "LoopRelation":
        return [*common, ("error",), ("break",), ("continue",)]
    return common


def _contexts():
    return [{}, {"state": {"i": 1}}, {"text": "abc"}]


def _answers(talk, kind, variant, built, change=None, generic=False):
    out = []
    for message in _messages(kind):
        for context in _contexts():
            element = _build(talk, kind, variant)
            if built:
                assert element.events is not None
            if change is not None:
                change(talk, element)
            ctx = {k: (dict(v) if isinstance(v, dict) else v) for k, v in context.items()}
            try:
                if generic:
                    answer = talk.Handler.handle(element, message, ctx)
                else:
                    answer = element.handle(message, ctx)
            except Exception as exc:  # the same failure both ways
                answer = ("raised", type(exc).__name__, str(exc))
            out.append((message, _norm(answer, element), _norm(ctx, element),
                        _pairs(element, element.events), _norm(element.reads_text(), element)))
    return out


def _mine():
    return "mine"


def _on_visit(talk, element):
    element.on("visit", _mine)


def _off_visit(talk, element):
    element.off_condition("visit")


def _tags(talk, element):
    element.tags = {"value"}
    element.update_events()


def _clear(talk, element):
    element.clear_events()


def _unknown(talk, element):
    element.unknown_event = _mine


CHANGES = [None, _on_visit, _off_visit, _tags, _clear, _unknown]


@pytest.mark.parametrize("change", CHANGES, ids=lambda c: getattr(c, "__name__", "none"))
@pytest.mark.parametrize(("kind", "variant"), CASES)
def test_unbuilt_and_early_built_pairs_answer_alike(talk, kind, variant, change):
    """Direct dispatch (``handle``), the generic selection, after registrations, removals and
    tag changes: never-built pairs and pairs built at once give the same answers, contexts and
    pairs."""
    for generic in (False, True):
        lazy = _answers(talk, kind, variant, False, change, generic)
        eager = _answers(talk, kind, variant, True, change, generic)
        assert lazy == eager


def test_action_relation_answers_with_an_equal_bound_method(talk):
    """The direct dispatch of an unbuilt ActionRelation gives its do_act as the event's value."""
    relation = talk.ActionRelation(None, None, lambda: "done")
    context = {}
    answer = relation.handle(("next",), context)
    assert answer[0] == "done"
    assert answer[2] == relation.do_act and answer[2].__self__ is relation
    assert context["event"] == relation.do_act
    assert answer[2] == relation.events[0][1].value


def test_assigning_events_to_an_unbuilt_notion_replaces_its_own_pairs(talk):
    """``events = [...]`` means what it did: the own pairs are gone (a relation built on the
    notion is no longer added to its relations: its 'set_subject' pair is not there)."""
    for built in (False, True):
        notion = talk.ComplexNotion("n")
        if built:
            assert len(notion.events) == 3
        notion.events = []
        assert notion.events == []
        talk.ActionRelation(notion, None, lambda: None)
        assert notion.relations == []


def test_a_subclass_may_assign_events_before_the_base_constructor(talk):
    # As before events became a property: the base constructor then starts the list afresh.
    class Early(talk.Handler):
        def __init__(self):
            self.events = [("never", "read")]
            super().__init__()

    handler = Early()
    assert handler.events == []
    handler.on("ping", "pong")
    assert handler.handle(("ping",), {})[0] == "pong"


def test_a_loops_plan_is_made_for_its_constructors_tags(talk):
    """An unbuilt LoopRelation's active pairs are those of the tags its constructor set (a tag
    change without update() leaves them), as with pairs built at once."""
    for condition, active in (("*", 7), (_counted, 6), (True, 7), (3, 7), (None, 4)):
        states = []
        for built in (False, True):
            loop = talk.LoopRelation(None, None, condition)
            if built:
                assert loop.events
            loop.tags = {"other"}
            states.append((_pairs(loop, loop.active_events), sorted(loop.tags)))
            loop.update_events()
            states.append(_pairs(loop, loop.active_events))
        assert states[0] == states[2] and states[1] == states[3]
        assert len(states[0][0]) == active


def _tracked_per(make, n=300):
    gc.collect()
    gc.disable()
    try:
        before = len(gc.get_objects())
        kept = [make() for _ in range(n)]
        after = len(gc.get_objects())
    finally:
        gc.enable()
    del kept
    return (after - before) / n


class _Step:
    __slots__ = ("n",)

    def __init__(self, n):
        self.n = n

    def add(self):
        return self.n


def test_construction_builds_no_pairs(talk):
    """An ActionRelation leaves itself and its action's Access for the collector (before: its
    pair, Condition, Event, two bound methods, the events list and the seal tuple as well);
    the other lazy classes leave none of their pairs either."""
    notion = talk.ComplexNotion("block")
    step = _Step(1)
    talk.ActionRelation(notion, None, step.add)  # (the action's signature, cached)
    assert _tracked_per(lambda: talk.ActionRelation(notion, None, step.add)) < 3.5
    assert _tracked_per(lambda: talk.ComplexNotion("c")) < 2.5
    body = talk.ComplexNotion("body")
    assert _tracked_per(lambda: talk.LoopRelation(notion, body, step.add)) <= 6
    assert _tracked_per(lambda: talk.NextRelation(notion, body, "x")) <= 5
    # A subclass's instance builds its pairs at once, as before.
    sub = type("Sub", (talk.ActionRelation,), {})
    assert _tracked_per(lambda: sub(notion, None, step.add)) >= 8


def _load_brainfuck():
    spec = importlib.util.spec_from_file_location(
        "example_brainfuck_lazy", ROOT / "examples" / "brainfuck.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _elements(root):
    """Every element reachable from ``root`` (relations, their subjects and objects)."""
    seen = {}
    todo = [root]
    while todo:
        element = todo.pop()
        if element is None or id(element) in seen or not hasattr(element, "handle"):
            continue
        seen[id(element)] = element
        relations = getattr(element, "relations", None)
        if callable(relations):
            relations = relations()
        todo.extend(relations or ())
        for name in ("subject", "object", "root", "default"):
            todo.append(getattr(element, name, None))
    return list(seen.values())


@pytest.mark.parametrize("program", ["++>+++[<+>-]<.", "+" * 72 + ".[-]>++[>+++[.-]<-]"])
def test_programs_run_alike_with_unbuilt_and_built_pairs(talk, program):
    """hello.bf's kind of graph through the processes: a StatefulProcess walks a program graph
    whose pairs were never built, and one whose every element's pairs were read first."""
    brainfuck = _load_brainfuck()
    outputs = []
    for built in (False, True):
        interpreter = brainfuck.BFInterpreter(talk)
        if built:
            for element in _elements(interpreter.parser.root):
                assert element.events is not None
        machine = brainfuck.Machine("", raw=True)
        root = interpreter.compile(program, machine)
        elements = _elements(root)
        assert any(type(e) is talk.LoopRelation for e in elements)
        if built:
            for element in elements:
                assert element.events is not None
        interpreter.running("new", root)
        if not built:
            # The parse, the build and the walk built no element's pairs (a built element's seal
            # holds its pairs; an unbuilt one's is empty).
            assert all(e._seal_pairs == () for e in elements)
        outputs.append(("".join(machine.out), bytes(machine.mem[:8]), machine.i,
                        [(type(e).__name__, _pairs(e, e.events)) for e in elements]))
    assert outputs[0] == outputs[1]


def test_pure_instance_attribute_shadowing_an_own_method_is_built_into_the_pair(talk):
    """Documented (docs/engine.md, "Own pairs built on first need"): in the pure engine, an
    instance attribute shadowing an own method, set before the pairs are built, is what the
    built pair holds; set after, it is not. (A compiled element has no instance dictionary.)"""
    if talk.KIND != "pure":
        relation = talk.ActionRelation(None, None, _done)
        with pytest.raises(AttributeError):
            relation.do_act = _mine
        return
    early = talk.ActionRelation(None, None, _done)
    early.do_act = _mine
    assert early.events[0][1].value is _mine
    late = talk.ActionRelation(None, None, _done)
    assert late.events[0][1].value == late.do_act
    late.do_act = _mine
    assert late.events[0][1].value is not _mine
