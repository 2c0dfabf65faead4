"""Chat mini-Markdown to HTML, the way the chat server renders what users type.

Single-line messages get inline formatting (bold, italic, strike, code, links, bare URLs, a lone
image URL becomes an image onebox); multi-line messages are not formatted: they become ``<div
class='full'>`` with ``<br>`` line breaks, or ``<pre class='full'>`` when every line is indented by
four spaces (fixed font). Text is entity-escaped like the real server (``'`` → ``&#39;``). A
leading ``:<id> `` reply prefix is handled by the caller (it needs the parent's author);
``@mentions`` are left as plain text, as in the captures.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
_ESCAPE_RE = re.compile(r"[&<>\"']")

LINK_REL = "nofollow noopener noreferrer"

_INLINE = re.compile(
    r"`(?P<code>[^`]+)`"
    r"|\[(?P<ltext>[^\]]+)\]\((?P<lurl>(?:https?:)?//[^\s)]+)(?:\s+\"(?P<ltitle>[^\"]*)\")?\)"
    r"|(?P<url>https?://[^\s<>\"]+[^\s<>\".,;:!?)\]])"
    r"|\*\*(?P<bold>[^*\s](?:.*?[^*\s])?)\*\*"
    r"|__(?P<bold2>[^_\s](?:.*?[^_\s])?)__"
    r"|---(?P<strike>[^-\s](?:.*?[^-\s])?)---"
    r"|(?<![\w*])\*(?P<italic>[^*\s](?:[^*]*?[^*\s])?)\*(?![\w*])"
    r"|(?<![\w_])_(?P<italic2>[^_\s](?:[^_]*?[^_\s])?)_(?![\w_])"
)

_IMAGE_URL = re.compile(r"^https?:(//[^\s]+\.(?:png|jpe?g|gif|webp))$", re.IGNORECASE)
_REPLY_PREFIX = re.compile(r"^:(\d+)(?:\s+|$)")
_MENTION = re.compile(r"(?<![\w@])@([\w.\-]{2,})", re.UNICODE)


def escape(text: str) -> str:
    """Escape text for HTML content and attribute values, as the chat server does."""
    return _ESCAPE_RE.sub(lambda m: _ESCAPES[m.group()], text)


def escape_ascii(text: str) -> str:
    """Escape and turn non-ASCII characters into numeric entities (user names on transcript
    pages)."""
    return escape(text).encode("ascii", "xmlcharrefreplace").decode("ascii")


def slugify(name: str) -> str:
    """The URL slug the server derives from a name ("Jeremy Banks Ψ" → "jeremy-banks-")."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).lstrip("-")
    return slug or "user"


def _link(url: str, inner_html: str, title: str | None = None) -> str:
    title_attr = f' title="{escape(title)}"' if title else ""
    return f'<a href="{escape(url)}" rel="{LINK_REL}"{title_attr}>{inner_html}</a>'


def render_inline(text: str) -> str:
    """Render one line of chat Markdown to HTML."""
    out: list[str] = []
    pos = 0
    for m in _INLINE.finditer(text):
        out.append(escape(text[pos : m.start()]))
        pos = m.end()
        kind = m.lastgroup
        if kind == "code":
            out.append(f"<code>{escape(m.group('code'))}</code>")
        elif kind in ("ltext", "lurl", "ltitle"):
            out.append(_link(m.group("lurl"), render_inline(m.group("ltext")), m.group("ltitle")))
        elif kind == "url":
            url = m.group("url")
            out.append(_link(url, escape(url)))
        elif kind in ("bold", "bold2"):
            out.append(f"<b>{render_inline(m.group(kind))}</b>")
        elif kind == "strike":
            out.append(f"<strike>{render_inline(m.group('strike'))}</strike>")
        else:
            out.append(f"<i>{render_inline(m.group(kind or 0))}</i>")
    out.append(escape(text[pos:]))
    return "".join(out)


def render(text: str) -> str:
    """Render a whole message (single- or multi-line) to the HTML the server stores as
    ``content``."""
    if "\n" in text:
        lines = text.split("\n")
        if all(line.startswith("    ") or line.startswith("\t") or not line for line in lines):
            body = "\n".join(
                escape(line[4:] if line.startswith("    ") else line[1:]) for line in lines
            )
            return f"<pre class='full'>{body}</pre>"
        return "<div class='full'>" + "<br>".join(escape(line) for line in lines) + "</div>"
    if text.startswith("    "):
        return f"<pre class='full'>{escape(text[4:])}</pre>"
    stripped = text.strip()
    image = _IMAGE_URL.match(stripped)
    if image:
        src = escape(image.group(1))
        return (
            f'<div class="onebox ob-image"><a rel="{LINK_REL}" href="{src}">'
            f'<img src="{src}" class="user-image" alt="user image" /></a></div>'
        )
    return render_inline(text)


def reply_html(parent_author: str, rest: str) -> str:
    """Content of an explicit reply: the ``:id`` prefix becomes ``@ParentAuthorWithoutSpaces``."""
    ping = escape("@" + parent_author.replace(" ", ""))
    return ping + (" " + render(rest) if rest else "")


def split_reply(text: str) -> tuple[int | None, str]:
    """Split a leading ``:<id> `` reply prefix off: ``(parent_id, rest)``."""
    m = _REPLY_PREFIX.match(text)
    if not m:
        return None, text
    return int(m.group(1)), text[m.end() :]


def mentions(text: str) -> list[str]:
    """The ``@names`` a message pings, in order, without the ``@``."""
    return [m.group(1) for m in _MENTION.finditer(text)]


def mention_key(name: str) -> str:
    """How a ping is compared with a user name: case-insensitive, spaces removed."""
    return re.sub(r"\s+", "", name).lower()


#: A multi-line message longer than this (characters of text) or with more lines is shown
#: shortened on transcript pages, as the real site does; the exact limits are not known.
PARTIAL_CHARS = 500
PARTIAL_LINES = 10
_FULL = re.compile(r"<(div|pre) class='full'>(.*)</\1>$", re.DOTALL)
_TAG = re.compile(r"(<[^>]*>)")
_ENTITY = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|\w+);")


def _visible_len(html: str) -> int:
    return len(_ENTITY.sub("x", _TAG.sub("", html)))


def shorten(html: str) -> str | None:
    """The transcript's shortened form of a long multi-line message, or None if it is short.

    Whole lines are kept up to ``PARTIAL_LINES`` lines and ``PARTIAL_CHARS`` characters (at least
    the first line); the wrapper becomes ``class='partial'``, as in real transcripts.
    """
    m = _FULL.search(html)
    if m is None:
        return None
    kind, body = m[1], m[2]
    sep = "<br>" if kind == "div" else "\n"
    lines = body.split(sep)
    if len(lines) <= PARTIAL_LINES and _visible_len(body) <= PARTIAL_CHARS:
        return None
    kept: list[str] = []
    size = 0
    for line in lines[:PARTIAL_LINES]:
        size += _visible_len(line) + 1
        if kept and size > PARTIAL_CHARS:
            break
        kept.append(line)
    return html[: m.start()] + f"<{kind} class='partial'>" + sep.join(kept) + f"</{kind}>"


def mark_mentions(html: str, is_user: Callable[[str], bool]) -> str:
    """Wrap each ``@name`` that names a user in ``<span class="mention">`` (transcript markup).

    ``is_user(name)`` decides; text inside ``<code>``, ``<pre>`` and links is left alone.
    """
    if "@" not in html:
        return html
    out: list[str] = []
    skip = 0
    for part in _TAG.split(html):
        if part.startswith("<"):
            tag = part[1:].split(None, 1)[0].rstrip(">/").lower() if len(part) > 2 else ""
            if tag in ("code", "pre", "a"):
                skip += 1
            elif tag in ("/code", "/pre", "/a"):
                skip = max(0, skip - 1)
            out.append(part)
        elif skip or "@" not in part:
            out.append(part)
        else:
            out.append(
                _MENTION.sub(
                    lambda m: f"<span class=\"mention\">{m[0]}</span>" if is_user(m[1]) else m[0],
                    part,
                )
            )
    return "".join(out)
