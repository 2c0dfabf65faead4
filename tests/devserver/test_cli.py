"""``python -m chatexchange.devserver`` in a subprocess, and where the server listens."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from chatexchange.devserver import DevServer, main

SEED = {
    "accounts": [{"email": "z@example.com", "password": "pw", "name": "Zed", "ids": {"so": 5}}],
    "rooms": {"so": [{"id": 42, "name": "Answer Room", "owners": [5]}]},
    "messages": {"so": [{"room": 42, "user": 5, "text": "seeded **text**", "time": -60}]},
}


def _main(*args: str) -> int:
    """The module's ``main`` in this process; argparse refusals exit with their status."""
    try:
        return main(list(args))
    except SystemExit as exc:
        return int(exc.code or 0)


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_module_serves_seed_and_generated_history(tmp_path: Path) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps(SEED))
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "chatexchange.devserver",
            "--port",
            "0",
            "--seed",
            str(seed),
            "--messages",
            "300",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Ctrl-C as in a terminal's foreground job, even when pytest runs as a background job
        # of a script and its children would inherit an ignored SIGINT.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        m = re.search(r"listening on (http://127\.0\.0\.1:(\d+))", line)
        assert m, line
        url = m.group(1)
        users = [proc.stdout.readline() for _ in range(4)]
        assert users[0].startswith("test users")
        assert "Alice: alice@example.com / alice-password (se 1 so 1001 mse 2001)" in users[1]
        assert b"seeded <b>text</b>" in _get(url + "/so/transcript/42")
        events = json.loads(
            urllib.request.urlopen(
                urllib.request.Request(
                    url + "/se/chats/100/events", data=b"mode=Messages&msgCount=500"
                ),
                timeout=10,
            ).read()
        )
        assert len(events["events"]) == 300
        assert b"Alice" in _get(url + "/se/users/1")  # the built-in test data is there too
    finally:
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0
    assert "Traceback" not in err and "Warning" not in err, err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seed", "/nonexistent/seed.json"], "No such file"),
        (["--throttle", "often"], "COUNT/SECONDS"),
        (["--throttle", "abc"], "COUNT/SECONDS"),
        (["--messages", "-5"], "not a message count"),
        (["--port", "70000"], "not a port (0-65535): '70000'"),
        (["--port", "-1"], "not a port"),
        (["--heartbeat", "abc"], "not a number of seconds"),
        (["--heartbeat", "0"], "not a number of seconds"),
        (["--no-such-option"], "unrecognized arguments"),
    ],
)
def test_bad_input_is_one_line_not_a_traceback(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _main("--port", "0", *args) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err


def test_malformed_seed_names_the_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed = tmp_path / "seed.json"
    seed.write_text(json.dumps({"rooms": {"se": [{"id": 1}]}}))
    assert _main("--port", "0", "--seed", str(seed)) == 2
    assert "malformed seed" in capsys.readouterr().err


def test_port_in_use_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        assert _main("--port", str(busy.getsockname()[1])) == 2
    assert "address already in use" in capsys.readouterr().err


async def test_listens_on_loopback_only_by_default() -> None:
    async with DevServer() as server:
        assert server.url.startswith("http://127.0.0.1:")
        bound = [s.getsockname()[0] for s in server._site._server.sockets]  # type: ignore[union-attr]
        assert bound == ["127.0.0.1"]
