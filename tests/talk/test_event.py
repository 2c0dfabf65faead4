"""Event.run with pre- and post-events."""

from __future__ import annotations


def test_run_with_pre_and_post(talk):
    e = talk.Event(1)
    assert e.run([], {}) == (1, 1) and e.pre is None and e.post is None
    e.pre = 0
    assert e.run([], {}) == (0, 0)
    e.pre = lambda: None
    assert e.run([], {}) == (1, 1)
    e.pre = None
    assert e.run([], {}) == (1, 1) and e.pre_event is None

    def post(**c):
        return c["result"]

    e.post = post
    context = {}
    result, source = e.run([], context)
    assert result == 1 and source is post and context["result"] == 1
    e.post = lambda: None
    assert e.run([], {}) == (1, 1)


def test_pre_event_false_stops_the_main_value(talk):
    calls = []

    def double(x):
        calls.append(x)
        return x * 2

    def refuse():
        return False

    e = talk.Event(double)
    e.pre = refuse
    assert e.run([], {"x": 4}) == (False, refuse) and calls == []
    e.pre = None
    assert e.run([], {"x": 4}) == (8, double)


def test_event_objects_as_pre_and_post(talk):
    e = talk.Event("main")
    e.pre_event = talk.Event(None)
    e.post_event = talk.Event(lambda result: result + "!")
    assert e.run([], {}) == ("main!", e.post_event.value)
    assert e.post == e.post_event.value


def test_event_is_callable_as_access(talk):
    e = talk.Event(lambda a: a * 3)
    assert e(a=2) == 6 and e.RESULT == "result"
