"""Alembic, the same way for every app: async env, URL from settings or the caller, batch mode for SQLite.

Each app keeps its migrations inside its package (`<package>/migrations`) so that an installed
package (a container image) can migrate without the source tree.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from alembic import command, context
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from pydantic_settings import BaseSettings
from sqlalchemy import JSON, MetaData, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from styrkedjan_common.db import UTCDateTime

URL_ATTRIBUTE = "database_url"


def alembic_config(migrations_dir: Path, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.attributes[URL_ATTRIBUTE] = database_url
    return config


def upgrade(migrations_dir: Path, database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(migrations_dir, database_url), revision)


def downgrade(migrations_dir: Path, database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(migrations_dir, database_url), revision)


def _render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render our portable column types as plain SQLAlchemy, so migrations never import app code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, JSON) and "postgresql" in getattr(obj, "_variant_mapping", {}):
        autogen_context.imports.add("from sqlalchemy.dialects import postgresql")
        return "sa.JSON().with_variant(postgresql.JSONB(), 'postgresql')"
    return False


def _do_run(connection: Connection, metadata: MetaData) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async(url: str, metadata: MetaData) -> None:
    engine = create_async_engine(url, poolclass=pool.NullPool)
    async with engine.connect() as connection:
        await connection.run_sync(_do_run, metadata)
    await engine.dispose()


def run_env(metadata: MetaData, default_url: Callable[[], str]) -> None:
    """Body of every app's `env.py`; `default_url` is a callable reading the app's settings."""
    url = context.config.attributes.get(URL_ATTRIBUTE) or context.config.get_main_option("sqlalchemy.url") or default_url()
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=metadata, literal_binds=True, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_async(url, metadata))


def database_url_of(settings_class: type[BaseSettings]) -> str:
    """Only the database URL from the environment (or the settings' default): a migration needs
    nothing else, so a migration job does not have to hold the app's keys."""
    name = f"{settings_class.model_config.get('env_prefix', '')}DATABASE_URL".upper()
    for key, value in os.environ.items():
        if key.upper() == name:  # pydantic-settings reads names case-insensitively too
            return value
    default: str = settings_class.model_fields["database_url"].default
    return default


def migration_cli(migrations_dir: Path, default_url: Callable[[], str], prog: str) -> None:
    """`python -m <app> migrate [upgrade|downgrade] [revision]`: run once per deploy."""
    parser = argparse.ArgumentParser(prog=prog)
    parser.add_argument("command", choices=["migrate"])
    parser.add_argument("direction", nargs="?", choices=["upgrade", "downgrade"], default="upgrade")
    parser.add_argument("revision", nargs="?", default=None)
    args = parser.parse_args()
    url = default_url()
    if args.direction == "upgrade":
        upgrade(migrations_dir, url, args.revision or "head")
    else:
        downgrade(migrations_dir, url, args.revision or "-1")
