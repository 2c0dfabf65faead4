"""The classic package's ``chatexchange._utils`` (``LazyFrom``, ``html_to_text``, ...).

This very module is ``chatexchange.classic._utils`` under its classic name."""

import sys

from .classic import _utils as _classic

sys.modules[__name__] = _classic
