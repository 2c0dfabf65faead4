"""The example of docs/client.md's events section, run as written against the devserver; it must
print what the page says it prints."""

from __future__ import annotations

import re
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "client.md"
SECTION = "## Events: everything that happens in a room"


def example() -> tuple[str, str]:
    text = DOC.read_text(encoding="utf-8")
    start = text.index(SECTION)
    section = text[start : text.index("\n## ", start + len(SECTION))]
    (code, printed), *_ = re.findall(r"```python\n(.*?)```\s*```text\n(.*?)```", section, re.S)
    return code, printed


def test_the_events_example_prints_what_the_page_says(devserver_thread, monkeypatch, capsys):
    code, printed = example()
    monkeypatch.setenv("CHATEXCHANGE_DEVSERVER", devserver_thread.url)
    exec(compile(code, "docs/client.md events example", "exec"), {"__name__": "__main__"})
    assert capsys.readouterr().out.splitlines() == printed.strip().splitlines()
