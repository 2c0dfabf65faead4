"""Turning what a person types into a room reference, and telling a database from a room.

Everything here is pure string work, so it is fast to test and never touches the network. A room can
be named in many ways (``se/r/1``, ``chat.stackexchange.com/rooms/1``, a transcript URL, ``r/B6``);
each is reduced to one :class:`RoomRef`. Resolving ``r/<meta_slug>`` or a message URL needs the
archive or the server and happens later, in the command itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from .._servers import BY_HOST, SERVERS
from ..errors import UsageError

__all__ = [
    "DatabaseFormError",
    "RoomFormError",
    "RoomRef",
    "database_url",
    "driver_missing",
    "looks_like_database",
    "parse_room",
    "relative_path_warning",
    "sqlite_path",
]

ROOM_FORMS_HELP = (
    "se/r/1, so/r/1, mse/r/89, chat.stackexchange.com/rooms/1, "
    "https://chat.stackexchange.com/rooms/1/sandbox, "
    "https://chat.stackexchange.com/transcript/1/2024/1/2, r/<slug from the archive>"
)


class RoomFormError(UsageError, ValueError):
    """The text names no room we understand; the message says what was expected."""


class DatabaseFormError(UsageError, ValueError):
    """The text is not a database URL SQLAlchemy can use."""


@dataclass(frozen=True, slots=True)
class RoomRef:
    """A room as named on the command line.

    Exactly one of three shapes: ``server`` + ``room_id`` (the usual), ``server`` + ``message_id``
    (a ``/transcript/message/<id>`` URL: the room is the message's), or ``meta_slug`` alone
    (``r/B6``: the room is looked up in the archive).
    """

    server: str | None = None
    room_id: int | None = None
    message_id: int | None = None
    meta_slug: str | None = None

    def __str__(self) -> str:
        if self.meta_slug is not None:
            return f"r/{self.meta_slug}"
        if self.room_id is not None:
            return f"{self.server}/r/{self.room_id}"
        return f"{self.server}/m/{self.message_id}"


_SHORT = re.compile(r"^(?P<server>[a-z]+)/(?:r|rooms?)/(?P<id>\d+)/?$", re.IGNORECASE)
_META = re.compile(r"^r/(?P<slug>[A-Za-z0-9_-]+)/?$")
_ID = r"(?P<id>\d+)"
# Paths on a chat host that name a room (or a message, for the message transcript).
_PATHS = [
    re.compile(rf"^/rooms/(?:info/)?{_ID}(?:/[^/]*)?/?$"),
    re.compile(rf"^/transcript/{_ID}(?:/\d{{4}}/\d{{1,2}}/\d{{1,2}}(?:/\d{{1,2}}-\d{{1,2}})?)?/?$"),
    re.compile(rf"^/chats/{_ID}(?:/.*)?$"),
]
_MESSAGE_PATHS = [
    re.compile(r"^/transcript/message/(?P<id>\d+)(?:/\d+)?/?$"),
    re.compile(r"^/messages?/(?P<id>\d+)/?$"),
]
_SCHEME = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://")
_DB_SUFFIXES = (".db", ".sqlite", ".sqlite3")


def _positive(text: str, what: str, original: str) -> int:
    value = int(text)
    if value <= 0 or value >= 2**63:
        raise RoomFormError(f"{what} must be a positive number in {original!r}")
    return value


def _from_path(server: str, path: str, original: str) -> RoomRef:
    for pattern in _MESSAGE_PATHS:
        m = pattern.match(path)
        if m:
            return RoomRef(server=server, message_id=_positive(m["id"], "message id", original))
    for pattern in _PATHS:
        m = pattern.match(path)
        if m:
            return RoomRef(server=server, room_id=_positive(m["id"], "room id", original))
    raise RoomFormError(
        f"{original!r} is a chat address but not a room: expected /rooms/<id> or /transcript/<id>"
    )


def parse_room(text: str, server_url: str | None = None) -> RoomRef:
    """Read one room form; raise :class:`RoomFormError` naming the accepted forms otherwise.

    ``server_url`` is the devserver origin, if any: URLs under it (``<url>/se/rooms/1``) are
    accepted like the real hosts' URLs.
    """
    original = text
    text = text.strip()
    if not text:
        raise RoomFormError(f"empty room; expected one of: {ROOM_FORMS_HELP}")

    m = _SHORT.match(text)
    if m:
        server = m["server"].lower()
        if server not in SERVERS:
            raise RoomFormError(
                f"unknown server {m['server']!r} in {original!r}; expected one of "
                + ", ".join(SERVERS)
            )
        return RoomRef(server=server, room_id=_positive(m["id"], "room id", original))

    m = _META.match(text)
    if m:
        return RoomRef(meta_slug=m["slug"])

    scheme = _SCHEME.match(text)
    if scheme and scheme["scheme"].lower() not in ("http", "https"):
        raise RoomFormError(
            f"{original!r} looks like a database URL, not a room; expected a room such as se/r/1"
        )
    if server_url:
        base = server_url.rstrip("/")
        for candidate in (text, "http://" + text):
            if candidate.lower().startswith(base.lower() + "/"):
                path = candidate[len(base) :].split("?", 1)[0].split("#", 1)[0]
                slug, _, path = path.lstrip("/").partition("/")
                if slug in SERVERS:
                    return _from_path(slug, "/" + path, original)
    try:
        url = urlsplit(text if scheme else "https://" + text)
        host = (url.hostname or "").lower()
        port = url.port
    except ValueError:  # "[" (a broken IPv6 host) or a port that is not a number
        raise RoomFormError(
            f"cannot read a room from {original!r}; expected one of: {ROOM_FORMS_HELP}"
        ) from None
    info = BY_HOST.get(host)
    if info is None:
        if "." in host and "/" in text:
            raise RoomFormError(
                f"unknown chat host {host!r} in {original!r}; known hosts: "
                + ", ".join(BY_HOST)
                + " (use --server-url for a devserver)"
            )
        raise RoomFormError(
            f"cannot read a room from {original!r}; expected one of: {ROOM_FORMS_HELP}"
        )
    if port is not None:
        raise RoomFormError(f"unexpected port in {original!r}")
    # /transcript/<room>?m=<msg> names the room already; the message is only an anchor.
    return _from_path(info.slug, url.path or "/", original)


def redact(text: str) -> str:
    """``text`` with the password of a ``user:password@host`` URL masked, for messages."""
    return re.sub(r"(://[^/:@]*:)[^@/]*@", r"\1***@", text)


def looks_like_database(text: str) -> bool:
    """True for a SQLAlchemy-style URL (``sqlite://./data``, ``postgresql://...``) or an SQLite file
    name.

    Room forms never carry a non-HTTP scheme nor end in a database suffix, so a lone positional
    argument can be classified without guessing.
    """
    m = _SCHEME.match(text)
    if m:
        return m["scheme"].lower() not in ("http", "https")
    return text.lower().endswith(_DB_SUFFIXES)


#: SQLAlchemy's own dialects (``postgres`` is the common alias of ``postgresql``).
_DIALECTS = ("sqlite", "postgresql", "postgres", "mysql", "mariadb", "oracle", "mssql")


def _known_dialect(name: str) -> bool:
    """A dialect SQLAlchemy ships, or one a package registered (looked up only when needed)."""
    if name in _DIALECTS:
        return True
    from importlib.metadata import entry_points

    return any(ep.name.split(".", 1)[0] == name for ep in entry_points(group="sqlalchemy.dialects"))


def database_url(text: str) -> str:
    """The SQLAlchemy URL for what was typed; ``sqlite://./data`` (the seed's form) means the file
    ``./data``.

    SQLAlchemy reads ``sqlite://./data`` as host ``.``, which it rejects, so any ``sqlite...://X``
    whose X is not empty and does not start with ``/`` is taken as the relative path X. A bare file
    name ending in ``.db``/``.sqlite``/``.sqlite3`` is an SQLite file. Checked without importing
    SQLAlchemy (an argument error must be quick): a known kind of database and a readable port.
    """
    m = _SCHEME.match(text)
    if not m:
        if text.lower().endswith(_DB_SUFFIXES):
            return "sqlite:///" + text
        raise DatabaseFormError(f"{text!r} is not a database URL (for example sqlite://./data)")
    scheme = m["scheme"]
    rest = text[m.end() :]
    kind = scheme.lower().split("+", 1)[0]
    if not _known_dialect(kind):
        raise DatabaseFormError(
            f"{redact(text)!r} is not a database URL: unknown kind of database {kind!r} "
            "(expected sqlite:///path or postgresql://user@host/db)"
        )
    if kind == "sqlite":
        if rest and not rest.startswith("/"):
            if rest.startswith(":memory:"):
                return f"{scheme}://"
            return f"{scheme}:///{rest}"
        return text
    try:
        urlsplit(text).port  # noqa: B018 - raises on a port that is not a number
    except ValueError as exc:
        raise DatabaseFormError(f"{redact(text)!r} is not a database URL: {exc}") from None
    return text


def sqlite_path(url: str) -> str | None:
    """The file an SQLite URL names (relative to the current directory unless it starts with
    ``/``); ``None`` for other databases and for ``""`` (in memory)."""
    m = re.match(r"^sqlite(?:\+\w+)?:///(?P<path>[^?]*)", url, re.IGNORECASE)
    if m is None:
        return None
    path = m["path"]
    return None if path in ("", ":memory:") else path


def relative_path_warning(url: str) -> str | None:
    """Why ``sqlite:///tmp/x`` may not be what was meant: it is ``./tmp/x``, not ``/tmp/x``.

    Said when the path is relative, its first directory is missing here and exists under ``/``.
    """
    import os

    path = sqlite_path(url)
    if path is None or path.startswith("/") or "/" not in path:
        return None
    top = path.split("/", 1)[0]
    if top in (".", "..") or os.path.exists(top) or not os.path.isdir("/" + top):
        return None
    return (
        f"{url} is the file {path} relative to the current directory, not /{path}; "
        f"for /{path} write sqlite:////{path}"
    )


def driver_missing(url: str) -> str | None:
    """What to install when the URL's database driver is not, else ``None``."""
    from importlib.util import find_spec

    scheme = url.split("://", 1)[0].lower()
    kind, _, driver = scheme.partition("+")
    if kind not in ("postgresql", "postgres"):
        return None
    module = driver or "psycopg"  # what chatexchange uses for a plain postgresql:// URL
    try:
        if find_spec(module) is not None:
            return None
    except (ImportError, ValueError):  # a module blocked or half-imported counts as missing
        pass
    if module == "psycopg":
        return "PostgreSQL needs the psycopg driver: pip install 'chatexchange3[postgres]'"
    return f"PostgreSQL driver {module!r} is not installed: pip install {module}"
