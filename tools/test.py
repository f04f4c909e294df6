"""Runs the quality gates, then every app's tests and the whole-system tests on SQLite, then again on PostgreSQL.

The gates (formatting, lint and types, configured in the root pyproject.toml) run first; the tests
run whatever they say, and the run fails when any gate or test run does. PostgreSQL is used when STYRKEDJAN_TEST_POSTGRES_URL names a server or one answers on
127.0.0.1:5432; with --require-postgres or CI=true its absence is a failure. Extra arguments go to pytest.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from styrkedjan_common.testing import POSTGRES_ENV
from tools.stack import ROOT

DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
GATES = (
    ("formatting", ["ruff", "format", "--check", "."]),
    ("lint", ["ruff", "check", "."]),
    ("types", ["mypy"]),
)


async def _answers(url: str) -> bool:
    import asyncpg

    from styrkedjan_common.db import connect_asyncpg

    try:
        connection = await connect_asyncpg(url, timeout=3)
    except (TimeoutError, OSError, asyncpg.PostgresError):
        return False
    await connection.close()
    return True


def main() -> int:
    args = sys.argv[1:]
    # CI always includes PostgreSQL: there its absence is a failure, not a skip.
    require_postgres = "--require-postgres" in args or os.environ.get("CI") == "true"
    pytest_args = [a for a in args if a != "--require-postgres"]
    env = {k: v for k, v in os.environ.items() if k != POSTGRES_ENV}
    postgres = os.environ.get(POSTGRES_ENV) or DEFAULT_POSTGRES

    results: dict[str, int] = {}
    for name, command in GATES:
        print(f"== {name}: {' '.join(command)} ==", flush=True)
        results[name] = subprocess.run([sys.executable, "-m", *command], cwd=ROOT).returncode

    print("== tests on SQLite ==", flush=True)
    results["SQLite"] = subprocess.run([sys.executable, "-m", "pytest", *pytest_args], cwd=ROOT, env=env).returncode
    if asyncio.run(_answers(postgres)):
        print(f"== tests on PostgreSQL ({postgres.split('@')[-1]}) ==", flush=True)
        results["PostgreSQL"] = subprocess.run(
            [sys.executable, "-m", "pytest", *pytest_args], cwd=ROOT, env=env | {POSTGRES_ENV: postgres}
        ).returncode
    elif require_postgres:
        print(f"PostgreSQL is required but does not answer at {postgres}", file=sys.stderr)
        results["PostgreSQL"] = 1
    else:
        print("PostgreSQL not reachable: ran on SQLite only (set STYRKEDJAN_TEST_POSTGRES_URL)", flush=True)
    for step, code in results.items():
        print(f"{step}: {'passed' if code == 0 else f'FAILED (exit {code})'}")
    return 0 if all(code == 0 for code in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
