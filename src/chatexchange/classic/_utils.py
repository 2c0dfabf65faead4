"""Helpers the classic API's objects are built from: lazily scraped attributes and HTML to text."""

from __future__ import annotations

import functools
import logging
import weakref
from collections.abc import Callable
from typing import Any

from lxml import html as lxml_html

__all__ = ["LazyFrom", "html_to_text", "log_and_ignore_exceptions", "parse_last_seen"]


def log_and_ignore_exceptions(
    f: Callable[..., Any],
    exceptions: type[BaseException] | tuple[type[BaseException], ...] = Exception,
    logger: logging.Logger = logging.getLogger("exceptions"),  # noqa: B008 - the classic default
) -> Callable[..., Any]:
    """``f`` that logs its exceptions and returns None instead."""

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return f(*args, **kwargs)
        except exceptions:
            logger.exception("ignored unhandled exception in %s", f)
            return None

    return wrapper


def html_to_text(html: str) -> str:
    """The text of an HTML fragment, entities decoded, tags dropped (nothing stripped)."""
    if not html:
        return ""
    fragments = lxml_html.fragments_fromstring(html)
    parts = []
    for fragment in fragments:
        parts.append(fragment if isinstance(fragment, str) else fragment.text_content())
        tail = getattr(fragment, "tail", None)
        if tail and not isinstance(fragment, str):
            parts.append(tail)
    return "".join(parts)


_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "y": 31536000}


def parse_last_seen(text: str) -> int:
    """Seconds since ``"12d ago"``-style text; 0 for "just now", -1 for "n/a"."""
    text = text.strip()
    if text == "n/a":
        return -1
    if text == "just now":
        return 0
    amount, _, rest = text.partition(" ")
    if not rest or not amount or amount[-1] not in _SECONDS:
        raise ValueError(f"{text!r} is not in '<N><unit> ago' form")
    return int(amount[:-1]) * _SECONDS[amount[-1]]


class LazyFrom:
    """An attribute loaded on first read by calling the object's ``method_name`` (which sets it,
    usually together with its siblings from the same page). ``del obj.attr`` forgets the value so
    the next read loads it again; ``Cls.attr.values`` maps objects to known values."""

    def __init__(self, method_name: str) -> None:
        self.method_name = method_name
        self.values: weakref.WeakKeyDictionary[Any, Any] = weakref.WeakKeyDictionary()

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, cls: type | None = None) -> Any:
        if obj is None:
            return self
        if obj not in self.values:
            getattr(obj, self.method_name)()
            if obj not in self.values:
                raise AttributeError(
                    f"{type(obj).__name__}.{self.method_name}() did not set "
                    f"{getattr(self, 'name', 'the attribute')}"
                )
        return self.values[obj]

    def __set__(self, obj: Any, value: Any) -> None:
        self.values[obj] = value

    def __delete__(self, obj: Any) -> None:
        self.values.pop(obj, None)
