"""The classic package's ``chatexchange.users``.

This very module is ``chatexchange.classic.users`` under its classic name (one module, two names:
classes, registries and monkeypatches are shared)."""

import sys

from .classic import users as _classic

sys.modules[__name__] = _classic
