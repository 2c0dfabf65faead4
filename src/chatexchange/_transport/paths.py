"""The endpoint paths, under the transport's name: this very module is ``chatexchange._paths``
(the statement of each path lives there, below both HTTP stacks: the transport and the classic
``requests`` layer build URLs from it)."""

import sys

from .. import _paths

sys.modules[__name__] = _paths
