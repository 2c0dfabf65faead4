"""chatexchange3: Stack Exchange chat for bots that must be fast.

Heavy layers are imported on first use, so ``import chatexchange`` stays cheap and a program that
only uses the engine never loads aiohttp or SQLAlchemy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._coexist import ClassicPackageWarning, warn_if_classic_installed
from ._time import EPOCH, SUNSET
from ._version import __version__

if TYPE_CHECKING:
    from . import client as client
    from . import errors as errors
    from . import models as models
    from . import talk as talk
    from .bot import Bot as Bot
    from .client import AsyncClient as AsyncClient
    from .client import BlockingClient as BlockingClient
    from .event_types import EventType as EventType

_LAZY = {
    "AsyncClient": ("chatexchange.client", "AsyncClient"),
    "BlockingClient": ("chatexchange.client", "BlockingClient"),
    "Bot": ("chatexchange.bot", "Bot"),
    "EventType": ("chatexchange.event_types", "EventType"),
    # the classic package's top-level names (chatexchange.classic)
    "Client": ("chatexchange.classic.client", "Client"),
    "Browser": ("chatexchange.classic.browser", "Browser"),
}
_CLASSIC = {"events", "rooms", "messages", "users", "browser", "classic", "markdown_detector"}
_SUBMODULES = {"client", "models", "talk", "errors", "aio", "bot", "devserver"} | _CLASSIC

__all__ = [
    "EPOCH",
    "SUNSET",
    "AsyncClient",
    "BlockingClient",
    "Bot",
    "ClassicPackageWarning",
    "Browser",
    "Client",
    "EventType",
    "__version__",
    *sorted(_SUBMODULES),
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module, attr = _LAZY[name]
        value = getattr(importlib.import_module(module), attr)
    elif name in _SUBMODULES:
        value = importlib.import_module(f"chatexchange.{name}")
    else:
        raise AttributeError(f"module 'chatexchange' has no attribute {name!r}")
    globals()[name] = value
    return value


warn_if_classic_installed()
