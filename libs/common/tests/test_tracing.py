"""Tracing across the apps: a request sent with a W3C `traceparent` is served in a span of the
caller's trace, its SQL statements in spans beneath it, the spans reach a real OTLP/HTTP collector
(a local HTTP server), and every log line written for the request carries the trace id. A call to
another service takes the current span along as its parent. Off, no span is made."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from fastapi import APIRouter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import TracerProvider
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from styrkedjan_common.app import create_service_app
from styrkedjan_common.audit import AuditEventMixin, Auditor
from styrkedjan_common.clients import ServiceClient
from styrkedjan_common.db import Base, SessionDep, make_metadata
from styrkedjan_common.identity import Role, ServiceSigner
from styrkedjan_common.security import PolicyRoute, allow
from styrkedjan_common.settings import ServiceSettings
from styrkedjan_common.testing import SERVICE_KEYS, assertion_headers, principal, running, served
from styrkedjan_common.testing import TestKeys as Keys

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
CALLER_SPAN = "b7ad6b7169203331"
TRACEPARENT = f"00-{TRACE_ID}-{CALLER_SPAN}-01"
KEYS = Keys.generate()


class TracingProbeBase(Base):
    __abstract__ = True
    metadata = make_metadata()


class TracingProbeAuditEvent(AuditEventMixin, TracingProbeBase):
    pass


router = APIRouter(tags=["probe"], route_class=PolicyRoute)


@router.get("/answer", openapi_extra=allow(Role.ADMIN))
async def read_answer(session: SessionDep) -> dict[str, int]:
    return {"answer": await session.scalar(text("SELECT 42"))}


class Collector(BaseHTTPRequestHandler):
    """An OTLP/HTTP traces endpoint: keeps every span it is sent."""

    spans: list[object] = []

    def do_POST(self) -> None:
        request = ExportTraceServiceRequest()
        request.ParseFromString(self.rfile.read(int(self.headers["content-length"])))
        for resource in request.resource_spans:
            for scope in resource.scope_spans:
                Collector.spans.extend(scope.spans)
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[str]:
    """The collector's traces URL, served from a thread of its own: the app's exporter posts to
    it while the app's event loop waits for the export at shutdown."""
    Collector.spans = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1/traces"
    server.shutdown()
    server.server_close()


def probe_app(database: Path, endpoint: str | None):
    settings = ServiceSettings(
        database_url=f"sqlite+aiosqlite:///{database}",
        assertion_public_keys=KEYS.public_pem,
        environment="test",
        otlp_traces_endpoint=endpoint,
    )
    return create_service_app(
        name="probe", title="Probe", description="", settings=settings, routers=[router], auditor=Auditor(TracingProbeAuditEvent, {})
    )


async def _answer(app) -> httpx.Response:
    headers = assertion_headers(KEYS, "probe", principal(Role.ADMIN)) | {"traceparent": TRACEPARENT}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://probe") as client:
        return await client.get("/api/probe/v1/answer", headers=headers)


async def test_a_request_is_traced_in_the_callers_trace_with_its_sql_and_the_spans_reach_the_collector(collector, tmp_path, capsys):
    app = probe_app(tmp_path / "probe.db", collector)
    async with running(app):
        response = await _answer(app)
    assert response.status_code == 200
    spans = [s for s in Collector.spans if s.trace_id.hex() == TRACE_ID]
    [server] = [s for s in spans if s.parent_span_id.hex() == CALLER_SPAN]
    assert server.name.startswith("GET")
    sql = [s for s in spans if s.name.startswith("SELECT")]
    assert sql and all(s.parent_span_id != b"" for s in sql)
    # The access line, written as the request ends, carries the trace and the request's span.
    [access] = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"event": "request"' in line]
    assert access["trace_id"] == TRACE_ID and access["span_id"] == server.span_id.hex()


async def test_without_a_collector_nothing_is_traced(tmp_path, capsys):
    app = probe_app(tmp_path / "probe.db", None)
    async with running(app):
        assert (await _answer(app)).status_code == 200
    assert "trace_id" not in capsys.readouterr().out


async def test_a_call_to_another_service_takes_the_current_span_as_its_parent():
    async def echo(request: Request) -> JSONResponse:
        return JSONResponse({"traceparent": request.headers.get("traceparent")})

    class Callee(ServiceClient):
        callee = "probe"
        prefix = "/api/probe/v1"

    tracer = TracerProvider().get_tracer("followup")
    async with served(Starlette(routes=[Route("/api/probe/v1/echo", echo)])) as url:
        client = Callee(url, ServiceSigner(SERVICE_KEYS["followup"].private_pem, "followup"))
        try:
            with tracer.start_as_current_span("GET /reports/{id}/refresh") as span:
                sent = (await client.get_json("/echo"))["traceparent"]
        finally:
            await client.close()
    context = span.get_span_context()
    assert sent.split("-")[1:3] == [f"{context.trace_id:032x}", f"{context.span_id:016x}"]
