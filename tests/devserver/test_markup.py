"""The devserver's transcript markup rules: shortened long messages and ping spans."""

from __future__ import annotations

from chatexchange.devserver.markdown import (
    PARTIAL_CHARS,
    PARTIAL_LINES,
    mark_mentions,
    render,
    shorten,
)


def test_long_multi_line_messages_are_shortened_by_whole_lines() -> None:
    assert shorten(render("one line only " * 100)) is None, "single lines are never shortened"
    ten = "\n".join(f"line {k}" for k in range(PARTIAL_LINES))
    assert shorten(render(ten)) is None
    eleven = ten + "\nline 10"
    assert shorten(render(eleven)) == (
        "<div class='partial'>" + "<br>".join(f"line {k}" for k in range(PARTIAL_LINES)) + "</div>"
    )
    wide = "\n".join("x" * 200 for _ in range(4))
    short = shorten(render(wide))
    assert short == "<div class='partial'>" + "<br>".join(["x" * 200] * 2) + "</div>"
    assert len("x" * 200 * 2) <= PARTIAL_CHARS
    code = "\n".join(f"    code {k}" for k in range(20))
    assert shorten(render(code)) == (
        "<pre class='partial'>" + "\n".join(f"code {k}" for k in range(PARTIAL_LINES)) + "</pre>"
    )
    huge_line = "y" * 2000 + "\nend"
    assert shorten(render(huge_line)) == "<div class='partial'>" + "y" * 2000 + "</div>"


def test_pings_of_known_users_become_mention_spans() -> None:
    def known(name: str) -> bool:
        return name.lower() in {"alice", "bobbuilder"}

    html = "@Alice see <code>@Alice</code> and <a href='#'>@Alice</a>, not @Zed; @BobBuilder"
    assert mark_mentions(html, known) == (
        '<span class="mention">@Alice</span> see <code>@Alice</code> and '
        "<a href='#'>@Alice</a>, not @Zed; <span class=\"mention\">@BobBuilder</span>"
    )
