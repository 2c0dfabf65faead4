"""A realistic room history: N messages by a handful of users over many days, deterministic per
seed.

Conversations come in bursts (several messages a minute, then hours of silence, quiet nights), some
messages are replies (``:id`` style, ``parent_id`` + ``show_parent``), a few are edited, starred,
pinned or deleted, some are multi-line or fixed font, some carry links and code. Messages are stored
directly (no events), which keeps 100,000 messages within a few seconds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from .markdown import reply_html
from .state import ChatServer, Revision, Room, User

WORDS = tuple(
    " ".join(
        (
            "the a to it is that bot room message chat test deploy build python async socket",
            "event server client parser transcript star pin reply edit delete fix bug release",
            "review merge branch regex spam flag smoke detector queue cache rule handler engine",
            "fast slow works broken again now later today yesterday maybe sure thanks ok lol nice",
            "hmm why how what where who when please yes no",
        )
    ).split()
)

NAMES = (
    "Ada Lovelace",
    "Grace Hopper",
    "SmokeBot",
    "Linus",
    "Margaret H",
    "Ken T",
    "Barbara L",
    "Dennis R",
    "Nisse Engström",
    "Zoë Ω",
    "Edsger D",
    "Frances A",
)


@dataclass(slots=True)
class GeneratedRoom:
    room: Room
    users: list[User]
    message_count: int
    first_time: float
    last_time: float


def _sentence(rng: random.Random) -> str:
    return " ".join(rng.choices(WORDS, k=2 + int(rng.random() * 13)))


def _text(rng: random.Random, k: int) -> str:
    roll = rng.random()
    if roll < 0.04:
        return "\n".join(_sentence(rng) for _ in range(rng.randint(2, 4)))
    if roll < 0.06:
        return "\n".join("    " + _sentence(rng) for _ in range(rng.randint(2, 5)))
    if roll < 0.10:
        return f"{_sentence(rng)} `{rng.choice(WORDS)}()` {_sentence(rng)}"
    if roll < 0.13:
        return f"see [{rng.choice(WORDS)}](https://example.com/{k}) for **{rng.choice(WORDS)}**"
    if roll < 0.15:
        return f"https://i.stack.imgur.com/img{k}.png"
    return _sentence(rng)


def _is_plain(text: str) -> bool:
    """Generated words need no escaping or formatting: their HTML is the text itself."""
    return "\n" not in text and text.replace(" ", "").isalnum()


def generate_room(
    server: ChatServer,
    *,
    messages: int,
    seed: int = 0,
    room_id: int | None = None,
    name: str = "Generated Room",
    users: int = 8,
    end: float | None = None,
    per_day: int = 250,
    first_user_id: int = 100_000,
) -> GeneratedRoom:
    """Fill a (new or existing) room with ``messages`` messages ending at ``end`` (default: now)."""
    rng = random.Random(seed)
    room = server.rooms.get(room_id) if room_id is not None else None
    if room is None:
        room = server.add_room(
            room_id,
            name,
            description="A room full of generated history",
            tags=["generated", "history"],
        )
    people: list[User] = []
    for k in range(users):
        uid = first_user_id + k
        user = server.users.get(uid) or server.add_user(
            uid,
            NAMES[k % len(NAMES)] + (f" {k // len(NAMES)}" if k >= len(NAMES) else ""),
            reputation=rng.randint(1, 50_000),
        )
        people.append(user)
    room.owners.add(people[0].id)
    end = server.clock.now() if end is None else end
    if messages <= 0:
        return GeneratedRoom(room, people, 0, end, end)
    days = max(1, -(-messages // per_day))
    t = end - days * 86400.0
    first_time = None
    times: list[float] = []
    # bursts of activity separated by pauses; nights (00-06 UTC) are quiet
    while len(times) < messages:
        burst = rng.randint(3, 40)
        for _ in range(burst):
            t += rng.expovariate(1 / 25.0) + 1
            times.append(t)
            if len(times) >= messages:
                break
        t += rng.expovariate(1 / (86400.0 * days / max(1, messages / 20) * 0.9))
        if int(t // 3600) % 24 < 6 and rng.random() < 0.7:
            t += 6 * 3600
    span = times[-1] - times[0] or 1.0
    scale = min(1.0, (end - 60 - times[0]) / span)
    base = end - 60 - span * scale
    recent: list[tuple[int, User]] = []
    speaker = rng.choice(people)
    next_id = server.next_message_id
    for k, raw in enumerate(times):
        when = base + (raw - times[0]) * scale
        if rng.random() < 0.45:
            speaker = rng.choice(people)
        text = _text(rng, k)
        parent_id = None
        html = text if _is_plain(text) else None
        if recent and rng.random() < 0.12:
            parent_id, parent_user = recent[rng.randrange(len(recent))]
            text = f":{parent_id} {_sentence(rng)}"
            html = reply_html(parent_user.name, text.split(" ", 1)[1])
        msg = server.store_message(
            room.id,
            speaker.id,
            text,
            when,
            message_id=next_id,
            html=html,
            parent_id=parent_id,
            show_parent=parent_id is not None,
        )
        next_id += 1
        msg.revisions.append(Revision(when, speaker.id, text, msg.html))
        roll = rng.random()
        if roll < 0.02:
            msg.edits = rng.randint(1, 3)
        elif roll < 0.03:
            msg.deleted = True
            msg.deleted_by = speaker.id
        elif roll < 0.06:
            msg.stars.update(p.id for p in rng.sample(people, rng.randint(1, min(4, len(people)))))
            if rng.random() < 0.1:
                msg.pinners.add(people[0].id)
        recent.append((msg.id, speaker))
        if len(recent) > 20:
            recent.pop(0)
        if first_time is None:
            first_time = when
    last = server.room_messages(room.id)[-1].time if messages else end
    return GeneratedRoom(room, people, messages, first_time or end, last)
