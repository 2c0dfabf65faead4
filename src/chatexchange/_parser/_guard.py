"""One exception class out of every parser (this module loads no lxml: events use it too)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from ..errors import ParseError

__all__ = ["guarded"]

_F = TypeVar("_F", bound=Callable[..., Any])


def guarded(fn: _F) -> _F:
    """Make every exception of a parse function a ``ParseError`` naming the URL.

    The parsers convert what they expect; this catches what they did not (odd digits that
    ``int`` refuses, dates out of range, recursion on absurd markup), so callers handle one class.
    """

    @functools.wraps(fn)
    def wrapper(body: Any, url: str | None = None, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(body, url, *args, **kwargs)
        except ParseError:
            raise
        except Exception as exc:  # the point: convert everything
            raise ParseError(f"unreadable page ({type(exc).__name__}: {exc})", url) from exc

    return wrapper  # type: ignore[return-value]
