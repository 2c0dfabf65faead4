"""The end-to-end fixtures (a devserver with a generated room, running commands) for every CLI test
module."""

from .test_end_to_end import history, lines  # noqa: F401 - fixtures shared with other modules
