"""The examples of docs/client.md's actions section, run as written against the devserver; what
they print must be what the page says they print."""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "client.md"
SECTION = "## Actions: what users, room owners and moderators can do"


def _examples() -> list[tuple[str, str]]:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    section = text[start : end if end != -1 else len(text)]
    blocks = re.findall(r"```(python|text)\n(.*?)```", section, re.DOTALL)
    pairs = []
    for (kind, code), (next_kind, printed) in pairwise(blocks):
        if kind == "python" and next_kind == "text":
            pairs.append((code, printed))
    return pairs


def test_the_section_has_its_examples() -> None:
    assert len(_examples()) == 2


@pytest.mark.parametrize("index", [0, 1])
def test_example_runs_and_prints_what_the_page_says(
    index, devserver_thread, monkeypatch, capsys
) -> None:
    code, printed = _examples()[index]
    monkeypatch.setenv("CHATEXCHANGE_DEVSERVER", devserver_thread.url)
    exec(compile(code, f"docs/client.md example {index + 1}", "exec"), {"__name__": "__main__"})
    lines = capsys.readouterr().out.splitlines()
    expected = printed.strip().splitlines()
    assert len(lines) == len(expected), lines
    for line, want in zip(lines, expected, strict=True):
        pattern = re.escape(want).replace("QUESTION", r"\d+")
        assert re.fullmatch(pattern, line), (line, want)
