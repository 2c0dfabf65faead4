"""Sessions: the real favorite page, anonymous pages, and login pages."""

from __future__ import annotations

import pytest

from chatexchange._parser import parse_favorite, parse_login_page
from chatexchange.errors import ParseError

from .conftest import FAVORITE_URL

FKEY = "dc63b60f5ada11372b8ff63821d9bf24"


def test_real_favorite_page(favorite_html: bytes) -> None:
    session = parse_favorite(favorite_html, FAVORITE_URL)
    assert session.fkey == FKEY
    assert (session.user_id, session.user_name) == (1251, "Jeremy Banks Ψ")


def test_fkey_is_not_in_repr(favorite_html: bytes) -> None:
    session = parse_favorite(favorite_html, FAVORITE_URL)
    assert FKEY not in repr(session)


def test_anonymous_page_has_fkey_but_no_user() -> None:
    body = (
        "<html><head><title>Join</title></head><body><div class='topbar'>"
        "<span class='topbar-menu-links'><a href='/users/login?returnurl=%2f'>log in</a></span>"
        "</div><input id='fkey' name='fkey' type='hidden' value='abc123' /></body></html>"
    )
    session = parse_favorite(body, FAVORITE_URL)
    assert (session.fkey, session.user_id, session.user_name) == ("abc123", None, None)


def test_active_user_class_is_a_fallback() -> None:
    body = (
        "<html><body><div id='active-user' class='user-container user-77'></div>"
        "<input id='fkey' value='f00' /></body></html>"
    )
    assert parse_favorite(body, "u").user_id == 77


LOGIN_FKEY = "0123456789abcdef" * 4
LOGIN_PAGE = """<!DOCTYPE html><html><head><title>Log In - Stack Overflow</title></head><body>
<form id="login-form" class="d-flex" action="/users/login?ssrc=head" method="POST">
  <input type="hidden" name="fkey" value="LOGINFKEY">
  <input class="s-input" id="email" type="email" name="email">
  <input class="s-input" type="password" autocomplete="off" name="password" id="password">
  <button class="s-btn" id="submit-button" name="submit-button">Log in</button>
</form></body></html>""".replace("LOGINFKEY", LOGIN_FKEY)


def test_login_page_fkey() -> None:
    assert parse_login_page(LOGIN_PAGE, "https://stackoverflow.com/users/login") == LOGIN_FKEY


def test_login_page_where_a_chat_page_was_wanted() -> None:
    with pytest.raises(ParseError, match="login page") as info:
        parse_favorite(LOGIN_PAGE, FAVORITE_URL)
    assert info.value.url == FAVORITE_URL
    assert FAVORITE_URL in str(info.value)


def test_chat_page_where_the_login_page_was_wanted(favorite_html: bytes) -> None:
    with pytest.raises(ParseError, match="login form"):
        parse_login_page(favorite_html, "https://meta.stackexchange.com/users/login")


def test_login_form_without_fkey() -> None:
    body = LOGIN_PAGE.replace('name="fkey"', 'name="nothing"')
    with pytest.raises(ParseError, match="fkey"):
        parse_login_page(body, "https://stackoverflow.com/users/login")


def test_captcha_page() -> None:
    body = (
        "<html><head><title>Human verification - Stack Exchange</title></head><body>"
        "<form action='/nocaptcha'><div class='g-recaptcha'></div></form></body></html>"
    )
    with pytest.raises(ParseError, match="human-verification"):
        parse_favorite(body, FAVORITE_URL)
    with pytest.raises(ParseError, match="human-verification"):
        parse_login_page(body, "https://stackoverflow.com/users/login")


def test_page_without_fkey() -> None:
    body = "<html><head><title>Page Not Found</title></head><body><h1>Not found</h1></body></html>"
    with pytest.raises(ParseError, match=r"fkey.*'Page Not Found'"):
        parse_favorite(body, FAVORITE_URL)
