"""The classic package's ``chatexchange.browser``.

This very module is ``chatexchange.classic.browser`` under its classic name (one module, two names:
classes, registries and monkeypatches are shared)."""

import sys

from .classic import browser as _classic

sys.modules[__name__] = _classic
