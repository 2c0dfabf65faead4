"""Helpers shared by the HTML parsers: parsing bytes, inner HTML, text of message HTML, page checks.

Chat pages are UTF-8 but often carry no charset declaration, so bytes are always parsed as UTF-8
(libxml2 would otherwise guess Latin-1 and mangle names like "Nisse Engström").

libxml2 recovers from anything and says little: a page cut short, an unclosed ``<!--`` (it swallows
the rest of the page), nesting deeper than 256 or a text node over 10 MB all give a smaller tree.
``parse_html`` therefore checks the page's end marker and the parser's fatal errors itself, and
``guarded`` turns any other exception of a parser into ``ParseError``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from datetime import date

from lxml import etree

from ..errors import ParseError
from ._guard import guarded

__all__ = [
    "XPath",
    "cls",
    "date_from_path",
    "expect_page",
    "first",
    "guarded",
    "has_class",
    "inner_html",
    "int_or_none",
    "iso_date",
    "missing",
    "page_title",
    "parse_html",
    "text_of",
]

_tostring = etree.tostring
_local = threading.local()
#: The last thing of every chat page (trailing whitespace aside); a page without it was cut short.
_END = re.compile(rb"</html\s*>$", re.IGNORECASE)
#: A comment holding page structure: a stray ``<!--`` met a later ``-->`` and hid what was between.
_MARKUP_COMMENT = re.compile(rb"<!--(?:(?!-->).)*?</?div[\s>](?:(?!-->).)*?-->", re.DOTALL)


def _parser() -> etree.HTMLParser:
    """One parser per thread: its error log is how a fatal libxml2 error is seen."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = etree.HTMLParser(
            encoding="utf-8", remove_comments=True, remove_pis=True
        )
    return parser


def cls(name: str) -> str:
    """An XPath predicate matching elements whose class list contains ``name``.

    The plain ``contains`` first is a cheap filter; the token test only runs on candidates.
    """
    return (
        f"(contains(@class, '{name}') and "
        f"contains(concat(' ', normalize-space(@class), ' '), ' {name} '))"
    )


def XPath(path: str) -> etree.XPath:
    """Compile once, at import: every selector of the parsers goes through here."""
    return etree.XPath(path, smart_strings=False)


_TITLE = XPath("string(/html/head/title)")
_LOGIN_FORM = XPath(
    "//form[@id='login-form' or contains(@action, '/users/login')]"
    " | //input[@type='password' or @name='password']"
)
_CAPTCHA = XPath("//*[@id='captcha' or " + cls("g-recaptcha") + " or " + cls("h-captcha") + "]")


def parse_html(body: bytes | str, url: str | None, *, whole: bool = True) -> etree._Element:
    """The document root; ``ParseError`` when there is no HTML to speak of.

    ``whole`` (every chat page): the page must end with ``</html>``, must not end inside a
    comment, and libxml2 must not have hit a fatal limit (depth, text node size), because in each
    case the tree would silently lack the rest of the page.
    """
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    if not body or not body.strip():
        raise ParseError("empty page", url)
    if whole:
        if _END.search(body.rstrip()[-32:]) is None:
            raise ParseError("page cut short (it does not end with </html>)", url)
        opened = body.rfind(b"<!--")
        if opened >= 0:
            if opened > body.rfind(b"-->"):
                raise ParseError("page has an unclosed comment (<!-- without -->)", url)
            if _MARKUP_COMMENT.search(body) is not None:
                raise ParseError("a comment hides page markup (<!-- ... <div ... -->)", url)
    parser = _parser()
    try:
        root = etree.fromstring(body, parser)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise ParseError(f"unparseable HTML ({exc})", url)
    if whole:
        for entry in parser.error_log:
            if entry.level == etree.ErrorLevels.FATAL:
                raise ParseError(f"page exceeds what the HTML parser reads ({entry.message})", url)
    if root is None:
        raise ParseError("unparseable HTML", url)
    return root


def page_title(root: etree._Element) -> str:
    return " ".join(_TITLE(root).split())


def expect_page(root: etree._Element, url: str | None, wanted: str) -> None:
    """Raise a precise ``ParseError`` for the usual wrong pages (login, captcha)."""
    if _CAPTCHA(root) or "human verification" in page_title(root).lower():
        raise ParseError(f"got a human-verification page instead of {wanted}", url)
    if _LOGIN_FORM(root):
        raise ParseError(f"got a login page instead of {wanted}", url)


def missing(root: etree._Element, url: str | None, what: str) -> ParseError:
    """The error for a page lacking ``what``, naming the page title (it tells error pages apart)."""
    title = page_title(root)
    suffix = f" (page title {title!r})" if title else ""
    return ParseError(f"{what} not found{suffix}", url)


def first(nodes: list[etree._Element]) -> etree._Element | None:
    return nodes[0] if nodes else None


def has_class(el: etree._Element, name: str) -> bool:
    value = el.get("class")
    return value is not None and name in value.split()


def inner_html(el: etree._Element) -> str:
    """The element's content as HTML, without its own tag and without its tail, stripped."""
    text = el.text or ""
    if len(el):
        parts = [text]
        for child in el:
            parts.append(_tostring(child, encoding="unicode", method="html", with_tail=True))
        text = "".join(parts)
    return text.strip()


def _text_parts(el: etree._Element, in_pre: bool) -> Iterator[tuple[str, bool]]:
    if el.text:
        yield el.text, in_pre
    for child in el:
        tag = child.tag
        if tag == "br":
            yield "\n", in_pre
        elif isinstance(tag, str):
            yield from _text_parts(child, in_pre or tag == "pre")
        if child.tail:
            yield child.tail, in_pre


def text_of(el: etree._Element) -> str:
    """Plain text of message HTML: ``<br>`` becomes a newline, surrounding space is stripped.

    Leading space inside ``<pre>`` is the first line's indentation (fixed-font code), so it stays.
    """
    if not len(el):
        return (el.text or "").strip()
    parts = list(_text_parts(el, False))
    for k, (text, in_pre) in enumerate(parts):
        if in_pre:
            break
        parts[k] = (text.lstrip(), False)
        if parts[k][0]:
            break
    return "".join(text for text, _ in parts).rstrip()


def int_or_none(value: str | None) -> int | None:
    """An optionally signed ASCII integer (thousands commas allowed); ``None`` for anything else.

    Only ASCII digits count: ``"①"`` or ``"²"`` pass ``str.isdigit`` but are no number a page uses.
    """
    if value is None:
        return None
    value = value.strip().replace(",", "")
    digits = value[1:] if value[:1] in ("+", "-") else value
    if not (digits and digits.isascii() and digits.isdigit()):
        return None
    return int(value)


_DATE_PATH = re.compile(r"/(\d{4})/(\d{1,2})/(\d{1,2})(?:/|$|\?|#)")
_ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def _date(m: re.Match[str] | None) -> date | None:
    if m is None:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


def date_from_path(href: str | None) -> date | None:
    """``/transcript/11540/2017/3/30`` -> 2017-03-30 (dates in hrefs are not zero-padded)."""
    return _date(_DATE_PATH.search(href)) if href else None


def iso_date(text: str | None) -> date | None:
    """The first ``YYYY-MM-DD`` in ``text``."""
    return _date(_ISO_DATE.search(text)) if text else None
