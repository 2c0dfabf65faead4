"""``chatexchange show`` and ``chatexchange export``: a room's archived messages, read back.

Both read the archive only (no network), in message-id order (ids grow with time on a server), with
one SQLAlchemy Core select that streams its rows: an export of any size holds one batch of rows in
memory, not the room.
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO

import orjson

from .. import errors
from .archive import prepare_database, window
from .exits import EXIT_OK
from .output import MESSAGE_FIELDS, message_line
from .progress import Progress, format_count, format_duration, format_rate
from .rooms import RoomRef

__all__ = [
    "ArchivedRoom",
    "archived_room",
    "message_link",
    "open_archive",
    "run_export",
    "run_show",
]

#: The fields of an exported message: a message's JSON fields and its link.
EXPORT_FIELDS = (*MESSAGE_FIELDS, "link")
#: Rows fetched from the database at a time.
BATCH = 1000


@dataclass(frozen=True, slots=True)
class ArchivedRoom:
    meta_id: int
    server: str
    id: int
    name: str | None
    chat_host: str | None

    def label(self) -> str:
        from ..models import slug_from_meta_id

        return f"{self.server}/r/{self.id} (r/{slug_from_meta_id(self.meta_id)}) {self.name!r}"


def open_archive(url: str) -> Any:
    """The engine of an existing archive (refusing what is not one, creating nothing)."""
    from .. import store

    prepare_database(url, must_exist=True)
    return store.open_engine(url)


def archived_room(conn: Any, ref: RoomRef) -> ArchivedRoom:
    """The room a reference names, looked up in the archive only."""
    from sqlalchemy import select

    from ..models import Message, Room, Server, meta_id_from_slug

    query = select(Room.meta_id, Server.slug, Room.id, Room.name, Server.chat_host).join(
        Server, Server.meta_id == Room.server_meta_id
    )
    if ref.meta_slug is not None:
        try:
            query = query.where(Room.meta_id == meta_id_from_slug(ref.meta_slug))
        except ValueError as exc:
            raise errors.NotFoundError(f"r/{ref.meta_slug}: {exc}") from None
    elif ref.message_id is not None:
        owning = (
            select(Message.room_meta_id)
            .join(Server, Server.meta_id == Message.server_meta_id)
            .where(Server.slug == ref.server, Message.id == ref.message_id)
            .scalar_subquery()
        )
        query = query.where(Room.meta_id == owning)
    else:
        query = query.where(Server.slug == ref.server, Room.id == ref.room_id)
    row = conn.execute(query).first()
    if row is None:
        raise errors.NotFoundError(f"no room {ref} in this archive: import it first")
    return ArchivedRoom(*row)


def message_link(chat_host: str | None, message_id: int) -> str | None:
    """The message's permanent link, as chat shows it."""
    if not chat_host:
        return None
    return f"https://{chat_host}/transcript/message/{message_id}#{message_id}"


def _message_query(room: ArchivedRoom, since: Any, until: Any) -> Any:
    from ..models import Message

    return _message_select().where(
        Message.room_meta_id == room.meta_id, *window(Message, since, until)
    )


def _message_select() -> Any:
    from sqlalchemy import select

    from ..models import Message, Room, Server, User

    return (
        select(
            Server.slug.label("server"),
            Room.id.label("room_id"),
            Room.name.label("room_name"),
            Message.meta_id,
            Message.id,
            User.id.label("owner_id"),
            User.name.label("owner_name"),
            Message.time,
            Message.parent_id,
            Message.content_text,
            Message.content_html,
            Message.content_markdown,
            Message.edits,
            Message.stars,
            Message.pinned,
            Message.deleted,
        )
        .select_from(Message)
        .join(Room, Room.meta_id == Message.room_meta_id)
        .join(Server, Server.meta_id == Message.server_meta_id)
        .outerjoin(User, User.meta_id == Message.owner_meta_id)
    )


def messages(
    conn: Any, room: ArchivedRoom, since: Any = None, until: Any = None, last: int | None = None
) -> Iterator[dict[str, Any]]:
    """The room's messages in ``[since, until)`` oldest first (only the ``last`` N), as dicts with
    the JSON fields and ``link``; streamed in batches."""
    from ..models import Message, slug_from_meta_id

    query = _message_query(room, since, until)
    if last is not None:
        rows = conn.execute(query.order_by(Message.id.desc()).limit(last)).mappings().all()
        rows.reverse()
        stream: Any = rows
    else:
        stream = (
            conn.execution_options(stream_results=True, yield_per=BATCH)
            .execute(query.order_by(Message.id))
            .mappings()
        )
    host = room.chat_host
    for row in stream:
        values = dict(row)
        values["meta_slug"] = slug_from_meta_id(values.pop("meta_id"))
        values["link"] = message_link(host, values["id"])
        yield values


def messages_by_meta_id(conn: Any, meta_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Messages by ``meta_id`` (with ``link``), for results found by other means (a search)."""
    from ..models import Message, Server, slug_from_meta_id

    found: dict[int, dict[str, Any]] = {}
    for start in range(0, len(meta_ids), BATCH):
        chunk = meta_ids[start : start + BATCH]
        query = _message_select().add_columns(Server.chat_host).where(Message.meta_id.in_(chunk))
        for row in conn.execute(query).mappings():
            values = dict(row)
            meta_id = values.pop("meta_id")
            values["meta_slug"] = slug_from_meta_id(meta_id)
            values["link"] = message_link(values.pop("chat_host"), values["id"])
            found[meta_id] = values
    return found


def count(conn: Any, room: ArchivedRoom, since: Any = None, until: Any = None) -> int:
    from sqlalchemy import func, select

    from ..models import Message

    found: int = conn.execute(
        select(func.count())
        .select_from(Message)
        .where(Message.room_meta_id == room.meta_id, *window(Message, since, until))
    ).scalar_one()
    return found


def json_line(values: dict[str, Any], kind: str = "message", **extra: Any) -> str:
    """One message as a JSON line: ``type``, any ``extra`` fields, then the export fields."""
    record = {"type": kind, **extra, **{name: values.get(name) for name in EXPORT_FIELDS}}
    return (orjson.dumps(record, option=orjson.OPT_UTC_Z) + b"\n").decode()


# -- show ------------------------------------------------


def run_show(ns: argparse.Namespace, out: TextIO | None = None) -> int:
    """``chatexchange show``: the room's messages in the window, one line (or object) each."""
    out = out if out is not None else sys.stdout
    engine = open_archive(ns.database)
    try:
        with engine.connect() as conn:
            room = archived_room(conn, ns.room_ref)
            shown = 0
            for values in messages(conn, room, ns.since, ns.until, ns.last):
                shown += 1
                if ns.json:
                    out.write(json_line(values))
                else:
                    out.write(message_line(values) + "\n")
            out.flush()
    finally:
        engine.dispose()
    if not shown and not ns.quiet:
        sys.stderr.write(f"no messages of {room.label()} in that window\n")
    return EXIT_OK


# -- export ------------------------------------------------


def _csv_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


class _CsvWriter:
    def __init__(self, stream: TextIO) -> None:
        self.writer = csv.writer(stream, lineterminator="\n")
        self.writer.writerow(EXPORT_FIELDS)

    def write(self, values: dict[str, Any]) -> None:
        self.writer.writerow([_csv_value(values.get(name)) for name in EXPORT_FIELDS])


class _JsonWriter:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, values: dict[str, Any]) -> None:
        self.stream.write(json_line(values))


def run_export(ns: argparse.Namespace) -> int:
    """``chatexchange export``: stream the room's messages to a file or stdout, with progress."""
    fmt = ns.format or ("csv" if (ns.output or "").lower().endswith(".csv") else "jsonl")
    where = ns.output or "stdout"
    engine = open_archive(ns.database)
    try:
        with engine.connect() as conn:
            room = archived_room(conn, ns.room_ref)
            total = count(conn, room, ns.since, ns.until)
            progress = Progress(
                f"export {room.server}/r/{room.id}",
                stream=sys.stderr,
                enabled=not ns.quiet,
                unit="messages",
                total=total,
            )
            started = time.perf_counter()
            with ExitStack() as files:
                stream = (
                    files.enter_context(open(ns.output, "w", newline="", encoding="utf-8"))
                    if ns.output
                    else sys.stdout
                )
                writer = _CsvWriter(stream) if fmt == "csv" else _JsonWriter(stream)
                written = 0
                with progress:
                    for values in messages(conn, room, ns.since, ns.until):
                        writer.write(values)
                        written += 1
                        if written % BATCH == 0:
                            progress.update(done=written, items=BATCH)
                    progress.items = progress.done = written
                    progress.finish()
                stream.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise errors.ChatExchangeError(
            f"cannot write {exc.filename or where}: {exc.strerror}"
        ) from None
    finally:
        engine.dispose()
    seconds = time.perf_counter() - started
    if not ns.quiet:
        rate = written / seconds if seconds > 0 else 0.0
        sys.stderr.write(
            f"exported {format_count(written)} messages of {room.label()} to {where} as {fmt} "
            f"in {format_duration(seconds)} ({format_rate(rate)} messages/s)\n"
        )
    return EXIT_OK
