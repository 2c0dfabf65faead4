"""Facts of real pages that the parsers once got wrong, each on markup shaped like the real page.

The profile and room-info snippets follow the nesting of real chat.stackoverflow.com pages (2018
and 2022): ``.roomcard > .room-header / .room-details > .cycle > .last-activity``, usercards with
``.user-header > .user-flair`` and ``.user-details`` with the last-post permalink. Names and
numbers are made up.
"""

from __future__ import annotations

import pytest

from chatexchange._parser import (
    parse_events_response,
    parse_favorite,
    parse_login_page,
    parse_room_info,
    parse_transcript,
    parse_user_profile,
    parse_ws_frame,
)
from chatexchange.errors import ParseError

from .conftest import TRANSCRIPT_URL
from .test_pages import STAR, message, monologue, transcript


def test_pre_block_keeps_the_first_lines_indentation() -> None:
    code = "<pre class='full'>    def f():\n        return 1</pre>"
    body = transcript(monologue(1, "A", message(1, f"\n    {code}\n  "), stamp="1:00 AM"))
    (msg,) = parse_transcript(body, "https://chat.stackexchange.com/transcript/7/2024/5/3").messages
    assert msg.content_text == "    def f():\n        return 1"
    assert msg.content_html == code.replace("'", '"')


def test_the_viewer_of_a_real_transcript_page(transcript_html: bytes) -> None:
    """The real transcript names its viewer only in ``initTranscript(true, 1251, ...)``."""
    session = parse_favorite(transcript_html, TRANSCRIPT_URL)
    assert session.user_id == 1251
    assert session.fkey == "64f0ae1fdde80a7b92d9281473795fde"


def test_login_page_fkey_from_the_inline_init_data() -> None:
    fkey = "f" * 64
    body = f"""<!DOCTYPE html><html><head><title>Log In - Stack Overflow</title>
<script>StackExchange.init({{"locale":"en","site":{{"name":"Stack Overflow","id":1}},
"user":{{"fkey":"{fkey}","isAnonymous":true}}}});</script></head><body>
<form id="login-form" action="/users/login?ssrc=head" method="POST">
<input type="email" name="email"><input type="password" name="password"></form>
</body></html>"""
    assert parse_login_page(body, "https://stackoverflow.com/users/login") == fkey


PROFILE = """<!DOCTYPE html><html><head><title>User Hatter | chat.stackoverflow.com</title></head>
<body class="outside"><div id="container"><div id="content">
<div class="subheader"><h1>Hatter</h1></div>
<div class="xxl-info-layout"><div class="usercard-xxl"><table><tbody><tr><td>
<img class="user-gravatar-128" alt="Hatter" src="#"/></td><td>
<div class="user-status">Hatter</div>
<table class="user-stats"><tbody>
<tr><td class="user-keycell">chat user since</td><td class="user-valuecell">2016-02-01</td></tr>
<tr><td class="user-keycell">about</td><td class="user-valuecell">
                    Tea at six,
                    always.
                </td></tr>
</tbody></table></td></tr></tbody></table>
<div class="user-message-count-xxl" title="900 all time messages">900</div>
<div class="user-room-count-xxl" title="3 all time rooms">3</div></div>
<div id="user-owningcards"><h2>Owner of these rooms</h2>
<div id="room-501" class="roomcard frozen">
  <div class="room-header">
    <div title="Toggle as a favorite room" class="favorite-room-vote"> </div>
    <h3><span class="room-name" title="Tea Room"><a href="/rooms/501/tea-room">Tea Room</a></span>
    </h3>
    <img class="small-site-logo" title="Stack Overflow" src="#" />
    <div class="room-description" title="Six o&#39;clock">Six o&#39;clock</div>
    <div class="clear-both"></div>
  </div>
  <div class="room-details">
    <div class="cycle"><div class="last-activity">23h ago &ndash; <a href="/users/77/dormouse"
      title="Dormouse">Dormouse</a></div></div>
    <div class="room-users" title="1 user present"><!--
      --><a class="user-gravatar32" href="/users/42/hatter"><img src="#" /></a><!--
    --></div>
  </div>
  <div class="room-message-count" title="20 all time messages (by Hatter)">
    <a href="/transcript/501">20</a></div>
  <div class="room-info-link"><a href="/rooms/info/501/tea-room">info</a></div>
</div></div></div>
<div class="xxl-info-layout"><div id="user-roomcards"><div id="user-roomcards-container"
  class="clear-both"></div></div></div>
</div></div><input id="fkey" name="fkey" type="hidden" value="0123" /></body></html>"""


def test_profile_about_is_text_not_page_layout() -> None:
    profile = parse_user_profile(PROFILE, "https://chat.stackoverflow.com/users/42/hatter")
    assert profile.about == "Tea at six, always."


def test_profile_room_cards_count_the_users_messages() -> None:
    profile = parse_user_profile(PROFILE, "https://chat.stackoverflow.com/users/42/hatter")
    (card,) = profile.rooms_owned
    assert (card.room_id, card.name, card.description, card.frozen) == (
        501, "Tea Room", "Six o'clock", True)  # fmt: skip
    assert card.message_count is None, "the card does not say how many messages the room has"
    assert card.user_message_count == 20
    assert (card.last_activity, card.last_user_id) == ("23h ago", 77)
    assert card.user_ids == (42,)


ROOM_INFO = """<!DOCTYPE html><html><head><title>Overview | chat.stackoverflow.com</title></head>
<body class="outside"><div id="container"><div id="content">
<div class="subheader"><h1>Tea Room</h1></div>
<div class="xxl-info-layout"><div class="roomcard-xxl" id="room-501">
  <div title="Toggle as a favorite room" class="favorite-room-vote"></div>
  <h1>Tea Room</h1><p>Six o&#39;clock</p><div><a class="tag" href="#">tea</a></div>
  <table class="room-stats"><tbody>
  <tr><td class="room-keycell">first message</td><td>2016-02-01</td></tr>
  <tr><td class="room-keycell">last message</td><td>18 minutes ago</td></tr></tbody></table>
  <a class="button" href="/transcript/501">view transcript</a>
  <div class="clear-both room-message-count-xxl" title="4321 all time messages">4321</div>
  <div class="room-user-count-xxl" title="all time users">12</div>
</div>
<div id="room-ownercards"><h2>Owners of this room</h2>
  <div id="owner-user-42" class="usercard">
    <div class="user-header" title="Hatter"><a href="/users/42/hatter"><img
      class="user-gravatar48" src="#" /></a>
      <h3><a class="username" href="/users/42/hatter">Hatter</a></h3>
      <div class="user-flair"><span class="reputation-score" title="17621">17.6k</span>
        <span class="badge1"></span><span class="badgecount">6</span></div>
      <div class="user-message-info" title="Line one,
line two.">Line one, line two.</div>
      <div class="clear-both"></div></div>
    <div class="user-details"></div>
  </div></div></div>
<div class="xxl-info-layout"><div id="room-usercards">
  <div id="room-usercards-container" class="clear-both">
  <div id="user-77" class="usercard">
    <div class="user-header" title="Dormouse"><a href="/users/77/dormouse"><img
      class="user-gravatar48" src="#" /></a>
      <h3><a class="username" href="/users/77/dormouse">Dormouse</a></h3>
      <div class="user-flair"><span class="reputation-score" title="8237">8.2k</span></div>
      <div class="user-message-info"></div><div class="clear-both"></div></div>
    <div class="user-details"><div>last post here
      <a class="permalink" href="/transcript/message/54821367#54821367">18m ago</a></div></div>
    <div class="user-message-count" title="3138 all time messages in Tea Room">3.1k</div>
  </div></div></div></div>
</div></div><input id="fkey" name="fkey" type="hidden" value="0123" /></body></html>"""


def test_room_info_user_cards_as_real_pages_nest_them() -> None:
    info = parse_room_info(ROOM_INFO, "https://chat.stackoverflow.com/rooms/info/501/tea-room")
    assert (info.room_id, info.name, info.message_count, info.user_count) == (
        501, "Tea Room", 4321, 12)  # fmt: skip
    assert info.parent_site is None, "real room info pages show no site logo"
    (owner,) = info.owners
    assert (owner.user_id, owner.name, owner.reputation, owner.about) == (
        42, "Hatter", 17621, "Line one,\nline two.")  # fmt: skip
    (user,) = info.users
    assert (user.user_id, user.name, user.reputation, user.about) == (77, "Dormouse", 8237, None)
    assert (user.message_count, user.last_message_id) == (3138, 54821367)


def test_odd_digits_and_extreme_dates_give_parse_errors_or_missing_fields() -> None:
    """Each of these once escaped as ValueError or OverflowError."""
    url = "https://chat.stackexchange.com/transcript/7/2024/5/3"
    body = transcript(monologue(3, "C", message(1, "x"), stamp="1:00 AM"))
    odd_user = body.replace("monologue user-3", "monologue user--①")
    (msg,) = parse_transcript(odd_user, url).messages
    assert msg.owner_id == 3, "the user link names the owner when the class is unreadable"
    odd_id = body.replace('id="message-1"', 'id="message-+²"')
    assert parse_transcript(odd_id, url).messages[0].id == 1, "from a[name]"
    stars = transcript(monologue(3, "C", message(1, "x", STAR.format(cls="", n="-①"))))
    assert parse_transcript(stars, url).messages[0].stars == 1
    late = transcript(
        monologue(3, "C", message(1, "x"), stamp="11:58 PM")
        + monologue(4, "D", message(2, "y"), stamp="11:02 PM"),
        title="Room Seven - 9999-12-31",
    )
    with pytest.raises(ParseError, match="earlier than"):
        parse_transcript(late, "https://chat.stackexchange.com/transcript/7/9999/12/31")
    assert parse_ws_frame(b'{"r' + b"9" * 5000 + b'": {}}', "ws") == []
    with pytest.raises(ParseError):
        parse_events_response(b'{"events": [], "sync": 1e400}', "ev")


def test_a_card_whose_class_changed_raises_instead_of_vanishing() -> None:
    url = "https://chat.stackoverflow.com/rooms/info/501/tea-room"
    with pytest.raises(ParseError, match=r"id='user-77' class='user-card'.*\.usercard"):
        parse_room_info(
            ROOM_INFO.replace('id="user-77" class="usercard"', 'id="user-77" class="user-card"'),
            url,
        )
    with pytest.raises(ParseError, match=r"id='room-501'.*\.roomcard"):
        parse_user_profile(
            PROFILE.replace('class="roomcard frozen"', 'class="room frozen"'),
            "https://chat.stackoverflow.com/users/42/hatter",
        )


@pytest.mark.parametrize(
    ("shown", "garbled", "what"),
    [
        ("1:54 AM", "1:00", "01:00 earlier than the time shown before it"),
        ("1:58 AM", "1:00 PM", "13:00 outside the page's hours 01:00-02:00"),
    ],
)
def test_garbled_times_on_the_real_page_raise(
    transcript_html: bytes, shown: str, garbled: str, what: str
) -> None:
    """Once these moved 18 messages to the next day, or 10 messages to 13:00."""
    body = transcript_html.replace(f">{shown}<".encode(), f">{garbled}<".encode())
    assert body != transcript_html
    with pytest.raises(ParseError, match=what):
        parse_transcript(body, TRANSCRIPT_URL)
