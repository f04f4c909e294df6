"""deploy/postgres/create-databases.sh, run for real against the test PostgreSQL server: one role and
one database per app, each role reaching only its own database, and enough for the app's own
migrations to run as that role. Runs in the PostgreSQL pass of `make test` (the server named by
STYRKEDJAN_TEST_POSTGRES_URL), under a random name prefix, and removes what it made."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from styrkedjan_common.db import connect_asyncpg
from tests.deploy.support import APPS, INIT_SCRIPT, ROOT, App, in_ci, tool

POSTGRES_ENV = "STYRKEDJAN_TEST_POSTGRES_URL"


def test_the_init_script_passes_shellcheck() -> None:
    result = subprocess.run([tool("shellcheck"), "--severity=style", str(INIT_SCRIPT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_shellcheck_does_flag_what_it_should(tmp_path: Path) -> None:
    bad = tmp_path / "bad.sh"
    bad.write_text("#!/bin/bash\nrm -rf $1/*\n", encoding="utf-8")
    result = subprocess.run([tool("shellcheck"), str(bad)], capture_output=True, text=True)
    assert result.returncode != 0 and "SC2086" in result.stdout


def admin_url() -> Any:
    from sqlalchemy.engine import make_url

    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"runs in the PostgreSQL pass of make test ({POSTGRES_ENV} is not set)")
    return make_url(url)


def psql() -> str:
    found = shutil.which("psql")
    if found is None:
        if in_ci():
            pytest.fail("psql is missing: .ci/run installs PostgreSQL with its client")
        pytest.skip("psql (PostgreSQL's client) is not installed")
    return found


@pytest.fixture(scope="module")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    url = admin_url()
    psql()
    prefix = f"sdtest_{uuid.uuid4().hex[:8]}_"
    secrets = tmp_path_factory.mktemp("secrets")
    # A quote and a backslash: the script must pass passwords as data, never as SQL.
    passwords = {app.database: f"pw'{app.database}\\{uuid.uuid4().hex[:6]}" for app in APPS}
    for name, password in passwords.items():
        (secrets / f"{name}_db_password").write_text(password + "\n", encoding="utf-8")
    env = os.environ | {
        "PGHOST": url.host or "127.0.0.1",
        "PGPORT": str(url.port or 5432),
        "POSTGRES_USER": url.username or "postgres",
        "POSTGRES_DB": url.database or "postgres",
        "STYRKEDJAN_SECRETS_DIR": str(secrets),
        "STYRKEDJAN_DB_PREFIX": prefix,
    }
    if url.password:
        env["PGPASSWORD"] = url.password
    state = {"url": url, "prefix": prefix, "passwords": passwords, "env": env, "runs": []}
    try:
        for _ in range(2):  # the second run proves it idempotent
            state["runs"].append(subprocess.run([str(INIT_SCRIPT)], env=env, capture_output=True, text=True, timeout=120))
        yield state
    finally:
        asyncio.run(_drop(url, prefix))


async def _drop(url: Any, prefix: str) -> None:
    connection = await connect_asyncpg(url)
    try:
        for app in APPS:
            name = f"{prefix}{app.database}"
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await connection.execute(f'DROP ROLE IF EXISTS "{name}"')
    finally:
        await connection.close()


def run(coroutine: Any) -> Any:
    return asyncio.run(coroutine)


async def _connect_as(state: dict[str, Any], app: App, database: str) -> None:
    role = f"{state['prefix']}{app.database}"
    url = state["url"].set(username=role, password=state["passwords"][app.database], database=database)
    connection = await connect_asyncpg(url, timeout=10)
    await connection.close()


def test_the_script_succeeds_twice(databases: dict[str, Any]) -> None:
    for result in databases["runs"]:
        assert result.returncode == 0, result.stderr
    assert databases["runs"][1].stdout.count("ready") == len(APPS)


def test_each_role_is_a_plain_login_owning_only_its_database(databases: dict[str, Any]) -> None:
    async def check() -> None:
        connection = await connect_asyncpg(databases["url"])
        try:
            for app in APPS:
                name = f"{databases['prefix']}{app.database}"
                role = await connection.fetchrow("SELECT * FROM pg_roles WHERE rolname = $1", name)
                assert role["rolcanlogin"]
                assert not any(role[k] for k in ("rolsuper", "rolcreatedb", "rolcreaterole", "rolreplication", "rolbypassrls"))
                owned = await connection.fetch(
                    "SELECT datname FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE r.rolname = $1", name
                )
                assert [r["datname"] for r in owned] == [name]
                public_connect = await connection.fetchval("SELECT has_database_privilege('public', $1, 'CONNECT')", name)
                assert public_connect is False
                members = await connection.fetchval(
                    "SELECT count(*) FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = $1", name
                )
                assert members == 0
        finally:
            await connection.close()

    run(check())


def test_a_role_reaches_its_own_database_and_no_other(databases: dict[str, Any]) -> None:
    import asyncpg

    prefix = databases["prefix"]
    for app in APPS:
        run(_connect_as(databases, app, f"{prefix}{app.database}"))
        for other in APPS:
            if other is not app:
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    run(_connect_as(databases, app, f"{prefix}{other.database}"))


def _migrate_all(databases: dict[str, Any]) -> None:
    """Each app's real `python -m <package> migrate`, connected as its own role."""
    from sqlalchemy.engine import URL

    from styrkedjan_common.identity import generate_private_key_pem, public_key_pem

    url = databases["url"]
    private = generate_private_key_pem()
    for app in APPS:
        name = f"{databases['prefix']}{app.database}"
        database_url = URL.create(
            "postgresql+asyncpg",
            username=name,
            password=databases["passwords"][app.database],
            host=url.host,
            port=url.port or 5432,
            database=name,
        ).render_as_string(hide_password=False)
        env = {k: v for k, v in os.environ.items() if not k.startswith(tuple(f"{a.prefix}_" for a in APPS))}
        env[f"{app.prefix}_DATABASE_URL"] = database_url
        if app.is_gateway:
            env |= {
                "GATEWAY_ASSERTION_PRIVATE_KEY": private,
                "GATEWAY_DEV_ISSUER_ENABLED": "true",
                "GATEWAY_DEV_ISSUER_PRIVATE_KEY": private,
            }
        else:
            env[f"{app.prefix}_ASSERTION_PUBLIC_KEYS"] = public_key_pem(private)
        result = subprocess.run(
            [sys.executable, "-m", app.module, "migrate"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=180
        )
        assert result.returncode == 0, f"{app.name}: {result.stderr[-2000:]}"


def test_each_app_migrates_its_database_as_its_own_role(databases: dict[str, Any]) -> None:
    _migrate_all(databases)
    url = databases["url"]

    async def tables_owned_by_the_role() -> None:
        for app in APPS:
            name = f"{databases['prefix']}{app.database}"
            connection = await connect_asyncpg(url.set(database=name))
            try:
                owners = await connection.fetch("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
                assert [r["tableowner"] for r in owners] == [name]
            finally:
                await connection.close()

    run(tables_owned_by_the_role())


def test_backup_and_restore_of_one_database_as_the_readme_says(databases: dict[str, Any], tmp_path: Path) -> None:
    """README, Operations: pg_dump in custom format; restore by recreating the empty database with
    the init script and pg_restore --no-owner --role=<the app's role>, so the role owns it again."""
    _migrate_all(databases)  # idempotent: whichever test runs first migrates
    for program in ("pg_dump", "pg_restore", "dropdb"):
        if shutil.which(program) is None:
            pytest.fail(f"{program} is missing") if in_ci() else pytest.skip(f"{program} is not installed")
    app = APPS[1]
    name = f"{databases['prefix']}{app.database}"
    env = databases["env"]
    admin = ["--username", env["POSTGRES_USER"]]
    dump = tmp_path / f"{name}.dump"

    async def revision() -> str:
        connection = await connect_asyncpg(databases["url"].set(database=name))
        try:
            return await connection.fetchval("SELECT version_num FROM alembic_version")
        finally:
            await connection.close()

    before = run(revision())
    subprocess.run(["pg_dump", *admin, "--format=custom", f"--file={dump}", name], env=env, check=True, timeout=120)
    subprocess.run(["dropdb", *admin, "--force", name], env=env, check=True, timeout=60)
    recreate = subprocess.run(
        [str(INIT_SCRIPT)], env=env | {"STYRKEDJAN_DATABASES": app.database}, capture_output=True, text=True, timeout=120
    )
    assert recreate.returncode == 0, recreate.stderr
    restored = subprocess.run(
        ["pg_restore", *admin, f"--dbname={name}", "--no-owner", f"--role={name}", "--exit-on-error", str(dump)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert restored.returncode == 0, restored.stderr
    assert run(revision()) == before

    async def owners() -> list[str]:
        connection = await connect_asyncpg(databases["url"].set(database=name))
        try:
            return [
                r["tableowner"] for r in await connection.fetch("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")
            ]
        finally:
            await connection.close()

    assert run(owners()) == [name]
    run(_connect_as(databases, app, name))
