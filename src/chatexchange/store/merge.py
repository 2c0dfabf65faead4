"""Merge rules: what an upsert sets on a row that is already stored.

Re-importing changes nothing but ``meta_updated``, and richer data wins:

* a message's content and markdown survive its deletion; ``meta_deleted`` is when we first saw it
  deleted;
* the markdown we know (of a message we sent) survives the arrival of its first HTML and is
  dropped only when a known HTML changes;
* ``edits`` only grows (a transcript says "edited", 1; a live event says how often);
* a transcript's minute-resolution ``time`` never replaces a known time; a posted event's exact
  time does;
* users and rooms merely mentioned by a page or an event are stubs (``meta_updated = EPOCH``); only
  their own page (profile, room info) makes them fresh.

Each rule is ``merge(table, new)``: ``new(name)`` is the incoming value of a column.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Table, and_, case, func, or_


def _max(existing: Any, incoming: Any) -> Any:
    """The larger of two nullable values, in portable SQL."""
    return case(
        (incoming.is_(None), existing),
        (or_(existing.is_(None), incoming > existing), incoming),
        else_=existing,
    )



def _merge_user(table: Table, new: Callable[[str], Any]) -> dict[str, Any]:
    c = table.c
    return {
        "name": func.coalesce(new("name"), c.name),
        "is_moderator": func.coalesce(new("is_moderator"), c.is_moderator),
        "reputation": func.coalesce(new("reputation"), c.reputation),
        "message_count": func.coalesce(new("message_count"), c.message_count),
        "room_count": func.coalesce(new("room_count"), c.room_count),
        "about": func.coalesce(new("about"), c.about),
        "parent_user_url": func.coalesce(new("parent_user_url"), c.parent_user_url),
        "since": func.coalesce(new("since"), c.since),
        "last_seen": _max(c.last_seen, new("last_seen")),
        "last_message": _max(c.last_message, new("last_message")),
        "meta_updated": _max(c.meta_updated, new("meta_updated")),
    }



def _merge_room(table: Table, new: Callable[[str], Any]) -> dict[str, Any]:
    c = table.c
    return {
        "name": func.coalesce(new("name"), c.name),
        "description": func.coalesce(new("description"), c.description),
        "tags": func.coalesce(new("tags"), c.tags),
        "owner_ids": func.coalesce(new("owner_ids"), c.owner_ids),
        "message_count": func.coalesce(new("message_count"), c.message_count),
        "user_count": func.coalesce(new("user_count"), c.user_count),
        "first_message": func.coalesce(new("first_message"), c.first_message),
        "last_activity": _max(c.last_activity, new("last_activity")),
        "frozen": func.coalesce(new("frozen"), c.frozen),
        "first_day": func.coalesce(new("first_day"), c.first_day),
        "deleted": func.coalesce(new("deleted"), c.deleted),
        "meta_updated": _max(c.meta_updated, new("meta_updated")),
    }



def _merge_room_stub(table: Table, new: Callable[[str], Any]) -> dict[str, Any]:
    merged = _merge_room(table, new)
    del merged["deleted"]
    return merged



def _merge_message(exact_time: bool) -> Callable[[Table, Callable[[str], Any]], dict[str, Any]]:
    def merge(table: Table, new: Callable[[str], Any]) -> dict[str, Any]:
        c = table.c
        # A deleted message keeps its last content; a shortened text never replaces a full one.
        keep_content = or_(
            and_(new("deleted"), c.content_html.is_not(None)),
            and_(~new("text_complete"), c.text_complete, c.content_html.is_not(None)),
        )
        # The markdown we know (we sent or edited the message) describes the HTML until a known
        # HTML changes; the first HTML to arrive is the rendering of that markdown.
        html_changed = and_(
            ~keep_content,
            c.content_html.is_not(None),
            new("content_html").is_not(None),
            c.content_html != new("content_html"),
        )
        return {
            "room_meta_id": new("room_meta_id"),
            "owner_meta_id": func.coalesce(new("owner_meta_id"), c.owner_meta_id),
            "content_html": case(
                (or_(keep_content, new("content_html").is_(None)), c.content_html),
                else_=new("content_html"),
            ),
            "content_text": case(
                (or_(keep_content, new("content_html").is_(None)), c.content_text),
                else_=new("content_text"),
            ),
            "text_complete": case(
                (or_(keep_content, new("content_html").is_(None)), c.text_complete),
                else_=new("text_complete"),
            ),
            "content_markdown": func.coalesce(
                new("content_markdown"), case((html_changed, None), else_=c.content_markdown)
            ),
            "parent_id": func.coalesce(new("parent_id"), c.parent_id),
            "time": (
                func.coalesce(new("time"), c.time)
                if exact_time
                else func.coalesce(c.time, new("time"))
            ),
            "edits": _max(c.edits, new("edits")),
            "stars": new("stars"),
            "pinned": new("pinned"),
            "onebox": new("onebox"),
            "deleted": new("deleted"),
            "meta_deleted": case(
                (new("deleted"), func.coalesce(c.meta_deleted, new("meta_deleted"))), else_=None
            ),
            "meta_updated": new("meta_updated"),
        }

    return merge


_merge_message_transcript = _merge_message(exact_time=False)
_merge_message_exact = _merge_message(exact_time=True)



def _merge_fetch(table: Table, new: Callable[[str], Any]) -> dict[str, Any]:
    names = (
        "fetched",
        "message_count",
        "first_message_id",
        "last_message_id",
        "first_day",
        "previous_day",
        "next_day",
        "last_day",
        "meta_updated",
    )
    return {n: new(n) for n in names}



def _merge_event(table: Table, new: Callable[[str], Any]) -> dict[str, Any]:
    return {"meta_updated": new("meta_updated")}  # an event never changes: kept as first seen


def _merge_deleted(table: Table, new: Callable[[str], Any]) -> dict[str, Any]:
    c = table.c
    return {
        "deleted": new("deleted"),
        "meta_deleted": func.coalesce(c.meta_deleted, new("meta_deleted")),
        "edits": _max(c.edits, new("edits")),
        "meta_updated": new("meta_updated"),
    }
