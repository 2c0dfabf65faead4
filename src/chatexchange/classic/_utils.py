"""Helpers the classic API's objects are built from: lazily scraped attributes and HTML to text."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

from lxml import html as lxml_html

__all__ = [
    "HTMLTextExtractor",
    "LazyFrom",
    "html_to_text",
    "log_and_ignore_exceptions",
    "parse_last_seen",
]


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


class HTMLTextExtractor(HTMLParser):
    """Collects the text of fed HTML (entities and character references decoded)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.result: list[str] = []

    def handle_data(self, data: str) -> None:
        self.result.append(data)

    def get_text(self) -> str:
        return "".join(self.result)


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


class _InstanceValues:
    """``LazyFrom.values``: a mapping from objects to their known values, kept in each object.

    The values live in the objects themselves, not in a table on the class: a class-level
    ``WeakKeyDictionary`` leaks every object whose value refers back to it (a room's ``owners``
    hold users, which hold the client, which holds the room), and with it the client forever.
    """

    __slots__ = ("_descriptor",)

    def __init__(self, descriptor: LazyFrom) -> None:
        self._descriptor = descriptor

    def __contains__(self, obj: Any) -> bool:
        return self._descriptor.key in vars(obj)

    def get(self, obj: Any, default: Any = None) -> Any:
        return vars(obj).get(self._descriptor.key, default)

    def __getitem__(self, obj: Any) -> Any:
        try:
            return vars(obj)[self._descriptor.key]
        except KeyError:
            raise KeyError(obj) from None

    def __setitem__(self, obj: Any, value: Any) -> None:
        vars(obj)[self._descriptor.key] = value

    def pop(self, obj: Any, *default: Any) -> Any:
        return vars(obj).pop(self._descriptor.key, *default)


class LazyFrom:
    """An attribute loaded on first read by calling the object's ``method_name`` (which sets it,
    usually together with its siblings from the same page). ``del obj.attr`` forgets the value so
    the next read loads it again; ``Cls.attr.values`` maps objects to known values."""

    def __init__(self, method_name: str) -> None:
        self.method_name = method_name
        self.name = f"lazy{id(self)}"
        self.key = f"_lazy_{self.name}"
        self.values = _InstanceValues(self)

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.key = f"_lazy_{name}"

    def __get__(self, obj: Any, cls: type | None = None) -> Any:
        if obj is None:
            return self
        if obj not in self.values:
            getattr(obj, self.method_name)()
            if obj not in self.values:
                raise AttributeError(
                    f"{type(obj).__name__}.{self.method_name}() did not set {self.name}"
                )
        return self.values[obj]

    def __set__(self, obj: Any, value: Any) -> None:
        self.values[obj] = value

    def __delete__(self, obj: Any) -> None:
        self.values.pop(obj, None)
