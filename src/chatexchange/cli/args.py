"""The command line's grammar: one main form and a few subcommands, each with its own ``--help``.

argparse cannot mix an optional positional (``[DATABASE] ROOM``) with subcommands, so the word after
the common options picks the parser: ``devserver``, ``replay`` and ``demo`` are subcommands (no room
form is a bare word, so they cannot be confused), anything else is the main form. The common options
(``--server-url``, ``--quiet``, ``--verbose``, ``--json``) are accepted before or after the
subcommand.
"""

from __future__ import annotations

import argparse
import difflib
import math
import os
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NoReturn

from .._servers import DEVSERVER_ENV
from .._version import __version__
from ..errors import UsageError
from .exits import MEANINGS
from .rooms import (
    ROOM_FORMS_HELP,
    DatabaseFormError,
    RoomFormError,
    RoomRef,
    database_url,
    looks_like_database,
    parse_room,
)

__all__ = [
    "DATABASE_ENV",
    "SUBCOMMANDS",
    "UsageError",
    "build_parsers",
    "parse_args",
    "parse_max_age",
]

#: ``chatexchange._transport.sessionfile.ENV``, named here without importing the transport package
#: (it loads aiohttp, which ``--help`` and argument errors must not wait for).
SESSION_ENV = "CHATEXCHANGE_SESSION_FILE"

#: The DATABASE of the main form when none is given (so ``chatexchange r/B6 -s hi`` finds r/B6).
DATABASE_ENV = "CHATEXCHANGE_DATABASE"

PROG = "chatexchange"

MAIN_USAGE = (
    "chatexchange [DATABASE] ROOM [ROOM...] [--all | --since WHEN] [--until WHEN]\n"
    "                    [--max-age SECONDS|Infinity] [--watch] [--send TEXT | -s TEXT]\n"
    "       chatexchange show [DATABASE] ROOM [--since WHEN] [--until WHEN] [--last N]\n"
    "       chatexchange search [DATABASE] WORDS... [--room ROOM] [--limit N]\n"
    "       chatexchange export [DATABASE] ROOM [--since WHEN] [--until WHEN] "
    "[--format jsonl|csv] [-o FILE]\n"
    "       chatexchange devserver [--port N] [--seed FILE] [--messages N]\n"
    "       chatexchange replay [DATABASE] ROOM --bot MODULE:OBJECT\n"
    "       chatexchange bots status [DATABASE] [--json]\n"
    "       chatexchange db current|upgrade [DATABASE]\n"
    "       chatexchange demo\n"
    "       chatexchange --help | --version"
)

DESCRIPTION = f"""\
Archive, watch and talk to Stack Exchange chat rooms from the command line.

The main form imports a room into a database (an archive) and optionally stays connected or
sends a message. DATABASE is any SQLAlchemy URL (sqlite:///path, postgresql://...) or the short
sqlite://./data (a file relative to the current directory); without it, ${DATABASE_ENV} if
set, else a temporary in-memory database. ROOM is one of:
{textwrap.fill(ROOM_FORMS_HELP + ".", 98, initial_indent="  ", subsequent_indent="  ")}"""

EPILOG = f"""\
examples:
  chatexchange sqlite://./data se/r/1 --all --max-age=3600
      import (or update) the full history of room 1 on chat.stackexchange.com; pages
      stored within the last hour count as up to date, so a second run is fast and an
      interrupted one resumes
  chatexchange sqlite://./data chat.stackexchange.com/rooms/1 --all --max-age=Infinity --watch
      import what is missing, then stay connected and archive (and print) new messages
  chatexchange se/r/1 --send "hello world"
      send a message with the account in $ChatExchangeU / $ChatExchangeP, then disconnect
      (without ${DATABASE_ENV}, a temporary in-memory database is used)
  chatexchange r/B6 -s "hello world"
      the same, naming the room by its slug in the archive that ${DATABASE_ENV} names
      (or name the archive: chatexchange sqlite://./data r/B6 -s "hello world")
  chatexchange so/r/1 --watch --json | jq -r .content_text
      one JSON object per new message, for piping
  chatexchange sqlite://./data se/r/1 so/r/17 --since 7d --watch
      import the last week of two rooms, then follow both
  chatexchange show sqlite://./data se/r/1 --last 20
  chatexchange search sqlite://./data websocket reconnect --room se/r/1
  chatexchange export sqlite://./data se/r/1 -o sandbox.csv
      read the archive back: a window of a room, full-text search, JSON Lines or CSV
  chatexchange devserver --port 8080 --messages 5000
      run the local chat server; then add --server-url http://127.0.0.1:8080 to any command
  chatexchange replay sqlite://./data se/r/1 --bot examples/command_bot.py:bot
      show what a bot would have answered to the archived messages
  chatexchange demo
      everything above, offline, in a few seconds

environment:
  ChatExchangeU, ChatExchangeP   email and password for sending (reading needs no account)
  {DATABASE_ENV}          the DATABASE when none is given
  {DEVSERVER_ENV}         same as --server-url
  {SESSION_ENV}      same as --session-file

exit codes:
{"".join(f"  {code:<5}{meaning}{chr(10)}" for code, meaning in MEANINGS.items())}"""


SUBCOMMANDS = ("show", "search", "export", "devserver", "replay", "bots", "db", "demo")

WHEN_HELP = (
    "a message id, a UTC date or time (2024-01-02, 2024-01-02T15:30, with Z or +01:00 if "
    "wanted), or a time ago (90m, 12h, 7d, 2w)"
)

#: The chat server's limit for a message without a line break (``MAX_SINGLE_LINE`` of
#: ``chatexchange._transport.actions``, which this module does not import: it loads aiohttp).
MAX_SINGLE_LINE = 500


@dataclass(frozen=True, slots=True)
class MainArgs:
    """The main form, validated: what the command needs and nothing argparse-specific."""

    database: str | None
    rooms: tuple[RoomRef, ...]
    all: bool
    max_age: float | None
    watch: bool
    send: str | None
    server_url: str | None
    quiet: bool
    verbose: bool
    json: bool
    session_file: str | None = None
    no_session: bool = False
    give_up_after: float | None = None
    since: datetime | int | None = None
    until: datetime | int | None = None

    @property
    def room(self) -> RoomRef:
        """The first (usually the only) room."""
        return self.rooms[0]


_AGO = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$", re.IGNORECASE)
_AGO_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_when(text: str) -> datetime | int:
    """A window bound: a message id (digits), an ISO 8601 date or time (UTC unless it says
    otherwise) or a time ago (``7d``)."""
    value = text.strip()
    if value.isdigit():
        return int(value)
    ago = _AGO.match(value)
    if ago:
        seconds = float(ago[1]) * _AGO_SECONDS[ago[2].lower()]
        return datetime.now(UTC) - timedelta(seconds=seconds)
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected {WHEN_HELP}") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def parse_max_age(text: str) -> float:
    """Seconds as a number, or ``Infinity``/``inf`` (everything stored counts as fresh)."""
    if text.strip().lower() in ("infinity", "inf", "+inf", "+infinity"):
        return math.inf
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of seconds or Infinity"
        ) from None
    if math.isnan(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r}: the max age must be 0 or more seconds")
    return value


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must not be negative")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if math.isnan(value) or value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be 0 or more seconds")
    return value


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    group = common.add_argument_group("common options")
    group.add_argument(
        "--server-url",
        metavar="URL",
        default=None,
        help=f"talk to this devserver (or compatible host) instead of the real servers; "
        f"default ${DEVSERVER_ENV}",
    )
    out = group.add_mutually_exclusive_group()
    out.add_argument("-q", "--quiet", action="store_true", help="no progress, no summary")
    out.add_argument(
        "-v", "--verbose", action="store_true", help="debug logging, and tracebacks on errors"
    )
    group.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object per message or event on stdout (progress stays on stderr)",
    )
    return common


class _Parser(argparse.ArgumentParser):
    """argparse, but ``error()`` raises so ``main()`` owns the exit (tests call ``main``
    in-process)."""

    def error(self, message: str) -> NoReturn:
        hint = f" (see '{self.prog} --help')"
        raise argparse.ArgumentError(None, message if message.endswith(hint) else message + hint)


def build_parsers() -> dict[str, argparse.ArgumentParser]:
    """One parser per form: ``main`` and each subcommand."""
    common = _common()
    fmt = argparse.RawDescriptionHelpFormatter
    main = _Parser(
        prog=PROG,
        usage=MAIN_USAGE,
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=fmt,
        parents=[common],
    )
    main.add_argument(
        "positionals",
        nargs="+",
        metavar="[DATABASE] ROOM",
        help="an optional database URL, then the room (several rooms: imported in turn, and "
        "watched together)",
    )
    span = main.add_mutually_exclusive_group()
    span.add_argument(
        "--all",
        action="store_true",
        help="import the room's full history (without it: only the latest transcript day)",
    )
    span.add_argument(
        "--since",
        type=parse_when,
        metavar="WHEN",
        default=None,
        help=f"import from WHEN: {WHEN_HELP}",
    )
    main.add_argument(
        "--until",
        type=parse_when,
        metavar="WHEN",
        default=None,
        help="import up to WHEN (not included)",
    )
    main.add_argument(
        "--max-age",
        type=parse_max_age,
        metavar="SECONDS|Infinity",
        default=None,
        help="pages stored within this many seconds are up to date and not fetched again "
        "(default: the client's; Infinity: never refetch what is stored)",
    )
    main.add_argument(
        "--watch",
        action="store_true",
        help="then stay connected, archiving and printing new messages until Ctrl-C; a lost "
        "connection is retried for ever (one line on stderr per change: connected, lost, "
        "retrying in N s)",
    )
    main.add_argument(
        "--give-up-after",
        type=_seconds,
        metavar="SECONDS",
        default=None,
        help="with --watch: exit (code 7) when the connection stays lost this long "
        "(default: retry forever)",
    )
    main.add_argument(
        "-s", "--send", metavar="TEXT", default=None, help="send TEXT (markdown) to the room"
    )
    sessions = main.add_mutually_exclusive_group()
    sessions.add_argument(
        "--session-file",
        metavar="PATH",
        default=None,
        help=f"keep the login session in PATH (default ${SESSION_ENV}, else sessions.json in "
        "the user's cache directory); a saved session is reused, so sends do not log in again",
    )
    sessions.add_argument(
        "--no-session",
        action="store_true",
        help="neither read nor save a login session: log in on every run",
    )
    main.add_argument("--version", action="version", version=f"%(prog)s {__version__}")

    replay = _Parser(
        prog=f"{PROG} replay",
        description="Run a bot over the archived messages of a room, without network and without "
        "posting, and print what it would have answered.",
        epilog="example:\n"
        "  chatexchange replay sqlite://./data se/r/1 --bot examples/command_bot.py:bot",
        formatter_class=fmt,
        parents=[common],
    )
    replay.add_argument(
        "positionals",
        nargs="+",
        metavar="[DATABASE] ROOM",
        help=f"the archive's database URL (default ${DATABASE_ENV}), then the room",
    )
    replay.add_argument(
        "--bot", required=True, metavar="MODULE:OBJECT", help="the bot to run, e.g. mybot:bot"
    )

    demo = _Parser(
        prog=f"{PROG} demo",
        description="Show the whole package working offline: start a devserver with a generated "
        "room, import its history into a temporary archive, run a small bot live for a few "
        "exchanges, and print the figures.",
        formatter_class=fmt,
        parents=[common],
    )
    demo.add_argument(
        "--messages",
        type=_positive_int,
        metavar="N",
        default=5000,
        help="size of the generated room (default 5000)",
    )
    archive_help = f"the archive's database URL (default ${DATABASE_ENV}), then the room"
    show = _Parser(
        prog=f"{PROG} show",
        description="Print a room's archived messages, oldest first, in a time or message-id "
        "window (one JSON object per message with --json). Reads the archive only: import the "
        "room first.",
        epilog="examples:\n"
        "  chatexchange show sqlite://./data se/r/1 --since 2024-01-02 --until 2024-01-03\n"
        "  chatexchange show sqlite://./data se/r/1 --last 20\n"
        "  chatexchange show sqlite://./data se/r/1 --since 7d --json | jq -r .content_text",
        formatter_class=fmt,
        parents=[common],
    )
    show.add_argument("positionals", nargs="+", metavar="[DATABASE] ROOM", help=archive_help)
    _window_options(show)
    show.add_argument(
        "--last", type=_positive_int, metavar="N", default=None, help="only the last N messages"
    )

    search = _Parser(
        prog=f"{PROG} search",
        description="Full-text search of the archive, best matches first, each with its link. "
        'All WORDS must occur (in any form: "talk" finds "talking"); "a phrase" in quotes '
        "must occur as written; OR between words accepts either; -word excludes.",
        epilog="examples:\n"
        "  chatexchange search sqlite://./data websocket reconnect\n"
        "  chatexchange search sqlite://./data '\"rate limit\" OR throttle' --room se/r/1\n"
        "  chatexchange search sqlite://./data release -beta --since 30d --json",
        formatter_class=fmt,
        parents=[common],
    )
    search.add_argument(
        "positionals",
        nargs="*",
        metavar="[DATABASE] WORDS",
        help=f"the archive's database URL (default ${DATABASE_ENV}), then what to look for",
    )
    search.add_argument(
        "--room",
        action="append",
        default=[],
        metavar="ROOM",
        help="only in this room (repeat for several)",
    )
    _window_options(search)
    search.add_argument(
        "--limit",
        type=_positive_int,
        metavar="N",
        default=20,
        help="at most N results (default 20; 0: all)",
    )

    export = _Parser(
        prog=f"{PROG} export",
        description="Write a room's archived messages, oldest first, as JSON Lines or CSV, "
        "streamed (any size of archive in little memory), with progress on a terminal.",
        epilog="examples:\n"
        "  chatexchange export sqlite://./data se/r/1 -o sandbox.csv\n"
        "  chatexchange export sqlite://./data se/r/1 --since 2024-01-01 | gzip > 2024.jsonl.gz",
        formatter_class=fmt,
        parents=[common],
    )
    export.add_argument("positionals", nargs="+", metavar="[DATABASE] ROOM", help=archive_help)
    _window_options(export)
    export.add_argument(
        "--format",
        choices=("jsonl", "csv"),
        default=None,
        help="default: csv for an output file ending in .csv, else jsonl",
    )
    export.add_argument(
        "-o", "--output", metavar="FILE", default=None, help="write to FILE instead of stdout"
    )
    bots = _Parser(
        prog=f"{PROG} bots",
        description="Bots running on several processes with one PostgreSQL archive: per room "
        "the active process (host, pid, since), the standbys and the last handled message.",
        epilog="example:\n  chatexchange bots status postgresql://bots@db/chat",
        formatter_class=fmt,
        parents=[common],
    )
    bots.add_argument("action", choices=("status",), help="what to show")
    bots.add_argument("database", nargs="?", default=None, metavar="DATABASE",
                      help=f"the archive's database URL (default ${DATABASE_ENV})")
    db = _Parser(
        prog=f"{PROG} db",
        description="The archive's schema: 'current' shows its migration revision against this "
        "release's newest; 'upgrade' runs the migrations it lacks (opening the archive does "
        "too). Both refuse a database that is not an archive and create nothing.",
        epilog="examples:\n  chatexchange db current sqlite://./data\n"
        "  chatexchange db upgrade postgresql://bots@db/chat",
        formatter_class=fmt,
        parents=[common],
    )
    db.add_argument("action", choices=("current", "upgrade"), help="what to do")
    db.add_argument("database", nargs="?", default=None, metavar="DATABASE",
                    help=f"the archive's database URL (default ${DATABASE_ENV})")
    return {
        "main": main,
        "show": show,
        "bots": bots,
        "db": db,
        "search": search,
        "export": export,
        "replay": replay,
        "demo": demo,
    }


def _window_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--since", type=parse_when, metavar="WHEN", default=None, help=f"from WHEN: {WHEN_HELP}"
    )
    parser.add_argument(
        "--until", type=parse_when, metavar="WHEN", default=None, help="up to WHEN (not included)"
    )


def _split_subcommand(argv: list[str]) -> tuple[str, list[str]]:
    """Find the subcommand word, if it comes first after the common options."""
    pre = _Parser(add_help=False, parents=[_common()])
    # parse_known_args leaves the first unknown word first; our common options take no positional.
    try:
        _, rest = pre.parse_known_args(argv)
    except argparse.ArgumentError:  # a bad common option: the real parser reports it
        return "main", argv
    if rest and rest[0] in SUBCOMMANDS:
        index = argv.index(rest[0])
        return rest[0], argv[:index] + argv[index + 1 :]
    if rest and rest[0].isalpha():  # no room or database looks like this: a misspelt command
        close = difflib.get_close_matches(rest[0].lower(), SUBCOMMANDS, n=1, cutoff=0.7)
        if close:
            raise UsageError(f"unknown command {rest[0]!r}; did you mean {close[0]!r}?")
    return "main", argv


def _devserver_args(argv: list[str]) -> argparse.Namespace:
    """The devserver's own options (one definition: ``chatexchange.devserver.cli``), after the
    common ones."""
    from ..devserver.cli import build_parser

    common, rest = _Parser(add_help=False, parents=[_common()]).parse_known_args(argv)
    ns = build_parser(f"{PROG} devserver", _Parser).parse_args(rest)
    for name, value in vars(common).items():
        setattr(ns, name, value)
    return ns


def parse_args(argv: Sequence[str]) -> tuple[str, argparse.Namespace]:
    """Parse ``argv`` into (form, namespace); raises ``argparse.ArgumentError`` or ``UsageError``.

    For the main form the namespace gets ``.main``, a validated :class:`MainArgs`.
    """
    argv = list(argv)
    form, rest = _split_subcommand(argv)
    parser = build_parsers().get(form, _Parser())
    # Intermixed, so options may sit between DATABASE and ROOM (``db --all se/r/1``).
    if form == "devserver":
        ns = _devserver_args(rest)
    elif form == "search":
        # ``-word`` excludes a word: what argparse does not know as an option is part of the query.
        ns, unknown = parser.parse_known_intermixed_args(rest)
        bad = [word for word in unknown if not re.match(r"^-\w", word) or word.startswith("--")]
        if bad:
            parser.error(f"unrecognized arguments: {' '.join(bad)}")
        ns.positionals = [*(ns.positionals or []), *unknown]
    elif form in ("main", "show", "export", "replay"):
        ns = parser.parse_intermixed_args(rest)
    else:
        ns = parser.parse_args(rest)
    if ns.server_url is None:
        ns.server_url = os.environ.get(DEVSERVER_ENV) or None
    if ns.server_url is not None:
        ns.server_url = _check_server_url(ns.server_url)
    if form == "main":
        ns.main = _main_args(ns)
    elif form in ("replay", "show", "export"):
        ns.database, (ns.room_ref,) = _archive_and_rooms(ns.positionals, ns.server_url, form)
    elif form in ("bots", "db"):
        db_text = ns.database or os.environ.get(DATABASE_ENV, "").strip()
        if not db_text:
            raise UsageError(
                f"{form} {ns.action} needs an archive: give its DATABASE or set {DATABASE_ENV}"
            )
        ns.database = _database(db_text, "" if ns.database else f"${DATABASE_ENV}: ")
    elif form == "search":
        positionals = list(ns.positionals)
        if positionals and looks_like_database(positionals[0]):
            db_text, where = positionals.pop(0), ""
        else:
            db_text, where = os.environ.get(DATABASE_ENV, "").strip(), f"${DATABASE_ENV}: "
        if not positionals:
            raise UsageError(f"search for what? e.g. {PROG} search {db_text or 'DATABASE'} hello")
        if not db_text:
            raise UsageError(
                f"search reads an archive: give its DATABASE before the WORDS "
                f"(e.g. {PROG} search sqlite://./data {' '.join(positionals)}), "
                f"or set {DATABASE_ENV}"
            )
        ns.database = _database(db_text, where)
        ns.query = " ".join(positionals)
        ns.room_refs = tuple(_room(text, ns.server_url) for text in ns.room)
    if form in ("show", "search", "export") and _backwards(ns.since, ns.until):
        raise UsageError("--until comes before --since: the window is empty")
    return form, ns


def _backwards(since: datetime | int | None, until: datetime | int | None) -> bool:
    if since is None or until is None or type(since) is not type(until):
        return False
    return until <= since  # type: ignore[operator]


def _check_server_url(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(
            f"--server-url {url!r} is not an http(s) URL such as http://127.0.0.1:8080"
        )
    return url.rstrip("/")


def _database(text: str, where: str = "") -> str:
    try:
        return database_url(text)
    except DatabaseFormError as exc:
        raise UsageError(f"{where}{exc}") from None


def _room(text: str, server_url: str | None) -> RoomRef:
    try:
        return parse_room(text, server_url)
    except RoomFormError as exc:
        raise UsageError(str(exc)) from None


def _archive_and_rooms(
    positionals: list[str], server_url: str | None, form: str, max_rooms: int = 1
) -> tuple[str, tuple[RoomRef, ...]]:
    """``[DATABASE] ROOM...`` of a command that reads an existing archive: the DATABASE is needed
    (given first, or ``$CHATEXCHANGE_DATABASE``)."""
    if positionals and looks_like_database(positionals[0]):
        db_text: str | None = positionals[0]
        room_texts = positionals[1:]
        where = ""
    else:
        db_text = os.environ.get(DATABASE_ENV, "").strip() or None
        room_texts = positionals
        where = f"${DATABASE_ENV}: "
    if not room_texts:
        raise UsageError(f"which ROOM? e.g. {PROG} {form} {positionals[0]} se/r/1")
    if len(room_texts) > max_rooms and where:  # no DATABASE given: was the first word one?
        try:
            parse_room(room_texts[0], server_url)
        except RoomFormError:
            raise UsageError(
                f"{room_texts[0]!r} is neither a database nor a room; a database is a URL "
                f"(sqlite://./{room_texts[0]}) or a file name ending in .db"
            ) from None
    if len(room_texts) > max_rooms:
        rooms_word = "one ROOM" if max_rooms == 1 else f"at most {max_rooms} ROOMs"
        raise UsageError(f"too many arguments: {' '.join(room_texts)!r}; {form} takes {rooms_word}")
    rooms = tuple(_room(text, server_url) for text in room_texts)
    if db_text is None:
        raise UsageError(
            f"{form} reads an archive: give its DATABASE before the ROOM "
            f"(e.g. {PROG} {form} sqlite://./data {room_texts[0]}), or set {DATABASE_ENV}"
        )
    return _database(db_text, where), rooms


def _check_send(text: str) -> None:
    if not text.strip():
        raise UsageError("--send needs a non-empty TEXT")
    if "\n" not in text and len(text) > MAX_SINGLE_LINE:
        raise UsageError(
            f"message too long: {len(text)} characters on one line, and chat allows "
            f"{MAX_SINGLE_LINE}; a message with a line break may be longer "
            "(in bash: -s $'first line\\nsecond line')"
        )


def _main_args(ns: argparse.Namespace) -> MainArgs:
    positionals: list[str] = list(ns.positionals)
    database: str | None
    if looks_like_database(positionals[0]):
        db_text = positionals.pop(0)
        if not positionals:
            raise UsageError(f"{db_text!r} is a database; which ROOM? e.g. {db_text} se/r/1")
        database = _database(db_text)
    else:
        from_env = os.environ.get(DATABASE_ENV, "").strip()
        database = _database(from_env, f"${DATABASE_ENV}: ") if from_env else None
    if any(looks_like_database(text) for text in positionals):
        raise UsageError("the DATABASE comes before the ROOM: chatexchange DATABASE ROOM")
    rooms = tuple(_room(text, ns.server_url) for text in positionals)
    if ns.send is not None:
        if len(rooms) > 1:
            raise UsageError(
                f"too many arguments: {' '.join(positionals)!r}; --send takes one ROOM "
                "(quote the text of --send)"
            )
        _check_send(ns.send)
    if _backwards(ns.since, ns.until):
        raise UsageError("--until comes before --since: nothing to import")
    return MainArgs(
        database=database,
        rooms=rooms,
        all=ns.all,
        max_age=ns.max_age,
        watch=ns.watch,
        send=ns.send,
        server_url=ns.server_url,
        quiet=ns.quiet,
        verbose=ns.verbose,
        json=ns.json,
        session_file=ns.session_file,
        no_session=ns.no_session,
        give_up_after=ns.give_up_after,
        since=ns.since,
        until=ns.until,
    )
