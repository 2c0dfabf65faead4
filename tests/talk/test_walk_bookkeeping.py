"""The process's own bookkeeping during a walk: its frame stack (kept in slots that are reused,
not in lists that grow and shrink at every step) and the undo records of a folded loop step.
Nothing of it is visible but through ``depth``, ``states``, ``undo_depth`` and what the
elements' references keep alive; these pin that."""

from __future__ import annotations

import gc
import weakref

import pytest


def _nested(talk, process, depths):
    """root -> inner -> deeper, each running actions that note the process's depth."""
    root = talk.ComplexNotion("root")
    inner = talk.ComplexNotion("inner")
    talk.NextRelation(root, inner)
    deeper = talk.ComplexNotion("deeper")
    talk.NextRelation(inner, deeper)
    talk.ActionRelation(deeper, None, lambda: depths.append(("deeper", process.depth)))
    talk.ActionRelation(deeper, None, lambda: depths.append(("deeper 2", process.depth)))
    talk.ActionRelation(inner, None, lambda: depths.append(("inner", process.depth)))
    talk.ActionRelation(root, None, lambda: depths.append(("root", process.depth)))
    return root


def test_depth_counts_the_frames_during_a_walk(talk):
    """A frame per element with items still pending below it (the figures the original's list of
    frames gave), and one frame when the walk is over; again on a second walk."""
    depths = []
    process = talk.ParsingProcess()
    root = _nested(talk, process, depths)
    expected = [("deeper", 4), ("deeper 2", 3), ("inner", 2), ("root", 1)]
    process("new", root, text="")
    assert depths == expected and process.depth == 1
    depths.clear()
    process("new", root, text="")
    assert depths == expected and process.depth == 1


def test_popping_below_the_last_frame_raises_and_changes_nothing(talk):
    """After a deep walk (its frame slots are still there), popping a frame that is not there is
    an IndexError, as popping the original's empty list of frames was."""
    process = talk.ParsingProcess()
    process("new", _nested(talk, process, []), text="")
    current = process.current
    with pytest.raises(IndexError):
        process.do_queue_pop()
    assert process.depth == 1 and process.current is current


def test_a_finished_walk_keeps_no_element_of_its_popped_frames(talk):
    """A popped frame's slot lets go of its element: after a walk, the elements of the frames
    that were below the top one are not kept alive by the process (here the part of the graph
    below the root, cut off from it after the walk)."""
    process = talk.ParsingProcess()
    root = _nested(talk, process, [])
    process("new", root, text="")
    relation = root.relations[0]
    inner = weakref.ref(relation.object)
    deeper = weakref.ref(relation.object.relations[0].object)
    relation.subject = None
    del relation
    gc.collect()
    assert root.relations and inner() is None and deeper() is None


def _pushing_loop(talk):
    """root: a '*' loop over 'a' whose first token's action opens an undo group of its own (a
    'push_context' reply) above the loop's iteration group, then a tail."""
    calls = []

    def act():
        calls.append(1)
        return "push_context" if len(calls) == 1 else None

    root = talk.ComplexNotion("root")
    body = talk.ComplexNotion("body")
    loop = talk.LoopRelation(root, body, "*")
    talk.ParsingRelation(body, talk.ActionNotion("act", act), "a")
    talk.NextRelation(root, talk.ComplexNotion("tail"))
    return root, loop


def test_a_folded_iteration_records_the_state_in_the_group_its_drop_uncovers(talk):
    """A folded '*' iteration drops the top undo group ('forget_context') and records the loop's
    new state in the group below it, as the separate steps do: rolling that group back later
    restores the state the loop had when the group was opened."""

    class Unfolded(talk.ParsingProcess):
        """Its own do_push_context: the loop's bookkeeping runs as separate steps."""

        def do_push_context(self):
            return talk.ParsingProcess.do_push_context(self)

    for cls in (talk.ParsingProcess, Unfolded):
        root, loop = _pushing_loop(talk)
        process = cls()
        process("new", root, text="aaab")
        assert process.undo_depth == 1 and loop not in process.states
        process("pop_context")
        assert (process.undo_depth, dict(process.states), process.text) == (
            0, {loop: {"i": 1}}, "aaab"
        )


def test_a_state_key_of_the_callers_keeps_the_loop_from_folding(talk):
    """While the context has a 'state' key of its own (here written by each token's action), the
    loop is asked as in the original, which writes the loop's state there and removes the key
    after the question: so the next token's action finds no such key."""
    seen = []
    process = talk.ParsingProcess()

    def action(last_parsed):
        seen.append((last_parsed, "state" in process.context))
        return {"update_context": {"state": "mine"}}

    root = talk.ComplexNotion("root")
    body = talk.ComplexNotion("body")
    talk.LoopRelation(root, body, "*")
    talk.ParsingRelation(body, talk.ActionNotion("act", action), "a")
    process("new", root, text="aaa")
    assert seen == [("a", False)] * 3 and process.is_parsed()
    assert "state" not in process.context


def test_a_loop_reached_again_through_its_own_selection_walks_a_long_text(talk):
    """A '*' loop whose selection's case leads back to the loop: each token goes through the
    loop once more. The folded steps ask a selection or an action at once but only push a loop,
    so the walk does not nest a call per token (20 000 tokens here)."""
    root = talk.ComplexNotion("root")
    selection = talk.SelectiveNotion("selection")
    loop = talk.LoopRelation(root, selection, "*")
    talk.ParsingRelation(selection, loop, "a")
    talk.ParsingRelation(selection, talk.ActionNotion("b", None), "b")
    process = talk.ParsingProcess()
    process("new", root, text="a" * 20_000 + "b")
    assert process.is_parsed() and process.parsed_length == 20_001


def test_a_key_written_while_the_cases_are_compared_is_seen_by_the_next_question(talk):
    """Comparing a case's object with 'error' can run its own __eq__; here it writes 'state'
    into the process's context. The action after the selection is then asked as in the
    original: with its own (empty) state as 'state' while it runs, removed after."""
    process = talk.ParsingProcess()
    seen = []

    class Writes:
        def __eq__(self, other):
            process.context["state"] = "written by __eq__"
            return False

        __hash__ = object.__hash__

    root = talk.ComplexNotion("root")
    selection = talk.SelectiveNotion("selection")
    talk.LoopRelation(root, selection, "*")
    talk.ParsingRelation(selection, Writes(), "a", check_only=True)
    action = talk.ActionNotion("ab", lambda: seen.append(process.context.get("state")))
    talk.ParsingRelation(selection, action, "ab")
    process("new", root, text="abab")
    assert process.is_parsed() and seen == [{}, {}]
    assert "state" not in process.context


def test_a_state_key_of_the_callers_keeps_a_selection_loop_from_folding(talk):
    """The same with the loop's object a selection (the lexer's shape, where a folded iteration
    asks the selection and then the token's action at once): the loop is asked as in the
    original, which removes the key, so no token's action finds one."""
    seen = []
    process = talk.ParsingProcess()

    def action(last_parsed):
        seen.append((last_parsed, process.context.get("state")))
        return {"update_context": {"state": "mine"}}

    root = talk.ComplexNotion("root")
    selection = talk.SelectiveNotion("selection")
    talk.LoopRelation(root, selection, "*")
    talk.ParsingRelation(selection, talk.ActionNotion("a", action), "a")
    talk.ParsingRelation(selection, talk.ActionNotion("b", action), "b")
    process("new", root, text="aba")
    assert seen == [("a", None), ("b", None), ("a", None)] and process.is_parsed()
    assert "state" not in process.context
