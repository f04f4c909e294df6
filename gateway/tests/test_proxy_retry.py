"""A connection the service closed does not surface as a 502 to the next client.

A kept-alive connection the service closes just as it is reused: aiohttp sends a bodiless
idempotent request once more on another connection, a request with a body never twice. A service
that closed its connections (after a 500, while idle, or because it stopped) is simply connected to
again, and one that is gone is a 503.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

from gateway.proxy.forward import forward
from gateway.proxy.upstream import Upstream
from styrkedjan_common.problems import PROBLEM_MEDIA_TYPE

WAIT = 5.0
OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


async def _call(upstream: Upstream, method: str = "GET", path: str = "/api/budget/v1/x", body: bytes = b"") -> list[dict[str, Any]]:
    headers = [(b"content-length", str(len(body)).encode())] if body else []
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": headers,
        "scheme": "http",
        "client": ("127.0.0.1", 1),
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await asyncio.wait_for(forward(scope, receive, send, upstream, assertion="token", request_id="rid"), WAIT)
    return sent


async def _answers_once_per_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, service: Any) -> None:
    """Answer the first request of a connection; drop the connection when the next one arrives."""
    service.requests.append(await reader.readuntil(b"\r\n\r\n"))
    writer.write(OK)
    await writer.drain()
    service.requests.append(await reader.readuntil(b"\r\n\r\n"))


async def test_a_get_on_a_connection_the_service_drops_as_it_is_reused_is_sent_again_on_a_fresh_one(serve_raw, make_upstream):
    async with serve_raw(_answers_once_per_connection) as service:
        upstream = make_upstream(service.url, max_connections=1)
        assert (await _call(upstream))[0]["status"] == 200
        second = await _call(upstream)  # reuses the kept-alive connection, which the service drops
        assert second[0]["status"] == 200
        assert second[-1]["body"] == b"{}"
        assert service.connections == 2


async def test_a_bodiless_delete_is_sent_again_too(serve_raw, make_upstream):
    async with serve_raw(_answers_once_per_connection) as service:
        upstream = make_upstream(service.url, max_connections=1)
        assert (await _call(upstream))[0]["status"] == 200
        assert (await _call(upstream, "DELETE"))[0]["status"] == 200


async def test_a_post_is_never_sent_twice(serve_raw, make_upstream):
    async with serve_raw(_answers_once_per_connection) as service:
        upstream = make_upstream(service.url, max_connections=1)
        assert (await _call(upstream))[0]["status"] == 200
        start, body = await _call(upstream, "POST", body=b'{"a": 1}')
        # No answer came back before the connection closed: the service is unavailable, not wrong.
        assert (start["status"], dict(start["headers"])[b"retry-after"]) == (503, b"5")
        assert dict(start["headers"])[b"content-type"] == PROBLEM_MEDIA_TYPE.encode()
        assert "budget" in orjson.loads(body["body"])["detail"]
        assert [request.split(b" ", 1)[0] for request in service.requests] == [b"GET", b"POST"]
        assert service.connections == 1


async def _crashes_on_boom(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["path"] == "/boom":
        raise RuntimeError("the service failed")  # uvicorn answers 500 with Connection: close
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"{}"})


async def test_after_a_500_that_closed_the_connection_the_next_get_is_answered(serve, make_upstream):
    async with serve(_crashes_on_boom) as url:
        upstream = make_upstream(url, max_connections=1)
        assert (await _call(upstream))[0]["status"] == 200
        crashed = await _call(upstream, path="/boom")
        assert crashed[0]["status"] == 500  # the service's own answer, passed on
        for _ in range(3):
            assert (await _call(upstream))[0]["status"] == 200


async def test_a_connection_the_service_closed_while_idle_is_not_reused(serve, make_upstream):
    async with serve(_crashes_on_boom, timeout_keep_alive=0.05) as url:
        upstream = make_upstream(url, max_connections=1)
        for _ in range(3):
            assert (await _call(upstream))[0]["status"] == 200
            await asyncio.sleep(0.15)  # the service closes the idle connection meanwhile


async def test_a_service_that_stopped_is_a_503_then_answers_again_when_it_is_back(serve, make_upstream):
    async with serve(_crashes_on_boom) as url:
        upstream = make_upstream(url, max_connections=2)
        assert (await _call(upstream))[0]["status"] == 200
    for _ in range(2):  # its kept-alive connections are gone, and so is the service
        start, body = await _call(upstream)
        assert start["status"] == 503
        assert (b"retry-after", b"5") in start["headers"]
        document = orjson.loads(body["body"])
        assert document["type"] == "urn:styrkedjan:problem:upstream-unavailable"
        assert "budget" in document["detail"]
    port = int(url.rsplit(":", 1)[1])
    async with serve(_crashes_on_boom, port=port):
        assert (await _call(upstream))[0]["status"] == 200
