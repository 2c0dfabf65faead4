"""``python -m chatexchange.devserver --port N [--seed FILE] [--messages N]`` and the CLI's
``chatexchange devserver``: both parse with :func:`build_parser`, the one definition of the
options, and run :func:`run`.

Bad input (an unreadable or malformed seed file, a port in use) ends with a one-line error and
exit status 2, not a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Sequence
from typing import NoReturn

from .state import RateRule


class _Parser(argparse.ArgumentParser):
    """Bad options end with one line (``prog: error: ...``) and status 2, without the usage."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"not a port (0-65535): {text!r}")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}")
    return value


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"not a message count: {text!r}")
    return int(text)


def _rate_rule(text: str) -> RateRule:
    """``COUNT/SECONDS`` (``2/5``); ``COUNT`` alone means per second."""
    count, _, per = text.partition("/")
    try:
        rule = RateRule(int(count), float(per or 1))
    except ValueError:
        rule = RateRule(0, 0)
    if rule.count < 1 or not rule.per > 0:
        raise argparse.ArgumentTypeError(f"expected COUNT/SECONDS such as 2/5, not {text!r}")
    return rule


def build_parser(
    prog: str = "python -m chatexchange.devserver",
    parser_class: type[argparse.ArgumentParser] = _Parser,
) -> argparse.ArgumentParser:
    """The devserver's options; ``parser_class`` decides how an error is reported."""
    parser = parser_class(
        prog=prog,
        description="Run a local Stack Exchange chat server: se, so and mse under one origin, with "
        "login, pages, events and the websocket. Point a client or any chatexchange command at it "
        "with --server-url (or CHATEXCHANGE_DEVSERVER).",
        epilog=f"example:\n  {prog} --port 8080 --messages 20000\n"
        "  chatexchange --server-url http://127.0.0.1:8080 sqlite://./dev.db se/r/100 --all\n"
        "test accounts: alice@example.com / alice-password, bob@example.com / bob-password",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: loopback only)"
    )
    parser.add_argument("--port", type=_port, default=8080, help="port (0 = any free port)")
    parser.add_argument(
        "--seed", help="JSON seed file (users, rooms, messages); see docs/devserver.md"
    )
    parser.add_argument(
        "--no-test-data",
        action="store_true",
        help="start without the built-in test users and rooms",
    )
    parser.add_argument(
        "--messages",
        type=_count,
        default=0,
        help="generate a room (se, id 100) with N messages of realistic history",
    )
    parser.add_argument(
        "--generator-seed", type=int, default=1, help="seed of the generated history"
    )
    parser.add_argument(
        "--throttle",
        type=_rate_rule,
        metavar="COUNT/SECONDS",
        help="rate rule per user, e.g. 2/5 (409 beyond it)",
    )
    parser.add_argument(
        "--login-limit",
        type=_rate_rule,
        metavar="COUNT/SECONDS",
        help="logins per account before the captcha page, e.g. 5/60 (the default)",
    )
    parser.add_argument(
        "--heartbeat",
        type=_seconds,
        metavar="SECONDS",
        help="seconds of quiet before a websocket keep-alive frame (default 15)",
    )
    return parser


async def serve(args: argparse.Namespace) -> None:
    from .seed import TEST_SEED, load
    from .server import DevServer

    server = DevServer(args.host, args.port, None if args.no_test_data else TEST_SEED)
    if args.seed:
        from .seed import apply

        apply(server.world.servers, load(args.seed))
    if args.messages:
        server.generate(
            "se",
            messages=args.messages,
            seed=args.generator_seed,
            room_id=100,
            name="Generated History",
        )
    if args.throttle:
        server.set_rate_rule(args.throttle.count, args.throttle.per)
    if args.login_limit:
        server.configure(captcha_after=args.login_limit.count,
                         captcha_window=args.login_limit.per)
    if args.heartbeat is not None:
        server.configure(heartbeat=args.heartbeat)
    async with server:
        print(
            f"chatexchange devserver listening on {server.url} (servers: "
            f"{server.url}/se {server.url}/so {server.url}/mse)",
            flush=True,
        )
        if not args.no_test_data:
            encoding = sys.stdout.encoding or "utf-8"  # names such as "Carol Ψ" on any console
            users = _test_users().encode(encoding, "backslashreplace").decode(encoding)
            print(users, flush=True)
        await asyncio.Event().wait()


def _test_users() -> str:
    """The built-in accounts, so that someone who just started the server can log in."""
    from .seed import TEST_USERS

    lines = ["test users (email / password, user id per server):"]
    for user in TEST_USERS.values():
        ids = " ".join(f"{slug} {uid}" for slug, uid in user["ids"].items())
        lines.append(f"  {user['name']}: {user['email']} / {user['password']} ({ids})")
    return "\n".join(lines)


def run(args: argparse.Namespace, prog: str = "python -m chatexchange.devserver") -> int:
    """Serve until Ctrl-C; a port in use or a bad seed file ends with one line and status 2."""
    try:
        asyncio.run(serve(args))
    except KeyboardInterrupt:
        pass
    except (OSError, ValueError) as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 2
    return 0


def main(argv: Sequence[str] | None = None, prog: str | None = None) -> int:
    parser = build_parser(prog or "python -m chatexchange.devserver")
    return run(parser.parse_args(argv), parser.prog)
