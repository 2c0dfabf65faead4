"""Seed files (JSON) and the built-in test data.

Format (every key optional)::

    {
      "accounts": [                          # network accounts: one login, a chat user per server
        {"email": "alice@example.com", "password": "...", "name": "Alice",
         "moderator": false, "reputation": 1000, "about": "...",
         "past_messages": 0, "past_rooms": 0,   # all-time counts beyond the seeded messages
         "ids": {"se": 1, "so": 1001, "mse": 2001}}      # servers the account exists on
      ],
      "users": {"se": [{"id": -2, "name": "Feeds"}]},    # chat users without a login (they
                                                         # take "past_messages"/"past_rooms" too)
      "rooms": {"se": [{"id": 1, "name": "Sandbox", "description": "...", "tags": ["x"],
                        "owners": [1], "frozen": false, "access": "public|gallery|private",
                        "favorites": [1], "present": [1, 2]}]},   # "present": in the room now
      "messages": {"se": [{"room": 1, "user": 1, "text": "hi", "time": 1700000000,
                           "id": 123, "edits": 0, "stars": [2], "pinned_by": [1],
                           "deleted": false, "same_day": false, "reply_to": 122,
                           "revisions": [{"text": "hi?", "user": 1, "time": -60}]}]},
                                # "time": unix seconds, or seconds ago if <= 0; "same_day": a
                                # relative time never reaches back before today's UTC midnight;
                                # a text ":122 ..." replies to message 122 (shown as a reply),
                                # "reply_to" makes any text a reply (as a leading @name does);
                                # "revisions": the earlier texts, oldest first (the first is
                                # what was said, each later one an edit; "user" edited it, the
                                # author by default); "edits" defaults to their count
      "generate": {"se": [{"room": 5, "name": "Archive", "messages": 1000, "seed": 1}]}
    }

Messages from a seed are history: they are stored without events, like the generator's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .generator import generate_room
from .state import ChatServer, Revision

#: The built-in test users. Passwords are only good for a local devserver.
TEST_USERS: dict[str, dict[str, Any]] = {
    "alice": {
        "email": "alice@example.com",
        "password": "alice-password",
        "name": "Alice",
        "reputation": 2500,
        "ids": {"se": 1, "so": 1001, "mse": 2001},
    },
    "bob": {
        "email": "bob@example.com",
        "password": "bob-password",
        "name": "Bob Builder",
        "reputation": 300,
        "ids": {"se": 2, "so": 1002, "mse": 2002},
    },
    "mod": {
        "email": "mod@example.com",
        "password": "mod-password",
        "name": "Mo Derator",
        "moderator": True,
        "reputation": 50000,
        "ids": {"se": 3, "so": 1003, "mse": 2003},
    },
    # an account that exists on se and mse but not on so ("no account on that site")
    "carol": {
        "email": "carol@example.com",
        "password": "carol-password",
        "name": "Carol Ψ",
        "reputation": 15,
        "ids": {"se": 4, "mse": 2004},
    },
}

#: The built-in rooms: se 1 "Sandbox" (alice owns it), se 2 "Frozen Room" (frozen), se 3 "Gallery"
#: (gallery: read-only unless granted, alice owns it), so 1 "Sandbox", mse 89 "Tavern on the Meta".
TEST_SEED: dict[str, Any] = {
    "accounts": list(TEST_USERS.values()),
    "users": {
        "se": [{"id": -2, "name": "Feeds"}],
        "so": [{"id": -2, "name": "Feeds"}],
        "mse": [{"id": -2, "name": "Feeds"}],
    },
    "rooms": {
        "se": [
            {
                "id": 1,
                "name": "Sandbox",
                "description": "Where you can play with regular chat "
                "features (except flagging) without upsetting anybody",
                "tags": ["sandbox"],
                "owners": [1],
                "favorites": [1, 2],
            },
            {
                "id": 2,
                "name": "Frozen Room",
                "description": "Nothing happens here any more",
                "frozen": True,
            },
            {
                "id": 3,
                "name": "Gallery",
                "description": "Read-only unless granted",
                "access": "gallery",
                "owners": [1],
            },
        ],
        "so": [{"id": 1, "name": "Sandbox", "description": "Play here", "owners": [1001]}],
        "mse": [
            {
                "id": 89,
                "name": "Tavern on the Meta",
                "description": "General chat",
                "owners": [2003],
            }
        ],
    },
    "messages": {
        "se": [
            # Same day: tests read room 1 from its latest transcript day, whatever the hour.
            {"room": 1, "user": 1, "text": "Hello, **Sandbox**!", "time": -7200, "same_day": True},
            {"room": 1, "user": 2, "text": "Hi Alice", "time": -7100, "same_day": True},
            {"room": 2, "user": 1, "text": "The last word before the freeze", "time": -86400 * 20},
            {"room": 2, "user": 2, "text": "Indeed", "time": -86400 * 20 + 30},
        ]
    },
}


def load(path: str | Path) -> dict[str, Any]:
    """Read a seed file."""
    seed: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return seed


def apply(servers: dict[str, ChatServer], seed: dict[str, Any]) -> None:
    """Add a seed's accounts, users, rooms and messages to the servers; a malformed seed raises
    ``ValueError`` naming what is wrong."""
    try:
        _apply(servers, seed)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"malformed seed: {type(exc).__name__}: {exc}") from exc


def _apply(servers: dict[str, ChatServer], seed: dict[str, Any]) -> None:
    for account in seed.get("accounts", []):
        for slug, uid in account.get("ids", {}).items():
            kw = {
                "email": account.get("email"),
                "password": account.get("password"),
                "is_moderator": bool(account.get("moderator", False)),
                "reputation": int(account.get("reputation", 101)),
                "about": account.get("about", ""),
                "parent_user_id": account.get("parent_ids", {}).get(slug, uid),
                "past_messages": int(account.get("past_messages", 0)),
                "past_rooms": int(account.get("past_rooms", 0)),
            }
            servers[slug].add_user(int(uid), account["name"], **kw)
    for slug, users in seed.get("users", {}).items():
        for u in users:
            servers[slug].add_user(
                int(u["id"]),
                u["name"],
                is_moderator=bool(u.get("moderator", False)),
                reputation=int(u.get("reputation", 1)),
                about=u.get("about", ""),
                past_messages=int(u.get("past_messages", 0)),
                past_rooms=int(u.get("past_rooms", 0)),
            )
    for slug, rooms in seed.get("rooms", {}).items():
        for r in rooms:
            room = servers[slug].add_room(
                int(r["id"]) if "id" in r else None,
                r["name"],
                description=r.get("description", ""),
                tags=list(r.get("tags", [])),
                owners={int(x) for x in r.get("owners", [])},
                frozen=bool(r.get("frozen", False)),
                access=r.get("access", "public"),
                favorites={int(x) for x in r.get("favorites", [])},
            )
            for uid in r.get("present", []):
                room.present[int(uid)] = servers[slug].clock.now()
    for slug, messages in seed.get("messages", {}).items():
        server = servers[slug]
        now = server.clock.now()
        midnight = now - now % 86400
        for index, m in enumerate(messages):
            when = float(m.get("time", now))
            if when <= 0:
                when = now + when
                if m.get("same_day"):  # the index keeps clamped messages in order
                    when = max(when, midnight + index)
            parent, html = server._render(m["text"])
            parent_id = parent.id if parent is not None else m.get("reply_to")
            msg = server.store_message(
                int(m["room"]),
                int(m["user"]),
                m["text"],
                when,
                message_id=m.get("id"),
                html=html,
                parent_id=int(parent_id) if parent_id is not None else None,
                show_parent=parent_id is not None,
            )
            earlier = m.get("revisions", [])
            for k, rev in enumerate(earlier):
                rev_when = float(rev.get("time", when + k))
                rev_when = now + rev_when if rev_when <= 0 else rev_when
                rev_html = server._render(rev["text"])[1]
                rev_user = int(rev.get("user", msg.user_id))
                msg.revisions.append(Revision(rev_when, rev_user, rev["text"], rev_html))
            editor = int(m.get("edited_by", msg.user_id))
            msg.revisions.append(
                Revision(when + len(earlier), editor if earlier else msg.user_id, msg.source,
                         msg.html)
            )
            msg.edits = int(m.get("edits", len(earlier)))
            msg.stars.update(int(x) for x in m.get("stars", []))
            msg.pinners.update(int(x) for x in m.get("pinned_by", []))
            msg.deleted = bool(m.get("deleted", False))
    for slug, specs in seed.get("generate", {}).items():
        for g in specs:
            generate_room(
                servers[slug],
                messages=int(g.get("messages", 1000)),
                seed=int(g.get("seed", 0)),
                room_id=g.get("room"),
                name=g.get("name", "Generated Room"),
                users=int(g.get("users", 8)),
            )
