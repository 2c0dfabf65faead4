"""The classic package's ``chatexchange.events``.

This very module is ``chatexchange.classic.events`` under its classic name (one module, two names:
classes, registries and monkeypatches are shared)."""

import sys

from .classic import events as _classic

sys.modules[__name__] = _classic
