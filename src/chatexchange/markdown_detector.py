"""The classic package's ``chatexchange.markdown_detector``.

This very module is ``chatexchange.classic.markdown_detector`` under its classic name."""

import sys

from .classic import markdown_detector as _classic

sys.modules[__name__] = _classic
