"""Helpers of the graph-talk cases file (ACC, VSTART, LOOPFIX) shared by the graph tests."""

from __future__ import annotations


def acc(**context):
    """ACC: count visits in the shared context."""
    if "acc" in context:
        return {"update_context": {"acc": context["acc"] + 1}}
    return {"add_context": {"acc": 1}}


def vstart(**context):
    """VSTART: count visits in the element's private state."""
    state = context["state"]
    if "v" in state:
        return {"set_state": {"v": state["v"] + 1}}
    return {"set_state": {"v": 1}}


def loopfix(talk, condition):
    """root -loop(condition)-> aa -'a'-> acc(ACC); returns (root, loop)."""
    root = talk.ComplexNotion("root")
    aa = talk.ComplexNotion("aa")
    loop = talk.LoopRelation(root, aa, condition)
    talk.ParsingRelation(aa, talk.ActionNotion("acc", acc), "a")
    return root, loop


def run_fix(talk, root, text, process=None):
    """(r, parsed_length, acc or 0, undo depth, number of states) after P('new', root, text=T)."""
    p = process or talk.ParsingProcess()
    r = p("new", root, text=text)
    return (r, p.parsed_length, p.context.get("acc", 0), p.undo_depth, len(p.states))


def summary(p):
    """(parsed_length, query, name of current, undo depth, number of states)."""
    current = p.current
    name = getattr(current, "name", current)
    return (p.parsed_length, p.query, name, p.undo_depth, len(p.states))
