"""Small helpers of the engine: type predicates, text helpers, undoable dict changes and notifying
containers (graph-talk's ``gt.utils``, same names and behaviour).

This module is also compiled (``chatexchange._speedups.utils``): the undo records are on the hot
path of every push/pop of a process context.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, SupportsIndex

if TYPE_CHECKING:
    from typing_extensions import TypeIs

__all__ = [
    "DictChangeGroup",
    "DictChangeOperation",
    "NotifyDict",
    "NotifyList",
    "escape",
    "get_content",
    "get_len",
    "get_object_name",
    "has_first",
    "has_keys",
    "is_dict",
    "is_function",
    "is_list",
    "is_number",
    "is_regex",
    "is_string",
    "replace_special_chars",
    "tupled",
]

_PATTERN = re.Pattern
_PRINTABLE = frozenset(string.printable)


def is_number(n: object) -> bool:
    """Exactly ``int``: neither ``bool`` nor ``float`` count (graph-talk's rule)."""
    return type(n) is int


def is_list(v: object) -> TypeIs[list[Any] | tuple[Any, ...]]:
    """A list or a tuple; other iterables (sets, views, generators) are not lists."""
    return isinstance(v, (list, tuple))


def is_string(s: object) -> TypeIs[str]:
    return isinstance(s, str)


def is_regex(r: object) -> bool:
    """A compiled ``re`` pattern (the original's type-name test broke on Python 3.7)."""
    return isinstance(r, _PATTERN)


def is_dict(d: object) -> bool:
    return isinstance(d, dict)


def is_function(f: object) -> bool:
    """Anything callable."""
    return callable(f)


def has_first(v: Any, value: object) -> Any:
    """``v`` itself when falsy, otherwise whether ``v[0] == value``."""
    if not v:
        return v
    return v[0] == value


def has_keys(d: Any, *keys: object) -> bool:
    return all(k in d for k in keys)


def get_len(o: object) -> int:
    """``len(o)``, or -1 when it has none."""
    try:
        return len(o)  # type: ignore[arg-type]
    except Exception:
        return -1


def tupled(*args: object) -> tuple[Any, ...]:
    """One flat tuple: list and tuple arguments are spliced in one level, anything else is one
    item."""
    result: list[Any] = []
    for arg in args:
        if isinstance(arg, (list, tuple)):
            result.extend(arg)
        else:
            result.append(arg)
    return tuple(result)


def get_object_name(o: object) -> str:
    """``o.__name__`` when it has one, otherwise ``str(o)``."""
    name = getattr(o, "__name__", None)
    return name if name is not None else str(o)


_SPECIAL = (("\n", "\\n"), ("\t", "\\t"), ("\b", "\\b"), ("\f", "\\f"), ('"', '\\"'),
            ("\r", "\\r"), ("\v", "\\v"))


def replace_special_chars(s: str) -> str:
    """Turn newline, tab, backspace, form feed, double quote, carriage return and vertical tab into
    their two-character escapes, in that order."""
    for char, escaped in _SPECIAL:
        s = s.replace(char, escaped)
    return s


def escape(c: str) -> str:
    """A printable character as is, otherwise ``\\xNN``, ``\\uNNNN`` or ``\\UNNNNNNNN``.

    (The original raised TypeError above 0xff on Python 3; this one gives the escape.)
    """
    if c in _PRINTABLE:
        return c
    code = ord(c)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def get_content(path: str) -> str:
    """The whole text of a file, line ends kept as they are (``newline=''``)."""
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()


class DictChangeOperation:
    """One undoable change of a dict: ``'add'``, ``'set'`` or ``'delete'`` of a key."""

    ADD = "add"
    SET = "set"
    DELETE = "delete"

    def __init__(self, d: dict[Any, Any], type: str, key: object, value: object = None) -> None:
        self._dict = d
        self._type = type
        self._key = key
        self._value = value
        self._old_value: object = None

    @property
    def target(self) -> dict[Any, Any]:
        return self._dict

    @property
    def type(self) -> str:
        return self._type

    @property
    def key(self) -> object:
        return self._key

    @property
    def value(self) -> object:
        return self._value

    @property
    def old_value(self) -> object:
        return self._old_value

    def do(self) -> None:
        kind = self._type
        d = self._dict
        if kind == "set" and self._key not in d:
            kind = self._type = "add"
        if kind == "add":
            d[self._key] = self._value
        elif kind == "set":
            self._old_value = d[self._key]
            d[self._key] = self._value
        elif kind == "delete":
            self._old_value = d[self._key]
            del d[self._key]
        else:
            raise ValueError(f"unknown dict change type {self._type!r}")

    def undo(self) -> None:
        if self._type == "add":
            del self._dict[self._key]
        else:
            self._dict[self._key] = self._old_value

    def merge(self, other: DictChangeOperation) -> bool:
        """Take over ``other``'s value when both set the same key of the same dict."""
        if (self._type == "set" and other._type == "set" and self._dict == other._dict
                and self._key == other._key):
            self._value = other._value
            return True
        return False

    def __str__(self) -> str:
        text = f"{self._type} {self._key}"
        if self._type in ("add", "set"):
            text += f"={self._value}"
        if self._type == "set":
            text += f"<-{self._old_value}"
        return text

    __repr__ = __str__


class DictChangeGroup:
    """An undo record: changes kept in order, undone in reverse."""

    def __init__(self) -> None:
        self._changes: list[DictChangeOperation] = []

    @property
    def changes(self) -> list[DictChangeOperation]:
        return self._changes

    def add(self, change: DictChangeOperation, do: bool = True) -> None:
        """Keep ``change`` (or merge it into the last one) and, by default, apply it."""
        changes = self._changes
        if not changes or not changes[-1].merge(change):
            changes.append(change)
        if do:
            change.do()

    def do(self) -> None:
        for change in self._changes:
            change.do()

    def undo(self) -> None:
        for change in reversed(self._changes):
            change.undo()

    def __len__(self) -> int:
        return len(self._changes)

    def __str__(self) -> str:
        return str(self._changes)

    __repr__ = __str__


def _notifying(base: type, name: str) -> Callable[..., Any]:
    method = getattr(base, name)

    def wrapper(self: NotifyList | NotifyDict, *args: Any, **kwargs: Any) -> Any:
        result = method(self, *args, **kwargs)
        self._callback()
        return result

    wrapper.__name__ = name
    wrapper.__doc__ = method.__doc__
    return wrapper


class NotifyList(list[Any]):
    """A list that calls ``callback()`` after every change."""

    def __init__(self, callback: Callable[[], object], iterable: Iterable[Any] = ()) -> None:
        super().__init__(iterable if iterable is not None else ())
        self._callback = callback

    def __add__(self, other: list[Any]) -> NotifyList:
        result = NotifyList(self._callback, list.__add__(self, other))
        self._callback()
        return result

    def __mul__(self, n: SupportsIndex) -> NotifyList:
        result = NotifyList(self._callback, list.__mul__(self, n))
        self._callback()
        return result


class NotifyDict(dict[Any, Any]):
    """A dict that calls ``callback()`` after every change."""

    def __init__(self, callback: Callable[[], object], iterable: Iterable[Any] = (),
                 **kw: object) -> None:
        super().__init__(iterable if iterable is not None else (), **kw)
        self._callback = callback


for _name in ("__setitem__", "__delitem__", "__iadd__", "__imul__", "append", "extend", "insert",
              "remove", "reverse", "sort", "pop", "clear"):
    setattr(NotifyList, _name, _notifying(list, _name))
for _name in ("__setitem__", "__delitem__", "clear", "pop", "popitem", "setdefault", "update"):
    setattr(NotifyDict, _name, _notifying(dict, _name))
del _name
