"""Helpers shared by the HTML parsers: parsing bytes, inner HTML, text of message HTML, page checks.

Chat pages are UTF-8 but often carry no charset declaration, so bytes are always parsed as UTF-8
(libxml2 would otherwise guess Latin-1 and mangle names like "Nisse Engström").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from lxml import etree

from ..errors import ParseError

__all__ = [
    "XPath",
    "cls",
    "date_from_path",
    "expect_page",
    "first",
    "has_class",
    "inner_html",
    "int_or_none",
    "iso_date",
    "missing",
    "page_title",
    "parse_html",
    "text_of",
]

_PARSER = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
_tostring = etree.tostring


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


def parse_html(body: bytes | str, url: str | None) -> etree._Element:
    """The document root; ``ParseError`` when there is no HTML to speak of."""
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    if not body or not body.strip():
        raise ParseError("empty page", url)
    try:
        root = etree.fromstring(body, _PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise ParseError(f"unparseable HTML ({exc})", url)
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


def first(nodes: list) -> etree._Element | None:
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


def _text_parts(el: etree._Element) -> Iterator[str]:
    if el.text:
        yield el.text
    for child in el:
        tag = child.tag
        if tag == "br":
            yield "\n"
        elif isinstance(tag, str):
            yield from _text_parts(child)
        if child.tail:
            yield child.tail


def text_of(el: etree._Element) -> str:
    """Plain text of message HTML: ``<br>`` becomes a newline, surrounding space is stripped."""
    if not len(el):
        return (el.text or "").strip()
    return "".join(_text_parts(el)).strip()


def int_or_none(value: str | None) -> int | None:
    if value is None:
        return None
    value = value.strip().replace(",", "")
    if value[:1] in "+-":
        return int(value) if value[1:].isdigit() else None
    return int(value) if value.isascii() and value.isdigit() else None


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
