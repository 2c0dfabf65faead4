"""DOT export of graphs."""

from __future__ import annotations

import re

import pytest

from chatexchange.talk.export import export_classes, get_printable


@pytest.fixture
def export(talk):
    return export_classes(talk)


def test_ids_and_a_custom_exporter(talk, export, capsys):
    ExportProcess, _ = export
    b = talk.GraphBuilder("Export Graph").next_rel().complex("complex")
    graph = b.graph
    p = ExportProcess()
    assert p.get_type_id(graph) == "graph"
    assert p.get_type_id(graph.root) == "cn"
    assert p.get_type_id(talk.Notion("n")) == "n"
    assert p.get_type_id(talk.LoopRelation(None, None)) == "lr"
    assert [p.get_serial_id("test"), p.get_serial_id("test"), p.get_serial_id("tset")] == [
        "test_0",
        "test_1",
        "tset_0",
    ]
    assert p.get_element_id(graph.root) == "cn_0"
    assert p.get_element_id(graph.root) == "cn_0"
    assert p.get_element_id(graph.notion("complex")) == "cn_1"
    assert p.get_element_id(1) == "1"

    class Names(ExportProcess):
        def export_graph(self, graph):
            return f"(g:{graph.name})"

        def export_notion(self, notion):
            return f"(n:{notion.name})"

        def export_relation(self, relation):
            return "-"

    n = Names()
    assert n("new", graph) is True
    assert n.out == "(g:Export Graph)(n:Export Graph)-(n:complex)"
    assert capsys.readouterr().out == n.out


def _dot_graph(talk):
    def return_true():
        return True

    b = talk.GraphBuilder("Dot Export")
    b.parse_rel(re.compile("a+")).select("select")
    select = b.current
    b.next_rel("*", return_true)
    b.set_current(select)
    b.next_rel(select).default().act("Action with the name of more than 20 chars", None)
    b.set_current(select)
    b.act_rel(None)
    return b.graph


EXPECTED = """digraph graph_0 {
cn_0[color = black, label = "Dot Export", shape = circle]
cn_0 -> sn_0[color = black, fontcolor = blue, label = "a+", style = ""]
sn_0[color = black, label = "select", shape = doublecircle]
sn_0 -> return_true[color = black, fontcolor = blue, label = "*", style = ""]
sn_0 -> an_0[color = black, fontcolor = blue, label = "\\"select\\"", style = "bold"]
an_0[color = red, label = "Action with the {SPACE}
name of more than 20 {SPACE}
chars", shape = circle]
sn_0 -> empty_0[color = red, fontcolor = blue, label = "", style = ""]
empty_0[shape = "point"]
return_true[color = red, shape = "rect"]
}
""".replace(" {SPACE}", " ")


def test_dot_export(talk, export, capsys, tmp_path):
    _, DotExport = export
    graph = _dot_graph(talk)
    p = DotExport()
    assert p("new", graph) is True
    assert p.out == EXPECTED
    assert capsys.readouterr().out == EXPECTED
    target = tmp_path / "graph.dot"
    assert p("new", graph, file=str(target)) is True
    assert target.read_text() == EXPECTED and capsys.readouterr().out == ""
    assert p.filename == str(target)


def test_dot_pieces(talk, export):
    _, DotExport = export
    p = DotExport()
    assert DotExport.get_dot_string(1) == "1"
    assert DotExport.get_dot_string(2, long="drink") == "2[long = drink]"
    assert DotExport.get_dot_string(3, label="long drink", max_len=5) == "3[label = long \ndrink]"
    assert [p.get_element_id(None), p.get_element_id(None)] == ["empty_0", "empty_1"]
    select = talk.SelectiveNotion("select")
    assert p.get_condition_string(talk.NextRelation(None, None, re.compile("\n+"))) == "\\\\n+"
    assert p.get_condition_string(talk.NextRelation(None, None, "*")) == "*"
    assert p.get_condition_string(talk.NextRelation(None, None, select)) == '\\"select\\"'
    assert p.get_condition_string(talk.Relation(None, None)) == ""
    assert get_printable(re.compile('a\tb"c')) == 'a\\tb\\"c'
    assert get_printable("x\ny", True) == "x\\\\ny"
    assert (DotExport.EMPTY, DotExport.OBJECTS_ID) == ("empty", "objects")
    assert (DotExport.MAX_RELATION_LABEL, DotExport.MAX_NOTION_LABEL) == (80, 20)
    assert DotExport.FILENAME == "file" and DotExport.GRAPH_ID == "graph"


def test_dot_individual_exports(talk, export):
    """Each element on its own, after two empty ids were handed out."""
    _, DotExport = export
    graph = _dot_graph(talk)
    select = graph.notion("select")
    action = graph.notion(re.compile("Action"))
    to_select, _, to_action, to_nothing = graph.relations()
    p = DotExport()
    assert [p.get_element_id(None), p.get_element_id(None)] == ["empty_0", "empty_1"]
    assert p.export_graph(graph) == "digraph graph_0 {"
    assert p.export_notion(select) == (
        'sn_0[color = black, label = "select", shape = doublecircle]'
    )
    assert p.export_notion(graph.root) == (
        'cn_0[color = black, label = "Dot Export", shape = circle]'
    )
    assert p.export_notion(action) == (
        'an_0[color = red, label = "Action with the \nname of more than 20 \nchars", '
        "shape = circle]"
    )
    assert p.export_relation(to_select) == (
        'cn_0 -> sn_0[color = black, fontcolor = blue, label = "a+", style = ""]'
    )
    assert p.export_relation(to_action) == (
        'sn_0 -> an_0[color = black, fontcolor = blue, label = "\\"select\\"", style = "bold"]'
    )
    assert p.export_relation(to_nothing) == (
        'sn_0 -> empty_2[color = red, fontcolor = blue, label = "", style = ""]'
    )
    assert p.export_empty(2) == 'empty_2[shape = "point"]'
    assert p.export_object("sax") == 'sax[color = red, shape = "rect"]'
    assert p.filename is None
