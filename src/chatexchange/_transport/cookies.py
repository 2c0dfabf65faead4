"""Saving and loading a session's cookies, so that a restarted bot does not log in again.

Frequent logins are what triggers captchas, so bots keep their cookies between runs. The
file is JSON (our own small format, not aiohttp's pickle of older versions), created with mode 0600
and replaced atomically; cookie values never reach logs, reprs or exception messages.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable
from email.utils import formatdate
from http.cookies import Morsel
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from yarl import URL

from .._files import write_private
from ..errors import ChatExchangeError

log = logging.getLogger("chatexchange.transport")

FORMAT = "chatexchange3-cookies"
VERSION = 1


def _host_only(jar: aiohttp.CookieJar) -> frozenset[tuple[str, str, str]]:
    keys: Iterable[tuple[str, str, str]] | None = getattr(jar, "host_only_cookies", None)
    if keys is None:  # aiohttp before 3.11 keeps them private
        keys = getattr(jar, "_host_only_cookies", ())
    return frozenset(keys)


def _expirations(jar: aiohttp.CookieJar) -> dict[tuple[str, str, str], float]:
    value = getattr(jar, "_expirations", None)
    return dict(value) if isinstance(value, dict) else {}


def dump_jar(jar: aiohttp.CookieJar) -> list[dict[str, Any]]:
    """Every cookie as a plain record: name, value, domain, path, flags and absolute expiry."""
    host_only = _host_only(jar)
    expiries = _expirations(jar)
    records = []
    for morsel in jar:
        domain = morsel["domain"]
        path = morsel["path"] or "/"
        key = (domain, path.rstrip("/"), morsel.key)
        records.append(
            {
                "name": morsel.key,
                "value": morsel.value,
                "coded_value": morsel.coded_value,
                "domain": domain,
                "path": path,
                "secure": bool(morsel["secure"]),
                "httponly": bool(morsel["httponly"]),
                "host_only": key in host_only,
                "expires": expiries.get(key),
            }
        )
    return records


def load_jar(jar: aiohttp.CookieJar, records: list[dict[str, Any]]) -> int:
    """Put saved records back into ``jar``, skipping expired ones; returns the count."""
    now = time.time()
    loaded = 0
    for rec in records:
        expires = rec.get("expires")
        if expires is not None and float(expires) <= now:
            continue
        morsel: Morsel[str] = Morsel()
        morsel.set(str(rec["name"]), str(rec["value"]), str(rec.get("coded_value") or rec["value"]))
        domain = str(rec["domain"])
        morsel["path"] = str(rec.get("path") or "/")
        if not rec.get("host_only"):
            morsel["domain"] = domain
        if rec.get("secure"):
            morsel["secure"] = True
        if rec.get("httponly"):
            morsel["httponly"] = True
        if expires is not None:
            morsel["expires"] = formatdate(float(expires), usegmt=True)
        scheme = "https" if rec.get("secure") else "http"
        jar.update_cookies({morsel.key: morsel}, URL.build(scheme=scheme, host=domain,
                                                         path=morsel["path"]))
        loaded += 1
    return loaded


def save_cookies(jar: aiohttp.CookieJar, path: str | os.PathLike[str], slug: str) -> int:
    """Write the jar to ``path`` (mode 0600, atomic replace); returns the number of cookies."""
    target = Path(path)
    records = dump_jar(jar)
    data = orjson.dumps({"format": FORMAT, "version": VERSION, "server": slug, "cookies": records})
    write_private(target, data)
    log.info("saved %d cookies for %s to %s", len(records), slug, target)
    return len(records)


def read_cookies(path: str | os.PathLike[str], slug: str) -> list[dict[str, Any]]:
    """The cookie records of a file written by :func:`save_cookies` for the same server."""
    target = Path(path)
    try:
        data = orjson.loads(target.read_bytes())
    except FileNotFoundError:
        raise
    except (OSError, orjson.JSONDecodeError) as exc:
        raise ChatExchangeError(f"cannot read cookie file {target}: {type(exc).__name__}") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ChatExchangeError(f"{target} is not a chatexchange3 cookie file")
    if data.get("server") != slug:
        raise ChatExchangeError(
            f"{target} holds cookies of server {data.get('server')!r}, not {slug!r}"
        )
    records = data.get("cookies")
    if not isinstance(records, list):
        raise ChatExchangeError(f"{target} has no cookie list")
    return records
