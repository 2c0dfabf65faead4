"""What the command prints for a message: a readable line, or one JSON object for ``--json``.

JSON lines carry the archive's column names (``id``, ``owner_id``, ``content_text`` ...) plus the
server slug and the room, so a pipe can join them with the database or with chat URLs.
"""

from __future__ import annotations

import sys
from datetime import datetime
from typing import Any, TextIO

import orjson

__all__ = ["MESSAGE_FIELDS", "message_json", "message_line", "room_of", "write_json"]

#: The fields of a message JSON object, in order.
MESSAGE_FIELDS = (
    "server",
    "room_id",
    "room_name",
    "id",
    "meta_slug",
    "owner_id",
    "owner_name",
    "time",
    "parent_id",
    "content_text",
    "content_html",
    "content_markdown",
    "edits",
    "stars",
    "pinned",
    "deleted",
)


def _values(message: Any) -> dict[str, Any]:
    snapshot = getattr(message, "snapshot", None)
    values = dict(snapshot()) if callable(snapshot) else dict(message)
    if "server" not in values:
        values["server"] = values.get("server_slug")
    if "meta_slug" not in values:
        values["meta_slug"] = getattr(message, "meta_slug", None)
    return values


def message_json(message: Any, kind: str = "message") -> dict[str, Any]:
    """A message (client object or row mapping) as a JSON-ready dict: ``{"type": kind, ...}``."""
    values = _values(message)
    out: dict[str, Any] = {"type": kind}
    for name in MESSAGE_FIELDS:
        out[name] = values.get(name)
    return out


def write_json(obj: dict[str, Any], stream: TextIO | None = None) -> None:
    """One JSON object on one line (datetimes in ISO 8601 UTC), flushed for live pipes."""
    stream = stream if stream is not None else sys.stdout
    stream.write(orjson.dumps(obj, option=orjson.OPT_UTC_Z).decode() + "\n")
    stream.flush()


def room_of(message: Any) -> str:
    """``se/r/1``: the room a message was posted in."""
    values = _values(message)
    return f"{values.get('server')}/r/{values.get('room_id')}"


def message_line(message: Any, prefix: str = "") -> str:
    """``2024-01-02 12:34 Alice: hello`` (replies show ``↪ :parent``), on one line."""
    values = _values(message)
    when = values.get("time")
    stamp = when.strftime("%Y-%m-%d %H:%M:%S") if isinstance(when, datetime) else "????-??-??"
    text = values.get("content_text")
    if text is None:
        text = values.get("content_markdown") or ""
    if values.get("deleted"):
        text = "(removed)"
    text = " ".join(str(text).split("\n"))
    reply = f"↪ :{values['parent_id']} " if values.get("parent_id") else ""
    owner = values.get("owner_name") or f"user {values.get('owner_id')}"
    return f"{prefix}{stamp} #{values.get('id')} {owner}: {reply}{text}"
