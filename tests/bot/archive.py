"""A synthetic archive for replay tests and the replay benchmark.

Messages are stored the way an import stores them (``store.upsert_messages`` with transcript
records, one transaction per page of 1000); the room then gets tags and owners and one user becomes
a moderator, as the room info and profile pages would have recorded.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, update

from chatexchange import store
from chatexchange._parser.records import TranscriptMessage
from chatexchange.models import Room, User

START = datetime(2024, 1, 1, tzinfo=UTC)
ROOM_ID = 1
#: (id, name): user 1 owns the room, user 3 is a moderator, the rest are plain users.
USERS = [(1, "Alice"), (2, "Bob Builder"), (3, "Mo Derator"), (4, "Carol"), (5, "Dan")]
OWNER_ID = 1
MODERATOR_ID = 3
ROOM_TAGS = ["sandbox", "python"]

#: What people say (commands among chatter), by weight.
TEXTS = [
    ("!!/alive", 3),
    ("!!/help", 2),
    ("!!/kick Bob", 1),
    ("!!/echo hello there", 2),
    ("hello everyone", 10),
    ("does anyone know how to fix this?", 10),
    ("thanks!", 6),
    ("ping 42", 2),
    ("I think the build is broken again", 8),
    ("lol", 5),
]


def message_texts(n: int, seed: int = 1) -> list[tuple[int, str]]:
    """``n`` (owner id, text) pairs."""
    rng = random.Random(seed)
    texts = [t for t, _ in TEXTS]
    weights = [w for _, w in TEXTS]
    owners = [uid for uid, _ in USERS]
    return [(rng.choice(owners), rng.choices(texts, weights)[0]) for _ in range(n)]


def build_archive(engine: Engine, n: int, *, seed: int = 1, first_id: int = 1000) -> list[int]:
    """Store ``n`` messages of room se/r/1; returns their ids in order."""
    server = store.server_meta_id(engine, "se")
    names = dict(USERS)
    ids = []
    page: list[TranscriptMessage] = []
    for i, (owner, text) in enumerate(message_texts(n, seed)):
        mid = first_id + i
        ids.append(mid)
        page.append(
            TranscriptMessage(
                id=mid,
                room_id=ROOM_ID,
                owner_id=owner,
                owner_name=names[owner],
                content_html=text,
                content_text=text,
                parent_id=None,
                edits=0,
                deleted=False,
                stars=0,
                pinned=False,
                onebox=None,
                time=START + timedelta(seconds=30 * i),
            )
        )
        if len(page) == 1000:
            store.upsert_messages(engine, server, page, room_names={ROOM_ID: "Sandbox"})
            page = []
    if page:
        store.upsert_messages(engine, server, page, room_names={ROOM_ID: "Sandbox"})
    with engine.begin() as conn:
        conn.execute(
            update(Room.__table__)
            .where(Room.__table__.c.id == ROOM_ID)
            .values(tags=ROOM_TAGS, owner_ids=[OWNER_ID])
        )
        conn.execute(
            update(User.__table__)
            .where(User.__table__.c.id == MODERATOR_ID)
            .values(is_moderator=True)
        )
    return ids
