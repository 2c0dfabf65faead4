"""Bodies cut short on the wire: retried for reads, a network error otherwise, never a short page.

A raw loopback server answers with exactly the bytes each test scripts and then closes the
connection, which is how a proxy or a dying server cuts an answer: a ``Content-Length`` larger
than what arrives, a chunked body without its last chunk, or an HTML page that just stops.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from chatexchange import errors
from chatexchange._transport import ServerConnection

PAGE = (
    b"<!DOCTYPE html><html><head><title>Sandbox | room info</title></head><body>"
    b"<div id='content'>Sandbox</div></body></html>"
)


def _answer(headers: str, body: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n" + (
        headers.encode() + b"\r\n" + body
    )


CUT = {
    "content-length": _answer(
        f"Content-Length: {len(PAGE)}\r\nConnection: close\r\n", PAGE[: len(PAGE) // 2]
    ),
    "chunked": _answer(
        "Transfer-Encoding: chunked\r\nConnection: close\r\n",
        b"%x\r\n" % (len(PAGE) // 2) + PAGE[: len(PAGE) // 2] + b"\r\n",
    ),
    "connection-close": _answer("Connection: close\r\n", PAGE[: len(PAGE) // 2]),
}
WHOLE = _answer("Connection: close\r\n", PAGE)


class Wire:
    """Answers request k with ``answers[k]`` (the last one repeats), counting requests."""

    def __init__(self, answers: list[bytes]) -> None:
        self.answers = answers
        self.requests = 0
        self.server: asyncio.AbstractServer | None = None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        if length:
            await reader.readexactly(length)
        answer = self.answers[min(self.requests, len(self.answers) - 1)]
        self.requests += 1
        writer.write(answer)
        await writer.drain()
        writer.close()

    @property
    def url(self) -> str:
        assert self.server is not None
        port = self.server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"


@pytest.fixture
async def wire() -> AsyncIterator[Wire]:
    w = Wire([WHOLE])
    w.server = await asyncio.start_server(w.handle, "127.0.0.1", 0)
    yield w
    w.server.close()
    await w.server.wait_closed()


@pytest.mark.parametrize("how", sorted(CUT))
async def test_a_read_cut_short_is_retried_then_a_network_error(wire: Wire, how: str) -> None:
    wire.answers = [CUT[how]]
    async with ServerConnection("se", server_url=wire.url, retries=2) as conn:
        conn.http.retry_pause = 0
        with pytest.raises(errors.ConnectionLostError, match="cut short") as info:
            await conn.get_page("/rooms/info/1")
    assert isinstance(info.value, errors.ChatExchangeError)
    assert wire.requests == 3


@pytest.mark.parametrize("how", sorted(CUT))
async def test_a_read_cut_short_once_succeeds_on_retry(wire: Wire, how: str) -> None:
    wire.answers = [CUT[how], WHOLE]
    async with ServerConnection("se", server_url=wire.url, retries=2) as conn:
        conn.http.retry_pause = 0
        assert await conn.get_page("/rooms/info/1") == PAGE
    assert wire.requests == 2


@pytest.mark.parametrize("how", sorted(CUT))
async def test_a_write_cut_short_is_not_repeated(wire: Wire, how: str) -> None:
    wire.answers = [CUT[how]]
    async with ServerConnection("se", server_url=wire.url, retries=2) as conn:
        with pytest.raises(errors.ConnectionLostError, match="cut short"):
            await conn.http.request("POST", wire.url + "/messages/1/star", data={"fkey": "x"})
    assert wire.requests == 1, "the server may have acted on it: a write is never sent twice"


async def test_a_fragment_without_html_end_is_not_a_cut_page(wire: Wire) -> None:
    """Only whole documents must end with ``</html>``: ``/message/<id>`` answers a fragment."""
    wire.answers = [_answer("Connection: close\r\n", b"<div class='full'>a<br>b</div>")]
    async with ServerConnection("se", server_url=wire.url, retries=0) as conn:
        assert await conn.get_page("/message/5") == b"<div class='full'>a<br>b</div>"


async def test_a_refusal_answered_with_200_keeps_the_servers_text(devserver, alice) -> None:
    text = "The room does not exist, or you do not have permission"
    devserver.fail(r"/messages/new$", status=200, body=text)
    with pytest.raises(errors.AccessDeniedError, match="you do not have permission"):
        await alice.send(1, "hello")
