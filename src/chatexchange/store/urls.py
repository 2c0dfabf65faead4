"""What a user gives as a database, as an SQLAlchemy URL; error text that never shows a password."""

from __future__ import annotations

import os
import re

from sqlalchemy.engine import make_url
from sqlalchemy.engine.url import URL
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from ..errors import StorageError

DEFAULT_URL = "sqlite:///:memory:"



_SQLITE_SHORT = re.compile(r"^(sqlite(?:\+\w+)?)://(?!/)(.+)$")


def database_url(url: str | os.PathLike[str] | URL | None) -> URL:
    """The SQLAlchemy URL for what a user gave.

    ``None``/``""`` is the in-memory default; ``sqlite://./data`` (the seed README's form, which
    SQLAlchemy would read as a host name) is the relative file ``./data``; a ``Path`` or a string
    without a scheme is an SQLite file path; ``postgresql://`` without a driver uses psycopg 3.
    """
    if url is None or (isinstance(url, str) and not url.strip()):
        return make_url(DEFAULT_URL)
    if isinstance(url, os.PathLike):
        return URL.create("sqlite", database=os.fspath(url))
    if isinstance(url, str):
        text = url.strip()
        short = _SQLITE_SHORT.match(text)
        if short:
            text = f"{short.group(1)}:///{short.group(2)}"
        elif "://" not in text:
            text = f"sqlite:///{text}"
        try:
            url = make_url(text)
        except ArgumentError:
            raise StorageError(f"not a database URL: {_redact(text)!r}") from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url


def _redact(text: str) -> str:
    """``text`` with any ``user:password@`` credentials masked."""
    return re.sub(r"(://[^/:@]*:)[^@/]*@", r"\1***@", text)


def _display(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _is_memory(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")



def _reason(exc: SQLAlchemyError, url: URL) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip().splitlines()
    reason = text[0] if text else type(exc).__name__
    if url.password:
        reason = reason.replace(str(url.password), "***")
    return _redact(reason)
