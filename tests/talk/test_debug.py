"""ProcessDebugger: the log and reply_at, on both implementations."""

from __future__ import annotations

from chatexchange.talk.debug import ProcessDebugger


def test_log(talk, capsys):
    cn = talk.ComplexNotion("CN")
    talk.NextRelation(cn, talk.Notion("N1"))
    talk.NextRelation(cn, talk.Notion("N2"))
    p = talk.Process()
    ProcessDebugger(p, log=True)
    assert p(cn) is True
    assert capsys.readouterr().out.splitlines() == [
        """"CN": 'next'? - '(<"CN" - "N1">, <"CN" - "N2">)'""",
        """<"CN" - "N1">: 'next'? - '"N1"'""",
        """"N1": 'next'? - 'True'""",
        """<"CN" - "N2">: 'next'? - '"N2"'""",
        """"N2": 'next'? - 'True'""",
    ]


def test_reply_at_and_detach(talk):
    here = talk.ComplexNotion("here")
    a = talk.ActionNotion("a", None)
    talk.NextRelation(here, a)
    p = talk.Process()
    debugger = ProcessDebugger(p)
    debugger.reply_at(a, "oh noes!")
    assert p(here) is False
    assert p.current is a and p.message == ["oh noes!", "query"]
    debugger.reply_at(a, "stop")
    assert p("new", here) == "stop"
    assert p.current is a and p.message == ["query"]
    debugger.detach()
    assert p("new", here) is True


def test_log_of_a_parsing_process_shows_the_text(talk, capsys):
    """With a text, the query part is "<text>, <query>" (inside the quotes)."""
    root = talk.ComplexNotion("root")
    talk.ParsingRelation(root, None, "a")
    p = talk.ParsingProcess()
    ProcessDebugger(p, log=True)
    p("new", root, text="ab")
    assert capsys.readouterr().out.splitlines() == [
        """"root": 'ab, next'? - '<"root" - None>'""",
        """<"root" - None>: 'ab, next'? - '({'proceed': 1}, None)'""",
    ]
