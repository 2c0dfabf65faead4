"""IGNORECASE regexes in a handler's first-character index.

A match-mode regex is tried only for texts whose first character its first item can match. Under
IGNORECASE that item matches more than a lower and an upper case (``k`` also matches the Kelvin
sign, ``s`` the long s, ``i`` the dotted and dotless i, and which ones depends on the Python
version), so the index must hold exactly what ``re`` would match: a handler with the index must
answer what trying every regex answers.
"""

from __future__ import annotations

import functools
import importlib
import re

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

# Characters whose case folding is more than lower/upper, their partners, and some plain ones.
SPECIAL = "kK\u212asS\u017fiI\u0130\u0131\u00b5\u039c\u03bc\u03a3\u03c2\u03c3\u00df\u1e9e"
ALPHABET = SPECIAL + "whWHx1 \u0399\u0345\u1fbe"


def _plan(talk, handler):
    return importlib.import_module(type(handler).__module__)._plan_of(handler)


@functools.cache
def _starts(pattern: str, flags: int = 0) -> frozenset[str]:
    """Every character ``pattern`` matches as a whole one-character text: the oracle."""
    compiled = re.compile(pattern, flags)
    return frozenset(c for c in map(chr, range(0x110000)) if compiled.fullmatch(c))


def test_ignorecase_regexes_are_indexed_by_what_re_matches(talk):
    """Flags on the pattern, inline (?i), scoped (?i:...) and (?-i:...), ASCII folding, classes,
    ranges and categories: each regex is in the index under exactly its possible first
    characters, and in no always-tried group."""
    cases = [
        (re.compile(r"(?:what|how) is topic1\b", re.IGNORECASE), _starts("[wh]", re.I)),
        (re.compile("(?i)kelvin"), _starts("k", re.I)),
        (re.compile("(?i:s)tar"), _starts("s", re.I)),
        (re.compile("(?-i:k)ey", re.IGNORECASE), frozenset("k")),
        (re.compile("(?ai)s+"), frozenset("sS")),
        (re.compile(r"(?i)[\u0130-\u0131\u00b5]x"), _starts("[\u0130\u0131\u00b5]", re.I)),
        (re.compile(r"(?i)\s*"), None),  # can match the empty string: always tried
        (re.compile(r"(?ia)[\d\s]"), _starts(r"[\d\s]", re.I | re.A)),
        (re.compile(r"(?i)(?:\u03c3|ss)"), _starts("[\u03c3s]", re.I)),
        (re.compile("(?i)[^k]"), None),  # a negated class: far too many characters
    ]
    h = talk.Handler()
    for i, (regex, _) in enumerate(cases):
        h.on(regex, i)
    plan = _plan(talk, h)
    index = plan.regex_index
    always = {pos for pos, _ in plan.regex}
    for pos, (regex, expected) in enumerate(cases):
        keys = frozenset(char for char, entries in index.items()
                         if any(p == pos for p, _ in entries))
        if expected is None:
            assert pos in always and not keys, regex
        else:
            assert pos not in always and keys == expected, regex
    assert "\u212a" in _keys(index, 1) and "\u017f" in _keys(index, 2)  # Kelvin sign, long s


def _keys(index, pos):
    return {char for char, entries in index.items() if any(p == pos for p, _ in entries)}


def test_the_replay_rules_regexes_are_all_indexed(talk):
    """The benchmark bot's fifteen regexes (fourteen IGNORECASE) are all in the index."""
    from tests.bot.rules import REGEXES

    h = talk.Handler()
    for i, regex in enumerate(REGEXES):
        h.on(regex, i)
    plan = _plan(talk, h)
    assert plan.regex == ()
    assert set(plan.regex_index) == {"p", "w", "W", "h", "H"}
    assert h("What is TOPIC3 now") == 4 and h("HOW IS topic13") == 14 and h("ping 7") == 0


atoms = st.sampled_from(
    [re.escape(c) for c in ALPHABET]
    + ["[ks]", "[a-k]", "[\u0130-\u0131]", "[\u00b5\u00df]", r"\s", r"[\d]", "[^k]", ".",
       "[\u03c2x]", r"\w"]
)
repeats = st.sampled_from(["", "", "+", "?", "*", "{2}"])
sequences = st.lists(st.tuples(atoms, repeats), min_size=1, max_size=3).map(
    lambda items: "".join(atom + repeat for atom, repeat in items)
)
alternatives = st.lists(sequences, min_size=1, max_size=2).map(
    lambda items: items[0] if len(items) == 1 else "(?:" + "|".join(items) + ")"
)


@st.composite
def ignorecase_patterns(draw):
    """A pattern whose first item is under IGNORECASE some way (or under it and then not)."""
    body, rest = draw(alternatives), draw(st.sampled_from(["", "x", "s", r"\b"]))
    form = draw(st.sampled_from(["flag", "ascii", "inline", "scoped", "scoped-ascii", "unscoped"]))
    if form == "flag":
        return re.compile(body + rest, re.IGNORECASE)
    if form == "ascii":
        return re.compile(body + rest, re.IGNORECASE | re.ASCII)
    if form == "inline":
        return re.compile("(?i)" + body + rest)
    if form == "scoped":
        return re.compile("(?i:" + body + ")" + rest)
    if form == "scoped-ascii":
        return re.compile("(?ai:" + body + ")" + rest)
    return re.compile("(?-i:" + body + ")" + rest, re.IGNORECASE)


def _every_regex(regexes, text):
    """What a handler that tries every regex answers: the longest match, ties to the first."""
    best = None
    for pos, regex in enumerate(regexes):
        m = regex.match(text)
        if m is not None and (best is None or m.end() > best[1]):
            best = (pos, m.end())
    return best


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    regexes=st.lists(ignorecase_patterns(), min_size=1, max_size=6),
    texts=st.lists(st.text(ALPHABET, max_size=4), min_size=1, max_size=12),
)
@example(regexes=[re.compile("(?i)k")], texts=["\u212a", "K", "x"])
@example(regexes=[re.compile("(?i:s)x")], texts=["\u017fx", "Sx"])
@example(regexes=[re.compile("(?i)i"), re.compile("(?ai)i")], texts=["\u0130", "\u0131", "I"])
@example(regexes=[re.compile("(?i)\u00b5"), re.compile("(?i)\u03c3")],
         texts=["\u039c", "\u03bc", "\u03a3", "\u03c2"])
@example(regexes=[re.compile("(?i)\u00df")], texts=["\u1e9e", "ss"])
@example(regexes=[re.compile("(?i)[a-k]"), re.compile("(?i:[\u0130-\u0131])")],
         texts=["h", "\u212a", "\u0131", "i"])
def test_indexed_ignorecase_regexes_answer_what_trying_every_regex_answers(talk, regexes, texts):
    h = talk.Handler()
    for pos, regex in enumerate(regexes):
        h.on(regex, pos)
    for text in texts:
        best = _every_regex(regexes, text)
        got = h.handle([text], {})
        if best is None:
            assert got == h.NO_HANDLE, (text, regexes)
        else:
            assert got[:2] == best, (text, regexes)
