"""Fidelity: the devserver's pages and JSON read like the real captures.

Each probe below is an XPath (or JSON key) with the extraction a parser does on a real page. Every
probe is first run on the real capture in ``tests/fixtures/se-chat/`` (so the list really describes
the capture), then on the devserver's answer, where the value must exist and mean the same thing.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
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
    base = datetime(2017, 11, 17, tzinfo=UTC).timestamp()
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


# -------------------------------------------------------------------------------------------------
# Markup the transcript capture does not show: pings, shortened long messages, message pages.


async def test_pings_long_messages_and_message_pages(
    alice: Browser, bob: Browser, devserver: DevServer
) -> None:
    _, sent = await bob.send(1, "@Alice have a look")
    lines = "\n".join(f"line {k} of a long paste" for k in range(40))
    _, long = await alice.send(1, lines)
    status, body = await alice.get(f"/transcript/message/{sent['id']}")
    assert status == 200
    root = _tree(body)
    content = root.xpath(f"//div[@id='message-{sent['id']}']/div[@class='content']")[0]
    assert content.xpath("./span[@class='mention']/text()") == ["@Alice"]
    (canonical,) = root.xpath("//link[@rel='canonical']/@href")
    assert SLICE_HREF_RE.match(canonical), "a message's page names an hour range"
    long_content = root.xpath(f"//div[@id='message-{long['id']}']/div[@class='content']")[0]
    (partial,) = long_content.xpath("./div[@class='partial']")
    assert 0 < len(partial.xpath("./br")) < 39
    (more,) = long_content.xpath("./a[@class='more-data']")
    assert more.get("href") == f"/messages/1/{long['id']}" and "see full text" in more.text
    _, full = await alice.get(f"/message/{long['id']}")
    assert _tree(f"<div>{full}</div>").xpath("count(.//br)") == 39


# -------------------------------------------------------------------------------------------------
# Room info, profile and room cards: the selectors and nesting of real pages (chat.stackoverflow
# .com 2018 and 2022), checked on pages shaped like them and on the devserver's.


def room_info_probe(body: str | bytes) -> dict[str, Any]:
    root = _tree(body)
    card = root.xpath("//div[contains(@class,'roomcard-xxl') and starts-with(@id,'room-')]")
    out: dict[str, Any] = {"card": len(card)}
    if not card:
        return out
    c = card[0]
    out["name"] = c.xpath("./h1/text()")
    out["description"] = c.xpath("./p")
    out["favorite"] = c.xpath("./div[contains(@class,'favorite-room-vote')]")
    out["stats"] = [
        td.text_content().strip()
        for td in c.xpath(".//table[@class='room-stats']//td[@class='room-keycell']")
    ]
    out["messages"] = c.xpath("./div[contains(@class,'room-message-count-xxl')]/@title")
    out["users"] = c.xpath("./div[@class='room-user-count-xxl']/@title")
    out["logo"] = c.xpath(".//img[contains(@class,'small-site-logo')]")
    cards = []
    for box, prefix in (("room-ownercards", "owner-user-"), ("room-usercards-container", "user-")):
        for u in root.xpath(f"//div[@id='{box}']/div[@class='usercard']"):
            header = u.xpath("./div[@class='user-header']")
            h = header[0] if header else None
            cards.append(
                {
                    "box": box,
                    "id_ok": (u.get("id") or "").startswith(prefix),
                    "title": h.get("title") if h is not None else None,
                    "avatar": h.xpath(
                        "./a[starts-with(@href,'/users/')]/img[@class='user-gravatar48']"
                    )
                    if h is not None
                    else [],
                    "username": h.xpath("./h3/a[contains(@class,'username')]/text()")
                    if h is not None
                    else [],
                    "rep": h.xpath(
                        "./div[@class='user-flair']/span[@class='reputation-score']/@title"
                    )
                    if h is not None
                    else [],
                    "about": h.xpath("./div[@class='user-message-info']") if h is not None else [],
                    "details": u.xpath("./div[@class='user-details']"),
                    "count": u.xpath("./div[@class='user-message-count']/@title"),
                    "permalink": u.xpath(
                        "./div[@class='user-details']//a[@class='permalink']/@href"
                    ),
                }
            )
    out["usercards"] = cards
    return out


def check_room_info(p: dict[str, Any]) -> None:
    assert p["card"] == 1
    assert p["name"] and p["description"] and p["favorite"]
    assert p["stats"] == ["first message", "last message"]
    assert re.fullmatch(r"\d+ all time messages", p["messages"][0])
    assert p["users"] == ["all time users"]
    assert not p["logo"], "no site logo on a single-site server's room info page"
    boxes = {c["box"] for c in p["usercards"]}
    assert boxes == {"room-ownercards", "room-usercards-container"}
    for c in p["usercards"]:
        assert c["id_ok"] and c["title"] and c["avatar"] and c["username"] == [c["title"]]
        assert c["rep"] and c["rep"][0].isdigit() and c["about"] and c["details"]
        if c["box"] == "room-usercards-container":
            assert re.fullmatch(r"\d+ all time messages in .+", c["count"][0])
            assert all(re.fullmatch(r"/transcript/message/(\d+)#\1", h) for h in c["permalink"])
        else:
            assert c["count"] == [] and c["permalink"] == []


def profile_probe(body: str | bytes) -> dict[str, Any]:
    root = _tree(body)
    xxl = root.xpath("//div[@class='usercard-xxl']")
    out: dict[str, Any] = {"card": len(xxl)}
    if not xxl:
        return out
    x = xxl[0]
    out["status"] = x.xpath(".//div[@class='user-status']")
    out["keys"] = [
        td.text_content().split("(")[0].strip()
        for td in x.xpath(".//table[@class='user-stats']//tr/td[@class='user-keycell']")
        if td.getnext() is not None and td.getnext().get("class") == "user-valuecell"
    ]
    out["messages"] = x.xpath("./div[@class='user-message-count-xxl']/@title")
    out["rooms"] = x.xpath("./div[@class='user-room-count-xxl']/@title")
    out["owned_heading"] = root.xpath("//div[@id='user-owningcards']/h2/text()")
    out["current_box"] = root.xpath(
        "//div[@id='user-roomcards']/div[@id='user-roomcards-container']"
    )
    cards = []
    for r in root.xpath(
        "//div[@id='user-owningcards' or @id='user-roomcards-container']"
        "/div[contains(@class,'roomcard')]"
    ):
        rid = (r.get("id") or "")[len("room-") :]
        cards.append(
            {
                "id_ok": rid.isdigit(),
                "name": r.xpath("./div[@class='room-header']/h3/span[@class='room-name']/@title"),
                "link": r.xpath("./div[@class='room-header']/h3/span[@class='room-name']/a/@href"),
                "description": r.xpath(
                    "./div[@class='room-header']/div[@class='room-description']"
                ),
                "activity": [
                    a.text_content()
                    for a in r.xpath(
                        "./div[@class='room-details']/div[@class='cycle']/div[@class='last-activity']"
                    )
                ],
                "poster": r.xpath(
                    "./div[@class='room-details']/div[@class='cycle']/div[@class='last-activity']/a/@href"
                ),
                "users": r.xpath("./div[@class='room-details']/div[@class='room-users']/@title"),
                "count": r.xpath("./div[@class='room-message-count']/@title"),
                "count_link": r.xpath("./div[@class='room-message-count']/a/@href"),
                "rid": rid,
            }
        )
    out["roomcards"] = cards
    return out


def check_profile(p: dict[str, Any], name: str) -> None:
    assert p["card"] == 1 and p["status"]
    assert p["keys"][:2] == ["chat user since", "last message"] or p["keys"][0] == "chat user since"
    assert "about" in p["keys"]
    assert re.fullmatch(r"\d+ all time messages", p["messages"][0])
    assert re.fullmatch(r"\d+ all time rooms", p["rooms"][0])
    assert p["owned_heading"] == ["Owner of these rooms"] and p["current_box"]
    assert p["roomcards"]
    for c in p["roomcards"]:
        assert c["id_ok"] and c["name"] and c["link"] and c["description"] is not None
        assert re.fullmatch(r"/(rooms|transcript)/" + c["rid"] + r"(/[a-z0-9-]+)?", c["link"][0])
        assert re.fullmatch(r"\d+ users? present", c["users"][0])
        assert c["count"] and c["count"][0].endswith(f"all time messages (by {name})")
        assert c["count_link"] == [f"/transcript/{c['rid']}"]
        if c["activity"]:
            assert re.match(r"\d+[smhdy] ago|just now", c["activity"][0].strip())
            assert all(USER_HREF_RE.match(h) for h in c["poster"])


def test_probes_describe_real_shaped_pages() -> None:
    from tests.parser.test_real_markup import PROFILE, ROOM_INFO

    check_room_info(room_info_probe(ROOM_INFO))
    check_profile(profile_probe(PROFILE), "Hatter")


async def test_devserver_room_info_and_profile_match(devserver: DevServer) -> None:
    server = devserver.server("so")
    room = devserver.add_room("so", 77, "Probe Room", description="probing", owners={1001})
    now = server.clock.now()
    devserver.add_message("so", 77, 1001, "hello", now - 300)
    devserver.add_message("so", 77, 1002, "hi Alice", now - 200)
    room.present[1001] = now
    room.present[1002] = now
    browser = Browser(devserver, "so")
    try:
        await browser.login("alice")
        _, info = await browser.get("/rooms/info/77")
        p = room_info_probe(info)
        check_room_info(p)
        (bob_card,) = [c for c in p["usercards"] if c["title"] == "Bob Builder"]
        assert bob_card["count"] == ["1 all time messages in Probe Room"]
        _, profile = await browser.get("/users/1001")
        pp = profile_probe(profile)
        check_profile(pp, "Alice")
        cards = [c for c in pp["roomcards"] if c["rid"] == "77"]
        assert len(cards) == 2, "owned, and currently in"
        for card in cards:
            assert card["count"] == ["1 all time messages (by Alice)"], "the user's own messages"
            assert card["poster"] == ["/users/1002/bob-builder"]
    finally:
        await browser.close()
