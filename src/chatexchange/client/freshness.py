"""The cache rule of every lookup: the seed README's ``desired_max_age`` / ``required_max_age``.

1. A local row updated within ``desired_max_age`` seconds is returned without any request.
2. Otherwise the row is fetched from the server (and stored).
3. If that fetch fails and the local row was updated within ``required_max_age`` seconds, the local
   row is returned and a warning is logged.
4. Otherwise the error is raised: the fetch's own error when there is no local row at all,
   :class:`~chatexchange.errors.StaleDataError` (caused by it) when there is one that is too old.

"The server says it does not exist / you may not see it" (``NotFoundError``, ``AccessDeniedError``)
is an answer, not a failure: it is raised even when an old local row exists, because returning the
row would hide a deletion. Ages are seconds and "within" is strict: ``0`` means "always ask",
``math.inf`` "any age will do".
"""

from __future__ import annotations

import logging
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from .. import errors

__all__ = ["DEFAULT", "Freshness", "age_seconds", "resolve"]

log = logging.getLogger("chatexchange.client.freshness")

T = TypeVar("T")

#: Errors that mean "the server answered, and the answer is no": never papered over by a stale row.
AUTHORITATIVE: tuple[type[BaseException], ...] = (
    errors.NotFoundError,
    errors.AccessDeniedError,
    errors.AuthRequiredError,
    errors.LoginError,
)


@dataclass(frozen=True, slots=True)
class Freshness:
    """A pair of ages in seconds. ``desired`` ≤ ``required`` is usual but not enforced."""

    desired_max_age: float = 60.0
    required_max_age: float = math.inf

    def override(
        self, desired_max_age: float | None = None, required_max_age: float | None = None
    ) -> Freshness:
        """These ages with any explicitly given per-call value replacing the default."""
        return Freshness(
            self.desired_max_age if desired_max_age is None else _check(desired_max_age),
            self.required_max_age if required_max_age is None else _check(required_max_age),
        )


def _check(age: float) -> float:
    age = float(age)
    if math.isnan(age) or age < 0:
        raise ValueError(f"a max age must be a non-negative number of seconds, got {age!r}")
    return age


#: The client's defaults: a minute is fresh, and any local row beats an error.
DEFAULT = Freshness()


def age_seconds(updated: datetime | None, now: datetime) -> float:
    """How old a row updated at ``updated`` is at ``now`` (infinite for a row never updated)."""
    if updated is None:
        return math.inf
    return max(0.0, (now - updated).total_seconds())


async def resolve(
    what: str,
    local: T | None,
    updated: datetime | None,
    fetch: Callable[[], Awaitable[T]],
    freshness: Freshness,
    now: datetime,
) -> T:
    """Apply the rule to one lookup.

    ``local`` is the row found in the archive (``None`` when there is none) and ``updated`` its
    ``meta_updated``; ``fetch`` requests and stores the remote value. ``what`` names the object in
    warnings and errors (it must never contain secrets).
    """
    age = age_seconds(updated, now) if local is not None else math.inf
    if local is not None and age < freshness.desired_max_age:
        return local
    try:
        return await fetch()
    except AUTHORITATIVE:
        raise
    except errors.ChatExchangeError as error:
        if local is None:
            raise
        if age < freshness.required_max_age:
            log.warning(
                "could not refresh %s (%s: %s); using the archived copy from %.0f s ago",
                what,
                type(error).__name__,
                error,
                age,
            )
            return local
        raise errors.StaleDataError(
            f"could not refresh {what} ({type(error).__name__}: {error}) and the archived copy is "
            f"{age:.0f} s old, more than required_max_age={freshness.required_max_age:g} s"
        ) from error
