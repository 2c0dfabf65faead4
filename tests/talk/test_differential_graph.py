"""Random graphs and texts through both engines (and through the pure engine with its direct
dispatch switched off): identical results, final contexts, positions, states and undo depths."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import chatexchange.talk as ct
from tests.talk.conftest import load_implementation


# -- actions and conditions shared by every build (module-level, so all builds use the same) ------
def count(**context):
    if "acc" in context:
        return {"update_context": {"acc": context["acc"] + 1}}
    return {"add_context": {"acc": 1}}


def mark(state):
    return {"set_state": {"v": state.get("v", 0) + 1}}


def starts_with_a(text):
    return 1 if isinstance(text, str) and text.startswith("a") else -1


def countdown(state):
    return 3 if "i" not in state else state["i"] - 1


def seen(last_parsed, parsed_length):
    return {"update_context": {"seen": f"{last_parsed}@{parsed_length}"}}


ACTIONS = {
    "none": None,
    "count": count,
    "mark": mark,
    "seen": seen,
    "error": "error",
    "break": "break",
    "continue": "continue",
    "stop": "stop",
    "ok": "ok",
    # (No undo-group or state commands: from an action they unbalance the lookahead of the
    # enclosing loops and selections, which can then repeat forever, as in the original.)
    "unknown": "no such command",
    "list": lambda: [None, {"add_context": {"k": 1}}],
    "delete": lambda: {"delete_context": "acc"},  # a fresh dict: commands are consumed
    "proceed": lambda: {"proceed": 1},
    "update": lambda last_parsed: {"update_context": {"last": last_parsed}},
}
PARSE_CONDITIONS = {
    "a": ("a", {}),
    "b": ("b", {}),
    "ab": ("ab", {}),
    "a+": (re.compile("a+"), {}),
    "[ab]": (re.compile("[ab]"), {}),
    "b*": (re.compile("b*"), {}),
    "list": (["a", "ba"], {}),
    "search": (re.compile("b"), {"search": True}),
    "ignorecase": ("A", {"ignore_case": True}),
    "function": (starts_with_a, {}),
    "anchored": (re.compile("^a"), {}),
    "branch": (re.compile("(a|b)b"), {}),
    "negated": (re.compile("[^a]"), {}),
    "optional-a": (re.compile("a?b"), {}),
    "lookahead": (re.compile("(?=a)ab?"), {}),
    "empty": ("", {}),
    "none": (None, {}),
}
CONSUMING = ["a", "b", "ab", "a+", "[ab]", "list"]
LOOPS = [None, 0, 1, 2, 3, (1, 2), (None, 2), (2, None), (0, 0), "*", "+", "?", True, countdown]

names = st.integers(0, 10**6).map(lambda i: f"n{i}")
actions = st.sampled_from(sorted(ACTIONS))


def nodes(depth):
    leaf = st.one_of(
        st.tuples(st.just("action"), actions),
        st.tuples(st.just("notion")),
    )
    if depth <= 0:
        return leaf
    child = nodes(depth - 1)
    relation = st.one_of(
        st.tuples(st.just("next"), child),
        st.tuples(
            st.just("parse"),
            st.sampled_from(sorted(PARSE_CONDITIONS)),
            child,
            st.booleans(),
            st.booleans(),
        ),
        st.tuples(
            st.just("loop"), st.sampled_from(range(len(LOOPS))), st.sampled_from(CONSUMING), child
        ),
        st.tuples(st.just("act"), actions, child),
    )
    return st.one_of(
        leaf,
        st.tuples(st.just("complex"), st.lists(relation, min_size=1, max_size=3)),
        st.tuples(st.just("select"), st.lists(relation, min_size=1, max_size=3), st.booleans()),
    )


def build(talk, spec, counter):
    counter[0] += 1
    name = f"{spec[0]}{counter[0]}"
    kind = spec[0]
    if kind == "action":
        return talk.ActionNotion(name, ACTIONS[spec[1]])
    if kind == "notion":
        return talk.Notion(name)
    notion = (talk.ComplexNotion if kind == "complex" else talk.SelectiveNotion)(name)
    relations = [relation(talk, notion, r, counter) for r in spec[1]]
    if kind == "select" and spec[2]:
        notion.default = relations[-1]
    return notion


def relation(talk, subject, spec, counter):
    kind = spec[0]
    if kind == "next":
        return talk.NextRelation(subject, build(talk, spec[1], counter))
    if kind == "parse":
        condition, options = PARSE_CONDITIONS[spec[1]]
        return talk.ParsingRelation(
            subject,
            build(talk, spec[2], counter),
            condition,
            optional=spec[3],
            check_only=spec[4],
            **options,
        )
    if kind == "loop":
        # The body consumes first, so every iteration makes progress and every loop ends.
        body = talk.ComplexNotion(f"body{counter[0]}")
        counter[0] += 1
        condition, options = PARSE_CONDITIONS[spec[2]]
        talk.ParsingRelation(body, build(talk, spec[3], counter), condition, **options)
        return talk.LoopRelation(subject, body, LOOPS[spec[1]])
    return talk.ActionRelation(subject, build(talk, spec[2], counter), ACTIONS[spec[1]])


def norm(value, depth=0):
    if depth > 6:
        return "..."
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {k: norm(v, depth + 1) for k, v in value.items() if k not in ("sender",)}
    if isinstance(value, (list, tuple)):
        return [norm(v, depth + 1) for v in value]
    name = getattr(value, "name", None)
    if name is not None:
        return (type(value).__name__, name)
    if isinstance(value, ct.implementation("pure").Relation) or type(value).__name__.endswith(
        "Relation"
    ):
        return (type(value).__name__, str(value))
    return getattr(value, "__name__", type(value).__name__)


def run(talk, spec, text, generic=False, unfolded=False, answer="rank"):
    root = build(talk, spec, [0])
    if unfolded:

        class Unfolded(talk.ParsingProcess):
            """Its own do_push_context: a loop's bookkeeping runs as separate steps."""

            def do_push_context(self):
                return talk.ParsingProcess.do_push_context(self)

        process = Unfolded()
    elif generic:

        class Generic(talk.ParsingProcess):
            def update_tags(self):
                return super().update_tags()

        process = Generic()
        stack = [root]
        while stack:  # every element takes the generic Handler selection
            element = stack.pop()
            if element is None or not isinstance(element, talk.Element):
                continue
            element._custom = True
            stack.extend(getattr(element, "relations", ()))
            stack.append(getattr(element, "object", None))
    else:
        process = talk.ParsingProcess()
    try:
        context = {"text": text} if answer is None else {"text": text, "answer": answer}
        result = process("new", root, **context)
    except Exception as exc:  # both engines must fail the same way
        return ("raised", type(exc).__name__)
    return (
        norm(result),
        process.query,
        process.text,
        process.last_parsed,
        norm(process.context),
        sorted(norm(e) for e in process.states),
        process.undo_depth,
        norm(process.current),
        norm(process.message),
    )


texts = st.text(alphabet="ab A", max_size=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=nodes(3), text=texts)
def test_fast_dispatch_matches_generic_selection(spec, text):
    pure = ct.implementation("pure")
    assert run(pure, spec, text) == run(pure, spec, text, generic=True)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=nodes(3), text=texts)
# The conversation bot's shape: an optional parsing relation to an action notion, then a next
# relation to another action notion (the compiled process once raised TypeError on it).
@example(spec=("complex", [("parse", "a+", ("action", "seen"), True, False),
                           ("next", ("action", "count"))]), text="aab")
@example(spec=("complex", [("parse", "b", ("action", "seen"), True, False),
                           ("next", ("action", "count"))]), text="a")
def test_pure_and_compiled_agree(spec, text):
    compiled = load_implementation("compiled")
    assert run(ct.implementation("pure"), spec, text) == run(compiled, spec, text)


@settings(
    max_examples=150,
    deadline=None,
    # 'talk' is the same engine namespace for every example.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(spec=nodes(3), text=texts)
@example(spec=("complex", [("loop", 9, "a", ("action", "count"))]), text="aaa")  # "*"
@example(spec=("complex", [("loop", 4, "[ab]", ("action", "seen"))]), text="abab")  # 3
def test_folded_loop_steps_match_the_separate_steps(talk, spec, text):
    """A looping loop's next iteration is done in its query step (no 'forget_context',
    'set_state', 'push_context' steps) when nothing could see the steps in between: the same
    results, contexts, states and undo depths as a process that runs them one by one. Without
    'answer' in the context, so the elements are asked directly."""
    assert run(talk, spec, text, answer=None) == run(talk, spec, text, unfolded=True, answer=None)


# -- regression: the conversation bot's order graph --------------------------------------------
SIZES = ("small", "medium", "large")
TOPPINGS = ("cheese", "ham")


def order_graph(talk, said):
    """A complex notion with optional parsing relations to action notions and a next relation to
    another action notion (examples/conversation_bot.py). The compiled ParsingProcess once failed
    on it in the direct dispatch (``_command_events`` lookup of a user pair: TypeError)."""
    graph = talk.Graph("order")
    root = talk.ComplexNotion("order", graph)

    def set_size(last_parsed, memory):
        memory["size"] = last_parsed.strip().lower()

    def set_topping(last_parsed, memory):
        memory["topping"] = last_parsed.strip().lower()

    def reply(memory):
        said.append(dict(memory))

    for action, words in (("size", SIZES), ("topping", TOPPINGS)):
        talk.ParsingRelation(
            root,
            talk.ActionNotion(action, set_size if action == "size" else set_topping, graph),
            re.compile(rf"\s*(?:{'|'.join(words)})\b", re.IGNORECASE),
            graph,
            optional=True,
        )
    talk.NextRelation(root, talk.ActionNotion("reply", reply, graph), None, graph)
    return root


@pytest.mark.parametrize(
    "text, memory",
    [
        ("large", {"size": "large"}),
        ("small ham", {"size": "small", "topping": "ham"}),
        (" Medium cheese please", {"size": "medium", "topping": "cheese"}),
        ("ham", {"topping": "ham"}),
        ("", {}),
        ("nothing", {}),
    ],
)
def test_optional_parsing_to_actions_then_next_action(talk, text, memory):
    said = []
    root = order_graph(talk, said)
    process = talk.ParsingProcess()
    result = process("new", root, text=text, memory={}, answer="rank")
    assert said == [memory]
    pure_said = []
    pure = ct.implementation("pure").ParsingProcess()
    expected = pure("new", order_graph(ct.implementation("pure"), pure_said), text=text,
                    memory={}, answer="rank")
    assert (result, process.text, process.parsed_length) == (
        expected, pure.text, pure.parsed_length)
    # The same process walks the graph again for the next message ('new' starts afresh).
    assert process("new", root, text=text, memory={}, answer="rank") == result
    assert said == [memory, memory]
