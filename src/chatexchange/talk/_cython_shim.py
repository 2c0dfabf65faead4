"""The few ``cython`` names the engine's sources use, for running them as plain Python.

Cython is a build dependency only. A compiled module never executes this file (``import cython``
is resolved at compile time); a pure run imports the real ``cython`` shadow module when it is
installed and this one otherwise. Both say ``compiled = False``.
"""

from __future__ import annotations

compiled = False
