"""Test support shared by every app's suite: databases on SQLite or PostgreSQL, keys, assertions.

The same suite runs on SQLite (default) and on PostgreSQL when STYRKEDJAN_TEST_POSTGRES_URL
names a server (e.g. postgresql://postgres@127.0.0.1:5432); each run gets fresh databases.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import datetime as dt
import json
import os
import re
import tempfile
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import MetaData, delete
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from styrkedjan_common.db import connect_asyncpg
from styrkedjan_common.identity import (
    ALL_UNITS,
    HEADER,
    AssertionSigner,
    Assignment,
    Principal,
    Role,
    ServiceSigner,
    generate_private_key_pem,
    public_key_pem,
)
from styrkedjan_common.org_units import OrgUnit, OrgUnitType

if TYPE_CHECKING:  # for annotations; the fixtures import httpx where they use it
    import httpx

POSTGRES_ENV = "STYRKEDJAN_TEST_POSTGRES_URL"
ASSERTION_ISSUER = "styrkedjan-gateway"


def postgres_admin_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


def _asyncpg_url(admin_url: str, database: str) -> str:
    return make_url(admin_url).set(drivername="postgresql+asyncpg", database=database).render_as_string(hide_password=False)


async def _admin(admin_url: str, statement: str) -> None:
    connection = await connect_asyncpg(admin_url)
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


@asynccontextmanager
async def served(app: Any, *, lifespan: bool = False) -> AsyncIterator[str]:
    """Serve the app over real HTTP (uvicorn, in the test's event loop) on a free local port around
    a block; its base URL. The app's lifespan runs only with `lifespan` (a suite's app runs it already)."""
    import socket

    import uvicorn

    class InProcessServer(uvicorn.Server):
        @contextmanager
        def capture_signals(self) -> Iterator[None]:
            # The test process keeps its own signal handlers (Ctrl-C stops the run, not the server).
            yield

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, lifespan="on" if lifespan else "off", log_config=None, timeout_graceful_shutdown=2)
    server = InProcessServer(config)
    task = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        while not server.started:
            if task.done():
                await task
                raise RuntimeError("the server stopped before it started")
            await asyncio.sleep(0.01)
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        server.should_exit = True
        await task
        listener.close()


def closed_port() -> int:
    """A local port nothing listens on: a callee that is down."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@dataclass
class TestKeys:
    private_pem: str
    public_pem: str

    @classmethod
    def generate(cls) -> TestKeys:
        private = generate_private_key_pem()
        return cls(private, public_key_pem(private))

    def signer(self, ttl_seconds: int = 60) -> AssertionSigner:
        return AssertionSigner(self.private_pem, ASSERTION_ISSUER, ttl_seconds)


# The services' own keys in every suite: each service app under test knows their public halves, so a
# test calls it as another service (`service_headers`).
SERVICE_KEYS = {name: TestKeys.generate() for name in ("goals", "budget", "followup", "internal-control")}


def service_headers(caller: str, audience: str) -> dict[str, str]:
    """The assertion of the `caller` service calling `audience` directly."""
    return {HEADER: ServiceSigner(SERVICE_KEYS[caller].private_pem, caller).assertion(audience)}


class TestOrganisation:
    """The directory a service's suite runs against, served as the gateway serves its feed: the
    suite's support modules register their org units (`org_unit`), a test may add or close more."""

    def __init__(self) -> None:
        self._changes: list[tuple[int, OrgUnit]] = []
        self._units: dict[str, OrgUnit] = {}

    def add(
        self,
        type_: OrgUnitType | str,
        name: str | None = None,
        *,
        parent: str | None = None,
        predecessor: str | None = None,
        short_name: str | None = None,
        valid_from: dt.date = dt.date(2000, 1, 1),
        valid_to: dt.date | None = None,
        external_codes: dict[str, str] | None = None,
    ) -> str:
        unit_id = str(uuid.uuid4())
        name = name or f"{OrgUnitType(type_).value.replace('_', ' ').capitalize()} {unit_id[:6]}"
        unit = OrgUnit(
            id=unit_id,
            type=OrgUnitType(type_).value,
            parent_id=parent,
            predecessor_id=predecessor,
            name=name,
            short_name=short_name or name[:40],
            external_codes=external_codes or {},
            valid_from=valid_from,
            valid_to=valid_to,
        )
        self._publish(unit)
        return unit_id

    def change(self, unit_id: str, **fields: Any) -> None:
        """A later state of a unit, e.g. change(unit, valid_to=yesterday) to close it."""
        self._publish(dataclasses.replace(self._units[str(unit_id)], **fields))

    def get(self, unit_id: str) -> OrgUnit:
        return self._units[str(unit_id)]

    def _publish(self, unit: OrgUnit) -> None:
        self._units[unit.id] = unit
        self._changes.append((len(self._changes) + 1, unit))

    async def changes(self, after: int, limit: int) -> list[tuple[int, OrgUnit]]:
        return self._changes[after : after + limit]


# One organisation per test process: support modules register their units at import.
ORGANISATION = TestOrganisation()


def org_unit(type_: OrgUnitType | str, name: str | None = None, **fields: Any) -> str:
    """Register an org unit in the suite's directory; its id."""
    return ORGANISATION.add(type_, name, **fields)


def principal(
    role: Role, org_unit_id: str | uuid.UUID = "root", scope: list[str] | str | None = ALL_UNITS, user_id: str | None = None
) -> Principal:
    """A caller holding one role; scope "*" is the whole municipality, else the listed unit ids."""
    unit = str(org_unit_id)
    if isinstance(scope, str) and scope != ALL_UNITS:
        scope = [scope]  # one unit id, not a sequence of characters
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
        settings = settings_factory(
            database_url=database_url,
            assertion_public_keys=keys.public_pem,
            service_public_keys={name: service_keys.public_pem for name, service_keys in SERVICE_KEYS.items()},
            environment="test",
            log_level="WARNING",
        )
        application = create_app(settings)
        application.state.directory_source = ORGANISATION
        async with running(application):
            yield application

    @pytest.fixture
    async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service") as http:
            yield http
        await truncate_all(app.state.engine, metadata)

    @pytest.fixture
    def as_role(keys: TestKeys) -> Any:
        def make(
            role: Role, org_unit_id: str | uuid.UUID = "root", scope: list[str] | str | None = ALL_UNITS, user_id: str | None = None
        ) -> dict[str, str]:
            return assertion_headers(keys, audience, principal(role, org_unit_id, scope, user_id))

        return make

    return keys, database_url, app, client, as_role


# A position holding every field any list's cursor uses, each valid: a list reads the fields it
# needs and ignores the rest, so one cursor serves all lists, and each tampered variant below
# breaks the fields a list reads, whatever they are.
_CURSOR_UUIDS = ("id", "board", "org_unit_id")
_CURSOR_INTS = ("year", "revision", "start_year", "number", "index", "month", "budget_year", "origin_year", "age_from")
_CURSOR_TEXTS = ("name", "title", "code", "kind", "period", "occasion", "activity", "cost_center_code", "account", "index_name")
VALID_CURSOR: dict[str, Any] = {
    **dict.fromkeys(_CURSOR_UUIDS, "8f0c3e4e-1d2b-4c5a-9e6f-7a8b9c0d1e2f"),
    **dict.fromkeys(_CURSOR_INTS, 2026),
    **dict.fromkeys(_CURSOR_TEXTS, "a"),
    "at": "2026-06-15T10:00:00+00:00",
    "start_date": "2026-06-15",
    "publication_date": "2026-06-15",
}


def encode_raw_cursor(value: Any) -> str:
    """Any JSON as a cursor would be encoded: what a client can forge."""
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


# Values a client may put in place of a field the list reads, by the field's kind.
_ANY_FIELD = {"boolean": True, "nested object": {"$gt": 1}, "list": [1], "null": None, "float": 2026.5}
TAMPERED_FIELDS: dict[str, dict[str, Any]] = {
    **{key: {"non-string id": 5, "NUL": "8f0c3e4e\x00", "not an id": "x"} for key in _CURSOR_UUIDS},
    **{key: {"huge integer": 2**63, "huge integer as text": str(2**40), "beyond 32 bits": 2**31, "negative": -1} for key in _CURSOR_INTS},
    **{key: {"NUL": "a\x00b", "overlong text": "a" * 5000} for key in _CURSOR_TEXTS},
    "at": {"naive datetime": "2026-06-15T10:00:00", "year 99999": "99999-01-01T00:00:00+00:00", "NUL": "2026-06-15T10:00:00+00:00\x00"},
    "start_date": {"year 99999": "99999-01-01", "NUL": "2026-06-15\x00"},
    "publication_date": {"year 99999": "99999-01-01", "NUL": "2026-06-15\x00"},
}
TAMPERED_CURSORS: dict[str, str] = {
    "garbage base64": "!!!%%%",
    "base64 of no JSON": base64.urlsafe_b64encode(b"{no json").decode(),
    "JSON array": encode_raw_cursor([1, 2]),
    "JSON text": encode_raw_cursor("x"),
    "empty object": encode_raw_cursor({}),
    "too long": encode_raw_cursor({"name": "a" * 10_000}),
}


def tampered_cursors(fields_read: set[str]) -> dict[str, str]:
    """Every tampered cursor for a list that reads these fields of VALID_CURSOR."""
    cursors = dict(TAMPERED_CURSORS)
    for key in sorted(fields_read):
        for name, value in (_ANY_FIELD | TAMPERED_FIELDS[key]).items():
            cursors[f"{key}: {name}"] = encode_raw_cursor(VALID_CURSOR | {key: value})
    return cursors


def cursor_lists(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any], str]]:
    """(path, required query parameters, first role allowed) of every list operation: every GET
    taking a `cursor` parameter. Path parameters get a new id, required query parameters a valid
    value: a tampered cursor is refused before anything is looked up."""
    found = []
    for path, item in schema["paths"].items():
        operation = item.get("get")
        parameters = operation.get("parameters", []) if operation else []
        if any(p["name"] == "cursor" for p in parameters):
            required = {p["name"]: _example(p["schema"], schema) for p in parameters if p["in"] == "query" and p.get("required")}
            found.append((re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), path), required, operation["x-roles"][0]))
    return found


def _example(parameter: dict[str, Any], schema: dict[str, Any]) -> Any:
    if "$ref" in parameter:
        parameter = schema["components"]["schemas"][parameter["$ref"].rsplit("/", 1)[-1]]
    if "enum" in parameter:
        return parameter["enum"][0]
    if parameter.get("type") == "integer":
        return max(parameter.get("minimum", 2026), min(2026, parameter.get("maximum", 2026)))
    if parameter.get("format") == "uuid":
        return str(uuid.uuid4())
    return "a"


async def assert_lists_refuse_tampered_cursors(client: Any, schema: dict[str, Any], headers_for: Any) -> None:
    """Every list answers every tampered cursor with a 422 naming #/query/cursor."""
    lists = cursor_lists(schema)
    assert lists, "the app has list operations"
    for path, required, role in lists:
        headers = headers_for(role)

        async def get(cursor: Any, path: str = path, required: Any = required, headers: Any = headers) -> Any:
            return await client.get(path, params=required | {"cursor": encode_raw_cursor(cursor)}, headers=headers)

        valid = await get(VALID_CURSOR)
        assert valid.status_code in (200, 404), (path, valid.text)
        # The fields the list reads are those whose absence it refuses; it must read some, or the
        # cursor was never looked at (e.g. a look-up answered first).
        fields_read = {key for key in VALID_CURSOR if (await get({k: v for k, v in VALID_CURSOR.items() if k != key})).status_code == 422}
        assert fields_read, f"{path} does not read its cursor before looking anything up"
        for name, cursor in tampered_cursors(fields_read).items():
            response = await client.get(path, params=required | {"cursor": cursor}, headers=headers)
            assert response.status_code == 422, (path, name, response.status_code, response.text)
            assert response.headers["content-type"] == "application/problem+json"
            assert [e["pointer"] for e in response.json()["errors"]] == ["#/query/cursor"], (path, name)


def _text_query_parameters(operation: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    def is_text(parameter: dict[str, Any]) -> bool:
        if "$ref" in parameter:
            return is_text(schema["components"]["schemas"][parameter["$ref"].rsplit("/", 1)[-1]])
        if "anyOf" in parameter:
            return any(is_text(option) for option in parameter["anyOf"])
        return parameter.get("type") == "string" and "format" not in parameter and "enum" not in parameter and "pattern" not in parameter

    return [p["name"] for p in operation.get("parameters", []) if p["in"] == "query" and p["name"] != "cursor" and is_text(p["schema"])]


async def assert_query_parameters_refuse_nul(client: Any, schema: dict[str, Any], headers_for: Any) -> None:
    """Every list's free-text query parameters, and one it does not declare, refuse a NUL with a 422 naming them."""
    checked = 0
    for path, required, role in cursor_lists(schema):
        operation = schema["paths"][next(p for p in schema["paths"] if re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", p), path))]["get"]
        for name in [*_text_query_parameters(operation, schema), "undeclared"]:
            response = await client.get(path, params=required | {name: "a\x00b"}, headers=headers_for(role))
            assert response.status_code == 422, (path, name, response.status_code, response.text)
            assert f"#/query/{name}" in [e["pointer"] for e in response.json()["errors"]], (path, name, response.text)
            checked += 1
    assert checked


def assert_bodies_are_input_models(app: Any) -> None:
    """Every operation's request body, and every model nested in one, derives from InputModel."""
    from typing import get_args

    from fastapi.routing import APIRoute
    from pydantic import BaseModel

    from styrkedjan_common.schemas import InputModel

    def models(annotation: Any) -> Iterator[type[BaseModel]]:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield annotation
        else:
            for argument in get_args(annotation):
                yield from models(argument)

    seen: set[type[BaseModel]] = set()

    def walk(model: type[BaseModel], path: str) -> None:
        if model in seen:
            return
        seen.add(model)
        assert issubclass(model, InputModel), f"{path}: {model.__name__} is not an InputModel"
        for info in model.model_fields.values():
            for nested in models(info.annotation):
                walk(nested, path)

    for route in app.routes:
        if isinstance(route, APIRoute) and route.body_field is not None:
            for model in models(route.body_field.field_info.annotation):
                walk(model, route.path)


def service_contract(*, api: str, create_app: Any) -> type:
    """What every service answers the same way (operational routes, schema, audit trail), as a test
    class to bind in a suite: `TestBudgetService = service_contract(api="/api/budget/v1", create_app=create_app)`.
    Uses the suite's `keys`, `app`, `client` and `as_role` fixtures."""
    import httpx
    import pytest
    from prometheus_client.parser import text_string_to_metric_families

    def requests_total(metrics_text: str, route: str, status: str) -> float:
        samples = [s for f in text_string_to_metric_families(metrics_text) if f.name == "http_requests" for s in f.samples]
        return sum(
            s.value for s in samples if s.name == "http_requests_total" and s.labels["route"] == route and s.labels["status"] == status
        )

    class ServiceContract:
        async def test_livez_answers_without_an_assertion_and_echoes_the_request_id(self, client: Any) -> None:
            response = await client.get("/livez", headers={"X-Request-ID": "probe-1"})
            assert (response.status_code, response.json(), response.headers["x-request-id"]) == (200, {"status": "ok"}, "probe-1")

        async def test_readyz_answers_when_the_database_is_reachable(self, client: Any) -> None:
            ready = (await client.get("/readyz")).json()
            assert ready["status"] == "ready"
            assert ready["directory"]["last_error"] is None and not ready["directory"]["stale"]

        @pytest.mark.parametrize(
            "unreachable", ["sqlite+aiosqlite:////nonexistent-styrkedjan/x.db", "postgresql+asyncpg://postgres@127.0.0.1:1/x"]
        )
        async def test_readyz_is_a_503_problem_when_the_database_is_unreachable(self, app: Any, unreachable: str) -> None:
            broken = create_app(app.state.settings.model_copy(update={"database_url": unreachable}))
            async with running(broken), httpx.AsyncClient(transport=httpx.ASGITransport(app=broken), base_url="http://service") as http:
                response = await http.get("/readyz")
                live = await http.get("/livez")
            assert (response.status_code, response.headers["content-type"], live.status_code) == (503, "application/problem+json", 200)
            assert response.json()["status"] == 503 and "database is not reachable" in response.json()["detail"]

        async def test_metrics_count_requests_by_route_template(self, client: Any, as_role: Any) -> None:
            route = f"{api}/audit-events"
            before = requests_total((await client.get("/metrics")).text, route, "200")
            assert (await client.get(route, params={"limit": 5}, headers=as_role(Role.REVISOR))).status_code == 200
            metrics = await client.get("/metrics")
            assert metrics.headers["content-type"].startswith("text/plain")
            assert requests_total(metrics.text, route, "200") == before + 1

        async def test_openapi_needs_an_assertion_and_declares_roles(self, client: Any, as_role: Any) -> None:
            assert (await client.get("/openapi.json")).status_code == 401
            schema = (await client.get("/openapi.json", headers=as_role(Role.ENHET, "unit-1", ["unit-1"]))).json()
            assert schema["paths"][f"{api}/audit-events"]["get"]["x-roles"] == ["revisor", "admin"]
            assert not {"/livez", "/readyz", "/metrics"} & schema["paths"].keys()

        @pytest.mark.parametrize("role", [Role.REVISOR, Role.ADMIN])
        async def test_audit_trail_is_readable_by_revisor_and_admin(self, client: Any, as_role: Any, role: Role) -> None:
            response = await client.get(f"{api}/audit-events", headers=as_role(role))
            assert response.status_code == 200 and set(response.json()) == {"items", "next_cursor"}

        async def test_audit_trail_is_refused_to_namnd(self, client: Any, as_role: Any) -> None:
            body = (await client.get(f"{api}/audit-events", headers=as_role(Role.NAMND, "board-1", ["board-1"]))).json()
            assert (body["status"], body["type"], body["detail"]) == (
                403,
                "urn:styrkedjan:problem:role-not-allowed",
                "this operation is allowed for the roles: admin, revisor",
            )

        async def test_audit_trail_needs_an_assertion_for_this_service(self, client: Any, keys: TestKeys) -> None:
            other_service = "budget" if api != "/api/budget/v1" else "goals"
            for headers in ({}, assertion_headers(keys, other_service, principal(Role.REVISOR))):
                body = (await client.get(f"{api}/audit-events", headers=headers)).json()
                assert (body["status"], body["type"]) == (401, "urn:styrkedjan:problem:invalid-assertion")

        async def test_audit_trail_limit_below_one_is_a_422_with_a_query_pointer(self, client: Any, as_role: Any) -> None:
            response = await client.get(f"{api}/audit-events", params={"limit": 0}, headers=as_role(Role.REVISOR))
            assert (response.status_code, response.json()["errors"][0]["pointer"]) == (422, "#/query/limit")

        async def test_every_list_refuses_a_tampered_cursor_with_a_422_naming_it(self, app: Any, client: Any, as_role: Any) -> None:
            await assert_lists_refuse_tampered_cursors(client, app.openapi(), lambda role: as_role(Role(role)))

        async def test_every_text_query_parameter_refuses_a_nul_with_a_422_naming_it(self, app: Any, client: Any, as_role: Any) -> None:
            await assert_query_parameters_refuse_nul(client, app.openapi(), lambda role: as_role(Role(role)))

        def test_every_request_body_is_an_input_model_at_every_depth(self, app: Any) -> None:
            # InputModel refuses unknown fields and NUL characters; a body built otherwise would not.
            assert_bodies_are_input_models(app)

        async def test_an_unhandled_error_is_a_500_problem_with_the_request_id(self, client: Any, as_role: Any, monkeypatch: Any) -> None:
            from styrkedjan_common import security

            def broken(*_args: Any) -> None:
                raise RuntimeError("a defect")

            monkeypatch.setattr(security, "_check_policy", broken)
            response = await client.get(f"{api}/audit-events", headers=as_role(Role.REVISOR) | {"X-Request-ID": "probe-500"})
            assert (response.status_code, response.headers["content-type"]) == (500, "application/problem+json")
            body = response.json()
            assert (body["status"], body["request_id"], response.headers["x-request-id"]) == (500, "probe-500", "probe-500")
            assert "a defect" not in response.text

    return ServiceContract


PROBLEM_CONTENT_TYPE = "application/problem+json"


def assert_problem(response: httpx.Response, status: int, detail_contains: str | None = None, type_: str | None = None) -> dict[str, Any]:
    """An RFC 9457 answer with this status, echoing the request id; optionally its detail naming
    the rule (`detail_contains`) and its problem type slug."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_CONTENT_TYPE
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"]
    assert body["type"].startswith("urn:styrkedjan:problem:") or body["type"] == "about:blank"
    assert body["request_id"] == response.headers["x-request-id"]
    if detail_contains is not None:
        assert detail_contains in body["detail"], body["detail"]
    if type_ is not None:
        assert body["type"] == f"urn:styrkedjan:problem:{type_}"
    return body


def pointers(response: httpx.Response) -> set[str]:
    """The JSON pointers a 422 names."""
    return {error["pointer"] for error in response.json()["errors"]}


async def at_once(*requests: Callable[[], Awaitable[httpx.Response]]) -> list[httpx.Response]:
    """Send the requests concurrently, each as a well-behaved client would: a 503 (a busy service
    refusing its excess) is sent again after its Retry-After. The answers, in the requests' order."""

    async def send(request: Callable[[], Awaitable[httpx.Response]]) -> httpx.Response:
        while (response := await request()).status_code == 503 and "retry-after" in response.headers:
            await asyncio.sleep(float(response.headers["retry-after"]))
        return response

    return list(await asyncio.gather(*(send(request) for request in requests)))
