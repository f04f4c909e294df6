"""A saturated service answers 503 with Retry-After at once, never 500, and recovers by itself."""

import asyncio
import time

import httpx
from fastapi import APIRouter
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from styrkedjan_common.app import create_service_app
from styrkedjan_common.audit import AuditEventMixin, Auditor
from styrkedjan_common.db import Base, SessionDep, make_metadata
from styrkedjan_common.identity import Role
from styrkedjan_common.overload import AdmissionControl
from styrkedjan_common.problems import PROBLEM_MEDIA_TYPE
from styrkedjan_common.security import PolicyRoute, allow
from styrkedjan_common.settings import ServiceSettings
from styrkedjan_common.testing import TestKeys as Keys
from styrkedjan_common.testing import assertion_headers, principal, running


class OverloadProbeBase(Base):
    __abstract__ = True
    metadata = make_metadata()


class ProbeAuditEvent(AuditEventMixin, OverloadProbeBase):
    pass


router = APIRouter(tags=["probe"], route_class=PolicyRoute)
released = asyncio.Event()


@router.get("/answer", openapi_extra=allow(Role.ADMIN))
async def read_answer(session: SessionDep) -> dict[str, int]:
    return {"answer": await session.scalar(text("SELECT 42"))}


@router.get("/slow", openapi_extra=allow(Role.ADMIN))
async def slow() -> dict[str, bool]:
    await released.wait()  # holds its admission place until the test lets it go
    return {"done": True}


KEYS = Keys.generate()


def caller() -> dict[str, str]:
    """Signed when sent: an assertion lives a minute, and the suite may collect this module long before."""
    return assertion_headers(KEYS, "probe", principal(Role.ADMIN))


def probe_app(database_url: str, **settings: object):
    return create_service_app(
        name="probe",
        title="Probe",
        description="",
        settings=ServiceSettings(
            database_url=database_url, assertion_public_keys=KEYS.public_pem, environment="test", log_level="WARNING", **settings
        ),
        routers=[router],
        auditor=Auditor(ProbeAuditEvent, {}),  # the probe records nothing
    )


def assert_overloaded(response: httpx.Response, retry_after: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == PROBLEM_MEDIA_TYPE
    assert response.headers["retry-after"] == retry_after
    body = response.json()
    assert (body["status"], body["type"]) == (503, "urn:styrkedjan:problem:overloaded")
    assert body["request_id"] == response.headers["x-request-id"]


async def test_an_exhausted_pool_is_a_quick_503_with_retry_after_and_the_service_recovers(database_url):
    app = probe_app(database_url, database_pool_size=1, database_pool_timeout_seconds=0.2, retry_after_seconds=3)
    async with running(app), httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://probe") as client:
        held = await app.state.engine.connect()  # the pool's only connection, taken
        try:
            started = time.monotonic()
            waiting = asyncio.create_task(client.get("/api/probe/v1/answer", headers=caller()))
            await asyncio.sleep(0.1)
            # The metrics show the pool as an operator needs to see it: full, one request waiting.
            assert (await metric(client, "db_pool_connections", state="in_use"), await metric(client, "db_pool_waiting")) == (1, 1)
            refused = await waiting
            assert time.monotonic() - started < 2
            assert_overloaded(refused, "3")
        finally:
            await held.close()
        assert (await metric(client, "db_pool_waiting"), await metric(client, "db_pool_timeouts_total")) == (0, 1)
        recovered = await client.get("/api/probe/v1/answer", headers=caller())
        assert (recovered.status_code, recovered.json()) == (200, {"answer": 42})


async def metric(client: httpx.AsyncClient, name: str, **labels: str) -> float:
    """One sample of the app's /metrics, as a scrape reads it."""
    scraped = (await client.get("/metrics")).text
    wanted = {"app": "probe", **labels}
    for family in text_string_to_metric_families(scraped):
        for sample in family.samples:
            if sample.name == name and sample.labels == wanted:
                return sample.value
    raise AssertionError(f"no sample {name} {wanted}")


async def test_requests_beyond_the_admission_bound_are_refused_quickly_and_the_service_recovers(database_url):
    app = probe_app(database_url, max_concurrent_requests=2, admission_wait_seconds=0.1, retry_after_seconds=2)
    released.clear()
    async with running(app), httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://probe") as client:
        holding = [asyncio.create_task(client.get("/api/probe/v1/slow", headers=caller())) for _ in range(2)]
        await asyncio.sleep(0.05)
        started = time.monotonic()
        refused = await client.get("/api/probe/v1/answer", headers=caller())
        assert time.monotonic() - started < 1
        assert_overloaded(refused, "2")
        live = await client.get("/livez")  # an orchestrator still sees the process alive
        assert live.status_code == 200
        released.set()
        assert [(await task).status_code for task in holding] == [200, 200]
        recovered = await client.get("/api/probe/v1/answer", headers=caller())
        assert (recovered.status_code, recovered.json()) == (200, {"answer": 42})


async def test_a_waiting_request_takes_the_first_place_that_frees_up():
    gate = asyncio.Event()

    async def inner(scope, receive, send):
        if scope["path"] == "/hold":
            await gate.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    control = AdmissionControl(inner, limit=1, wait_seconds=5, retry_after_seconds=1)
    statuses: list[int] = []

    async def call(path: str) -> None:
        async def send(message):
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        await control({"type": "http", "path": path, "headers": []}, None, send)

    holding = asyncio.create_task(call("/hold"))
    await asyncio.sleep(0.01)
    waiting = asyncio.create_task(call("/next"))
    await asyncio.sleep(0.05)
    assert statuses == []
    gate.set()
    await asyncio.gather(holding, waiting)
    assert statuses == [200, 200]
