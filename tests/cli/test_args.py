"""The grammar of the command line and how its failures are reported, checked in-process (fast)."""

from __future__ import annotations

import argparse
import importlib
import io
import logging
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from chatexchange import errors
from chatexchange.cli import main
from chatexchange.cli.args import UsageError, parse_args
from chatexchange.cli.exits import report
from chatexchange.cli.rooms import RoomRef


@pytest.fixture(autouse=True)
def _no_settings_from_the_shell(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CHATEXCHANGE_DATABASE", "CHATEXCHANGE_DEVSERVER"):
        monkeypatch.delenv(name, raising=False)


def test_the_seed_readme_examples_parse_as_written() -> None:
    form, ns = parse_args(["sqlite://./data", "se/r/1", "--all", "--max-age=3600"])
    assert form == "main"
    assert ns.main.database == "sqlite:///./data"
    assert ns.main.room == RoomRef("se", 1)
    assert ns.main.all and ns.main.max_age == 3600 and not ns.main.watch

    _, ns = parse_args(
        [
            "sqlite://./data",
            "chat.stackexchange.com/rooms/1",
            "--all",
            "--max-age=Infinity",
            "--watch",
        ]
    )
    assert ns.main.room == RoomRef("se", 1)
    assert ns.main.max_age == math.inf and ns.main.watch

    _, ns = parse_args(["se/r/1", "--send", "hello world"])
    assert ns.main.database is None and ns.main.send == "hello world"

    _, ns = parse_args(["r/B6", "-s", "hello world"])
    assert ns.main.room == RoomRef(meta_slug="B6") and ns.main.send == "hello world"


def test_options_may_come_anywhere() -> None:
    _, ns = parse_args(["--json", "sqlite://./d", "--all", "se/r/1", "-q"])
    assert ns.main.json and ns.main.quiet and ns.main.all
    assert ns.main.room == RoomRef("se", 1)


def test_subcommands_are_picked_by_their_word() -> None:
    form, ns = parse_args(["--server-url", "http://127.0.0.1:9/", "devserver", "--port", "0"])
    assert form == "devserver" and ns.port == 0 and ns.server_url == "http://127.0.0.1:9"
    # the devserver's own parser: the same options and checks as python -m chatexchange.devserver
    form, ns = parse_args(["-q", "devserver", "--throttle", "2/5", "--login-limit", "5/60",
                           "--heartbeat", "3"])
    assert (ns.throttle.count, ns.throttle.per, ns.login_limit.count, ns.heartbeat) == (2, 5, 5, 3)
    assert ns.quiet is True
    form, ns = parse_args(["demo", "--messages", "300"])
    assert form == "demo" and ns.messages == 300
    form, ns = parse_args(["replay", "sqlite://./a", "se/r/1", "--bot", "m:o"])
    assert form == "replay" and ns.room_ref == RoomRef("se", 1) and ns.database == "sqlite:///./a"


def test_several_rooms_windows_and_the_reading_subcommands() -> None:
    _, ns = parse_args(["sqlite://./a", "se/r/1", "so/r/2", "--watch", "--since", "123"])
    assert ns.main.rooms == (RoomRef("se", 1), RoomRef("so", 2)) and ns.main.since == 123
    _, ns = parse_args(["se/r/1", "--since", "2024-01-02", "--until", "2024-01-02T12:30+01:00"])
    assert ns.main.since == datetime(2024, 1, 2, tzinfo=UTC)
    assert ns.main.until == datetime(2024, 1, 2, 11, 30, tzinfo=UTC)
    _, ns = parse_args(["se/r/1", "--since", "2d"])
    assert abs(datetime.now(UTC) - timedelta(days=2) - ns.main.since) < timedelta(
        minutes=5
    )
    form, ns = parse_args(["show", "sqlite://./a", "se/r/1", "--last", "5", "--json"])
    assert (form, ns.room_ref, ns.last, ns.json) == ("show", RoomRef("se", 1), 5, True)
    form, ns = parse_args(["search", "sqlite://./a", '"rate limit"', "OR", "x", "--room", "se/r/1"])
    assert (form, ns.query, ns.room_refs) == ("search", '"rate limit" OR x', (RoomRef("se", 1),))
    form, ns = parse_args(["export", "sqlite://./a", "se/r/1", "-o", "x.csv"])
    assert (form, ns.output, ns.format, ns.database) == ("export", "x.csv", None, "sqlite:///./a")


def test_the_database_may_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """``chatexchange r/B6 -s "hello world"`` as the seed writes it: the archive is named once."""
    monkeypatch.setenv("CHATEXCHANGE_DATABASE", "sqlite://./data")
    _, ns = parse_args(["r/B6", "-s", "hello world"])
    assert ns.main.database == "sqlite:///./data" and ns.main.room == RoomRef(meta_slug="B6")
    _, ns = parse_args(["sqlite:///other.db", "se/r/1"])  # a DATABASE given wins
    assert ns.main.database == "sqlite:///other.db"
    monkeypatch.setenv("CHATEXCHANGE_DATABASE", "postgresql://u@h:port/db")
    with pytest.raises(UsageError, match=r"CHATEXCHANGE_DATABASE: .*not a database URL"):
        parse_args(["se/r/1"])
    monkeypatch.delenv("CHATEXCHANGE_DATABASE")
    _, ns = parse_args(["r/B6", "-s", "hello world"])
    assert ns.main.database is None


def test_server_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHATEXCHANGE_DEVSERVER", "http://127.0.0.1:8123")
    _, ns = parse_args(["http://127.0.0.1:8123/so/rooms/4"])
    assert ns.main.server_url == "http://127.0.0.1:8123"
    assert ns.main.room == RoomRef("so", 4)


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        ([], "required"),
        (["sqlite://./data"], "which ROOM"),
        (["se/r/1", "sqlite://./data"], "DATABASE comes before"),
        (["a", "b", "c"], "cannot read a room from 'a'"),
        (["se/r/1", "se/r/2", "-s", "hi"], "--send takes one ROOM"),
        (["se/r/1", "--all", "--since", "7d"], "not allowed with"),
        (["se/r/1", "--since", "yesterday"], "expected a message id, a UTC date"),
        (["se/r/1", "--since", "2024-02-01", "--until", "2024-01-01"], "nothing to import"),
        (["show", "sqlite://./a", "se/r/1", "se/r/2"], "show takes one ROOM"),
        (["show", "se/r/1"], "show reads an archive: give its DATABASE"),
        (["show", "sqlite://./a", "se/r/1", "--since", "9", "--until", "3"], "window is empty"),
        (["search", "sqlite://./a"], "search for what?"),
        (["search", "hello"], "search reads an archive"),
        (["export", "sqlite://./a", "se/r/1", "--format", "xml"], "invalid choice"),
        (["se/r/1", "--max-age", "soon"], "not a number of seconds"),
        (["se/r/1", "--send", "  "], "non-empty"),
        (["se/r/1", "--quiet", "--verbose"], "not allowed with"),
        (["--server-url", "ftp://x", "se/r/1"], "not an http"),
        (["postgresql://u@h:port/db", "se/r/1"], "not a database URL"),
        (["devserver", "--port", "70000"], "not a port"),
        (["replay", "sqlite://./a", "se/r/1"], "--bot"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(
    argv: list[str], fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("chatexchange: error: ")
    assert fragment in err
    assert err.count("\n") == 1


def test_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for form in ("se/r/1", "mse/r/89", "chat.stackexchange.com/rooms/1", "r/<", "/transcript/"):
        assert form in out
    for word in (
        "--all",
        "--max-age",
        "--watch",
        "--send",
        "devserver",
        "replay",
        "demo",
        "--server-url",
        "--json",
        "--quiet",
        "--verbose",
        "examples:",
        "exit codes:",
        'chatexchange r/B6 -s "hello world"',
        "CHATEXCHANGE_DATABASE",
        "10   login needs a captcha",
    ):
        assert word in out
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("chatexchange 0.")
    assert main(["devserver", "--help"]) == 0
    assert "--messages" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("exc", "code", "fragment"),
    [
        (errors.BadCredentialsError("nope"), 3, "wrong email or password"),
        (errors.CaptchaError("human verification"), 10, "captcha"),
        (errors.LoginRateLimitedError("HTTP 429"), 3, "too many logins"),
        (errors.NotFoundError("room 99 on se"), 4, "not found: room 99 on se"),
        (errors.ThrottledError("409 five times", retry_after=5), 6, "throttled"),
        (errors.StorageError("unable to open database file"), 9, "database error: unable"),
        (errors.ParseError("no #transcript", url="https://x/y"), 8, "(https://x/y)"),
        (KeyboardInterrupt(), 130, "interrupted"),
        (UsageError("bad room"), 2, "error: bad room"),
        (argparse.ArgumentError(None, "oops"), 2, "error: oops"),
        (ZeroDivisionError("division by zero"), 70, "internal error: ZeroDivisionError"),
    ],
)
def test_every_failure_is_one_line_with_its_own_code(
    exc: BaseException, code: int, fragment: str
) -> None:
    out = io.StringIO()
    assert report(exc, stream=out) == code
    text = out.getvalue()
    assert text.count("\n") == 1 and text.startswith("chatexchange: ")
    assert fragment in text
    assert "Traceback" not in text


def test_verbose_adds_the_traceback() -> None:
    out = io.StringIO()
    try:
        raise errors.ServerError("HTTP 502")
    except errors.ServerError as exc:
        assert report(exc, stream=out, verbose=True) == 7
    assert "Traceback" in out.getvalue()
    assert out.getvalue().endswith("chatexchange: server error: HTTP 502\n")


def test_main_in_process_leaves_logging_as_it_found_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A handler left behind would write to this call's (soon closed) stderr and, unpropagated,
    hide every later ``chatexchange`` record from the caller's logging (and pytest's caplog)."""
    logger = logging.getLogger("chatexchange")
    before = (list(logger.handlers), logger.level, logger.propagate)
    argv = ["replay", str(tmp_path / "archive.db"), "se/r/1", "--bot", "no_such_module_here:bot"]
    assert main(argv) == 2
    assert "no_such_module_here" in capsys.readouterr().err
    assert (list(logger.handlers), logger.level, logger.propagate) == before


def test_every_form_the_parser_knows_runs_its_own_command():
    from chatexchange.cli import COMMANDS
    from chatexchange.cli.args import SUBCOMMANDS

    assert set(COMMANDS) == {"main", *SUBCOMMANDS}
    for target in COMMANDS.values():
        module_name, function_name = target.split(":")
        module = importlib.import_module(f"chatexchange.cli.{module_name}")
        assert callable(getattr(module, function_name)), target


def test_a_form_nothing_runs_is_an_argument_error(monkeypatch, capsys):
    """A parser form without a command ends with one line and exit 2 (it used to run the demo)."""
    import chatexchange.cli as cli

    real = cli.parse_args
    monkeypatch.setattr(cli, "parse_args", lambda argv: ("nosuch", real(["demo"])[1]))
    assert cli.main(["demo"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    expected = "chatexchange: error: unknown command 'nosuch'; see 'chatexchange --help'\n"
    assert captured.err == expected
