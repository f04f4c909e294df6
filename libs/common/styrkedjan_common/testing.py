"""Test support shared by every app's suite: databases on SQLite or PostgreSQL, keys, assertions.

The same suite runs on SQLite (default) and on PostgreSQL when STYRKEDJAN_TEST_POSTGRES_URL
names a server (e.g. postgresql://postgres@127.0.0.1:5432); each run gets fresh databases.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, delete
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from styrkedjan_common.identity import ALL_UNITS, AssertionSigner, Assignment, Principal, Role, generate_private_key_pem, public_key_pem

POSTGRES_ENV = "STYRKEDJAN_TEST_POSTGRES_URL"
ASSERTION_ISSUER = "styrkedjan-gateway"


def postgres_admin_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


def _asyncpg_url(admin_url: str, database: str) -> str:
    return make_url(admin_url).set(drivername="postgresql+asyncpg", database=database).render_as_string(hide_password=False)


async def _admin(admin_url: str, statement: str) -> None:
    import asyncpg

    url = make_url(admin_url)
    connection = await asyncpg.connect(
        host=url.host or "127.0.0.1", port=url.port or 5432, user=url.username or "postgres",
        password=url.password, database=url.database or "postgres",
    )
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


def create_postgres_database(admin_url: str, name: str) -> str:
    asyncio.run(_admin(admin_url, f'CREATE DATABASE "{name}"'))
    return _asyncpg_url(admin_url, name)


def drop_postgres_database(admin_url: str, name: str) -> None:
    asyncio.run(_admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def fresh_database(label: str) -> Iterator[str]:
    """A new, empty database for one test session: PostgreSQL when configured, else a SQLite file."""
    admin_url = postgres_admin_url()
    if admin_url:
        name = f"test_{label}_{uuid.uuid4().hex[:10]}"
        url = create_postgres_database(admin_url, name)
        try:
            yield url
        finally:
            drop_postgres_database(admin_url, name)
    else:
        with tempfile.TemporaryDirectory(prefix=f"styrkedjan-{label}-") as folder:
            yield f"sqlite+aiosqlite:///{Path(folder) / (label + '.db')}"


async def truncate_all(engine: AsyncEngine, metadata: MetaData) -> None:
    """Empty every table between tests; cheaper than a new database and works on both backends."""
    async with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            await connection.execute(delete(table))


@asynccontextmanager
async def running(app: Any) -> AsyncIterator[Any]:
    """Run the app's lifespan around a block."""
    async with app.router.lifespan_context(app):
        yield app


@dataclass
class TestKeys:
    private_pem: str
    public_pem: str

    @classmethod
    def generate(cls) -> "TestKeys":
        private = generate_private_key_pem()
        return cls(private, public_key_pem(private))

    def signer(self, ttl_seconds: int = 60) -> AssertionSigner:
        return AssertionSigner(self.private_pem, ASSERTION_ISSUER, ttl_seconds)


def principal(role: Role, org_unit_id: str | uuid.UUID = "root", scope: list[str] | str | None = ALL_UNITS, user_id: str | None = None) -> Principal:
    """A caller holding one role; scope "*" is the whole municipality, else the listed unit ids."""
    unit = str(org_unit_id)
    covered = None if scope == ALL_UNITS else frozenset([unit, *(str(s) for s in (scope or []))])
    return Principal(
        user_id=user_id or f"user-{role.value}",
        name=f"Test {role.value}",
        assignments=(Assignment(role=role, org_unit_id=unit, scope=covered),),
    )


def assertion_headers(keys: TestKeys, audience: str, who: Principal) -> dict[str, str]:
    token, _ = keys.signer().sign(who, audience)
    return {"x-identity-assertion": token}


def service_test_fixtures(
    *, label: str, audience: str, create_app: Any, settings_factory: Any, migrations_dir: Path, metadata: MetaData
) -> tuple[Any, ...]:
    """The fixtures every service's suite needs; assign them to names in the suite's conftest:

        keys, database_url, app, client, as_role = service_test_fixtures(...)
    """
    import httpx
    import pytest

    from styrkedjan_common.migrations import upgrade

    @pytest.fixture(scope="session")
    def keys() -> TestKeys:
        return TestKeys.generate()

    @pytest.fixture(scope="session")
    def database_url() -> Iterator[str]:
        with fresh_database(label) as url:
            upgrade(migrations_dir, url)
            yield url

    @pytest.fixture(scope="session")
    async def app(database_url: str, keys: TestKeys) -> AsyncIterator[Any]:
        settings = settings_factory(database_url=database_url, assertion_public_keys=keys.public_pem, environment="test", log_level="WARNING")
        application = create_app(settings)
        async with running(application):
            yield application

    @pytest.fixture
    async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service") as http:
            yield http
        await truncate_all(app.state.engine, metadata)

    @pytest.fixture
    def as_role(keys: TestKeys) -> Any:
        def make(role: Role, org_unit_id: str | uuid.UUID = "root", scope: list[str] | str | None = ALL_UNITS, user_id: str | None = None) -> dict[str, str]:
            return assertion_headers(keys, audience, principal(role, org_unit_id, scope, user_id))

        return make

    return keys, database_url, app, client, as_role
