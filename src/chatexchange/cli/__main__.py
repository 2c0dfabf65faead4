"""``python -m chatexchange.cli``: the same as the ``chatexchange`` console script."""

import sys

from . import main

sys.exit(main())
