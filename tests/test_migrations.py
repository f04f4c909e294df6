"""Every app's migrations run up from an empty database and all the way down again.

On the backend the suite runs on: SQLite files by default, PostgreSQL when
STYRKEDJAN_TEST_POSTGRES_URL is set (each run on a fresh database, dropped afterwards).
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import os
import subprocess
import sys

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import create_async_engine

from styrkedjan_common.migrations import downgrade, upgrade
from styrkedjan_common.testing import fresh_database
from tools.stack import APPS, ROOT, AppSpec


async def table_names(url: str) -> set[str]:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


async def alembic_revision(url: str) -> str | None:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            return (await connection.execute(text("SELECT version_num FROM alembic_version"))).scalar_one_or_none()
    finally:
        await engine.dispose()


@pytest.mark.parametrize("app", APPS, ids=[app.name for app in APPS])
def test_migrations_run_up_from_empty_and_down_again(app: AppSpec) -> None:
    migrations = importlib.import_module(f"{app.module}.__main__").MIGRATIONS
    metadata_tables = set(importlib.import_module(f"{app.module}.models").metadata.tables) if _has_models(app) else set()
    with fresh_database(f"mig_{app.database}") as url:
        assert asyncio.run(table_names(url)) == set()

        upgrade(migrations, url)
        after_upgrade = asyncio.run(table_names(url))
        assert "alembic_version" in after_upgrade
        assert after_upgrade - {"alembic_version"}, f"{app.name}: the migrations created no tables"
        assert metadata_tables <= after_upgrade, f"{app.name}: tables in the models but not migrated: {metadata_tables - after_upgrade}"
        assert asyncio.run(alembic_revision(url)) is not None

        downgrade(migrations, url)
        assert asyncio.run(table_names(url)) <= {"alembic_version"}, f"{app.name}: tables left after downgrading to base"

        upgrade(migrations, url)  # down must leave a database the migrations can build again
        assert asyncio.run(table_names(url)) == after_upgrade


def _has_models(app: AppSpec) -> bool:
    return importlib.util.find_spec(f"{app.module}.models") is not None


@pytest.mark.parametrize("app", APPS, ids=[app.name for app in APPS])
def test_the_migrate_command_needs_only_the_database_url(app: AppSpec) -> None:
    """Migration jobs run with the database URL alone: no keys, no identity-provider settings."""
    with fresh_database(f"cli_{app.database}") as url:
        env = {"PATH": os.environ.get("PATH", ""), f"{app.env_prefix}DATABASE_URL": url}
        result = subprocess.run([sys.executable, "-m", app.module, "migrate"], cwd=ROOT, env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        assert asyncio.run(alembic_revision(url)) is not None
