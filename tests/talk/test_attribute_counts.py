"""The pure engine's elements keep fewer than 30 instance attributes. CPython 3.11 keeps an
instance's attribute values inline (a specialized, cheap ``self.x``) only while its class's shared
keys can hold all the names (SHARED_KEYS_MAX_SIZE, 30); past that every attribute read of the
instance takes a slower path. Measured: a SelectiveNotion with 30 made the pure converter parse of
hello.bf ~1.4% slower (63 k instructions a run), so one more attribute on these classes needs a look
at that cost first."""

from __future__ import annotations

import re

import pytest

from tests.talk.conftest import load_implementation


def _elements(talk):
    return {
        "Notion": talk.Notion("n"),
        "ActionNotion": talk.ActionNotion("n", None),
        "ComplexNotion": talk.ComplexNotion("n"),
        "SelectiveNotion": talk.SelectiveNotion("n"),
        "ActionRelation": talk.ActionRelation(None, None, None),
        "NextRelation": talk.NextRelation(None, None),
        "ParsingRelation": talk.ParsingRelation(None, None, re.compile(r"\s+")),
        "LoopRelation": talk.LoopRelation(None, None, "*"),
    }


@pytest.mark.parametrize("name", sorted(_elements(load_implementation("pure"))))
def test_a_pure_element_keeps_its_attributes_inline(name):
    element = _elements(load_implementation("pure"))[name]
    assert len(vars(element)) < 30, sorted(vars(element))
