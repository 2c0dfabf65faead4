"""The ``chatexchange`` command: import, watch and send from a shell; read the archive back with
``show``, ``search`` and ``export``; ``devserver``, ``replay``, ``demo``.

``main(argv)`` returns the exit code instead of exiting, so tests and other programs can call it.
Every failure ends in :func:`exits.report`: one line on stderr and a code that says what kind of
failure.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Callable, Sequence
from typing import Any

from .args import PROG, UsageError, parse_args
from .exits import EXIT_OK, EXIT_PIPE, report

__all__ = ["main"]


class _AwaitedWriteFailures(logging.Filter):
    """Drop the client's "write failed" warnings: the CLI awaits every write, so the same failure
    reaches ``report()`` and is printed once, as the command's one error line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (
            record.name == "chatexchange.client"
            and record.levelno == logging.WARNING
            and isinstance(record.msg, str)
            and record.msg.startswith("%s failed:")
        )


def _logging_state() -> Callable[[], None]:
    """A function that puts the ``chatexchange`` logger back as it is now.

    ``main()`` called in-process (tests, scripts) must not leave its handler behind: it writes to
    the ``sys.stderr`` of that call (perhaps a capture long closed) and, unpropagated and at
    WARNING, would hide every later ``chatexchange`` record from the caller's own logging.
    """
    logger = logging.getLogger("chatexchange")
    handlers, level, propagate = list(logger.handlers), logger.level, logger.propagate

    def restore() -> None:
        for handler in logger.handlers[:]:
            if handler not in handlers:
                logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate

    return restore


def _setup_logging(verbose: bool, quiet: bool) -> None:
    """Library warnings as ``chatexchange: warning: ...`` lines; everything with ``--verbose``."""
    logger = logging.getLogger("chatexchange")
    if logger.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    if verbose:
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s: %(message)s"))
        logger.setLevel(logging.DEBUG)
    else:
        handler.setFormatter(logging.Formatter("chatexchange: %(levelname)s: %(message)s"))
        logger.setLevel(logging.ERROR if quiet else logging.WARNING)
        handler.addFilter(_AwaitedWriteFailures())
    logger.addHandler(handler)
    logger.propagate = False


#: The function behind each form, as "module:function" under ``chatexchange.cli`` (imported only
#: when that form runs, so a command loads only what it uses).
COMMANDS: dict[str, str] = {
    "main": "commands:run_main",  # given the validated ``ns.main``
    "devserver": "commands:run_devserver",
    "replay": "commands:run_replay",
    "show": "reading:run_show",
    "export": "reading:run_export",
    "bots": "bots:run_bots",
    "db": "db:run_db",
    "search": "search:run_search",
    "demo": "demo:run_demo",
}


def _run(form: str, ns: argparse.Namespace) -> int:
    target = COMMANDS.get(form)
    if target is None:  # a form the parser knows but nothing runs: say so, never guess
        raise UsageError(f"unknown command {form!r}; see '{PROG} --help'")
    module_name, function_name = target.split(":")
    module = importlib.import_module(f"{__name__}.{module_name}")
    run: Callable[[Any], int] = getattr(module, function_name)
    return run(ns.main if form == "main" else ns)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``) and return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    # Known before parsing, so even an argument error can be reported verbosely.
    verbose = "-v" in argv or "--verbose" in argv
    try:
        form, ns = parse_args(argv)
    except SystemExit as exc:  # --help and --version print and exit 0
        return exc.code if isinstance(exc.code, int) else EXIT_OK
    except (argparse.ArgumentError, UsageError) as exc:
        return report(exc, verbose=False)
    restore_logging = _logging_state()
    _setup_logging(ns.verbose, ns.quiet)
    try:
        return _run(form, ns)
    except BrokenPipeError:
        # The reader (``| head``) went away: stop quietly, and keep Python from complaining at exit.
        try:
            import os

            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return EXIT_PIPE
    except (KeyboardInterrupt, Exception) as exc:
        note = getattr(exc, "cli_note", None)
        return report(exc, verbose=ns.verbose or verbose, note=note)
    finally:
        restore_logging()
