"""The whole system as real processes for the cross-service tests.

One session starts the five apps as uvicorn processes on free ports with a temporary data folder
(SQLite files, or one fresh PostgreSQL database per app when STYRKEDJAN_TEST_POSTGRES_URL is set),
migrates them, seeds the demo municipality and mints a token per demo user. Every process is
stopped at the end, whatever happened; the apps' logs are written to files in the data folder and
their tails are attached to the report of any failing test.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from styrkedjan_common.identity import AssertionSigner, Principal
from styrkedjan_common.testing import ASSERTION_ISSUER, create_postgres_database, drop_postgres_database, postgres_admin_url
from tests.support import VISIONS
from tools.stack import APPS, GATEWAY, SERVICES, Stack, stop

# subject -> the role the demo seed gives them
DEMO_USERS = {
    "kf.demo": "fullmaktige",
    "namnd.demo": "namnd",
    "forvaltning.demo": "forvaltning",
    "enhet.demo": "enhet",
    "revisor.demo": "revisor",
    "admin.demo": "admin",
}
APP_BY_NAME = {app.name: app for app in APPS}
LOG_TAIL_LINES = 40
TEST_POOL_SIZE = 5


@dataclass
class System:
    """The running system: its stack, processes, logs and a token per demo user."""

    stack: Stack
    log_dir: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    demo_users: dict[str, str] = field(default_factory=lambda: dict(DEMO_USERS))

    @property
    def gateway_url(self) -> str:
        return self.stack.url("gateway")

    def log_file(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def start(self, name: str) -> None:
        app = APP_BY_NAME[name]
        self.processes[name] = self.stack.start(app, log_file=self.log_file(name))
        self.stack.wait_live(app, process=self.processes[name])

    def stop(self, name: str) -> None:
        process = self.processes.get(name)
        if process is not None:
            stop(process)

    def client(self, subject: str | None = None, **kwargs: Any) -> httpx.Client:
        """A client for the gateway, signed in as a demo user when `subject` is given."""
        headers = {"Authorization": f"Bearer {self.tokens[subject]}"} if subject else {}
        return httpx.Client(base_url=self.gateway_url, headers=headers | kwargs.pop("headers", {}), timeout=15, **kwargs)

    def assertion_signer(self) -> AssertionSigner:
        """Signs with the gateway's real assertion key: what only the gateway should be able to do."""
        return AssertionSigner(self.stack.keys.assertion_private.read_text(), ASSERTION_ISSUER)

    def assertion(self, audience: str, who: Principal) -> str:
        return self.assertion_signer().sign(who, audience)[0]

    def direct(self, service: str, who: Principal) -> httpx.Client:
        """A client for one service called directly (not through the gateway), as `who`: with an
        assertion the gateway's key signs, as the gateway would send it."""
        headers = {"x-identity-assertion": self.assertion(service, who)}
        return httpx.Client(base_url=self.stack.url(service), headers=headers, timeout=15)

    def ready(self, service: str) -> dict[str, Any]:
        """The service's /readyz answer: its status and its replica of the directory."""
        response = httpx.get(self.stack.url(service) + "/readyz", timeout=5)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def log_tails(self, lines: int = LOG_TAIL_LINES) -> str:
        parts = []
        for app in APPS:
            path = self.log_file(app.name)
            if path.exists():
                tail = path.read_text(errors="replace").splitlines()[-lines:]
                parts.append(f"----- {app.name} ({path}) -----\n" + "\n".join(tail))
        return "\n".join(parts)


def _postgres_databases(admin_url: str) -> dict[str, tuple[str, str]]:
    """app name -> (database name, SQLAlchemy URL); fresh, uniquely named databases."""
    suffix = uuid.uuid4().hex[:8]
    created: dict[str, tuple[str, str]] = {}
    try:
        for app in APPS:
            name = f"systest_{app.database}_{suffix}"
            created[app.name] = (name, create_postgres_database(admin_url, name))
    except Exception:
        for name, _ in created.values():
            drop_postgres_database(admin_url, name)
        raise
    return created


def _start(system: System) -> None:
    stack = system.stack
    # Each app has its own database, so they migrate side by side.
    with ThreadPoolExecutor(len(APPS)) as pool:
        list(pool.map(stack.migrate, APPS))
    stack.seed()
    for app in SERVICES:  # processes start side by side; the gateway last, so it finds the services' APIs
        system.processes[app.name] = stack.start(app, log_file=system.log_file(app.name))
    for app in SERVICES:
        stack.wait_live(app, process=system.processes[app.name])
    system.start(GATEWAY.name)
    with httpx.Client(base_url=system.gateway_url, timeout=15) as http:
        for subject in DEMO_USERS:
            response = http.post("/api/auth/dev-token", json={"subject": subject})
            response.raise_for_status()
            system.tokens[subject] = response.json()["access_token"]


@contextmanager
def running_system(data_dir: Path, **stack_options: Any) -> Iterator[System]:
    """A whole system of its own in `data_dir`, stopped (and its PostgreSQL databases dropped) on
    leaving; `stack_options` go to the Stack (e.g. extra_env, directory_sync_interval_seconds)."""
    log_dir = data_dir / "logs"
    log_dir.mkdir()
    # Three systems may run at once (the shared one, the replica tests' and a module's own), five
    # apps each, beside the app suites' pools: a small pool per app keeps them within PostgreSQL's clients.
    extra_env = stack_options.pop("extra_env", {})
    # The tests never reach Kolada: without its address a sync is refused (409), files still import.
    offline = {"goals": {"GOALS_KOLADA_BASE_URL": ""}}
    stack_options["extra_env"] = {
        app.name: {f"{app.env_prefix}DATABASE_POOL_SIZE": str(TEST_POOL_SIZE)} | offline.get(app.name, {}) | extra_env.get(app.name, {})
        for app in APPS
    }
    admin_url = postgres_admin_url()
    databases = _postgres_databases(admin_url) if admin_url else {}
    system: System | None = None
    try:
        stack = Stack.create(
            data_dir, postgres_urls={name: url for name, (_, url) in databases.items()} or None, log_format="json", **stack_options
        )
        system = System(stack, log_dir)
        try:
            _start(system)
        except BaseException:
            print(f"\nthe system did not start; logs in {log_dir}:\n{system.log_tails()}")
            raise
        yield system
    finally:
        if system is not None:
            # The gateway first, so no new calls reach the services.
            for name in [GATEWAY.name, *(s.name for s in SERVICES)]:
                system.stop(name)
        if admin_url:
            for name, _ in databases.values():
                drop_postgres_database(admin_url, name)


@pytest.fixture(scope="session")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    with running_system(tmp_path_factory.mktemp("styrkedjan")) as system:
        yield system


@pytest.fixture(scope="module")
def own_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """A system for one module alone: for tests whose many writes would change what the shared one's tests expect."""
    with running_system(tmp_path_factory.mktemp("styrkedjan-own")) as system:
        yield system


# The system of the directory-replica tests: followup and internal control read the directory's
# feed every second, goals and budget only when they meet an org unit they do not know (their
# interval is longer than any test), so a test can tell the two ways a unit reaches a service apart.
REPLICA_SYNC_SECONDS = {"goals": 3600.0, "budget": 3600.0, "followup": 1.0, "internal-control": 1.0}


@pytest.fixture(scope="session")
def replica_system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """A system of its own for the tests that write the directory (new boards, closed ones, machine
    clients) or stop the gateway: the shared one's tests rely on the demo organisation as it is."""
    extra_env = {app.name: {f"{app.env_prefix}DIRECTORY_SYNC_INTERVAL_SECONDS": str(REPLICA_SYNC_SECONDS[app.name])} for app in SERVICES}
    with running_system(tmp_path_factory.mktemp("styrkedjan-replica"), extra_env=extra_env) as system:
        yield system


@pytest.fixture(scope="session")
def openapi(system: System) -> dict[str, Any]:
    with system.client() as http:
        response = http.get("/openapi.json")
    response.raise_for_status()
    return response.json()


@pytest.fixture
def kf(system: System) -> Iterator[httpx.Client]:
    with system.client("kf.demo") as http:
        yield http


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    funcargs = getattr(item, "funcargs", {})
    system = funcargs.get("system") or funcargs.get("own_system") or funcargs.get("replica_system")
    if report.failed and isinstance(system, System):
        report.sections.append(("styrkedjan app logs (tails)", system.log_tails()))


def discard_open_vision_versions(http: httpx.Client) -> None:
    """Delete every draft and proposal (a proposal is returned to draft first); decided ones stay."""
    response = http.get(VISIONS, params={"limit": 200})
    response.raise_for_status()
    for version in response.json()["items"]:
        if version["status"] not in ("DRAFT", "PROPOSED"):
            continue
        path = f"{VISIONS}/{version['id']}"
        etag = http.get(path).headers["etag"]
        if version["status"] == "PROPOSED":
            returned = http.post(f"{path}/return", headers={"If-Match": etag})
            returned.raise_for_status()
            etag = returned.headers["etag"]
        http.delete(path, headers={"If-Match": etag}).raise_for_status()


@pytest.fixture
def clean_vision(kf: httpx.Client) -> Iterator[None]:
    """Only one vision revision is prepared at a time: start and leave with none open."""
    discard_open_vision_versions(kf)
    yield
    discard_open_vision_versions(kf)
