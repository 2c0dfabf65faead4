"""``chatexchange replay DATABASE ROOM --bot MODULE:OBJECT``: what a bot would have answered.

The CLI parses the arguments (``chatexchange.cli``) and calls :func:`replay_command` with its
namespace. Output: one block per answered message (or one JSON object per line with ``--json``),
then a summary line on stderr; ``--quiet`` prints only the summary.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from .. import errors

__all__ = ["BotCodeError", "BotLoadError", "load_bot", "replay_command"]


class BotLoadError(errors.UsageError, ValueError):
    """``--bot`` names nothing that is a bot."""


class BotCodeError(errors.UserCodeError):
    """The bot's own code failed while it was loaded (a syntax error, an exception at import or
    in the function that makes the bot): the user's bug, not ours, so the command line shows the
    traceback of the user's code (``user_traceback``) and exits with its own code."""

    def __init__(self, spec: str, error: BaseException) -> None:
        kind = type(error).__name__
        super().__init__(f"the bot {spec!r} failed to load: {kind}: {error}")
        self.user_traceback = _user_traceback(error)


def _user_traceback(error: BaseException) -> str:
    """The traceback without the frames of this package and of the import machinery."""
    import traceback

    package = str(Path(__file__).resolve().parent.parent)
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if not frame.filename.startswith((package, "<frozen "))
    ]
    shown = traceback.TracebackException.from_exception(error)
    shown.stack = traceback.StackSummary.from_list(frames)
    return "".join(shown.format())


def _import(module_name: str) -> Any:
    if module_name.endswith(".py") or os.sep in module_name:
        path = Path(module_name)
        if not path.is_file():
            raise BotLoadError(f"--bot: no file {module_name!r}")
        spec = importlib.util.spec_from_file_location(path.stem, path)
        if spec is None or spec.loader is None:
            raise BotLoadError(f"--bot: cannot load {module_name!r}")
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception as error:
            raise BotCodeError(module_name, error) from error
        return module
    if "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # like ``python -m``: modules of the current directory
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name and module_name.startswith(error.name):
            raise BotLoadError(f"--bot: no module {module_name!r}") from None
        raise BotCodeError(module_name, error) from error
    except Exception as error:
        raise BotCodeError(module_name, error) from error


def load_bot(spec: str) -> Any:
    """The bot named ``MODULE:OBJECT`` (``OBJECT`` defaults to ``bot``): a Bot instance, a Bot
    class (instantiated without arguments) or a function returning a bot."""
    from . import _BotAPI

    module_name, _, attr = spec.partition(":")
    if not module_name:
        raise BotLoadError(f"--bot {spec!r}: expected MODULE:OBJECT, e.g. mybot:bot")
    module = _import(module_name)
    obj: Any = module
    for part in (attr or "bot").split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise BotLoadError(f"--bot: {module_name!r} has no {attr or 'bot'!r}") from None
    if isinstance(obj, type) or (callable(obj) and not isinstance(obj, _BotAPI)):
        try:
            obj = obj()
        except Exception as error:
            raise BotCodeError(spec, error) from error
    if not isinstance(obj, _BotAPI):
        raise BotLoadError(f"--bot {spec!r} is a {type(obj).__name__}, not a chatexchange.Bot")
    return obj


def _line(text: str | None) -> str:
    return " ".join((text or "").split())


def replay_command(
    ns: Any,
    out: TextIO | None = None,
    err: TextIO | None = None,
    *,
    check_database: Callable[[], object] | None = None,
) -> int:
    """Run the replay for the CLI namespace (``database``, ``room_ref``, ``bot``, ``quiet``,
    ``json``); returns the exit code. ``check_database`` runs once the bot is loaded, before the
    archive is opened (the CLI refuses there what opening would change)."""
    import orjson

    from ..client import open_archive

    out = out or sys.stdout
    err = err or sys.stderr
    bot = load_bot(ns.bot)
    if check_database is not None:
        check_database()
    engine = open_archive(ns.database)
    quiet = bool(getattr(ns, "quiet", False))
    as_json = bool(getattr(ns, "json", False))
    total = answered = 0
    answers: Counter[str] = Counter()
    started = time.perf_counter()
    try:
        for message, answer in bot.replay(ns.room_ref, database=engine):
            total += 1
            if answer is None:
                continue
            answered += 1
            answers[answer] += 1
            if quiet:
                continue
            if as_json:
                record = {
                    "server": message.room.server_slug,
                    "room_id": message.room.id,
                    "id": message.id,
                    "owner_id": message.owner_id,
                    "owner_name": message.name,
                    "time": message.time.isoformat() if message.time else None,
                    "content_text": message.content_text,
                    "answer": answer,
                }
                out.write(orjson.dumps(record).decode() + "\n")
            else:
                when = message.time.strftime("%Y-%m-%d %H:%M") if message.time else "?"
                out.write(f"{when} #{message.id} {message.name}: {_line(message.content_text)}\n")
                out.write(f"  -> {_line(answer)}\n")
    finally:
        engine.dispose()
    seconds = time.perf_counter() - started
    rate = total / seconds if seconds > 0 else 0.0
    summary = (
        f"{total} messages replayed, {answered} answered, "
        f"{len(answers)} distinct answers, in {seconds:.2f}s ({rate:,.0f} messages/s)"
    )
    if as_json:
        summary_record = {"summary": {"messages": total, "answered": answered, "seconds": seconds}}
        out.write(orjson.dumps(summary_record).decode() + "\n")
    err.write(summary + "\n")
    if answers and not as_json and not quiet:
        top = ", ".join(f"{count}x {_line(text)[:40]!r}" for text, count in answers.most_common(3))
        err.write(f"most frequent: {top}\n")
    return 0
