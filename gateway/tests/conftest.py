"""The gateway in-process, the way production runs it: the whole pure-ASGI stack, the lifespan
run, a database built by the migrations, and the services configured but unreachable.

One gateway serves the session (dev issuer on); the demo municipality is reseeded before every
test, so each test starts from the same directory. Tests that need another configuration
(OIDC, dev issuer off) start their own gateway on the same database with `start_gateway`.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from gateway.__main__ import MIGRATIONS
from gateway.auth.tokens import DevIssuer
from gateway.main import GatewayRouter, create_app
from gateway.models import metadata
from gateway.proxy.upstream import Upstream
from gateway.seed import seed_demo, stable_id
from gateway.settings import GatewaySettings
from styrkedjan_common.metrics import Metrics
from styrkedjan_common.migrations import upgrade
from styrkedjan_common.testing import SERVICE_KEYS, TestKeys, fresh_database, running, truncate_all

DIRECTORY = "/api/directory/v1"


@dataclass
class RunningGateway:
    app: Any  # the full ASGI stack: what a client talks to
    api: FastAPI  # the inner FastAPI app: owns the lifespan and the state (engine, resolver)
    settings: GatewaySettings

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app), base_url="http://gateway")


def inner_api(app: Any) -> FastAPI:
    """The FastAPI app under the pure-ASGI layers (request context, authentication, routing)."""
    layer = app
    while not isinstance(layer, GatewayRouter):
        layer = layer.app
    return layer.api


@asynccontextmanager
async def run_gateway(settings: GatewaySettings) -> AsyncIterator[RunningGateway]:
    app = create_app(settings)
    api = inner_api(app)
    async with running(api):
        yield RunningGateway(app, api, settings)


@pytest.fixture(scope="session")
def closed_port() -> Iterator[int]:
    """A port that refuses connections: bound but never listening, so no one else can take it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    with fresh_database("gateway") as url:
        upgrade(MIGRATIONS, url)
        yield url


@pytest.fixture(scope="session")
def make_settings(database_url: str, closed_port: int) -> Callable[..., GatewaySettings]:
    """Test settings with the dev issuer on; keyword arguments override any field."""
    assertion_key, dev_key = TestKeys.generate(), TestKeys.generate()
    nowhere = f"http://127.0.0.1:{closed_port}"

    def make(**overrides: Any) -> GatewaySettings:
        values: dict[str, Any] = {
            "database_url": database_url,
            "assertion_private_key": assertion_key.private_pem,
            "dev_issuer_enabled": True,
            "dev_issuer_private_key": dev_key.private_pem,
            "environment": "test",
            "log_level": "WARNING",
            "goals_url": nowhere,
            "budget_url": nowhere,
            "followup_url": nowhere,
            "internal_control_url": nowhere,
            # The services' own keys: they read the directory's feed with their own assertions.
            "service_public_keys": {name: keys.public_pem for name, keys in SERVICE_KEYS.items()},
        }
        return GatewaySettings(**(values | overrides))

    return make


@pytest.fixture(scope="session")
async def gateway(make_settings: Callable[..., GatewaySettings]) -> AsyncIterator[RunningGateway]:
    async with run_gateway(make_settings()) as running_gateway:
        yield running_gateway


@pytest.fixture
async def demo_directory(gateway: RunningGateway) -> None:
    """Empty every table, forget cached identities, and load the demo municipality."""
    await truncate_all(gateway.api.state.engine, metadata)
    gateway.api.state.resolver.invalidate()
    async with gateway.api.state.sessionmaker() as session:
        await seed_demo(session)
        await session.commit()


@pytest.fixture
async def client(gateway: RunningGateway, demo_directory: None) -> AsyncIterator[httpx.AsyncClient]:
    async with gateway.client() as http:
        yield http


@pytest.fixture
def start_gateway(make_settings: Callable[..., GatewaySettings], demo_directory: None) -> Callable[..., Any]:
    """`async with start_gateway(**settings) as (gateway, client)`: another configuration, same directory."""

    @asynccontextmanager
    async def start(**overrides: Any) -> AsyncIterator[tuple[RunningGateway, httpx.AsyncClient]]:
        async with run_gateway(make_settings(**overrides)) as other, other.client() as http:
            yield other, http

    return start


@pytest.fixture
def as_user(gateway: RunningGateway) -> Callable[[str], dict[str, str]]:
    """Authorization headers carrying a fresh dev token for this subject."""
    issuer = DevIssuer(gateway.settings)

    def headers(subject: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {issuer.mint(subject)}"}

    return headers


@pytest.fixture
def unit_id() -> Callable[[str], str]:
    """The id of a demo org unit by its short name (KF, BUN, BUF, PARK, ...)."""
    return lambda short: str(stable_id("org", short))


@pytest.fixture
def user_id() -> Callable[[str], str]:
    """The id of a demo user by subject (admin.demo, kf.demo, ...)."""
    return lambda subject: str(stable_id("user", subject))


@pytest.fixture
def add_user(client: httpx.AsyncClient, as_user: Callable[[str], dict[str, str]], unit_id: Callable[[str], str]) -> Callable[..., Any]:
    """Registers a user through the admin API with (role, unit short name) assignments; returns the user's id."""

    async def add(subject: str, *assignments: tuple[str, str]) -> str:
        admin = as_user("admin.demo")
        created = await client.post(f"{DIRECTORY}/users", json={"subject": subject, "display_name": subject.title()}, headers=admin)
        assert created.status_code == 201, created.text
        user = created.json()["id"]
        for role, short in assignments:
            assigned = await client.post(
                f"{DIRECTORY}/users/{user}/role-assignments", json={"role": role, "org_unit_id": unit_id(short)}, headers=admin
            )
            assert assigned.status_code == 201, assigned.text
        return user

    return add


@pytest.fixture
def problem() -> Callable[..., dict[str, Any]]:
    """Asserts an RFC 9457 problem with this status (and these error pointers); returns its body."""

    def check(response: httpx.Response, status: int, *pointers: str) -> dict[str, Any]:
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        body = response.json()
        assert body["status"] == status
        if pointers:
            assert set(pointers) <= {error["pointer"] for error in body.get("errors", [])}, body
        return body

    return check


# Services for the proxy's tests: real HTTP servers on 127.0.0.1, one per test.


@pytest.fixture
def serve() -> Callable[..., AbstractAsyncContextManager[str]]:
    """`async with serve(asgi_app, **uvicorn_config) as url`: the app under uvicorn (httptools, as
    the services run), on a free port until the block ends."""

    @asynccontextmanager
    async def start(app: Any, **config: Any) -> AsyncIterator[str]:
        # Logging left as the tests set it: uvicorn would otherwise reconfigure the process's loggers.
        options = {"host": "127.0.0.1", "port": 0, "http": "httptools", "lifespan": "off", "log_config": None, "access_log": False} | config
        server = uvicorn.Server(uvicorn.Config(app, **options))
        task = asyncio.create_task(server.serve())
        while not server.started:
            if task.done():
                task.result()  # it could not start: say why
            await asyncio.sleep(0.005)
        port = server.servers[0].sockets[0].getsockname()[1]
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            await asyncio.wait_for(task, 5)

    return start


@dataclass
class RawService:
    """A TCP service that answers with exact bytes: counts its connections."""

    url: str
    connections: int = 0
    requests: list[bytes] = field(default_factory=list)


@pytest.fixture
def serve_raw() -> Callable[..., AbstractAsyncContextManager[RawService]]:
    """`async with serve_raw(handler) as service`: `handler(reader, writer, service)` runs for each
    connection, for the failures no real HTTP server produces on demand (garbage, a connection
    dropped just as a request arrives)."""

    @asynccontextmanager
    async def start(
        handler: Callable[[asyncio.StreamReader, asyncio.StreamWriter, RawService], Awaitable[None]],
    ) -> AsyncIterator[RawService]:
        tasks: set[asyncio.Task[Any]] = set()

        async def on_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            tasks.add(task)
            service.connections += 1
            try:
                await handler(reader, writer, service)
            except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
                pass  # the client went away, or the test is over
            finally:
                writer.close()

        server = await asyncio.start_server(on_connection, "127.0.0.1", 0)
        service = RawService(f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}")
        try:
            yield service
        finally:
            server.close()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await server.wait_closed()

    return start


@pytest.fixture
async def make_upstream() -> AsyncIterator[Callable[..., Upstream]]:
    """`make_upstream(url, **options)`: the budget service's client with short time-outs, closed after the test."""
    made: list[Upstream] = []

    def make(url: str, **options: Any) -> Upstream:
        settings = {
            "connect_timeout": 2.0,
            "read_timeout": 5.0,
            "max_connections": 4,
            "meter": Metrics("gateway").upstream("budget"),
        } | options
        made.append(Upstream("budget", url, **settings))
        return made[-1]

    yield make
    for upstream in made:
        await upstream.close()
