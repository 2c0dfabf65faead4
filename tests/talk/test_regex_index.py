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
    always = {pos for pos, _ in plan.regex}
    for pos, (regex, expected) in enumerate(cases):
        keys = _keys(plan, pos)
        if expected is None:
            assert pos in always and not keys, regex
        else:
            assert pos not in always and keys == expected, regex
    assert "\u212a" in _keys(plan, 1) and "\u017f" in _keys(plan, 2)  # Kelvin sign, long s


def _keys(plan, pos):
    """The first characters a regex is tried for, by the first-character or the pair index."""
    keys = {char for char, entries in plan.regex_index.items() if any(p == pos for p, _ in entries)}
    for char, by_second in plan.regex_pairs.items():
        if any(p == pos for entries in by_second.values() for p, _ in entries):
            keys.add(char)
    return frozenset(keys)


def _pairs(plan, pos):
    return {(char, second) for char, by_second in plan.regex_pairs.items()
            for second, entries in by_second.items() if any(p == pos for p, _ in entries)}


def test_regexes_whose_first_two_characters_are_known_are_indexed_by_both(talk):
    """Through alternatives, groups with their flags, zero-width items and repeats; a regex that
    can match a single character stays in the first-character index."""
    h = talk.Handler()
    h.on(re.compile(r"(?:what|how) is\b", re.IGNORECASE), 0)
    h.on(re.compile(r"\b(?:ab|c)(?i:d)"), 1)
    h.on(re.compile("x{2,}"), 2)
    h.on(re.compile("[yz]+q"), 3)
    h.on(re.compile("k?s"), 4)
    h.on(re.compile("(?i)ka?"), 5)
    plan = _plan(talk, h)
    wh = {(a, b) for a in "wW" for b in "hH"} | {(a, b) for a in "hH" for b in "oO"}
    assert _pairs(plan, 0) == wh
    assert _pairs(plan, 1) == {("a", "b")} | {("c", d) for d in _starts("d", re.I)}
    assert _pairs(plan, 2) == {("x", "x")}
    assert _pairs(plan, 3) == {(a, b) for a in "yz" for b in "yzq"}
    assert not _pairs(plan, 4) and not _pairs(plan, 5)  # "s" and "k" alone match
    assert _keys(plan, 5) == _starts("k", re.I) and 4 in {p for p, _ in plan.regex}
    assert h("HOw is") == 0 and h("he is") is False and h("cD") == 1
    assert h("abD") == 1 and h("ab") is False
    assert h("xxx") == 2 and h("x") is False and h("zyq") == 3 and h("\u212a") == 5


def test_the_replay_rules_regexes_are_all_indexed(talk):
    """The benchmark bot's fifteen regexes (fourteen IGNORECASE) are all in the index."""
    from tests.bot.rules import REGEXES

    h = talk.Handler()
    for i, regex in enumerate(REGEXES):
        h.on(regex, i)
    plan = _plan(talk, h)
    assert plan.regex == () and plan.regex_index == {}
    assert {char: set(by_second) for char, by_second in plan.regex_pairs.items()} == {
        "p": {"i"}, "w": {"h", "H"}, "W": {"h", "H"}, "h": {"o", "O"}, "H": {"o", "O"}
    }
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
@example(regexes=[re.compile("(?i)(?:wh|ho)"), re.compile("(?i:k)s+"), re.compile("x{2}s")],
         texts=["Wh", "HO", "he", "w", "\u212a\u017f", "k", "xxs", "x"])
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
