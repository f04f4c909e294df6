"""A kept-alive connection the service closes just as it is reused: a bodiless idempotent request
is sent once more on a fresh connection (gateway/upstream.py does this for the proxy), a request with a body
never twice."""

import asyncio

import pytest

from gateway.proxy.forward import forward
from gateway.proxy.upstream import Upstream


async def _serve_once_per_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answer the first request of a connection, then drop the connection at the next one."""
    await reader.readuntil(b"\r\n\r\n")
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")
    await writer.drain()
    try:
        await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        pass
    writer.close()


@pytest.fixture
async def upstream():
    server = await asyncio.start_server(_serve_once_per_connection, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    service = Upstream("budget", f"http://127.0.0.1:{port}", connect_timeout=2, read_timeout=5, max_connections=1)
    await service.open()
    yield service
    await service.close()
    server.close()
    await server.wait_closed()


async def _call(upstream: Upstream, method: str, body: bytes = b"") -> list[dict]:
    headers = [(b"content-length", str(len(body)).encode())] if body else []
    scope = {"type": "http", "method": method, "path": "/api/budget/v1/x", "raw_path": b"/api/budget/v1/x",
             "query_string": b"", "headers": headers, "scheme": "http", "client": ("127.0.0.1", 1)}
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    await forward(scope, receive, send, upstream, assertion="token", request_id="rid")
    return sent


async def test_a_get_on_a_connection_the_service_closed_is_sent_again(upstream):
    assert (await _call(upstream, "GET"))[0]["status"] == 200
    second = await _call(upstream, "GET")  # reuses the kept-alive connection, which the service drops
    assert second[0]["status"] == 200
    assert second[-1]["body"] == b"{}"


async def test_a_request_with_a_body_is_never_sent_twice(upstream):
    assert (await _call(upstream, "GET"))[0]["status"] == 200
    second = await _call(upstream, "POST", b'{"a": 1}')
    assert second[0]["status"] == 502
    assert b"budget" in second[-1]["body"]
