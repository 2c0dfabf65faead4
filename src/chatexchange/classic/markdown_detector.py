"""``markdown(text)``: whether a chat message uses Markdown, as chat would render it.

The classic package's helper (bots use it to decide between sending a text as it is or escaping
it). Returns the first match found (truthy) or None. What counts: a 4-space indent (code), a
leading ``:<8+ digit id>`` (a reply), a code span in matching backtick runs, a bare http(s)/ftp
URL, a ``[text](url)`` link, ``*italics*`` and ``**bold**`` (nested either way).
"""

from __future__ import annotations

import re

__all__ = [
    "markdown",
    "mdre_bold",
    "mdre_code",
    "mdre_italics",
    "mdre_link",
    "mdre_mono",
    "mdre_reply",
    "mdre_url",
]

_URL = r"(?<!\w)(?:https?|ftp)://[\w./%~-]+"

#: The constructs, under the classic module's names.
mdre_code = re.compile(r" {4}")
mdre_reply = re.compile(r":[0-9]{8}")
#: a run of N backticks, a text neither starting nor ending with one, the same run again
mdre_mono = re.compile(r"(?<!`)(`+)(?:[^`]|[^`].*?[^`])\1(?!`)")
mdre_url = re.compile(_URL)
mdre_link = re.compile(r"\[(?:\\.|[^\\\]])+\]\(" + _URL + r"\)")
#: *...*: plain text, runs of 3+ stars, or **bold** inside
mdre_italics = re.compile(r"(?<!\*)\*(?:[^*]+|\*{3,}|\*\*[^*]+\*\*)+\*(?!\*)")
#: **...**: plain text or *italics* inside
mdre_bold = re.compile(r"(?<!\*)\*\*(?:[^*]+|\*[^*]+\*)+\*\*(?!\*)")

_ANCHORED = (mdre_code, mdre_reply)
_ANYWHERE = (mdre_mono, mdre_link, mdre_url, mdre_italics, mdre_bold)


def markdown(text: str) -> re.Match[str] | None:
    """The first Markdown construct found in ``text``, or None for plain text."""
    for pattern in _ANCHORED:
        if found := pattern.match(text):
            return found
    for pattern in _ANYWHERE:
        if found := pattern.search(text):
            return found
    return None
