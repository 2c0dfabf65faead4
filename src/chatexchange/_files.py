"""Writing files that hold secrets (cookies, sessions): private and all-or-nothing.

Below both HTTP stacks, so the aiohttp transport and the classic layer save their cookies the
same way.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["write_private"]


def write_private(target: Path, data: bytes) -> None:
    """Replace ``target`` with ``data`` atomically; the file has mode 0600 (mkstemp's).

    A reader sees the old file or the new one, never a half-written one, even after a crash: the
    data reaches the disk before the rename.
    """
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}-", dir=directory)  # created with mode 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
