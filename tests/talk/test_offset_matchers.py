"""How a plain ParsingRelation's regex is matched at an offset, and which cases a selection tries
for the next character.

A regex that is one greedy repeat of a class of literal characters (``\\++``, ``[0-9]{2,}``) is
matched by the compiled engine by counting the run of those characters (calling ``re`` costs far
more); whatever counts it, the rank and the matched text are what ``re`` gives. A case whose
first characters are not a small known set but are one class (``\\s+``, ``[^"]+``) is tried only
for the characters that class takes: a selection's result is the one trying every case gives.
"""

from __future__ import annotations

import importlib
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

MODULES = ["chatexchange.talk.elements", "chatexchange._speedups.elements"]
#: The matcher kinds (module constants of C type in the compiled module: read from the pure one).
_M_RE, _M_RUN = 4, 8


def _module(name):
    try:
        return importlib.import_module(name)
    except ImportError as exc:  # the compiled engine is not built
        pytest.skip(str(exc))


RUNS = [r"\++", r"-+", r"[ab]+", r"[0-9]{2,3}", r"[a-c]*", r"x{0,2}", r"[ \t]+", r"[xa-d]{3}",
        "[\u0100-\u017f]+", r"[a-z_]+"]
NOT_RUNS = [r"\d+", r"[^a]+", r"ab+", r"(a)+", r"a+?", r"(?i)a+", r"\s+", r"a", r"a+b",
            r"[a-z]+$", "[\u0100-\u0300]+"]


@pytest.mark.parametrize("name", MODULES)
def test_a_run_regex_has_a_run_matcher_and_others_none(name):
    elements = _module(name)
    for pattern in RUNS:
        matcher = elements._run_of(re.compile(pattern))
        assert matcher is not None and matcher[0] == _M_RUN, pattern
    for pattern in NOT_RUNS:
        assert elements._run_of(re.compile(pattern)) is None, pattern


def test_only_the_compiled_engine_counts_runs():
    pure = _module(MODULES[0])
    assert (pure._M_RE, pure._M_RUN) == (_M_RE, _M_RUN)
    assert pure._offset_matcher(re.compile(r"\++"), {})[0] == _M_RE
    compiled = _module(MODULES[1])
    assert compiled._offset_matcher(re.compile(r"\++"), {})[0] == _M_RUN
    # In a list too; a regex of another shape still goes to re.
    assert compiled._offset_matcher([re.compile(r"-+")], {})[1][0][0] == _M_RUN
    assert compiled._offset_matcher(re.compile(r"\s+"), {})[0] == _M_RE


ALPHABET = "+-abcx0123 \t\u0100\u0150\u0200_z"


@pytest.mark.parametrize("name", MODULES)
@settings(max_examples=150, deadline=None)
@given(text=st.text(ALPHABET, max_size=12), pos=st.integers(0, 12),
       pattern=st.sampled_from(RUNS))
def test_a_run_matcher_ranks_and_matches_what_re_does(name, text, pos, pattern):
    elements = _module(name)
    compiled = re.compile(pattern)
    matcher = elements._run_of(compiled)
    pos = min(pos, len(text))
    found = compiled.match(text, pos)
    expected = (-1, None) if found is None else (len(found[0]), found[0])
    assert elements._match_at(matcher, text, pos) == expected
    assert elements._match_rank(matcher, text, pos) == expected[0]


TESTED = [r"\s+", r"[^a]+", r"\w{1,3}", r".", r"(?i)[^k]", r"\d+?", r"\s"]
UNTESTED = [r"\s*", r"\w{2,}", r"ab", r"(\s)+", r"\s+x"]


@pytest.mark.parametrize("name", MODULES)
def test_a_first_character_test_takes_what_the_regex_can_start_with(name):
    elements = _module(name)
    for pattern in TESTED:
        compiled = re.compile(pattern)
        test = elements._first_test(compiled, {})
        assert test is not None, pattern
        for char in "a k\u212a\n7_\u3000\"":
            starts = any(compiled.match(char + rest) for rest in ("", "a", " ", "77"))
            assert (test(char) is not None) == starts, (pattern, char)
    for pattern in UNTESTED:
        assert elements._first_test(re.compile(pattern), {}) is None, pattern
    assert elements._first_test(re.compile(r"\s+"), {"search": True}) is None
    assert elements._first_test(r"\s+", {}) is None


def _tokens(talk, generic):
    """A '*' loop over a selection of cases with known first characters, cases with a test of
    the first character and one that can start with anything; ``generic``: the selection has a
    pair of its own, so it asks every case (the reference)."""
    seen = []
    builder = talk.GraphBuilder("tokens")
    builder.loop_rel("*").select("token")
    selection = builder.current
    cases = (("plus", re.compile(r"\++")), ("space", re.compile(r"\s+")),
             ("word", re.compile(r"\w+")), ("a", "a"), ("other", re.compile(r"[^a-z\s]")),
             ("any", re.compile(r"(?:\d|ab)")))
    for name, condition in cases:
        builder.set_current(selection)
        builder.parse_rel(condition)
        builder.act(name, lambda last_parsed, name=name: seen.append((name, last_parsed)))
    if generic:
        selection.on("unheard-of", lambda: None)
    return builder.graph, seen


TOKEN_TEXT = "a+ b\t\u0101\u0102x7_\u3000\u2028+\u00e9\u00e9zz"


@settings(max_examples=120, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(text=st.text(TOKEN_TEXT, max_size=14))
def test_a_selection_with_tested_cases_answers_what_asking_every_case_answers(talk, text):
    results = []
    for generic in (False, True):
        graph, seen = _tokens(talk, generic)
        process = talk.ParsingProcess()
        process("new", graph, text=text)
        results.append((seen, process.parsed_length, process.is_parsed()))
    assert results[0] == results[1]


def test_characters_past_the_kept_ones_are_still_tested(talk):
    """More distinct characters than the plan keeps: the rest are tested at every token."""
    graph, seen = _tokens(talk, False)
    text = " ".join(chr(code) * 2 for code in range(0x100, 0x100 + 300) if chr(code).isalnum())
    process = talk.ParsingProcess()
    process("new", graph, text=text)
    assert process.is_parsed()
    words = [parsed for name, parsed in seen if name == "word"]
    assert words == text.split(" ")


def test_cases_that_can_start_with_anything_are_tried_at_every_character(talk):
    """A character outside the known first ones is matched by the cases that can start with
    anything, with or without tested cases in the selection."""
    for tested in (False, True):
        seen = []
        builder = talk.GraphBuilder("tokens")
        builder.loop_rel("*").select("token")
        selection = builder.current
        cases = [("a", "a"), ("any", re.compile(r"(?:\d|bb)"))]
        if tested:
            cases.append(("space", re.compile(r"\s+")))
        for name, condition in cases:
            builder.set_current(selection)
            builder.parse_rel(condition)
            builder.act(name, lambda last_parsed, name=name, seen=seen:
                        seen.append((name, last_parsed)))
        process = talk.ParsingProcess()
        process("new", builder.graph, text="7abb")
        assert seen == [("any", "7"), ("a", "a"), ("any", "bb")]
        assert process.is_parsed()
