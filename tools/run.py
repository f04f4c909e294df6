"""Runs the whole system on one machine: migrate, seed the demo municipality, serve, seed the demo
year through the APIs, supervise.

    python -m tools.run [--port 8000] [--data-dir .data] [--postgres postgresql://postgres@127.0.0.1:5432] [--empty]

The demo year (tools/demo_year.py) is this year's goals, budget, internal control and follow-up,
made once; `--empty` leaves it out (and the follow-up calendar with it): only the demo
organisation and its users, to sign in with.

Every app runs as its own uvicorn process (as in production). A process that dies is restarted
with a growing delay; one that keeps dying stops the run. Ctrl-C stops everything.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import subprocess
import sys
import time
from pathlib import Path

from tools.demo_content import BOARDS
from tools.demo_year import DemoYearError
from tools.demo_year import seed as seed_demo_year
from tools.stack import APPS, GATEWAY, ROOT, SERVICES, Stack, stop

MAX_RESTARTS = 5
RESTART_WINDOW_SECONDS = 60.0


async def _ensure_postgres_databases(admin_url: str) -> dict[str, str]:
    from sqlalchemy.engine import make_url

    from styrkedjan_common.db import connect_asyncpg

    url = make_url(admin_url)
    connection = await connect_asyncpg(url)
    try:
        existing = {row["datname"] for row in await connection.fetch("SELECT datname FROM pg_database")}
        urls = {}
        for app in APPS:
            name = f"styrkedjan_{app.database}"
            if name not in existing:
                await connection.execute(f'CREATE DATABASE "{name}"')
            urls[app.name] = url.set(drivername="postgresql+asyncpg", database=name).render_as_string(hide_password=False)
        return urls
    finally:
        await connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8000, help="the gateway's port; services take the next four")
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".data")
    parser.add_argument("--postgres", help="a PostgreSQL server URL to use instead of SQLite files")
    parser.add_argument("--empty", action="store_true", help="the demo organisation and users only: no demo year, no calendar")
    args = parser.parse_args()

    postgres_urls = asyncio.run(_ensure_postgres_databases(args.postgres)) if args.postgres else None
    stack = Stack.create(args.data_dir, base_port=args.port, postgres_urls=postgres_urls)
    print("Migrating databases…", flush=True)
    for app in APPS:
        stack.migrate(app)
    stack.seed()
    if not args.empty:
        stack.seed_calendar()

    processes: dict[str, subprocess.Popen[bytes]] = {}
    restarts: dict[str, list[float]] = {app.name: [] for app in APPS}
    stopping = False

    def request_stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        for app in (*SERVICES, GATEWAY):  # the gateway last, so it finds the services' APIs at start
            processes[app.name] = stack.start(app)
            stack.wait_live(app, process=processes[app.name])
        if not args.empty:
            print("Seeding the demo year through the APIs…", flush=True)
            try:
                print(seed_demo_year(stack.url("gateway")).summary(), flush=True)
            except DemoYearError as error:  # the system still serves; only the demo content is missing
                print(f"The demo year was not seeded: {error}", file=sys.stderr, flush=True)
        chairs = "" if args.empty else f"Board chairs (the demo year's): {', '.join(b.chair for b in BOARDS)}\n"
        token_hint = f'curl -s -X POST {stack.url("gateway")}/api/auth/dev-token -d \'{{"subject": "kf.demo"}}\''
        data_dir = "" if args.data_dir.resolve() == (ROOT / ".data").resolve() else f" DATA_DIR={args.data_dir}"
        print(
            f"\nStyrkedjan is running at {stack.url('gateway')}  (API docs: {stack.url('gateway')}/docs)\n"
            f"Demo users: kf.demo, namnd.demo, forvaltning.demo, enhet.demo, revisor.demo, admin.demo\n"
            f"{chairs}"
            f"A token:    {token_hint}\n"
            f"       or:  make token SUBJECT=kf.demo{data_dir}\n"
            f"Ctrl-C stops everything.\n",
            flush=True,
        )
        while not stopping:
            time.sleep(0.5)
            for app in APPS:
                process = processes[app.name]
                if stopping or process.poll() is None:
                    continue
                now = time.monotonic()
                recent = [t for t in restarts[app.name] if now - t < RESTART_WINDOW_SECONDS]
                if len(recent) >= MAX_RESTARTS:
                    print(f"{app.name} keeps exiting (code {process.returncode}); stopping.", file=sys.stderr, flush=True)
                    stopping = True
                    break
                delay = 2 ** len(recent) * 0.5
                print(f"{app.name} exited with code {process.returncode}; restarting in {delay:.1f} s", file=sys.stderr, flush=True)
                time.sleep(delay)
                restarts[app.name] = [*recent, now]
                processes[app.name] = stack.start(app)
    finally:
        print("Stopping…", flush=True)
        for name in [GATEWAY.name, *(s.name for s in SERVICES)]:  # the gateway first: no new calls reach the services
            if name in processes:
                stop(processes[name])


if __name__ == "__main__":
    main()
