"""``chatexchange search``: full-text search of the archive, best matches first, with links.

The index and the query language live in the storage layer (``chatexchange.store``); this module
turns the hits into lines (or JSON objects) a person or a pipe can use.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any, TextIO

from .exits import EXIT_OK
from .progress import format_count
from .reading import archived_room, json_line, messages_by_meta_id, open_archive

__all__ = ["run_search"]


def _hit_lines(rank: int, values: dict[str, Any], snippet: str) -> str:
    when = values.get("time")
    stamp = when.strftime("%Y-%m-%d %H:%M") if isinstance(when, datetime) else "????-??-??"
    owner = values.get("owner_name") or f"user {values.get('owner_id')}"
    room = f"{values.get('server')}/r/{values.get('room_id')}"
    deleted = " (deleted)" if values.get("deleted") else ""
    text = " ".join(snippet.split())
    link = values.get("link") or f"{room} #{values.get('id')}"
    return f"{rank:>3}. {room} {stamp} {owner}{deleted}: {text}\n     {link}\n"


def run_search(ns: argparse.Namespace, out: TextIO | None = None) -> int:
    """Print the best matches of ``ns.query`` (in ``ns.room_refs``, in the window)."""
    from .. import store

    out = out if out is not None else sys.stdout
    engine = open_archive(ns.database)
    try:
        with engine.connect() as conn:
            rooms = [archived_room(conn, ref).meta_id for ref in ns.room_refs]
            hits = store.search(
                conn,
                ns.query,
                rooms=rooms or None,
                since=ns.since,
                until=ns.until,
                limit=ns.limit or None,
            )
            found = messages_by_meta_id(conn, [hit.meta_id for hit in hits])
    finally:
        engine.dispose()
    for rank, hit in enumerate(hits, 1):
        values = found[hit.meta_id]
        if ns.json:
            out.write(
                json_line(values, "hit", rank=rank, score=round(hit.score, 6), snippet=hit.snippet)
            )
        else:
            out.write(_hit_lines(rank, values, hit.snippet))
    out.flush()
    if not ns.quiet:
        more = "; more may match (--limit)" if ns.limit and len(hits) == ns.limit else ""
        count = format_count(len(hits))
        sys.stderr.write(f"{count} match{'' if len(hits) == 1 else 'es'} for {ns.query!r}{more}\n")
    return EXIT_OK
