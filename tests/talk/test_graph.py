"""Graph: membership, root, search, naming, sub-graphs."""

from __future__ import annotations

import re

import pytest


def _graph(talk):
    g = talk.Graph("root")
    rave = talk.ComplexNotion("rave", g)
    lock = talk.Notion("lock", g)
    return g, g.root, rave, lock


def test_membership_and_root(talk):
    g = talk.Graph("root")
    rave = talk.Notion("rave", g)
    assert list(g.notions()) == [g.root, rave]
    rave.owner = None
    assert list(g.notions()) == [g.root]
    rel = talk.Relation(g.root, None, g)
    assert len(g.relations()) == 1
    rel.owner = None
    assert g.relations() == ()
    with pytest.raises(ValueError):
        g.root = rel
    with pytest.raises(ValueError):
        g.root = talk.Notion("stranger")
    with pytest.raises(ValueError):
        g.root = g.root
    g.root.owner = None
    assert g.root is None and str(g) == '{""}' and g.name is None


def test_notion_search(talk):
    g, root, rave, lock = _graph(talk)
    assert [n.name for n in g.notions(re.compile("r"))] == ["root", "rave"]
    assert g.notion(re.compile("r")) is root
    assert g.notion("lock") is lock
    assert g.notion(lambda n: n is rave) is rave
    assert g.notion("nope") is None
    assert len(g.notions(lambda n: False)) == 3
    assert isinstance(g.notions(), tuple) and isinstance(g.notions("lock"), list)


def test_relation_search(talk):
    g, root, rave, lock = _graph(talk)
    rel = talk.Relation(root, rave, g)
    rel2 = talk.Relation(rave, lock, g)
    rel3 = talk.Relation(root, None, g)
    assert list(g.relations()) == [rel, rel2, rel3]
    assert g.relation() is rel
    assert g.relations({"subject": root}) == [rel, rel3]
    assert g.relations({"object": rave}) == [rel]
    assert g.relations({"subject": rave, "object": lock}) == [rel2]
    assert g.relations({"subject": root, "object": lock}) == [rel, rel2, rel3]
    assert g.relations(lambda r: r is rel3) == [rel3]
    assert g.relation({"object": "zzz"}) is None
    assert g.relations(42) == []  # neither a dict nor a callable: nothing (Py3 raised TypeError)


def test_naming_and_sub_graphs(talk):
    graph = talk.Graph("g")
    assert graph("next") is graph.root
    graph.name = "graph"
    assert graph.root.name == "graph"
    assert str(graph) == '{"graph"}'
    sub = talk.Graph("sub", graph)
    assert repr(sub) == '{Graph({"sub"}, {"graph"})}'
    assert repr(graph) == '{Graph({"graph"})}'
    assert graph.notion("sub") is sub
    assert sub("visit") is sub.root
