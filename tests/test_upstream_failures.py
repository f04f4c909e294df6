"""A service that is down or too slow fails alone, as a problem document naming it; the rest answers.

The 503 test stops the real budget process and starts it again afterwards. The 504 test points a
second gateway process at a fake budget that describes its API at once but never answers a call,
with a one-second read timeout; the same gateway's followup points at a port nobody listens on.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from tests.support import VISIONS
from tools.stack import GATEWAY, free_port, stop

BUDGET_AUDIT = "/api/budget/v1/audit-events"
FOLLOWUP_AUDIT = "/api/followup/v1/audit-events"
READ_TIMEOUT_SECONDS = 1
HANG_AT_MOST_SECONDS = 10.0
FAKE_BUDGET_OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "A budget service that never answers", "version": "1.0.0"},
    "paths": {
        BUDGET_AUDIT: {
            "get": {"operationId": "audit-list-audit-events", "x-roles": ["revisor", "admin"], "responses": {"200": {"description": "OK"}}}
        }
    },
}


def assert_problem(response: httpx.Response, status: int, service: str, slug: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"] == f"urn:styrkedjan:problem:{slug}"
    assert body["status"] == status
    assert service in body["detail"], body


def test_a_stopped_service_is_503_naming_it_while_the_others_answer(system: Any) -> None:
    with system.client("revisor.demo") as revisor:
        assert revisor.get(BUDGET_AUDIT).status_code == 200
        system.stop("budget")
        try:
            for _ in range(3):  # also once the gateway's pooled connections to it are gone
                response = revisor.get(BUDGET_AUDIT)
                assert_problem(response, 503, "budget", "upstream-unavailable")
                assert response.headers.get("retry-after")
            assert revisor.get(VISIONS).status_code == 200
            assert revisor.get("/api/goals/v1/audit-events").status_code == 200
            assert revisor.get("/api/directory/v1/audit-events").status_code == 200
            with system.client() as anonymous:
                assert anonymous.get("/openapi.json").status_code == 200
        finally:
            system.start("budget")
        assert revisor.get(BUDGET_AUDIT).status_code == 200, "the gateway did not recover when budget came back"


class FakeBudget(BaseHTTPRequestHandler):
    """Describes its API at once; hangs on every call (bounded, and released at teardown)."""

    release: threading.Event
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # the name http.server dispatches to
        if self.path.split("?")[0] == "/openapi.json":
            body = json.dumps(FAKE_BUDGET_OPENAPI).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        self.release.wait(HANG_AT_MOST_SECONDS)
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass


@pytest.fixture(scope="module")
def slow_gateway(system: Any) -> Iterator[str]:
    """A second gateway: budget is the hanging fake, followup a port where nothing listens."""
    release = threading.Event()
    handler = type("Handler", (FakeBudget,), {"release": release})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    stack = dataclasses.replace(
        system.stack,
        ports={**system.stack.ports, "gateway": free_port()},
        extra_env={
            "gateway": {
                "GATEWAY_BUDGET_URL": f"http://127.0.0.1:{server.server_address[1]}",
                "GATEWAY_FOLLOWUP_URL": f"http://127.0.0.1:{free_port()}",
                "GATEWAY_UPSTREAM_READ_TIMEOUT_SECONDS": str(READ_TIMEOUT_SECONDS),
            }
        },
    )
    process = stack.start(GATEWAY, log_file=system.log_dir / "gateway-slow-upstream.log")
    try:
        stack.wait_live(GATEWAY, process=process)
        yield stack.url("gateway")
    finally:
        stop(process)
        release.set()
        server.shutdown()
        server.server_close()


def test_a_service_that_does_not_answer_in_time_is_504_naming_it(system: Any, slow_gateway: str) -> None:
    headers = {"Authorization": f"Bearer {system.tokens['revisor.demo']}"}
    with httpx.Client(base_url=slow_gateway, headers=headers, timeout=HANG_AT_MOST_SECONDS) as revisor:
        started = time.monotonic()
        response = revisor.get(BUDGET_AUDIT, headers={"X-Request-ID": "systest-slow-upstream"})
        elapsed = time.monotonic() - started
        assert_problem(response, 504, "budget", "upstream-timeout")
        assert response.headers["x-request-id"] == "systest-slow-upstream"
        assert READ_TIMEOUT_SECONDS * 0.9 <= elapsed < READ_TIMEOUT_SECONDS + 3, f"answered after {elapsed:.2f} s"
        assert revisor.get(VISIONS).status_code == 200


def test_a_service_unreachable_since_the_gateway_started_is_503_naming_it(system: Any, slow_gateway: str) -> None:
    headers = {"Authorization": f"Bearer {system.tokens['revisor.demo']}"}
    with httpx.Client(base_url=slow_gateway, headers=headers, timeout=HANG_AT_MOST_SECONDS) as revisor:
        response = revisor.get(FOLLOWUP_AUDIT)
        assert_problem(response, 503, "followup", "upstream-unavailable")
        assert revisor.get("/api/internal-control/v1/audit-events").status_code == 200
        merged = revisor.get("/openapi.json")
        assert merged.status_code == 200
        assert not any(p.startswith("/api/followup/") for p in merged.json()["paths"])
        assert any(p.startswith("/api/goals/") for p in merged.json()["paths"])
