"""One clear warning when the classic ``ChatExchange`` distribution is installed beside us.

Both distributions claim the import name ``chatexchange``; whichever pip installed last wrote its
files over the other's, so a bot may run a mix of the two. Checked at ``import chatexchange`` by
listing the ``sys.path`` directories for the classic distribution's metadata (``ChatExchange-*``
``.dist-info``/``.egg-info``/``.egg-link``, or an editable install's ``__editable__`` file): a
directory listing each, no ``importlib.metadata`` (it would double the import time).
"""

from __future__ import annotations

import os
import re
import sys
import warnings

__all__ = ["ClassicPackageWarning", "classic_distributions", "warn_if_classic_installed"]

_METADATA = re.compile(
    r"^(?:chatexchange(?:-[^-]+)?\.(?:dist-info|egg-info|egg-link)"
    r"|__editable__\.chatexchange-[^-]+(?:\.pth|_finder\.py))$",
    re.IGNORECASE,
)


class ClassicPackageWarning(UserWarning):
    """The classic ``ChatExchange`` distribution is installed in the same environment."""


def classic_distributions(paths: list[str] | None = None) -> list[str]:
    """Paths of the classic distribution's metadata found on ``sys.path`` (or ``paths``)."""
    found: list[str] = []
    for directory in dict.fromkeys(sys.path if paths is None else paths):
        try:
            names = os.listdir(directory or ".")
        except OSError:  # not a directory (a zip), or gone
            continue
        found.extend(os.path.join(directory, n) for n in names if _METADATA.match(n))
    return found


def warn_if_classic_installed() -> None:
    found = classic_distributions()
    if found:
        warnings.warn(
            "the classic 'ChatExchange' distribution is installed beside chatexchange3 "
            f"({found[0]}); both provide the import name 'chatexchange', so the files of "
            "the one installed last replaced the other's. Run: pip uninstall ChatExchange, "
            "then pip install --force-reinstall chatexchange3",
            ClassicPackageWarning,
            stacklevel=3,
        )
