"""One table of exit codes (``chatexchange.cli.exits.EXIT_CODES``): what each failure ends with,
and the same codes in ``--help`` and docs/cli.md."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from chatexchange import errors
from chatexchange.bot._command import BotCodeError, BotLoadError
from chatexchange.cli import main
from chatexchange.cli.exits import EXIT_CODES, MEANINGS, Interrupted, Terminated, exit_code
from chatexchange.cli.rooms import RoomFormError
from chatexchange.store import SearchQueryError

DOC = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


@pytest.mark.parametrize(
    ("failure", "code"),
    [
        (errors.CaptchaError("x"), 10),
        (errors.BadCredentialsError("x"), 3),
        (errors.AuthRequiredError("x"), 3),
        (errors.NotFoundError("x"), 4),
        (errors.EditWindowError("x"), 5),
        (errors.MessageTooLongError("x"), 2),
        (errors.UsageError("x"), 2),
        (RoomFormError("x"), 2),
        (BotLoadError("x"), 2),
        (SearchQueryError("x"), 2),
        (argparse.ArgumentError(None, "x"), 2),
        (errors.ThrottledError("x"), 6),
        (errors.ConnectionLostError("x"), 7),
        (errors.ParseError("x"), 8),
        (errors.StorageError("x"), 9),
        (BotCodeError("m:bot", ValueError("x")), 11),
        (errors.ClosedError("x"), 1),
        (errors.FencedError("x"), 1),
        (Interrupted(), 130),
        (KeyboardInterrupt(), 130),
        (Terminated(), 143),
        (ValueError("a bug of ours"), 70),
    ],
)
def test_each_failure_ends_with_its_code(failure, code):
    assert exit_code(failure) == code


def test_every_code_of_the_table_is_explained():
    assert {code for _, code in EXIT_CODES} <= set(MEANINGS)


def test_the_docs_show_the_same_codes():
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Errors and exit codes", 1)[1].split("\n## ", 1)[0]
    documented = {int(m[1]) for m in re.finditer(r"^\| (\d+) \|", section, re.MULTILINE)}
    assert documented == set(MEANINGS)


def test_help_lists_every_code(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    listed = out.split("exit codes:", 1)[1]
    for code, meaning in MEANINGS.items():
        assert re.search(rf"^  {code} +{re.escape(meaning)}$", listed, re.MULTILINE), code
