"""The event loop every runner of the package starts: uvloop where the platform has it (Linux and
macOS on CPython), else asyncio's own. A small module of its own so that the command line can use
it without loading the client."""

from __future__ import annotations

import asyncio

__all__ = ["new_event_loop"]


def new_event_loop() -> asyncio.AbstractEventLoop:
    """A uvloop loop where the platform has uvloop, else the default asyncio loop."""
    try:
        import uvloop
    except ImportError:  # Windows, PyPy: plain asyncio
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()
