"""A busy gateway or service answers 503 with Retry-After at once, never 500 or 502, and recovers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest

from gateway.proxy.forward import forward

pytestmark = pytest.mark.usefixtures("demo_directory")


def assert_overloaded(response: Any, problem: Any, retry_after: str) -> None:
    body = problem(response, 503)
    assert body["type"] == "urn:styrkedjan:problem:overloaded"
    assert response.headers["retry-after"] == retry_after


async def test_a_busy_services_503_and_its_retry_after_are_passed_on_as_they_are(serve, make_upstream):
    busy = b'{"type":"urn:styrkedjan:problem:overloaded","title":"Service Unavailable","status":503}'

    async def refuses(scope: Any, receive: Any, send: Any) -> None:
        headers = [(b"content-type", b"application/problem+json"), (b"retry-after", b"1"), (b"content-length", str(len(busy)).encode())]
        await send({"type": "http.response.start", "status": 503, "headers": headers})
        await send({"type": "http.response.body", "body": busy})

    sent: list[dict[str, Any]] = []

    async def record(message: dict[str, Any]) -> None:
        sent.append(message)

    async def nothing() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/api/budget/v1/x",
        "raw_path": b"/api/budget/v1/x",
        "query_string": b"",
        "headers": [],
    }
    async with serve(refuses) as url:
        await asyncio.wait_for(forward(scope, nothing, record, make_upstream(url), "assertion", "rid"), 5)
    start, body = sent
    assert start["status"] == 503
    assert (b"retry-after", b"1") in start["headers"]
    assert body["body"] == busy


async def test_requests_beyond_the_gateways_admission_bound_are_refused_quickly_and_it_recovers(start_gateway, as_user, problem):
    async with start_gateway(max_concurrent_requests=1, admission_wait_seconds=0.05, retry_after_seconds=2) as (_gateway, client):
        release = asyncio.Event()

        async def slow_upload() -> AsyncIterator[bytes]:
            yield b'{"subject": '
            await release.wait()  # the upload keeps its place until the test lets it go
            yield b'"kf.demo"}'

        holding = asyncio.create_task(client.post("/api/auth/dev-token", content=slow_upload()))
        await asyncio.sleep(0.05)
        started = time.monotonic()
        refused = await client.get("/api/me", headers=as_user("kf.demo"))
        assert time.monotonic() - started < 1
        assert_overloaded(refused, problem, "2")
        assert (await client.get("/livez")).status_code == 200  # still seen alive
        release.set()
        assert (await holding).status_code == 200
        assert (await client.get("/api/me", headers=as_user("kf.demo"))).status_code == 200


async def test_an_exhausted_directory_pool_is_a_quick_503_with_retry_after_and_the_gateway_recovers(start_gateway, as_user, problem):
    async with start_gateway(database_pool_size=1, database_pool_timeout_seconds=0.2, retry_after_seconds=3) as (gateway, client):
        caller = as_user("kf.demo")
        assert (await client.get("/api/me", headers=caller)).status_code == 200  # the caller is now known (cached)
        held = await gateway.api.state.engine.connect()  # the pool's only connection, taken
        try:
            started = time.monotonic()
            assert_overloaded(await client.get("/api/directory/v1/org-units", headers=caller), problem, "3")  # the API's own read
            gateway.api.state.resolver.invalidate()
            assert_overloaded(await client.get("/api/me", headers=caller), problem, "3")  # authentication's read of the directory
            assert time.monotonic() - started < 2
        finally:
            await held.close()
        assert (await client.get("/api/directory/v1/org-units", headers=caller)).status_code == 200
        assert (await client.get("/api/me", headers=caller)).status_code == 200


SLOW_SERVICE = {
    "openapi": "3.1.0",
    "info": {"title": "budget", "version": "1"},
    "paths": {
        "/api/budget/v1/slow": {"get": {"operationId": "slow-get", "x-roles": ["fullmaktige"], "responses": {"200": {"description": "OK"}}}}
    },
}


async def test_a_busy_services_excess_is_refused_at_the_gateway_while_the_rest_is_served(serve, start_gateway, as_user, problem):
    release = asyncio.Event()
    reached: list[str] = []

    async def service(scope: Any, receive: Any, send: Any) -> None:
        if scope["path"] == "/openapi.json":
            body = orjson.dumps(SLOW_SERVICE)
        else:
            reached.append(scope["path"])
            await release.wait()  # the request keeps its place until the test lets it go
            body = b"{}"
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})

    caller = as_user("kf.demo")
    async with (
        serve(service) as url,
        start_gateway(budget_url=url, upstream_max_concurrent_requests=1, admission_wait_seconds=0.05) as (_gateway, client),
    ):
        holding = asyncio.create_task(client.get("/api/budget/v1/slow", headers=caller))
        while not reached:
            await asyncio.sleep(0.01)
        started = time.monotonic()
        refused = await asyncio.wait_for(client.get("/api/budget/v1/slow", headers=caller), 2)
        assert time.monotonic() - started < 1
        assert_overloaded(refused, problem, "1")
        assert reached == ["/api/budget/v1/slow"]  # the refused request never reached the service
        assert (await client.get("/api/me", headers=caller)).status_code == 200  # the rest is served
        release.set()
        assert (await holding).status_code == 200
        assert (await client.get("/api/budget/v1/slow", headers=caller)).status_code == 200
