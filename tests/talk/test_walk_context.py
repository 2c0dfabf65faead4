"""What the code a walk runs sees of the context. A process asks its built-in elements without a
copy of its context when nothing that runs could see the copy (a value, ``f()``, ``f(*message)``,
or context mapping of keys that ``handle`` does not write); everything that could see it still
gets the copy ``element(query, **context)`` made in the original. These pin both sides."""

from __future__ import annotations

import re

import pytest


def _lexer(talk, actions):
    """A '*' loop over a selection of parsing cases, each to an action notion."""
    builder = talk.GraphBuilder("tokens")
    builder.loop_rel("*").select("token")
    token = builder.current
    for condition, action in actions:
        builder.set_current(token)
        builder.parse_rel(condition)
        builder.act("act", action)
    return builder.graph


def test_mapped_actions_see_the_values_handle_writes(talk):
    """rank, condition, event and sender are what the action notion's own handle wrote into its
    copy: its rank 0 and condition True, the action, and the process as the sender."""
    seen = []

    def action(rank, condition, event, sender, last_parsed):
        seen.append((rank, condition, event, sender, last_parsed))

    graph = _lexer(talk, [(re.compile("[a-z]+"), action), (" ", lambda: None)])
    p = talk.ParsingProcess()
    p("new", graph, text="ab cd")
    assert p.is_parsed()
    assert seen == [(0, True, action, p, "ab"), (0, True, action, p, "cd")]


def test_a_context_action_gets_a_copy_with_the_real_text(talk):
    """An action taking **context gets a copy: what it writes stays out of the process context,
    and its 'text' is the remaining text (a string), never the walk's offset."""
    texts = []

    def action(**context):
        texts.append(context["text"])
        context["written"] = True
        context["parsed_length"] = -1

    graph = _lexer(talk, [(re.compile("[a-z]+"), action), (" ", lambda: None)])
    p = talk.ParsingProcess()
    p("new", graph, text="ab cd ef")
    assert p.is_parsed()
    assert texts == [" cd ef", " ef", ""]
    assert "written" not in p.context and p.parsed_length == 8


def test_actions_without_the_context_run_once_per_token_in_order(talk):
    tokens = []
    graph = _lexer(talk, [
        (re.compile("[0-9]+"), lambda: tokens.append("number")),
        (re.compile("[a-z]+"), lambda *message: tokens.append(("word", message))),
        ("==", lambda last_parsed: tokens.append(last_parsed)),
        ("=", True),
        (" ", None),
    ])
    p = talk.ParsingProcess()
    p("new", graph, text="a == 12 = b")
    assert p.is_parsed()
    assert tokens == [("word", ("next",)), "==", "number", ("word", ("next",))]


def test_a_case_with_user_code_keeps_the_selection_exact(talk):
    """A case whose condition is a user function (it needs the copy) in a selection of plain ones:
    every case is still asked once per token, and the longest match wins."""
    calls = []

    def digits(text):
        calls.append(text)
        match = re.match("[0-9]+", text)
        return len(match[0]) if match else -1

    found = []
    graph = _lexer(talk, [
        (re.compile("[0-9a-z]+"), lambda last_parsed: found.append(("word", last_parsed))),
        (digits, lambda last_parsed: found.append(("digits", last_parsed))),
        (" ", None),
    ])
    p = talk.ParsingProcess()
    p("new", graph, text="12 a3")
    assert p.is_parsed()
    # Equal ranks ("12"): both cases are tried in order with lookahead; the first one completes.
    assert found == [("word", "12"), ("word", "a3")]
    assert calls == ["12 a3", " a3", "a3", ""]  # and at the end, where every case fails


@pytest.mark.parametrize("kind", ["StatefulProcess", "ParsingProcess"])
def test_custom_loop_conditions_and_action_relations(talk, kind):
    """A LoopRelation with a function condition and ActionRelations, asked without a copy when
    their functions see no context, with one when they take **context."""
    counts = {"left": 3}
    log = []

    def more():
        counts["left"] -= 1
        return counts["left"] >= 0

    def sees_all(**context):
        log.append(context["rank"])
        context["rank"] = 99

    root = talk.ComplexNotion("root")
    body = talk.ComplexNotion("body")
    talk.LoopRelation(root, body, more)
    talk.ActionRelation(body, None, lambda: log.append("plain"))
    talk.ActionRelation(body, None, sees_all)
    p = getattr(talk, kind)()
    p("new", root, text="")
    assert log == ["plain", 0, "plain", 0, "plain", 0]
    assert p.context["rank"] != 99


def test_step_keys_are_written_when_they_can_be_seen(talk):
    """A process writes its own step's rank, condition and event into its context only when
    something could read them: ``process.context`` (and user code given the context or a copy)
    always shows the current step's, and the run ends with them written. A dict held from before,
    read by code that is given nothing, can show an earlier step's (docs/engine.md says so)."""
    seen = []
    p = talk.StatefulProcess()
    held = {}

    def action():
        current = p.context
        seen.append(((current["rank"], current["condition"]), (held["rank"], held["condition"])))

    root = talk.ActionNotion("act", action)
    assert p.handle(["new", root], held) == (True, 5, p.do_query)
    # Inside the query step: the property shows it; the held dict still had the push step's
    # keys until the property wrote them (reading p.context first writes them into it).
    assert seen == [((5, "query"), (5, "query"))]
    assert held["rank"] == 5 and held["condition"] == "query" and held["event"] == p.do_query
    assert held["sender"] is p

    seen.clear()
    quiet = []

    def quiet_action():
        quiet.append((held["rank"], held["condition"]))

    root = talk.ActionNotion("act", quiet_action)
    p.handle(["new", root], held)
    assert quiet == [(0, True)]  # the first step's, written at once; the query step's come later
    assert (held["rank"], held["condition"]) == (5, "query")


def test_a_replaced_event_in_the_live_events_list_still_runs(talk):
    """``events`` is a live list: an event put there directly (not through ``on``) replaces the
    built-in one, and the walk runs it, as ``handle`` would."""
    calls = []
    root = talk.ComplexNotion("root")
    select = talk.SelectiveNotion("select")
    talk.NextRelation(root, select)
    word = talk.ParsingRelation(select, talk.ActionNotion("word", lambda: calls.append("word")),
                                re.compile("[a-z]+"))
    talk.ParsingRelation(select, None, re.compile("[0-9]+"))
    condition = word.events[0][0]
    word.events[0] = (condition, talk.Event(lambda: calls.append("replaced") or "stop"))
    p = talk.ParsingProcess()
    assert p("new", root, text="abc") == "stop"
    assert calls == ["replaced"]

    loop_root = talk.ComplexNotion("loop root")
    body = talk.ActionNotion("body", lambda: calls.append("body"))
    loop = talk.LoopRelation(loop_root, body, 2)
    start = loop.events[2]
    loop.events[2] = (start[0], talk.Event(lambda: calls.append("start") or "stop"))
    calls.clear()
    assert talk.StatefulProcess()("new", loop_root) == "stop"
    assert calls == ["start"]


def test_a_list_condition_with_a_context_function_gets_a_copy(talk):
    """A NextRelation whose condition is a list holding a ``**context`` function: the function
    sees a copy of the process's context (the query step's rank and condition), and what it
    writes stays there."""
    seen = []

    def sees(**context):
        seen.append((context["rank"], context["condition"]))
        context["leak"] = True
        return True

    root = talk.ComplexNotion("root")
    talk.NextRelation(root, talk.ActionNotion("end", "stop"), ["nothing", sees])
    p = talk.StatefulProcess()
    assert p("new", root) == "stop"
    assert seen == [(5, "query")]
    assert "leak" not in p.context
