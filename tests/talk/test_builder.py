"""GraphBuilder chains."""

from __future__ import annotations

import re

import pytest


def test_guide_example(talk):
    b = talk.GraphBuilder("New Graph")
    b.next_rel().complex("initiate").next_rel().notion(
        "remove breaks"
    ).back().back().next_rel().act("ignite", 1)
    assert talk.Process()(b.graph) == 1
    assert [n.name for n in b.graph.notions(re.compile("i*"))] == ["initiate", "ignite"]


def test_builder_chain(talk):
    assert (talk.GraphBuilder().graph, talk.GraphBuilder().current) == (None, None)
    assert talk.GraphBuilder(talk.Graph()).current is None
    b = talk.GraphBuilder("BT")
    assert b.current is b.graph.root and b.graph.name == "BT"
    b.complex("Complex").notion("Notion")
    complex_ = b.graph.notion("Complex")
    notion = b.graph.notion("Notion")
    b.current = complex_
    b.next_rel(1, notion, ignore_case=True).act("Action", 1).act_rel(2, b.graph.notion("Action"))
    b.parse_rel(3, None, optional=True, check_only=True).select("Select").loop_rel(4, notion)
    b.default()
    g = b.graph
    kinds = [type(e).__name__ for e in g.notions()[1:]] + [type(r).__name__ for r in g.relations()]
    assert kinds == [
        "ComplexNotion",
        "Notion",
        "ActionNotion",
        "SelectiveNotion",
        "NextRelation",
        "ActionRelation",
        "ParsingRelation",
        "LoopRelation",
    ]
    nr, ar, pr, lr = g.relations()
    select = g.notion("Select")
    assert nr.subject is complex_ and nr.object is notion
    assert nr.condition_access.ignore_case is True
    assert ar.subject is None and ar.object is g.notion("Action")
    assert pr.subject is None and pr.object is select and pr.optional and pr.check_only
    assert lr.subject is select and lr.object is notion and select.default is lr

    b.sub_graph("Sub")
    sub = b.graph
    assert sub.name == "Sub" and sub.owner is g and b.current is sub.root
    assert talk.GraphBuilder().sub_graph("Sub2").graph.name == "Sub2"
    b.pop()
    assert b.graph is g and b.current is g.root
    with pytest.raises(IndexError):
        b.pop()
    action = g.notion("Action")
    assert b[action].current is action
    b.set_current(sub.root)
    assert b.graph is sub
    b.set_current(g.root)
    assert b["Select"].current is select
    b.set_current(notion)
    assert b.back().current is nr
    assert b.back().current is complex_
    b.set_current(g.root)
    assert b.back() is None
    with pytest.raises(TypeError):
        b.default()
    with pytest.raises(TypeError):
        b.attach(b)
    preset = talk.Notion("preset", g)
    b.set_current(complex_)
    b.next_rel("x", preset).notion("ignored")
    assert g.relations()[-1].object is preset
    assert b.current.name == "ignored" and b.current.owner is g
