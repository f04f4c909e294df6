"""A service calling another over real HTTP: the answer's JSON, or a problem naming the callee when
it is down (503 with Retry-After), too slow (504) or refuses the call (502 carrying its status and
detail); the caller's request id travels with the call, and so does the caller's own assertion."""

import asyncio
import time
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from styrkedjan_common import testing
from styrkedjan_common.app import create_service_app
from styrkedjan_common.audit import AuditEventMixin, Auditor
from styrkedjan_common.clients import CalleeRefused, CalleeUnavailable, ServiceClient
from styrkedjan_common.context import request_id_var
from styrkedjan_common.db import Base, make_metadata
from styrkedjan_common.identity import HEADER, AssertionVerifier, Role, ServiceSigner
from styrkedjan_common.metrics import Metrics
from styrkedjan_common.security import PolicyRoute, allow
from styrkedjan_common.settings import ServiceSettings
from styrkedjan_common.testing import SERVICE_KEYS, assertion_headers, closed_port, principal, running, served

READ_TIMEOUT = 0.3


async def things(request: Request) -> Response:
    return JSONResponse(
        {
            "assertion": request.headers.get(HEADER),
            "request_id": request.headers.get("x-request-id"),
            "query": dict(request.query_params),
        }
    )


async def slow(_request: Request) -> Response:
    await asyncio.sleep(READ_TIMEOUT * 5)
    return JSONResponse({})


async def missing(_request: Request) -> Response:
    problem = {"type": "urn:styrkedjan:problem:not-found", "title": "Not Found", "status": 404, "detail": "no plan for 2027"}
    return JSONResponse(problem, status_code=404, media_type="application/problem+json")


async def not_json(_request: Request) -> Response:
    return Response("<html>Signed out</html>", media_type="text/html")


async def broken(_request: Request) -> Response:
    return Response("<html>Bad gateway</html>", status_code=500, media_type="text/html")


CALLEE = Starlette(
    routes=[
        Route("/api/probe/v1/things", things),
        Route("/api/probe/v1/slow", slow),
        Route("/api/probe/v1/missing", missing),
        Route("/api/probe/v1/broken", broken),
        Route("/api/probe/v1/not-json", not_json),
    ]
)


class ProbeClient(ServiceClient):
    callee = "probe"
    prefix = "/api/probe/v1"


def client_of(base_url: str) -> ProbeClient:
    return ProbeClient(
        base_url, ServiceSigner(SERVICE_KEYS["followup"].private_pem, "followup"), connect_timeout=1, read_timeout=READ_TIMEOUT
    )


@pytest.fixture(scope="module")
async def callee_url():
    async with served(CALLEE) as url:
        yield url


@pytest.fixture
async def probe(callee_url):
    client = client_of(callee_url)
    yield client
    await client.close()


async def test_an_answer_is_its_json_sent_with_the_callers_own_assertion_for_the_callee(probe):
    answer = await probe.get_json("/things", {"year": 2027, "board": None, "include_predecessors": True, "closed": False})
    # A parameter without a value is left out; a flag is sent as the callee reads it.
    assert answer["query"] == {"year": "2027", "include_predecessors": "true", "closed": "false"}
    verifier = AssertionVerifier(
        None, "styrkedjan-gateway", audience="probe", service_keys={"followup": SERVICE_KEYS["followup"].public_pem}
    )
    assert verifier.verify(answer["assertion"]).service == "followup"


async def test_the_callers_request_id_is_passed_on(probe):
    token = request_id_var.set("req-7f3a")
    try:
        answer = await probe.get_json("/things")
    finally:
        request_id_var.reset(token)
    assert answer["request_id"] == "req-7f3a"
    assert (await probe.get_json("/things"))["request_id"] is None


async def test_a_callee_that_is_down_is_a_503_naming_it_with_retry_after():
    client = client_of(f"http://127.0.0.1:{closed_port()}")
    try:
        with pytest.raises(CalleeUnavailable) as refused:
            await client.get_json("/things")
    finally:
        await client.close()
    assert (refused.value.status, refused.value.slug) == (503, "callee-unavailable")
    assert refused.value.detail == "the probe service is unavailable"
    assert refused.value.headers is not None and int(refused.value.headers["Retry-After"]) > 0


async def test_the_calls_are_measured_by_callee_answered_or_not(callee_url):
    metrics = Metrics("followup")
    up = ProbeClient(callee_url, ServiceSigner(SERVICE_KEYS["followup"].private_pem, "followup"), meter=metrics.upstream("probe"))
    down = ProbeClient(f"http://127.0.0.1:{closed_port()}", up.signer, meter=metrics.upstream("probe"))
    try:
        await up.get_json("/things")
        with pytest.raises(CalleeUnavailable):
            await down.get_json("/things")
    finally:
        await up.close()
        await down.close()
    labels = {"app": "followup", "service": "probe"}
    assert metrics.registry.get_sample_value("upstream_request_duration_seconds_count", labels) == 1
    assert metrics.registry.get_sample_value("upstream_errors_total", labels | {"kind": "unavailable"}) == 1


async def test_a_callee_slower_than_the_read_timeout_is_a_504_naming_it(probe):
    started = time.monotonic()
    with pytest.raises(CalleeUnavailable) as refused:
        await probe.get_json("/slow")
    assert (refused.value.status, refused.value.detail) == (504, "the probe service did not answer in time")
    assert time.monotonic() - started < READ_TIMEOUT * 4  # the caller did not wait for the answer


async def test_a_callees_problem_is_a_502_carrying_its_status_and_detail(probe):
    with pytest.raises(CalleeRefused) as refused:
        await probe.get_json("/missing")
    assert (refused.value.status, refused.value.slug, refused.value.callee_status) == (502, "callee-refused", 404)
    assert refused.value.detail == "the probe service answered 404: no plan for 2027"


async def test_a_callees_answer_that_is_no_problem_document_is_a_502_with_its_status(probe):
    with pytest.raises(CalleeRefused) as refused:
        await probe.get_json("/broken")
    assert (refused.value.callee_status, refused.value.detail) == (500, "the probe service answered 500: status 500")


async def test_an_answer_that_is_not_json_is_a_502_naming_the_callee(probe):
    with pytest.raises(CalleeRefused) as refused:
        await probe.get_json("/not-json")
    assert (refused.value.status, refused.value.detail) == (502, "the probe service answered 200: the answer is not JSON")


async def test_the_client_serves_again_once_the_callee_is_back(probe):
    with pytest.raises(CalleeUnavailable):
        await probe.get_json("/slow")
    assert (await probe.get_json("/things"))["query"] == {}


# --- a caller's own client sees a problem, never a stack trace ---------------------------------


class CallerBase(Base):
    __abstract__ = True
    metadata = make_metadata()


class CallerEvent(AuditEventMixin, CallerBase):
    pass


KEYS = testing.TestKeys.generate()


def caller_app(callee_url: str, path: str, database: Path):
    """A service whose report reads `path` of the probe callee."""
    router = APIRouter(route_class=PolicyRoute)

    @router.get("/report", openapi_extra=allow(Role.REVISOR))
    async def report() -> dict[str, object]:
        client = client_of(callee_url)
        try:
            return {"plan": await client.get_json(path)}
        finally:
            await client.close()

    settings = ServiceSettings(
        database_url=f"sqlite+aiosqlite:///{database}", assertion_public_keys=KEYS.public_pem, environment="test", log_level="CRITICAL"
    )
    return create_service_app(
        name="caller", title="Caller", description="", settings=settings, routers=[router], auditor=Auditor(CallerEvent, {})
    )


@pytest.mark.parametrize(
    ("callee", "status", "detail"),
    [("down", 503, "the probe service is unavailable"), ("refusing", 502, "the probe service answered 404: no plan for 2027")],
)
async def test_the_callers_client_gets_a_problem_naming_the_callee(callee_url, callee, status, detail, tmp_path):
    database = tmp_path / "caller.db"
    app = (
        caller_app(f"http://127.0.0.1:{closed_port()}", "/things", database)
        if callee == "down"
        else caller_app(callee_url, "/missing", database)
    )
    async with running(app), httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://caller") as http:
        headers = assertion_headers(KEYS, "caller", principal(Role.REVISOR)) | {"x-request-id": "req-1"}
        response = await http.get("/api/caller/v1/report", headers=headers)
    assert (response.status_code, response.headers["content-type"]) == (status, "application/problem+json")
    body = response.json()
    assert (body["status"], body["detail"], body["request_id"]) == (status, detail, "req-1")
    assert ("retry-after" in response.headers) == (status == 503)
