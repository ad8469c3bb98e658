"""Database fixtures: every test runs on a fresh SQLite file, and on PostgreSQL when
``MAINTASSIST_TEST_PG_URL`` points at a server (``scripts/start_postgres.sh`` starts one)."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from typing import Iterator

import pytest
from sqlalchemy import create_engine, text

PG_URL = os.environ.get("MAINTASSIST_TEST_PG_URL")


@contextmanager
def fresh_pg_database() -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database (dropped afterwards), so migrations start from empty."""
    if not PG_URL:
        pytest.skip("PostgreSQL tests need MAINTASSIST_TEST_PG_URL (start one with scripts/start_postgres.sh)")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'maintassist.db'}"
        return
    with fresh_pg_database() as url:
        yield url


@pytest.fixture
def engine(db_url):
    from assistant.db.session import make_engine, upgrade

    eng = make_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine):
    from assistant.db.session import session_factory

    return session_factory(engine)
