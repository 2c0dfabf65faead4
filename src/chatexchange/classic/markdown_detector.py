"""``markdown(text)``: whether a chat message uses Markdown, as chat would render it.

The classic package's helper (bots use it to decide between sending a text as it is or escaping
it). Returns the first match found (truthy) or None. What counts: a 4-space indent (code), a
leading ``:<8+ digit id>`` (a reply), a code span in matching backtick runs, a bare http(s)/ftp
URL, a ``[text](url)`` link, ``*italics*`` and ``**bold**`` (nested either way).
"""

from __future__ import annotations

import re

__all__ = ["markdown"]

_URL = r"(?<!\w)(?:https?|ftp)://[\w./%~-]+"

_CHECKS = (
    ("match", re.compile(r" {4}")),
    ("match", re.compile(r":[0-9]{8}")),
    # a run of N backticks, a text neither starting nor ending with one, the same run again
    ("search", re.compile(r"(?<!`)(`+)(?:[^`]|[^`].*?[^`])\1(?!`)")),
    ("search", re.compile(r"\[(?:\\.|[^\\\]])+\]\(" + _URL + r"\)")),
    ("search", re.compile(_URL)),
    # *...*: plain text, runs of 3+ stars, or **bold** inside
    ("search", re.compile(r"(?<!\*)\*(?:[^*]+|\*{3,}|\*\*[^*]+\*\*)+\*(?!\*)")),
    # **...**: plain text or *italics* inside
    ("search", re.compile(r"(?<!\*)\*\*(?:[^*]+|\*[^*]+\*)+\*\*(?!\*)")),
)


def markdown(text: str) -> re.Match[str] | None:
    """The first Markdown construct found in ``text``, or None for plain text."""
    for how, pattern in _CHECKS:
        found = pattern.match(text) if how == "match" else pattern.search(text)
        if found:
            return found
    return None
