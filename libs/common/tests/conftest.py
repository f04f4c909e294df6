"""Fixtures shared by the shared library's tests."""

import os
import uuid

import pytest

from styrkedjan_common.testing import POSTGRES_ENV, create_postgres_database, drop_postgres_database


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """An empty database on each backend; PostgreSQL only in the pass of make test that names a server."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'probe.db'}"
        return
    admin = os.environ.get(POSTGRES_ENV)
    if not admin:
        pytest.skip(f"runs in the PostgreSQL pass of make test ({POSTGRES_ENV} is not set)")
    name = f"probe_{uuid.uuid4().hex[:8]}"
    yield create_postgres_database(admin, name)
    drop_postgres_database(admin, name)
