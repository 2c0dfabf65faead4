"""The command line's grammar: one main form and a few subcommands, each with its own ``--help``.

argparse cannot mix an optional positional (``[DATABASE] ROOM``) with subcommands, so the word after
the common options picks the parser: ``devserver``, ``replay`` and ``demo`` are subcommands (no room
form is a bare word, so they cannot be confused), anything else is the main form. The common options
(``--server-url``, ``--quiet``, ``--verbose``, ``--json``) are accepted before or after the
subcommand.
"""

from __future__ import annotations

import argparse
import math
import os
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from .._servers import DEVSERVER_ENV
from .._version import __version__
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
    "chatexchange [DATABASE] ROOM [--all] [--max-age SECONDS|Infinity] [--watch] "
    "[--send TEXT | -s TEXT]\n"
    "       chatexchange devserver [--port N] [--seed FILE] [--messages N]\n"
    "       chatexchange replay [DATABASE] ROOM --bot MODULE:OBJECT\n"
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
  0 ok, 1 other error, 2 bad arguments or message too long,
  3 login failed (wrong email or password) or credentials missing, 4 room or message not found,
  5 refused by the server, 6 throttled beyond retries, 7 server or network error,
  8 unreadable page, 9 database cannot be opened or written, 10 login needs a captcha,
  11 the bot's own code failed (its traceback is shown), 70 internal error,
  130 interrupted (Ctrl-C), 143 terminated (SIGTERM)
"""


SUBCOMMANDS = ("devserver", "replay", "demo")

#: The chat server's limit for a message without a line break (``MAX_SINGLE_LINE`` of
#: ``chatexchange._transport.actions``, which this module does not import: it loads aiohttp).
MAX_SINGLE_LINE = 500


class UsageError(Exception):
    """A bad argument found after argparse accepted the syntax (a room form, a database URL)."""

    exit_code = 2


@dataclass(frozen=True, slots=True)
class MainArgs:
    """The main form, validated: what the command needs and nothing argparse-specific."""

    database: str | None
    room: RoomRef
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


def _port(text: str) -> int:
    value = _positive_int(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number")
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

    def error(self, message: str):  # type: ignore[override]
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
        help="an optional database URL, then the room",
    )
    main.add_argument(
        "--all",
        action="store_true",
        help="import the room's full history (without it: only the latest transcript day)",
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
        help="then stay connected, archiving and printing new messages until Ctrl-C",
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

    devserver = _Parser(
        prog=f"{PROG} devserver",
        description="Run the local chat server: se, so and mse under one origin, with login, "
        "pages, events and the websocket. Point any command at it with --server-url.",
        epilog="example:\n  chatexchange devserver --port 8080 --messages 20000\n"
        "  chatexchange --server-url http://127.0.0.1:8080 sqlite://./dev.db se/r/100 --all\n"
        "test accounts: alice@example.com / alice-password, bob@example.com / bob-password",
        formatter_class=fmt,
        parents=[common],
    )
    devserver.add_argument("--host", default="127.0.0.1", help="address to listen on")
    devserver.add_argument("--port", type=_port, default=8080, help="port (0: any free port)")
    devserver.add_argument("--seed", metavar="FILE", default=None, help="JSON seed file")
    devserver.add_argument(
        "--messages",
        type=_positive_int,
        metavar="N",
        default=0,
        help="generate a realistic room (se/r/100) with N messages over many days",
    )
    devserver.add_argument(
        "--generator-seed", type=int, default=1, metavar="N", help="seed of the generated history"
    )
    devserver.add_argument(
        "--no-test-data",
        action="store_true",
        help="start without the built-in test users (alice, bob, mod, carol) and rooms",
    )
    devserver.add_argument(
        "--throttle",
        metavar="COUNT/SECONDS",
        default=None,
        help="at most COUNT messages per SECONDS per user, 409 beyond (e.g. 2/5)",
    )

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
    return {"main": main, "devserver": devserver, "replay": replay, "demo": demo}


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
    return "main", argv


def parse_args(argv: Sequence[str]) -> tuple[str, argparse.Namespace]:
    """Parse ``argv`` into (form, namespace); raises ``argparse.ArgumentError`` or ``UsageError``.

    For the main form the namespace gets ``.main``, a validated :class:`MainArgs`.
    """
    argv = list(argv)
    form, rest = _split_subcommand(argv)
    parsers = build_parsers()
    parser = parsers[form]
    # Intermixed, so options may sit between DATABASE and ROOM (``db --all se/r/1``).
    ns = parser.parse_intermixed_args(rest) if form == "main" else parser.parse_args(rest)
    if ns.server_url is None:
        ns.server_url = os.environ.get(DEVSERVER_ENV) or None
    if ns.server_url is not None:
        ns.server_url = _check_server_url(ns.server_url)
    if form == "main":
        ns.main = _main_args(ns)
    elif form == "replay":
        ns.database, (ns.room_ref,) = _archive_and_rooms(ns.positionals, ns.server_url, form)
    return form, ns


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
    positionals: list[str] = ns.positionals
    if len(positionals) > 2:
        raise UsageError(
            f"too many arguments: {' '.join(positionals)!r}; expected [DATABASE] ROOM "
            "(quote the text of --send)"
        )
    if len(positionals) == 2:
        db_text, room_text = positionals
        if not looks_like_database(db_text) and looks_like_database(room_text):
            raise UsageError("the DATABASE comes before the ROOM: chatexchange DATABASE ROOM")
        database: str | None = _database(db_text)
    else:
        (room_text,) = positionals
        if looks_like_database(room_text):
            raise UsageError(f"{room_text!r} is a database; which ROOM? e.g. {room_text} se/r/1")
        from_env = os.environ.get(DATABASE_ENV, "").strip()
        database = _database(from_env, f"${DATABASE_ENV}: ") if from_env else None
    room = _room(room_text, ns.server_url)
    if ns.send is not None:
        _check_send(ns.send)
    return MainArgs(
        database=database,
        room=room,
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
    )
