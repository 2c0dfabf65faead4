"""Building graphs: the built-in classes' constructors register their own pairs and set their
properties directly, a subclass's constructor goes through ``on``/``on_forward``/``on_visit`` and
the property setters (its overrides see every call), and both give the same elements. A relation
being built joins its subject's relations without being compared with the ones already there."""

from __future__ import annotations

import re

import pytest


class Spy:
    """A foreign object in a relations list: counts how often a relation is compared with it."""

    def __init__(self) -> None:
        self.compared = 0

    def __eq__(self, other: object) -> bool:
        self.compared += 1
        return False

    __hash__ = object.__hash__


def _relations(talk, notion, n):
    """n relations of each built-in kind on ``notion``, in order."""
    built = []
    for i in range(n):
        built.append(talk.ActionRelation(notion, None, lambda: None))
        built.append(talk.NextRelation(notion, talk.Notion(f"n{i}"), "x"))
        built.append(talk.ParsingRelation(notion, None, re.compile("a+")))
        built.append(talk.LoopRelation(notion, talk.ComplexNotion(f"c{i}"), "*"))
        built.append(talk.Relation(notion, None))
    return built


@pytest.mark.parametrize("kind", ["ComplexNotion", "SelectiveNotion"])
def test_a_relation_being_built_is_not_compared_with_its_subjects_relations(talk, kind):
    """Regression: attaching searched the subject's list for the new relation first, so n
    relations built on one notion took n*n/2 comparisons."""
    notion = getattr(talk, kind)("block")
    spy = Spy()
    notion.relations.append(spy)  # the live list
    built = _relations(talk, notion, 40)
    assert spy.compared == 0
    assert notion.relations == [spy, *built]
    # A relation that is already built is looked for, as before: moved away and back, it is
    # compared with what is in the list and is there once.
    moved = built[3]
    moved.subject = None
    detached = spy.compared
    assert detached > 0
    moved.subject = notion
    assert spy.compared > detached
    assert [r for r in notion.relations if r is moved] == [moved]
    assert notion.relations[-1] is moved


def test_an_object_claiming_equality_is_not_asked_about_a_relation_being_built(talk):
    """Documented: the search that is skipped would have found an object in the list whose
    ``__eq__`` says yes, and the relation would not have been added."""

    class Claimer:
        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = object.__hash__

    notion = talk.ComplexNotion("block")
    claimer = Claimer()
    notion.relations.append(claimer)
    relation = talk.ActionRelation(notion, None, lambda: None)
    assert len(notion.relations) == 2 and notion.relations[1] is relation


def test_a_relation_put_into_the_list_by_hand_is_not_added_twice(talk):
    """A built relation appended to the live list directly and then given that subject stays
    there once (the search is kept for relations that are not being built)."""
    notion = talk.ComplexNotion("block")
    extra = talk.ActionRelation(None, None, lambda: None)
    notion.relations.append(extra)
    extra.subject = notion
    assert notion.relations == [extra]


def _describe(value, element):
    """A pair's value, comparable between two elements: a bound method of the element by name."""
    func = getattr(value, "__func__", None)
    if func is not None and getattr(value, "__self__", None) is element:
        return ("method", func.__name__)
    return value


def _access(access, element):
    if access is None:
        return None
    return (_describe(access.value, element), access.mode, repr(access.spec))


def _state(element):
    state = {
        "events": [
            (_access(c, element), sorted(c.tags), c.options, c.list == (c,),
             _access(e, element), e.pre, e.post)
            for c, e in element.events
        ],
        "unknown": _access(element.unknown_event, element),
        "tags": sorted(element.tags),
        "active": [(_access(c, element), _access(e, element)) for c, e in element.active_events],
        "owner": element.owner,
        "reads_text": element.reads_text(),
    }
    for name in ("name", "subject", "object", "relations", "default", "condition", "optional",
                 "check_only", "options"):
        if hasattr(element, name):
            state[name] = getattr(element, name)
    if hasattr(element, "action"):
        action = element.action
        state["action"] = _describe(getattr(action, "value", action), element)
    return state


def _builds(talk, graph, notion, target):
    """(class name, constructor arguments) of every built-in element class."""
    return [
        ("Notion", ("plain", graph)),
        ("ActionNotion", ("act", lambda last_parsed: last_parsed, graph)),
        ("ComplexNotion", ("complex", graph)),
        ("SelectiveNotion", ("select", graph)),
        ("Relation", (notion, target, graph)),
        ("NextRelation", (notion, target, "go", graph)),
        ("ActionRelation", (notion, target, lambda: "done", graph)),
        ("ParsingRelation", (notion, target, re.compile(r"\d+"), graph)),
        ("LoopRelation", (notion, target, "*", graph)),
        ("LoopRelation", (notion, target, lambda i=None: i, graph)),
        ("LoopRelation", (notion, target, 3, None)),
        ("LoopRelation", (notion, target, [1, 4], None)),
        ("LoopRelation", (notion, target, True, None)),
        ("LoopRelation", (notion, None, None, None)),
        ("ActionRelation", (None, None, print)),
    ]


def test_built_in_classes_and_their_subclasses_are_built_alike(talk):
    """The direct construction of the built-in classes gives what the generic one (the path a
    subclass takes) gives: the same pairs (conditions, tags, events), unknown event, properties,
    graph membership and subject's relations."""
    graph = talk.Graph("g")
    notion = talk.ComplexNotion("subject", graph)
    target = talk.Notion("target", graph)
    for name, args in _builds(talk, graph, notion, target):
        cls = getattr(talk, name)
        sub = type("Sub" + name, (cls,), {})
        exact = cls(*args)
        derived = sub(*args)
        assert _state(exact) == _state(derived), name
        if isinstance(exact, talk.Relation) and args[0] is not None:
            assert notion.relations[-2:] == [exact, derived]
        if args[-1] is graph:
            members = graph.relations() if isinstance(exact, talk.Relation) else graph.notions()
            assert list(members[-2:]) == [exact, derived]


def test_subclass_overrides_see_the_constructors_calls(talk):
    """A subclass's own ``on``, ``on_forward``, ``on_visit`` and ``change_property`` get every
    registration and property the constructor makes, in order."""
    calls = []

    def spying(cls):
        class Spying(cls):
            def on(self, condition, event, *tags):
                calls.append(("on", _describe(condition, self), _describe(event, self), tags))
                cls.on(self, condition, event, *tags)

            def on_forward(self, event):
                calls.append(("on_forward", _describe(event, self)))
                cls.on_forward(self, event)

            def on_visit(self, event):
                calls.append(("on_visit", _describe(event, self)))
                cls.on_visit(self, event)

            def change_property(self, name, value):
                calls.append(("change_property", name, value))
                return cls.change_property(self, name, value)

        return Spying

    notion = spying(talk.ComplexNotion)("block")
    assert calls == [
        ("change_property", "owner", None),
        ("change_property", "name", "block"),
        ("on", "set_subject", ("method", "do_relation"), ()),
        ("on_forward", ("method", "do_forward")),
        ("on", ("method", "can_go_forward"), ("method", "do_forward"), ()),
        ("on_visit", ("method", "do_visit")),
        ("on", "visit", ("method", "do_visit"), ()),
    ]
    del calls[:]
    relation = spying(talk.ActionRelation)(notion, None, print)
    assert calls == [
        ("change_property", "owner", None),
        ("change_property", "subject", notion),
        ("change_property", "object", None),
        ("on_forward", ("method", "do_act")),
        ("on", ("method", "can_go_forward"), ("method", "do_act"), ()),
    ]
    assert notion.relations == [relation]
    del calls[:]
    spying(talk.LoopRelation)(None, None, "*")
    assert [call[0] for call in calls] == ["change_property"] * 3 + ["on", "on_visit", "on"] + [
        "on"
    ] * 7
    assert [call[3] for call in calls if call[0] == "on"][-7:] == [
        ("value",), ("value",), ("value",), ("function",), ("function",), (), ()]


def test_a_condition_lists_itself(talk):
    """``Condition.list`` of a condition that is not a list is the condition alone."""
    condition = talk.Condition("x")
    assert condition.list == (condition,) and condition.list[0] is condition
    pair = talk.Condition(["a", "b"])
    assert [item.value for item in pair.list] == ["a", "b"]
    assert talk.Condition([]).list == ()


@pytest.mark.parametrize("kind", ["Notion", "ComplexNotion", "SelectiveNotion", "ActionNotion"])
def test_notions_with_a_pair_for_set_object_are_told(talk, kind):
    """A built-in notion becoming a relation's object is told 'set_object' whenever something
    could answer it: a pair registered with ``on``, one put into the live ``events`` list by hand
    or replacing one of its own there, an unknown event, or a subclass's ``handle``; with only
    its own pairs it has none, and nothing is called."""
    told = []

    def make(name, cls=None):
        cls = cls or getattr(talk, kind)
        return cls(name, lambda: None) if kind == "ActionNotion" else cls(name)

    registered = make("registered")
    registered.on("set_object", lambda **c: told.append(("registered", c["new-value"])))
    by_hand = make("by hand")
    by_hand.events.append((talk.Condition("set_object"),
                           talk.Event(lambda **c: told.append(("by hand", c["old-value"])))))
    unknown = make("unknown")
    unknown.unknown_event = lambda *m, **c: told.append(("unknown", m))

    class Sub(getattr(talk, kind)):
        def handle(self, message, context):
            told.append(("sub", message[0]))
            return super().handle(message, context)

    sub = make("sub", Sub)
    plain = make("plain")
    notions = [registered, by_hand, unknown, sub, plain]
    loops = [talk.LoopRelation(None, notion, "*") for notion in notions]
    # (A plain Notion's own answer to any message is "nothing", whatever its events list holds.)
    hand = [] if kind == "Notion" else [("by hand", None)]
    assert told == [("registered", registered), *hand, ("unknown", ("set_object",)),
                    ("sub", "set_object")]
    assert [loop.object for loop in loops] == notions
    del told[:]
    loops[1].object = None  # the old object is told as well
    relation = talk.ActionRelation(None, registered, print)
    relation.object = plain
    hand = [] if kind == "Notion" else [("by hand", by_hand)]
    assert told == [*hand, ("registered", registered), ("registered", plain)]
    if kind != "Notion":
        del told[:]
        replaced = make("replaced")
        replaced.events[0] = (talk.Condition("set_object"),
                              talk.Event(lambda **c: told.append("replaced")))
        talk.LoopRelation(None, replaced, "*")
        assert told == ["replaced"]


@pytest.mark.parametrize("subclassed", [False, True])
def test_a_loops_active_pairs_follow_its_condition(talk, subclassed):
    """A loop's condition decides its tags ('value' for counts, ranges, wildcards and True,
    'function' for a function) and so its active pairs, from construction on and after a new
    condition is set."""
    cls = type("Sub", (talk.LoopRelation,), {}) if subclassed else talk.LoopRelation

    def active_tags(loop):
        return {tag for condition, _event in loop.active_events for tag in condition.tags}

    loop = cls(None, talk.Notion("body"), "*")
    assert loop.tags == {"value"} and active_tags(loop) == {"value"}
    loop.condition = lambda: None
    assert loop.tags == {"function"} and active_tags(loop) == {"function"}
    loop.condition = 3
    assert loop.tags == {"value"} and active_tags(loop) == {"value"}
    function_loop = cls(None, talk.Notion("body"), lambda: None)
    assert active_tags(function_loop) == {"function"}
    assert active_tags(cls(None, None, None)) == set()


def test_a_message_one_of_a_notions_own_pairs_answers_still_reaches_it(talk):
    """Only the 'set_...' messages of the built-in properties go unsaid: 'set_subject_of' (a
    property of a user's element) matches a ComplexNotion's own 'set_subject' prefix pair, which
    takes the element as one of its relations, as it always did."""

    class Holder(talk.Element):
        @property
        def subject_of(self):
            return getattr(self, "_subject_of", None)

    holder = Holder()
    notion = talk.ComplexNotion("n")
    assert holder.change_property("subject_of", notion) is True
    assert holder.subject_of is notion and notion.relations == [holder]
