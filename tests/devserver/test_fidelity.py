"""Fidelity: the devserver's pages and JSON read like the real captures.

Each probe below is an XPath (or JSON key) with the extraction a parser does on a real page. Every
probe is first run on the real capture in ``tests/fixtures/se-chat/`` (so the list really describes
the capture), then on the devserver's answer, where the value must exist and mean the same thing.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import orjson
import pytest
from lxml import html as lxml_html

from chatexchange.devserver import DevServer

from .conftest import Browser

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "se-chat"
REAL_TRANSCRIPT = FIXTURES / "transcript-se-11540-2017-11-17-1-2.html"
REAL_FAVORITE = FIXTURES / "favorite-se-2014.html"
REAL_EVENTS = FIXTURES / "events-se-11540-messages.json"

TITLE_RE = re.compile(r"^(?P<room>.+) - (?P<date>\d{4}-\d{2}-\d{2})(?: \(page (\d+) of (\d+)\))?$")
DAY_HREF_RE = re.compile(r"^/transcript/(\d+)/(\d{4})/([1-9]\d?)/([1-9]\d?)$")
SLICE_HREF_RE = re.compile(r"^/transcript/(\d+)/(\d{4})/([1-9]\d?)/([1-9]\d?)/(\d{1,2})-(\d{1,2})$")
STAMP_RE = re.compile(r"^(1[0-2]|[1-9]):[0-5]\d (AM|PM)$")
PAGE_LABEL_RE = re.compile(r"^\d{2}:00 - \d{2}:00$")
USER_HREF_RE = re.compile(r"^/users/(-?\d+)/[a-z0-9-]*$")
PERMALINK_RE = re.compile(r"^/transcript/(\d+)\?m=(\d+)#(\d+)$")
NAV_TEXTS = {
    "first": re.compile(r"^« first day \((\d+) days earlier\)$"),
    "prev": re.compile(r"^← previous day$"),
    "next": re.compile(r"^next day →$"),
    "last": re.compile(r"^last day \((\d+) days later\) »$"),
}


def _tree(body: str | bytes) -> Any:
    # the real server declares UTF-8 in the Content-Type header, not in the page
    return lxml_html.fromstring(body.decode("utf-8") if isinstance(body, bytes) else body)


def _classes(el: Any) -> list[str]:
    return (el.get("class") or "").split()


def transcript_probe(body: str | bytes) -> dict[str, Any]:
    """Everything a transcript parser reads, extracted the way it reads it."""
    root = _tree(body)
    out: dict[str, Any] = {}
    out["title"] = TITLE_RE.match(root.findtext(".//title").strip())
    out["canonical"] = root.xpath("//link[@rel='canonical']/@href")
    script = " ".join(root.xpath("//script/text()"))
    m = re.search(r"initTranscript\((true|false),\s*(\d+),", script)
    out["init_transcript"] = m and int(m.group(2))
    out["body_id"] = root.xpath("//body/@id")
    nav = {}
    for a in root.xpath(
        "//div[@id='main']/a[contains(@class,'button') and contains(@class,'noprint')]"
    ):
        text = a.text_content().strip()
        for kind, rx in NAV_TEXTS.items():
            if rx.match(text):
                nav.setdefault(kind, (a.get("href"), a.get("title"), a.get("rel")))
    out["nav"] = nav
    out["link_rel"] = {rel: root.xpath(f"//link[@rel='{rel}']/@href") for rel in ("prev", "next")}
    pagers = root.xpath("//div[@class='pager']")
    out["pager"] = [
        [
            (
                span.text_content().strip(),
                "current" in _classes(span),
                span.getparent().get("href") if span.getparent().tag == "a" else None,
            )
            for span in pager.xpath(".//span[contains(@class,'page-numbers')]")
        ]
        for pager in pagers
    ]
    monologues = []
    for mono in root.xpath("//div[@id='transcript']/div[contains(@class,'monologue')]"):
        user_cls = [c for c in _classes(mono) if c.startswith("user-")]
        link = mono.xpath(".//div[contains(@class,'signature')]//div[@class='username']/a")
        stamps = mono.xpath("./div[@class='messages']/div[@class='timestamp']/text()")
        messages = []
        for msg in mono.xpath("./div[@class='messages']/div[contains(@class,'message')]"):
            anchor = msg.xpath("./a[@name]")
            reply = msg.xpath("./a[@class='reply-info']/@href")
            content = msg.xpath("./div[@class='content']")
            messages.append(
                {
                    "id": msg.get("id"),
                    "name": anchor[0].get("name") if anchor else None,
                    "permalink": anchor[0].get("href") if anchor else None,
                    "edits": bool(
                        msg.xpath(
                            ".//span[contains(@class,'action-link') and contains(@class,'edits')]"
                        )
                    ),
                    "reply": reply[0] if reply else None,
                    "content": content[0] if content else None,
                    "deleted": bool(msg.xpath("./div[@class='content']/span[@class='deleted']")),
                    "flash": bool(msg.xpath("./span[@class='flash']")),
                    "onebox": msg.xpath(".//div[contains(@class,'onebox')]/@class"),
                }
            )
        monologues.append(
            {
                "user_class": user_cls[0] if user_cls else None,
                "href": link[0].get("href") if link else None,
                "title": link[0].get("title") if link else None,
                "name": link[0].text_content().strip() if link else None,
                "stamp": stamps[0].strip() if stamps else None,
                "messages": messages,
            }
        )
    out["monologues"] = monologues
    out["calendar_current"] = root.xpath(
        "//div[@id='info']//div[@class='icon'][div[@class='calendar']]/@title"
    )
    out["calendar_links"] = root.xpath("//div[@id='info']//a[@class='calendar-small-link']/@href")
    out["room_link"] = root.xpath(
        "//div[@id='info']//div[@class='room-mini']//span[@class='room-name']/a"
    )
    out["join_room"] = root.xpath("//div[@id='transcript-links']/a[@id='join-room']/@href")
    out["utc_note"] = "all times are UTC" in " ".join(
        root.xpath("//div[@class='msg-small']/text()")
    )
    body_el = root.xpath("//body")[0]
    out["fkey"] = body_el.xpath(".//input[@id='fkey' and @name='fkey' and @type='hidden']/@value")
    return out


def check_transcript(p: dict[str, Any], room_id: int) -> None:
    """Assertions that hold for the real capture and must hold for the devserver."""
    assert p["title"], "title is '<room> - <date>[ (page k of n)]'"
    day = date.fromisoformat(p["title"].group("date"))
    assert p["body_id"] == ["transcript-body"]
    assert p["init_transcript"] is not None
    assert len(p["canonical"]) == 1 and p["canonical"][0].startswith(f"/transcript/{room_id}/")
    for kind, (href, title, rel) in p["nav"].items():
        m = DAY_HREF_RE.match(href)
        assert m, href
        assert int(m.group(1)) == room_id
        linked = date(int(m.group(2)), int(m.group(3)), int(m.group(4)))
        assert title == linked.isoformat()
        assert (linked < day) == (kind in ("first", "prev"))
        if kind in ("prev", "next"):
            assert rel == kind
            assert set(p["link_rel"][kind]) == {href}
    assert len(p["pager"]) in (0, 2), "a pager is shown top and bottom, or not at all"
    items = p["pager"][0] if p["pager"] else []
    assert not p["pager"] or p["pager"][0] == p["pager"][1]
    # exactly one slice is current, except on a custom range such as /0-24
    assert sum(1 for _, current, _ in items if current) <= 1
    assert (p["title"].group(3) is not None) == any(current for _, current, _ in items)
    for label, current, href in items:
        assert PAGE_LABEL_RE.match(label)
        assert (href is None) == current
        if href:
            assert SLICE_HREF_RE.match(href)
    assert p["monologues"]
    for mono in p["monologues"]:
        uid = int(mono["user_class"][len("user-") :])
        m = USER_HREF_RE.match(mono["href"])
        assert m and int(m.group(1)) == uid
        assert mono["title"] == mono["name"]
        if mono["stamp"] is not None:
            assert STAMP_RE.match(mono["stamp"]), mono["stamp"]
        assert mono["messages"]
        for msg in mono["messages"]:
            assert msg["id"] == f"message-{msg['name']}"
            pm = PERMALINK_RE.match(msg["permalink"])
            assert pm and int(pm.group(1)) == room_id and pm.group(2) == pm.group(3) == msg["name"]
            assert msg["content"] is not None and msg["flash"]
            if msg["reply"]:
                rm = PERMALINK_RE.match(msg["reply"])
                assert rm and int(rm.group(1)) == room_id
    assert p["monologues"][0]["stamp"] is not None, "the first monologue shows its time"
    assert p["calendar_current"] == [day.isoformat()]
    assert all(DAY_HREF_RE.match(h) for h in p["calendar_links"])
    assert len(p["room_link"]) == 1
    assert re.match(rf"^/rooms/{room_id}/[a-z0-9-]+$", p["room_link"][0].get("href"))
    assert p["room_link"][0].text_content().strip() == p["title"].group("room")
    assert p["join_room"] and p["join_room"][0].startswith(f"/rooms/{room_id}/")
    assert p["utc_note"]
    assert len(p["fkey"]) == 1 and re.match(r"^[0-9a-f]{32}$", p["fkey"][0])


def _features(p: dict[str, Any]) -> set[str]:
    """Which optional markup features a page shows (the real capture has all of these)."""
    msgs = [m for mono in p["monologues"] for m in mono["messages"]]
    found = set(p["nav"])
    if p["pager"]:
        found.add("pager")
    if any(m["reply"] for m in msgs):
        found.add("reply")
    if any(m["edits"] for m in msgs):
        found.add("edits")
    if any(m["deleted"] for m in msgs):
        found.add("deleted")
    if any("ob-image" in " ".join(m["onebox"]) for m in msgs):
        found.add("onebox-image")
    if any(mono["stamp"] is None for mono in p["monologues"]):
        found.add("monologue-without-time")
    if any(len(mono["messages"]) > 1 for mono in p["monologues"]):
        found.add("multi-message-monologue")
    if p["calendar_links"]:
        found.add("calendar-links")
    return found


def test_probes_describe_the_real_capture() -> None:
    p = transcript_probe(REAL_TRANSCRIPT.read_bytes())
    check_transcript(p, 11540)
    assert p["title"].group("room") == "Charcoal HQ"
    assert len(p["monologues"]) == 36
    assert sum(len(m["messages"]) for m in p["monologues"]) == 61
    assert _features(p) == {
        "first",
        "prev",
        "next",
        "last",
        "pager",
        "reply",
        "edits",
        "deleted",
        "onebox-image",
        "monologue-without-time",
        "multi-message-monologue",
        "calendar-links",
    }


@pytest.fixture
async def busy_room(devserver: DevServer) -> AsyncIterator[dict[str, Any]]:
    """se room 50: messages on four days, the middle one busy enough to be split into hours."""
    server = devserver.server("se")
    room = devserver.add_room(
        "se", 50, "Fidelity Room", description="checked against captures", tags=["test"], owners={1}
    )
    base = datetime(2017, 11, 17, tzinfo=timezone.utc).timestamp()
    ids: dict[str, int] = {}
    devserver.add_message("se", 50, 1, "long ago", base - 86400 * 30)
    devserver.add_message("se", 50, 2, "the day before", base - 86400 + 3600)
    for k in range(5):
        devserver.add_message("se", 50, 2, f"early {k}", base + 1800 + k * 30)
    t = base + 3600  # 01:00
    for k in range(12):
        m = devserver.add_message("se", 50, 1 + k % 2, f"message {k}", t + k * 40)
        ids.setdefault("first", m.id)
    reply = devserver.add_message(
        "se", 50, 2, "@Alice sure", t + 600, parent_id=ids["first"], show_parent=True
    )
    edited = devserver.add_message("se", 50, 1, "edited text", t + 640)
    edited.edits = 1
    gone = devserver.add_message("se", 50, 1, "gone", t + 650)
    gone.deleted = True
    devserver.add_message("se", 50, 2, "https://i.stack.imgur.com/abc.png", t + 660)
    devserver.add_message("se", 50, 2, "and a second line from Bob", t + 670)
    for k in range(10):
        devserver.add_message("se", 50, 1, f"later {k}", base + 3 * 3600 + k * 60)
    devserver.add_message("se", 50, 2, "the day after", base + 86400 + 7200)
    devserver.add_message("se", 50, 1, "much later", base + 86400 * 5)
    devserver.configure(transcript_page_size=20)
    yield {"room": room, "server": server, "reply": reply, "edited": edited, "gone": gone}


async def test_devserver_transcript_matches_the_capture(
    alice: Browser, busy_room: dict[str, Any]
) -> None:
    status, body = await alice.get("/transcript/50/2017/11/17/1-3")
    assert status == 200
    p = transcript_probe(body)
    check_transcript(p, 50)
    real = _features(transcript_probe(REAL_TRANSCRIPT.read_bytes()))
    assert _features(p) == real
    assert p["title"].group(0) == "Fidelity Room - 2017-11-17 (page 2 of 3)"
    assert p["init_transcript"] == 1
    assert p["nav"]["first"][0] == "/transcript/50/2017/10/18"
    assert p["nav"]["prev"][0] == "/transcript/50/2017/11/16"
    assert p["nav"]["next"][0] == "/transcript/50/2017/11/18"
    assert p["nav"]["last"][0] == "/transcript/50/2017/11/22"
    assert [label for label, _, _ in p["pager"][0]] == [
        "00:00 - 01:00",
        "01:00 - 03:00",
        "03:00 - 00:00",
    ]
    msgs = {m["name"]: m for mono in p["monologues"] for m in mono["messages"]}
    reply = busy_room["reply"]
    assert msgs[str(reply.id)]["reply"] == f"/transcript/50?m={reply.parent_id}#{reply.parent_id}"
    assert msgs[str(busy_room["edited"].id)]["edits"]
    assert msgs[str(busy_room["gone"].id)]["deleted"]


async def test_whole_day_and_message_pages(alice: Browser, busy_room: dict[str, Any]) -> None:
    status, body = await alice.get("/transcript/50/2017/11/16")
    p = transcript_probe(body)
    check_transcript(p, 50)
    assert p["title"].group(0) == "Fidelity Room - 2017-11-16"
    assert p["pager"] == []
    assert p["canonical"] == ["/transcript/50/2017/11/16"]
    status, body = await alice.get("/transcript/50/2017/11/17")
    p = transcript_probe(body)
    check_transcript(p, 50)
    assert p["title"].group(0) == "Fidelity Room - 2017-11-17 (page 1 of 3)"
    assert p["canonical"] == ["/transcript/50/2017/11/17/0-1"]
    status, body = await alice.get("/transcript/50/2017/11/17/0-24")
    p = transcript_probe(body)
    check_transcript(p, 50)
    assert sum(len(m["messages"]) for m in p["monologues"]) == 32
    reply = busy_room["reply"]
    status, body = await alice.get(f"/transcript/message/{reply.id}")
    assert status == 200
    root = _tree(body)
    assert root.xpath(f"//div[@id='message-{reply.id}']/@class") == ["message highlight"]


def test_real_events_keys() -> None:
    data = orjson.loads(REAL_EVENTS.read_bytes())
    assert set(data) == {"events", "time", "sync", "ms"}


async def test_devserver_events_match_the_capture(
    alice: Browser, bob: Browser, devserver: DevServer
) -> None:
    real = orjson.loads(REAL_EVENTS.read_bytes())
    _, a = await alice.send(1, "a question")
    await bob.send(1, f":{a['id']} a reply")
    await bob.send(1, "@Alice an implicit reply")
    _, e = await alice.send(1, "to be edited")
    await alice.post(f"/messages/{e['id']}", {"text": "edited"})
    await bob.post(f"/messages/{a['id']}/star")
    _, d = await alice.send(1, "to be deleted")
    await alice.post(f"/messages/{d['id']}/delete")
    _status, data = await alice.post(
        "/chats/1/events", {"since": 0, "mode": "Messages", "msgCount": 100}
    )
    assert set(data) == set(real)
    for key in real:
        assert type(data[key]) is type(real[key])
    real_keys: dict[str, type] = {}
    for ev in real["events"]:
        for k, v in ev.items():
            real_keys[k] = type(v)
    ours: dict[str, type] = {}
    for ev in data["events"]:
        for k, v in ev.items():
            ours[k] = type(v)
    assert set(ours) == set(real_keys), "same keys as the real history"
    for k, t in real_keys.items():
        assert ours[k] is t, k
    by_id = {ev["message_id"]: ev for ev in data["events"]}
    assert by_id[d["id"]].get("content") is None
    implicit = [ev for ev in data["events"] if "parent_id" in ev and "show_parent" not in ev]
    explicit = [ev for ev in data["events"] if ev.get("show_parent")]
    assert implicit and explicit
    assert by_id[a["id"]]["message_stars"] == 1
    assert by_id[e["id"]]["message_edits"] == 1


def favorite_probe(body: str | bytes) -> dict[str, Any]:
    root = _tree(body)
    fkeys = root.xpath("//form//input[@id='fkey' and @name='fkey' and @type='hidden']/@value")
    link = root.xpath("//span[@class='topbar-menu-links']/a")
    return {
        "fkey": fkeys,
        "href": link[0].get("href") if link else None,
        "title": link[0].get("title") if link else None,
        "text": link[0].text_content().strip() if link else None,
        "join": root.xpath("//form//input[@class='button' and @type='submit']/@value"),
        "nav": [a.text_content() for a in root.xpath("//div[@id='hmenu']//a")],
    }


def check_favorite(p: dict[str, Any]) -> None:
    assert len(p["fkey"]) == 1 and re.match(r"^[0-9a-f]{32}$", p["fkey"][0])
    m = USER_HREF_RE.match(p["href"])
    assert m
    assert p["title"] == p["text"]
    assert p["join"] == ["join"]
    assert any(t.startswith("users (") for t in p["nav"])
    assert any(t.startswith("rooms (") for t in p["nav"])


async def test_devserver_favorite_matches_the_capture(alice: Browser) -> None:
    real = favorite_probe(REAL_FAVORITE.read_bytes())
    check_favorite(real)
    assert real["href"] == "/users/1251/jeremy-banks-" and real["text"] == "Jeremy Banks Ψ"
    _, body = await alice.get("/chats/join/favorite")
    ours = favorite_probe(body)
    check_favorite(ours)
    assert ours["fkey"] == [alice.fkey]
    assert ours["href"] == "/users/1/alice" and ours["text"] == "Alice"


async def test_slug_like_the_real_server(devserver: DevServer) -> None:
    user = devserver.add_user("se", 1251, "Jeremy Banks Ψ")
    assert user.slug == "jeremy-banks-"
    assert devserver.add_user("se", 155243, "Nisse Engström").slug == "nisse-engstrom"
