"""Opening archives and writing parser records into them, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from chatexchange import store
from chatexchange._parser.records import (
    MessageDeleted,
    MessageEdited,
    MessagePosted,
    MessageStarred,
    RoomInfo,
    UserCard,
    UserEntered,
    UserNameOrAvatarChanged,
    UserProfile,
)
from chatexchange._servers import SERVERS
from chatexchange._time import EPOCH, UTC
from chatexchange.errors import StorageError
from chatexchange.models import Message, Room, Server, TranscriptPageFetch, User

from .factories import DAY, message, page

FIXTURES = Path(__file__).parent.parent / "fixtures" / "se-chat"
T0 = dt.datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _messages(engine) -> dict[int, dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(Message.__table__)).mappings().all()
    return {r["id"]: dict(r) for r in rows}


def _without(rows: dict[int, dict], *keys: str) -> dict[int, dict]:
    return {k: {c: v for c, v in r.items() if c not in keys} for k, r in rows.items()}


# -- opening ------------------------------------------------------------------------------------


def test_seed_rows_are_applied_once(db_url: str) -> None:
    engine = store.open_engine(db_url)
    try:
        with Session(engine) as s:
            servers = s.scalars(select(Server).order_by(Server.meta_id)).all()
            assert [x.slug for x in servers] == list(SERVERS)
            se = servers[0]
            assert (se.url, se.chat_host, se.login_host) == (
                "https://chat.stackexchange.com",
                "chat.stackexchange.com",
                "meta.stackexchange.com",
            )
            assert se.meta_created.tzinfo is not None
            s.execute(delete(Server).where(Server.slug == "mse"))
            s.commit()
    finally:
        engine.dispose()
    again = store.open_engine(db_url)  # an existing database: tables kept, no second seeding
    try:
        assert sorted(store.server_meta_ids(again)) == ["se", "so"]
    finally:
        again.dispose()


def test_memory_default_is_one_shared_database() -> None:
    engine = store.open_engine()
    assert engine.url.database == ":memory:"
    sid = store.server_meta_id(engine, "se")
    worker = threading.Thread(
        target=store.upsert_transcript_page, args=(engine, sid, page([message(1)]))
    )
    worker.start()
    worker.join()
    assert list(_messages(engine)) == [1]
    assert list(_messages(store.open_engine())) == []  # another engine: another database


def test_seed_readme_sqlite_form(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    engine = store.open_engine("sqlite://./data")
    try:
        assert store.server_meta_id(engine, "so") == 2
    finally:
        engine.dispose()
    assert (tmp_path / "data").is_file()
    with (tmp_path / "data").open("rb") as f:
        assert f.read(16) == b"SQLite format 3\x00"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, "sqlite:///:memory:"),
        ("", "sqlite:///:memory:"),
        ("sqlite://./data", "sqlite:///./data"),
        ("sqlite://data/x.db", "sqlite:///data/x.db"),
        ("sqlite:///./data", "sqlite:///./data"),
        ("sqlite:////abs/x.db", "sqlite:////abs/x.db"),
        ("archive.db", "sqlite:///archive.db"),
        ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
        ("postgresql+psycopg://u@h:5/db", "postgresql+psycopg://u@h:5/db"),
    ],
)
def test_database_url(given: str | None, expected: str) -> None:
    assert store.database_url(given) == make_url(expected)


def test_a_path_is_an_sqlite_file(tmp_path: Path) -> None:
    assert store.database_url(tmp_path / "a b.db") == make_url(f"sqlite:///{tmp_path}/a b.db")


def test_unopenable_sqlite_file(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="cannot open the database"):
        store.open_engine(f"sqlite:///{tmp_path}/missing/dir/archive.db")


def test_unreachable_postgres_hides_the_password() -> None:
    with pytest.raises(StorageError) as info:
        store.open_engine("postgresql://someone:s3cr3tpw@127.0.0.1:1/nothing?connect_timeout=2")
    assert "s3cr3tpw" not in str(info.value)
    assert "127.0.0.1" in str(info.value)


@pytest.mark.parametrize("url", ["nosuchdialect://x/y", "postgresql+nosuchdriver://a:pw@h/d"])
def test_unknown_dialect(url: str) -> None:
    with pytest.raises(StorageError) as info:
        store.open_engine(url)
    assert ":pw@" not in str(info.value)


def test_not_a_database(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StorageError, match=r"junk\.db"):
        store.open_engine(f"sqlite:///{junk}")


# -- transcript pages ------------------------------------------------------------------------------


def test_page_upsert_is_idempotent(db_engine) -> None:
    sid = store.server_meta_id(db_engine, "se")
    msgs = [message(i, parent_id=i - 1 if i % 3 == 0 else None) for i in range(1, 301)]
    first = store.upsert_transcript_page(db_engine, sid, page(msgs), fetched=T0)
    assert first.messages == 300
    before = _messages(db_engine)
    assert len(before) == 300
    assert {r["room_meta_id"] for r in before.values()} == {first.room_meta_id}
    later = T0 + dt.timedelta(hours=1)
    store.upsert_transcript_page(db_engine, sid, page(msgs), fetched=later)
    after = _messages(db_engine)
    assert _without(after, "meta_updated") == _without(before, "meta_updated")
    assert {r["meta_updated"] for r in after.values()} == {later}
    assert {r["meta_created"] for r in after.values()} == {T0}
    with Session(db_engine) as s:
        assert s.scalar(select(func.count()).select_from(User)) == 5
        room = s.scalars(select(Room)).one()
        assert (room.id, room.name, room.first_day) == (1, "Sandbox", dt.date(2013, 1, 1))
        assert room.meta_updated == EPOCH  # a stub: the room's own page was never read
        assert room.last_activity == max(m.time for m in msgs)
        m3 = s.scalars(select(Message).where(Message.id == 3)).one()
        assert m3.parent is not None and m3.parent.id == 2
        assert m3.owner is not None and m3.owner.name == "user103"
        assert m3.room is room


def test_edited_and_deleted_messages_update(db_engine) -> None:
    sid = store.server_meta_id(db_engine, "se")
    store.upsert_transcript_page(db_engine, sid, page([message(1), message(2)]), fetched=T0)
    with Session(db_engine) as s:  # we knew the markdown of message 1 (we sent it)
        s.scalars(select(Message).where(Message.id == 1)).one().content_markdown = "message **1**"
        s.scalars(select(Message).where(Message.id == 2)).one().content_markdown = "message **2**"
        s.commit()
    edited = message(1, content_html="changed <i>1</i>", content_text="changed 1", edits=1, stars=2)
    removed = message(
        2,
        content_html='<span class="deleted">(removed)</span>',
        content_text="(removed)",
        deleted=True,
    )
    t1 = T0 + dt.timedelta(minutes=5)
    store.upsert_transcript_page(db_engine, sid, page([edited, removed]), fetched=t1)
    rows = _messages(db_engine)
    assert rows[1]["content_html"] == "changed <i>1</i>"
    assert rows[1]["content_text"] == "changed 1"
    assert rows[1]["content_markdown"] is None  # no longer matches the HTML
    assert (rows[1]["edits"], rows[1]["stars"]) == (1, 2)
    assert rows[2]["deleted"] is True
    assert rows[2]["content_html"] == "message <b>2</b>"  # the archive keeps what was said
    assert rows[2]["content_markdown"] == "message **2**"
    assert rows[2]["meta_deleted"] == t1
    store.upsert_transcript_page(
        db_engine, sid, page([edited, removed]), fetched=t1 + dt.timedelta(1)
    )
    assert _messages(db_engine)[2]["meta_deleted"] == t1  # when we first saw it gone


def test_page_fetch_records(db_engine) -> None:
    sid = store.server_meta_id(db_engine, "se")
    p = page([message(5), message(9)], start_hour=12, end_hour=13, next_day=dt.date(2020, 3, 31))
    stored = store.upsert_transcript_page(db_engine, sid, p, fetched=T0)
    row = store.page_fetch(db_engine, stored.room_meta_id, DAY, 12, 13)
    assert row.fetched == T0
    assert (row.message_count, row.first_message_id, row.last_message_id) == (2, 5, 9)
    assert (row.previous_day, row.next_day) == (dt.date(2020, 3, 29), dt.date(2020, 3, 31))
    assert store.page_fetch(db_engine, stored.room_meta_id, DAY) is None  # whole day: not fetched
    store.upsert_transcript_page(
        db_engine, sid, page([], start_hour=12, end_hour=13), fetched=T0 + dt.timedelta(1)
    )
    row = store.page_fetch(db_engine, stored.room_meta_id, DAY, 12, 13)
    assert (row.fetched, row.message_count, row.first_message_id) == (T0 + dt.timedelta(1), 0, None)
    with Session(db_engine) as s:
        assert s.scalar(select(func.count()).select_from(TranscriptPageFetch)) == 1
        assert len(_messages(db_engine)) == 2  # an empty page deletes nothing


def test_big_page_on_both_databases(db_engine) -> None:
    sid = store.server_meta_id(db_engine, "so")
    msgs = [message(i, owner_id=i % 97, owner_name=f"u{i % 97}") for i in range(5000)]
    msgs.append(message(17, content_html="dup wins", content_text="dup wins"))  # same id twice
    assert store.upsert_transcript_page(db_engine, sid, page(msgs)).messages == 5000
    rows = _messages(db_engine)
    assert len(rows) == 5000 and rows[17]["content_html"] == "dup wins"


def test_real_transcript_fixture(db_engine) -> None:
    from chatexchange._parser import parse_transcript

    url = "https://chat.stackexchange.com/transcript/11540/2017/11/17/1-2"
    parsed = parse_transcript(
        (FIXTURES / "transcript-se-11540-2017-11-17-1-2.html").read_bytes(), url
    )
    sid = store.server_meta_id(db_engine, "se")
    stored = store.upsert_transcript_page(db_engine, sid, parsed)
    assert stored.messages == len({m.id for m in parsed.messages}) > 0
    rows = _messages(db_engine)
    for m in parsed.messages:
        assert rows[m.id]["content_html"] == m.content_html
        assert rows[m.id]["time"] == m.time


# -- users and rooms -------------------------------------------------------------------------------


def _profile(uid: int, **kw) -> UserProfile:
    values = dict(
        url=f"https://chat.stackexchange.com/users/{uid}",
        user_id=uid,
        name="Prof",
        moderator=True,
        reputation=1234,
        message_count=56,
        room_count=7,
        user_since=dt.date(2014, 2, 3),
        last_seen=dt.timedelta(minutes=3),
        last_message=None,
        about="hi",
        parent_user_url="https://stackoverflow.com/users/9/x",
        parent_user_id=9,
        parent_site="Stack Overflow",
    )
    values.update(kw)
    return UserProfile(**values)


def test_users_stubs_and_profiles(db_engine) -> None:
    sid = store.server_meta_id(db_engine, "se")
    ids = store.upsert_users(db_engine, sid, [(1, "a"), (2, "b"), (1, "a2")], now=T0)
    assert set(ids) == {1, 2}
    store.upsert_users(db_engine, sid, [_profile(2)], now=T0)
    store.upsert_users(db_engine, sid, [(2, None), UserCard(3, "c", False, 10)], now=T0)
    with Session(db_engine) as s:
        users = {u.id: u for u in s.scalars(select(User))}
        assert users[1].name == "a2" and users[1].meta_updated == EPOCH
        u2 = users[2]
        assert (u2.name, u2.is_moderator, u2.reputation, u2.since) == (
            "Prof",
            True,
            1234,
            dt.date(2014, 2, 3),
        )
        assert u2.meta_updated == T0 and u2.last_seen == T0 - dt.timedelta(minutes=3)
        assert (users[3].reputation, users[3].meta_updated) == (10, EPOCH)


def test_room_info(db_engine) -> None:
    sid = store.server_meta_id(db_engine, "mse")
    info = RoomInfo(
        url="https://chat.meta.stackexchange.com/rooms/info/89",
        room_id=89,
        name="Tavern on the Meta",
        description="a tavern",
        description_html="a <i>tavern</i>",
        tags=("meta", "tavern"),
        owners=(UserCard(11, "Owner", True, 99),),
        users=(),
        message_count=123287,
        user_count=5000,
        first_message=dt.date(2015, 10, 19),
        last_message="18 minutes ago",
    )
    meta_id = store.upsert_room(db_engine, sid, info, now=T0)
    assert store.upsert_room(db_engine, sid, (89, None), now=T0) == meta_id
    with Session(db_engine) as s:
        room = s.get(Room, meta_id)
        assert (room.name, room.tags, room.owner_ids) == (
            "Tavern on the Meta",
            ["meta", "tavern"],
            [11],
        )
        assert room.last_activity == T0 - dt.timedelta(minutes=18)
        assert room.meta_updated == T0 and room.message_count == 123287
        assert s.scalars(select(User.name).where(User.id == 11)).one() == "Owner"


# -- live events -----------------------------------------------------------------------------------


def _ev(cls, etype: int, **kw):
    values = dict(
        event_type=etype,
        id=1000 + etype,
        time_stamp=T0,
        room_id=1,
        room_name="Sandbox",
        user_id=50,
        user_name="poster",
        raw={},
    )
    values.update(kw)
    return cls(**values)


def test_live_events(db_engine) -> None:
    sid = store.server_meta_id(db_engine, "se")
    exact = T0 + dt.timedelta(seconds=42)
    posted = _ev(MessagePosted, 1, message_id=77, content="hello <b>there</b>", time_stamp=exact)
    meta_id = store.record_event(db_engine, sid, posted, now=T0)
    # the transcript's minute-resolution time does not replace the exact one
    store.upsert_transcript_page(db_engine, sid, page([message(77, owner_id=50, time=T0)]))
    rows = _messages(db_engine)
    assert rows[77]["time"] == exact
    edited = _ev(
        MessageEdited,
        2,
        message_id=77,
        content="new",
        message_edits=2,
        time_stamp=T0 + dt.timedelta(1),
    )
    assert store.record_event(db_engine, sid, edited) == meta_id
    starred = _ev(
        MessageStarred,
        6,
        message_id=77,
        content="new",
        message_stars=3,
        message_owner_stars=1,
        user_id=None,
        user_name=None,
    )
    store.record_event(db_engine, sid, starred)
    row = _messages(db_engine)[77]
    assert (row["content_text"], row["edits"], row["stars"], row["pinned"], row["time"]) == (
        "new",
        2,
        3,
        True,
        exact,
    )
    deleted = _ev(MessageDeleted, 10, message_id=77, user_id=51, user_name="mod", message_edits=2)
    store.record_event(db_engine, sid, deleted, now=T0 + dt.timedelta(2))
    row = _messages(db_engine)[77]
    assert (
        row["deleted"]
        and row["content_html"] == "new"
        and row["meta_deleted"] == T0 + dt.timedelta(2)
    )
    with Session(db_engine) as s:
        m = s.get(Message, meta_id)
        assert m.owner is not None and m.owner.name == "poster"  # the deleter is not the owner
    # a deletion of a message we never saw leaves a tombstone
    store.record_event(db_engine, sid, _ev(MessageDeleted, 10, message_id=78))
    assert _messages(db_engine)[78]["deleted"] is True
    # entering stores the user; a name change makes the changed user's row stale
    assert (
        store.record_event(db_engine, sid, _ev(UserEntered, 3, user_id=60, user_name="newbie"))
        is None
    )
    store.upsert_users(db_engine, sid, [_profile(60, name="newbie")], now=T0)
    store.record_event(
        db_engine,
        sid,
        _ev(UserNameOrAvatarChanged, 34, user_id=-2, user_name="Feeds", target_user_id=60),
    )
    with Session(db_engine) as s:
        assert s.scalars(select(User.meta_updated).where(User.id == 60)).one() == EPOCH


def _sent(engine, sid: int, message_id: int, markdown: str) -> None:
    """What the client records right after sending: the markdown, no HTML yet."""
    room_meta_id = store.upsert_room(engine, sid, (1, "Sandbox"))
    with Session(engine) as s:
        s.add(
            Message(
                server_meta_id=sid,
                room_meta_id=room_meta_id,
                id=message_id,
                time=T0,
                content_markdown=markdown,
                meta_updated=EPOCH,
            )
        )
        s.commit()


def _markdown(engine, message_id: int) -> str | None:
    return _messages(engine)[message_id]["content_markdown"]


def test_markdown_of_a_sent_message_survives_its_first_html(db_engine) -> None:
    sid = store.server_meta_id(db_engine, "se")
    # the live event of our own message lands after we recorded its markdown
    _sent(db_engine, sid, 80, "hello **there**")
    posted = _ev(MessagePosted, 1, message_id=80, content="hello <b>there</b>", time_stamp=T0)
    store.record_event(db_engine, sid, posted)
    row = _messages(db_engine)[80]
    assert (row["content_html"], row["content_text"]) == ("hello <b>there</b>", "hello there")
    assert row["content_markdown"] == "hello **there**"
    # the same HTML again (a transcript page, the executemany path; a star event): kept
    same = message(80, owner_id=50, content_html="hello <b>there</b>", content_text="hello there")
    store.upsert_transcript_page(db_engine, sid, page([same]))
    starred = _ev(MessageStarred, 6, message_id=80, content="hello <b>there</b>", message_stars=1)
    store.record_event(db_engine, sid, starred)
    assert _markdown(db_engine, 80) == "hello **there**"
    # an event that carries no content changes nothing about it
    store.record_event(db_engine, sid, _ev(MessageStarred, 6, message_id=80, content=None))
    assert _messages(db_engine)[80]["content_html"] == "hello <b>there</b>"
    assert _markdown(db_engine, 80) == "hello **there**"
    # an edit made elsewhere: the known HTML changes, the markdown no longer describes it
    edited = _ev(MessageEdited, 2, message_id=80, content="bye", message_edits=1)
    store.record_event(db_engine, sid, edited)
    assert _markdown(db_engine, 80) is None

    # first HTML from a transcript page (the executemany path) keeps it too
    _sent(db_engine, sid, 81, "*first*")
    first = message(81, owner_id=50, content_html="<i>first</i>", content_text="first")
    store.upsert_transcript_page(db_engine, sid, page([first]))
    assert _markdown(db_engine, 81) == "*first*"
    changed = message(81, owner_id=50, content_html="<i>second</i>", content_text="second")
    store.upsert_transcript_page(db_engine, sid, page([changed]))
    assert _markdown(db_engine, 81) is None
