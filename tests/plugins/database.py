"""Databases for tests: every storage test runs on SQLite and on PostgreSQL.

Fixtures:

* ``db_url`` — parametrized ``sqlite`` (a fresh SQLite file in ``tmp_path``) and ``postgres`` (a
  fresh schema, dropped afterwards, in the database named by ``CHATEXCHANGE_TEST_POSTGRES_URL``;
  ``.ci/run`` starts a throwaway server and sets it). The ``postgres`` case is skipped, with the
  reason shown by ``-ra``, only when no server is available.
* ``db_engine`` — ``chatexchange.store.open_engine(db_url)``, disposed after the test.

Engines a test opens itself on ``db_url`` should be disposed before it ends.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

POSTGRES_ENV = "CHATEXCHANGE_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[tuple[Any, str | None]]:
    """``(engine, None)`` for the test PostgreSQL server, or ``(None, why not)``."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        yield (
            None,
            (
                f"no PostgreSQL server: {POSTGRES_ENV} is not set "
                "(.ci/run starts one; or `source .ci/postgres.sh && start_postgres`)"
            ),
        )
        return
    sa_url = make_url(url)
    if sa_url.drivername in ("postgresql", "postgres"):
        sa_url = sa_url.set(drivername="postgresql+psycopg")
    engine = create_engine(sa_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        engine.dispose()
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        shown = sa_url.render_as_string(hide_password=True)
        yield None, f"no PostgreSQL server at {shown}: {reason}"
        return
    yield engine, None
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'archive.db'}"
        return
    admin, reason = request.getfixturevalue("postgres_admin")
    if admin is None:
        pytest.skip(reason)
    with postgres_schema(admin) as url:
        yield url


@contextmanager
def postgres_schema(admin: Any) -> Iterator[str]:
    """A fresh schema on the admin engine's server, dropped on exit; yields a URL that uses it."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = admin.url.update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def db_engine(db_url: str) -> Iterator[Any]:
    from chatexchange.store import open_engine

    engine = open_engine(db_url)
    yield engine
    engine.dispose()
