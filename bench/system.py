"""The whole system for a benchmark: every app its own uvicorn process on fresh PostgreSQL
databases, migrated and seeded with the demo directory, as in production; the processes stopped
and the databases dropped at the end, whatever happened."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from subprocess import Popen
from typing import Any

from styrkedjan_common.testing import create_postgres_database, drop_postgres_database
from tools.stack import APPS, GATEWAY, SERVICES, Stack, stop


@contextmanager
def system_on_postgres(admin_url: str, label: str, **stack_options: Any) -> Iterator[tuple[Stack, dict[str, int]]]:
    """The running stack and each app's process id; `label` names the databases and the folder of
    the apps' logs, `stack_options` go to the Stack (log_level, extra_env, ...)."""
    suffix = uuid.uuid4().hex[:8]
    databases = {app.name: f"{label}_{app.database}_{suffix}" for app in APPS}
    urls = {name: create_postgres_database(admin_url, db) for name, db in databases.items()}
    processes: dict[str, Popen[bytes]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix=f"styrkedjan-{label}-") as folder:
            stack = Stack.create(Path(folder), postgres_urls=urls, log_format="json", **stack_options)
            for app in APPS:
                stack.migrate(app)
            stack.seed()
            for app in (*SERVICES, GATEWAY):  # the gateway last, so it finds the services' APIs
                processes[app.name] = stack.start(app, log_file=Path(folder) / f"{app.name}.log")
                stack.wait_live(app, process=processes[app.name])
            yield stack, {name: process.pid for name, process in processes.items()}
    finally:
        for process in reversed(list(processes.values())):
            stop(process)
        for db in databases.values():
            drop_postgres_database(admin_url, db)
