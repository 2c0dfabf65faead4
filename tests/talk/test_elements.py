"""Element: property-change protocol, directions, string forms, subclassing."""

from __future__ import annotations


class Recorder:
    def __init__(self, talk):
        class _Recorder(talk.Abstract):
            def __init__(self):
                self.calls = []

            def __call__(self, *message, **context):
                self.calls.append((message, dict(context)))

        self.cls = _Recorder


def test_change_property_notifies_old_and_new(talk):
    owner = Recorder(talk).cls()
    e = talk.Element()
    e.owner = owner
    assert e.change_property("owner", 1) is True
    assert e.change_property("owner", 1) is None
    assert e.owner == 1
    assert [m for m, _ in owner.calls] == [("set_owner",), ("set_owner",)]
    first, second = (c for _, c in owner.calls)
    assert first["old-value"] is None and first["new-value"] is owner
    assert second["old-value"] is owner and second["new-value"] == 1
    assert first["sender"] is e and second["sender"] is e


def test_add_prefix(talk):
    assert talk.Element.add_prefix("owner", "set") == "set_owner"
    assert talk.Element.add_prefix("settings", "set") == "settings"


def test_direction_helpers(talk):
    e = talk.Element()
    e.on_forward(lambda *m: m[0])
    assert e("next") == "next"
    e.off_forward()
    assert e("next") is False
    e.on_backward(lambda *m: m[0])
    for word in ("previous", "error", "break", "continue"):
        assert e(word) == word
    e.off_backward()
    assert e("previous") is False
    e.on_visit(lambda: "visited")
    assert e("visit") == "visited"
    e.off_visit()
    assert e("visit") is False
    assert not e.is_forward(None)
    assert not e.is_forward([])
    assert e.is_forward(["next"]) is True
    assert e.is_forward([["unhashable"]]) is False
    assert sorted(talk.Process.BACKWARD) == ["break", "continue", "error", "previous"]
    assert {"next"} == talk.Process.FORWARD


def test_string_forms(talk):
    n2 = talk.Notion("n2")
    n1 = talk.Notion("n1", n2)
    assert str(n1) == '"n1"'
    assert repr(n1) == '<Notion("n1", "n2")>'
    n1.owner = None
    assert repr(n1) == '<Notion("n1")>'
    assert str(talk.Relation(n1, n2)) == '<"n1" - "n2">'
    assert repr(talk.Relation(None, None)) == "<None - None>"


def test_constants(talk):
    e = talk.Element
    assert (e.SET_PREFIX, e.SEP, e.OWNER, e.NAME) == ("set", "_", "owner", "name")
    assert (e.OLD_VALUE, e.NEW_VALUE) == ("old-value", "new-value")
    assert (talk.Relation.SUBJECT, talk.Relation.OBJECT) == ("subject", "object")
    assert talk.SelectiveNotion.CASES == "cases"
    assert talk.LoopRelation.ITERATION == "i"
    assert frozenset({"*", "?", "+"}) == talk.LoopRelation.WILDCARDS
    assert float("inf") == talk.LoopRelation.INFINITY


def test_python_subclass_of_element_overrides(talk):
    class Shouter(talk.Notion):
        def __init__(self, name):
            super().__init__(name)
            self.extra = "attributes work"
            self.on_forward(self.shout)

        def shout(self, **context):
            return {"add_context": {"shout": self.name.upper()}}

        def __str__(self):
            return f"<{self.name}!>"

    s = Shouter("hey")
    assert str(s) == "<hey!>" and s.extra == "attributes work"
    p = talk.SharedProcess()
    assert p("new", s) is None
    assert p.context["shout"] == "HEY"


def test_python_subclass_overriding_can_go_forward(talk):
    class OnlyWithKey(talk.ComplexNotion):
        def can_go_forward(self, *message, **context):
            return bool(message) and message[0] == "next" and "key" in context

    n = OnlyWithKey("gate")
    target = talk.ActionNotion("t", "stop")
    talk.NextRelation(n, target)
    p = talk.Process()
    assert p("new", n) is True
    assert p.current is n
    assert p("new", n, key=1) == "stop"
    assert p.current is target


def test_notion_events_added_by_user_run_with_text(talk):
    seen = []
    n = talk.Notion("n")
    n.on_forward(lambda text: seen.append(text))
    root = talk.ComplexNotion("root")
    talk.ParsingRelation(root, n, "ab")
    talk.NextRelation(root, talk.ActionNotion("spy", lambda text: seen.append(text)))
    p = talk.ParsingProcess()
    p("new", root, text="abcd")
    assert seen == ["cd", "cd"]


def test_a_bare_element_and_a_direct_subclass_answer_nothing(talk):
    """Regression: the pure engine raised AttributeError ('_custom') for an Element that never
    registered an event."""

    class Quiet(talk.Element):
        def describe(self):
            return "quiet"

    for element in (talk.Element(), Quiet()):
        assert element("next") is False
        assert element.handle(["visit"], {}) == (False, -1, None)
    assert talk.Process()("new", Quiet()) is True  # a leaf: asked, answers nothing, go on
