"""The classic package's ``chatexchange.messages``.

This very module is ``chatexchange.classic.messages`` under its classic name (one module, two names:
classes, registries and monkeypatches are shared)."""

import sys

from .classic import messages as _classic

sys.modules[__name__] = _classic
