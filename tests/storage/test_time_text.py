"""The batched upserts' own conversion of times on SQLite writes exactly what the column type
would (the canonical ``'YYYY-MM-DD HH:MM:SS.ffffff'`` of the UTC instant) and refuses what it
refuses."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import sqlite

from chatexchange.models import UTCDateTime
from chatexchange.store.upsert import _sqlite_time_text

_DIALECT = sqlite.dialect()
_COLUMN = UTCDateTime().dialect_impl(_DIALECT).bind_processor(_DIALECT)
_ZONES = st.sampled_from(
    [dt.UTC, dt.timezone(dt.timedelta(0)), dt.timezone(dt.timedelta(hours=5, minutes=30))]
    + [dt.timezone(dt.timedelta(hours=h)) for h in (-12, -1, 1, 14)]
)


@given(
    st.datetimes(
        min_value=dt.datetime(1000, 1, 2), max_value=dt.datetime(9999, 12, 30), timezones=_ZONES
    )
)
def test_the_fast_time_text_is_the_column_types(value: dt.datetime) -> None:
    assert _sqlite_time_text(value) == _COLUMN(value)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        _sqlite_time_text(dt.datetime(2020, 1, 1))
