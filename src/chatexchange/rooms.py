"""The classic package's ``chatexchange.rooms``.

This very module is ``chatexchange.classic.rooms`` under its classic name (one module, two names:
classes, registries and monkeypatches are shared)."""

import sys

from .classic import rooms as _classic

sys.modules[__name__] = _classic
