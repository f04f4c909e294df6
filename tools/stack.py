"""The five apps as processes: keys, environment, migrations, seeding and supervision.

Used by the run command, the whole-system tests and the benchmark, so the system is
started one way everywhere.
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class AppSpec:
    name: str  # also the service's path segment and assertion audience
    module: str
    env_prefix: str
    database: str

    @property
    def factory(self) -> str:
        return f"{self.module}.main:create_app"


GATEWAY = AppSpec("gateway", "gateway", "GATEWAY_", "gateway")
SERVICES = (
    AppSpec("goals", "goals_service", "GOALS_", "goals"),
    AppSpec("budget", "budget_service", "BUDGET_", "budget"),
    AppSpec("followup", "followup_service", "FOLLOWUP_", "followup"),
    AppSpec("internal-control", "internal_control_service", "INTERNAL_CONTROL_", "internal_control"),
)
APPS = (GATEWAY, *SERVICES)
GATEWAY_URL_SETTING = {"goals": "GOALS_URL", "budget": "BUDGET_URL", "followup": "FOLLOWUP_URL", "internal-control": "INTERNAL_CONTROL_URL"}


# Ports for the apps are drawn below the kernel's ephemeral range. A port the kernel hands out for
# `bind(0)` comes from that range, which every outgoing connection (to PostgreSQL, between the
# apps) also draws from, so it could be taken again before the app binds it.
_APP_PORTS = range(20000, 32768)
_handed_out: set[int] = set()


def free_port() -> int:
    """A port on 127.0.0.1 nothing listens on, not handed out before by this process."""
    for port in random.sample(_APP_PORTS, 200):
        if port in _handed_out:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError("no free port for an app")


@dataclass
class Keys:
    assertion_private: Path
    assertion_public: Path
    dev_private: Path
    # Each service's own key (services/<name>.pem), and the folder of their public keys that every
    # app reads (service-public/<name>.pem), as a Secret and a ConfigMap give them in production.
    service_private: dict[str, Path]
    service_public_dir: Path

    def service_private_pem(self, service: str) -> str:
        return self.service_private[service].read_text()


def ensure_keys(folder: Path) -> Keys:
    """Development keys in the data folder, made once; production keys come from secrets."""
    from styrkedjan_common.identity import generate_private_key_pem, public_key_pem

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "services").mkdir(mode=0o700, exist_ok=True)
    (folder / "service-public").mkdir(exist_ok=True)
    keys = Keys(
        folder / "assertion.pem",
        folder / "assertion.pub.pem",
        folder / "dev-issuer.pem",
        service_private={s.name: folder / "services" / f"{s.name}.pem" for s in SERVICES},
        service_public_dir=folder / "service-public",
    )
    for private in (keys.assertion_private, keys.dev_private, *keys.service_private.values()):
        if not private.exists():
            private.touch(mode=0o600)
            private.write_text(generate_private_key_pem())
    keys.assertion_public.write_text(public_key_pem(keys.assertion_private.read_text()))
    for service, private in keys.service_private.items():
        (keys.service_public_dir / f"{service}.pem").write_text(public_key_pem(private.read_text()))
    return keys


@dataclass
class Stack:
    data_dir: Path
    keys: Keys
    ports: dict[str, int]
    database_urls: dict[str, str]
    log_level: str = "INFO"
    log_format: str = "console"
    # How often each service's org-unit replica reads the directory's feed (the settings' default).
    directory_sync_interval_seconds: float = 10.0
    extra_env: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def create(
        cls, data_dir: Path, *, base_port: int | None = None, postgres_urls: dict[str, str] | None = None, **kwargs: object
    ) -> Stack:
        data_dir = data_dir.resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        ports = {app.name: (base_port + i if base_port else free_port()) for i, app in enumerate(APPS)}
        urls = postgres_urls or {app.name: f"sqlite+aiosqlite:///{data_dir / (app.database + '.db')}" for app in APPS}
        return cls(data_dir, ensure_keys(data_dir / "keys"), ports, urls, **kwargs)  # type: ignore[arg-type]

    def url(self, app: str) -> str:
        return f"http://127.0.0.1:{self.ports[app]}"

    def env(self, app: AppSpec) -> dict[str, str]:
        p = app.env_prefix
        env = {
            **os.environ,
            # Each line of the apps' logs reaches its file as it is written, not when a buffer fills.
            "PYTHONUNBUFFERED": "1",
            f"{p}DATABASE_URL": self.database_urls[app.name],
            f"{p}LOG_LEVEL": self.log_level,
            f"{p}LOG_FORMAT": self.log_format,
            f"{p}ENVIRONMENT": "development",
            # Every app verifies the services' own assertions: the gateway on the directory's feed,
            # a service when another calls it directly.
            f"{p}SERVICE_PUBLIC_KEYS_DIR": str(self.keys.service_public_dir),
        }
        if app is GATEWAY:
            env |= {
                f"{p}ASSERTION_PRIVATE_KEY_FILE": str(self.keys.assertion_private),
                f"{p}DEV_ISSUER_ENABLED": "true",
                f"{p}DEV_ISSUER_PRIVATE_KEY_FILE": str(self.keys.dev_private),
                **{f"{p}{GATEWAY_URL_SETTING[s.name]}": self.url(s.name) for s in SERVICES},
            }
        else:
            env |= {
                f"{p}ASSERTION_PUBLIC_KEYS_FILE": str(self.keys.assertion_public),
                f"{p}SERVICE_PRIVATE_KEY_FILE": str(self.keys.service_private[app.name]),
                f"{p}DIRECTORY_URL": self.url(GATEWAY.name),
                f"{p}DIRECTORY_SYNC_INTERVAL_SECONDS": str(self.directory_sync_interval_seconds),
            }
            if app.name == "followup":  # the follow-up report reads the other three
                env |= {f"{p}{GATEWAY_URL_SETTING[s.name]}": self.url(s.name) for s in SERVICES if s.name != "followup"}
            if app.name == "goals":  # Stratsys's structure file carries the assessments the follow-up keeps
                env |= {f"{p}FOLLOWUP_URL": self.url("followup")}
        return env | self.extra_env.get(app.name, {})

    def migrate(self, app: AppSpec, direction: str = "upgrade") -> None:
        subprocess.run([sys.executable, "-m", app.module, "migrate", direction], env=self.env(app), cwd=ROOT, check=True)

    def seed(self) -> None:
        """The demo municipality's directory."""
        subprocess.run([sys.executable, "-m", "gateway", "seed-demo"], env=self.env(GATEWAY), cwd=ROOT, check=True)

    def seed_calendar(self) -> None:
        """The demo's follow-up calendar of this year and the next: for the run command only, as
        the tests make the cycles of the years they follow up themselves."""
        followup = next(app for app in SERVICES if app.name == "followup")
        subprocess.run([sys.executable, "-m", followup.module, "seed-demo"], env=self.env(followup), cwd=ROOT, check=True)

    def mint_token(self, subject: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "gateway", "mint-token", subject],
            env=self.env(GATEWAY),
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout.strip()

    def start(self, app: AppSpec, log_file: Path | None = None) -> subprocess.Popen[bytes]:
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            app.factory,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.ports[app.name]),
            "--loop",
            "uvloop",
            "--http",
            "httptools",
            "--no-access-log",
            "--timeout-graceful-shutdown",
            "5",
            "--timeout-keep-alive",
            "75",
        ]
        out = open(log_file, "ab") if log_file else None  # noqa: SIM115 - handed to the child
        return subprocess.Popen(
            command, env=self.env(app), cwd=ROOT, stdout=out, stderr=subprocess.STDOUT if out else None, start_new_session=True
        )

    def wait_live(self, app: AppSpec, timeout: float = 30.0, process: subprocess.Popen[bytes] | None = None) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"{app.name} exited with code {process.returncode} while starting")
            try:
                with urllib.request.urlopen(self.url(app.name) + "/readyz", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise TimeoutError(f"{app.name} did not become ready within {timeout} s")


def stop(process: subprocess.Popen[bytes], grace: float = 8.0) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
