"""Access: modes, specs, context mapping."""

from __future__ import annotations

import functools

import pytest


def test_star_signatures(talk):
    assert talk.Access(lambda *m: m)(1, 2, k=3) == (1, 2)
    assert talk.Access(lambda **c: c)("x", a=1, b=2) == {"a": 1, "b": 2}
    assert talk.Access(lambda a, *m: (a, m))("x", "y", a=5) == ("x", ("y",))
    assert talk.Access(lambda a, **c: (a, sorted(c)))("m", a=1, b=2) == (1, ["b"])
    assert talk.Access(lambda *m, **c: (m, c))(1, 2, a=3) == ((1, 2), {"a": 3})
    assert talk.Access(lambda: 42)("ignored", x=1) == 42


def test_context_mapping(talk):
    assert talk.Access(lambda a, b: a + b)("msg", a=2, b=3, c=4) == 5
    assert talk.Access(lambda a, b=1: (a, b))("m", a=3) == (3, 1)
    assert talk.Access(lambda a, b, c=8: (a, b, c))(c=1) == (None, None, 1)
    four = talk.Access(lambda a, b, c, d=4: (a, b, c, d))
    assert four(a=1, b=2, c=3) == (1, 2, 3, 4)
    assert four.call(["x"], {"d": 0}) == (None, None, None, 0)


def test_keyword_only_parameters_are_mapped(talk):
    """Decision: keyword-only parameters are filled from the context like the others."""
    access = talk.Access(lambda a, *, k, j=2: (a, k, j))
    assert access(a=1, k=5) == (1, 5, 2)
    assert access() == (None, None, 2)


def test_kwargs_missing_name_raises(talk):
    access = talk.Access(lambda a, **c: a)
    with pytest.raises(TypeError):
        access("m")


def test_values_modes_and_equality(talk):
    assert talk.Access((1, 2))("x", y=1) == (1, 2)
    assert talk.Access(7).mode == "value" and talk.Access(7).spec == "other"
    assert talk.Access(lambda: 1).mode == "function"
    h = talk.Handler()
    assert talk.Access(h).mode == "call" and talk.Access(h).spec == "abstract"
    assert talk.Access(1) == 1 and 1 == talk.Access(1)  # noqa: SIM300 (the reflected __eq__)
    assert talk.Access("a") == talk.Access("a") and not talk.Access(1) == 2  # noqa: SIM201
    assert talk.Access(1) != 2 and not talk.Access(1) != 1  # noqa: SIM202


def test_hash_follows_the_value(talk):
    """Decision: an Access hashes like its value, so equal objects hash equal."""
    assert hash(talk.Access("a")) == hash("a")
    assert len({talk.Access(1), talk.Access(1)}) == 1
    with pytest.raises(TypeError):
        hash(talk.Access([1]))


def test_spec_fields(talk):
    spec = talk.Access(lambda x, m=2, *a, **k: 0).spec
    assert spec.args == ["x", "m"] and spec.varargs == "a" and spec.keywords == "k"
    assert spec.defaults == (2,)


class Greeter:
    def __init__(self):
        self.calls = 0

    def method(self, name, greeting="hi"):
        self.calls += 1
        return f"{greeting} {name}"

    def bare(self):
        return "bare"

    def __call__(self, name):
        return name.upper()


def test_bound_methods_and_callable_objects(talk):
    g = Greeter()
    access = talk.Access(g.method)
    assert access.mode == "function" and access.spec.args == ["name", "greeting"]
    assert access(name="bob") == "hi bob"
    assert talk.Access(g.bare)("anything", x=1) == "bare"
    assert talk.Access(g)(name="eve") == "EVE"
    partial = functools.partial(lambda a, b: a * b, 3)
    assert talk.Access(partial)(b=2) == 6


def test_builtins(talk):
    assert talk.Access(len).mode == "function"
    # A class without a signature gets the default call: the message and the context.
    assert talk.Access(dict)(a=1) == {"a": 1}


def test_abstract_is_called_with_everything(talk):
    seen = []

    class Recorder(talk.Handler):
        def __call__(self, *message, **context):
            seen.append((message, context))
            return "ok"

    assert talk.Access(Recorder())("a", b=1) == "ok"
    assert seen == [(("a",), {"b": 1})]


def test_get_access_caches_on_functions(talk):
    def f(a):
        return a

    access = talk.Access.get_access(f, cache=True)
    assert f.__access__ is access and talk.Access.get_access(f) is access
    plain = talk.Access.get_access(f.__call__, cache=True)  # cannot be stored: ignored
    assert plain.mode == "function"
    assert talk.Access.get_access(5, cache=True).value == 5


def test_abstract_call_is_not_implemented(talk):
    with pytest.raises(NotImplementedError):
        talk.Abstract()("x")


def test_repr(talk):
    assert repr(talk.Access(7)) == "value, other: 7" and str(talk.Access(7)) == "value, other: 7"


def test_constants(talk):
    a = talk.Access
    assert (a.CALL, a.ABSTRACT, a.FUNCTION, a.VALUE, a.OTHER, a.CACHE_ATTR) == (
        "call",
        "abstract",
        "function",
        "value",
        "other",
        "__access__",
    )
    assert frozenset({"call", "function"}) == a.CACHEABLE


def test_signatures_are_inspected_once_per_function(talk, monkeypatch):
    """Regression: the call strategy of a function is cached per function object, for plain and
    compiled functions alike, and bound methods share their function's entry; building elements
    (whose compiled ``can_*``/``do_*`` methods are events) must not inspect them again each time."""
    import inspect

    calls = []
    real = inspect.signature

    def counting(obj, *args, **kwargs):
        calls.append(obj)
        return real(obj, *args, **kwargs)

    class Step:
        def act(self, a, b=2):
            return (a, b)

    def build(i):
        assert talk.Access(Step().act).call([], {"a": i}) == (i, 2)
        root = talk.ComplexNotion(f"n{i}")
        talk.ParsingRelation(root, talk.ActionNotion(f"a{i}", Step().act), "x")
        talk.NextRelation(root, talk.SelectiveNotion(f"s{i}"), None)
        talk.LoopRelation(root, talk.Notion(f"l{i}"), "*")
        talk.ActionRelation(root, talk.Notion(f"r{i}"), Step().act)
        talk.ParsingProcess()
        talk.StatefulProcess()

    build(-1)  # the first Access of each function inspects it
    monkeypatch.setattr(inspect, "signature", counting)
    for i in range(20):
        build(i)
    assert calls == []


def test_strategy_cache_follows_function_identity(talk):
    """Strategies are cached per live function object: a new function (which may reuse a
    collected one's id) with another signature gets its own strategy."""
    for i in range(100):
        if i % 2:
            f = eval("lambda a, b=2: (a, b)")  # a fresh function object each time
            assert talk.Access(f).call(["x"], {"a": i}) == (i, 2)
        else:
            f = eval("lambda *m: m")
            assert talk.Access(f).call(["x"], {"a": i}) == ("x",)
        del f


def test_positional_only_parameters_are_mapped(talk):
    """Decision: the original's shim called by keyword, which breaks positional-only
    parameters; mapping calls positionally, so they work like any other."""
    access = talk.Access(lambda a, /, b=2: (a, b))
    assert access("message", a=1) == (1, 2)
    assert access.spec.args == ["a", "b"]


def test_what_a_call_sees_of_its_context(talk):
    """An Access knows once what its call can see of the context dict (a walk skips its copy for
    built-in elements when nothing could see it): a function's flags come with its cached
    strategy, a bound method's are those of its parameters without the instance's."""

    class Step:
        def rank(sender):  # (bound: the instance takes 'sender', nothing is read)
            return sender

        def text(self, text):
            return text

        def state(self, a, *, state=None):
            return state

        def star(self, *message):
            return message

        def context(self, **context):
            return context

    def flags(value):
        access = talk.Access(value)
        return (access._sees_dict, access._reads_text, access._reads_state)

    for _ in range(2):  # the second time from the cached strategies
        assert flags(Step.rank) == (True, False, False)
        assert flags(Step().rank) == (False, False, False)
        assert flags(Step().text) == (False, True, False)
        assert flags(Step().state) == (False, False, True)
        assert flags(Step().star) == (False, False, False)
        assert flags(Step().context) == (True, True, True)
        assert flags(lambda event, text: 0) == (True, True, False)
        assert flags(lambda: 0) == (False, False, False)
        assert flags(talk.Access(1)) == (True, True, True)  # an Abstract: the dict itself
        assert flags(5) == (False, False, False)
        assert flags(dict) == (True, True, True)  # no signature: the call passes everything
