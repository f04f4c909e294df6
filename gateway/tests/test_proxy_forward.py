"""The proxy against real services (uvicorn on 127.0.0.1): what goes to the service and what comes
back, both bodies streamed, and a typed problem naming the service for each way a hop fails."""

from __future__ import annotations

import asyncio
import gzip
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import pytest
from opentelemetry.sdk.trace import TracerProvider

from gateway.proxy.forward import WHOLE_BODY_LIMIT, forward
from gateway.proxy.registry import ServiceRegistry
from gateway.proxy.upstream import Upstream
from styrkedjan_common.metrics import Metrics
from styrkedjan_common.problems import PROBLEM_MEDIA_TYPE

WAIT = 5.0  # no test step may take longer than this
MIB = 1024 * 1024

Message = dict[str, Any]


def scope_for(
    method: str = "GET", headers: list[tuple[bytes, bytes]] | None = None, raw_path: bytes = b"/api/budget/v1/x", query: bytes = b"a=1"
) -> dict[str, Any]:
    return {
        "type": "http",
        "method": method,
        "path": raw_path.decode(),
        "raw_path": raw_path,
        "query_string": query,
        "headers": headers or [],
        "scheme": "http",
        "client": ("10.1.2.3", 5000),
    }


def body_of(*pieces: bytes) -> Callable[[], Awaitable[Message]]:
    """An ASGI receive that gives the request body in these pieces."""
    queue = list(pieces) or [b""]

    async def receive() -> Message:
        piece = queue.pop(0)
        return {"type": "http.request", "body": piece, "more_body": bool(queue)}

    return receive


async def call(
    upstream: Upstream,
    scope: dict[str, Any],
    receive: Callable[[], Awaitable[Message]] | None = None,
    send: Callable[[Message], Awaitable[None]] | None = None,
    traced: bool = False,
) -> list[Message]:
    """Forward one request; the ASGI messages the gateway's client would get."""
    sent: list[Message] = []

    async def record(message: Message) -> None:
        sent.append(message)
        if send is not None:
            await send(message)

    await asyncio.wait_for(forward(scope, receive or body_of(), record, upstream, "signed-assertion", "gateway-rid", traced), WAIT)
    return sent


def problem_of(sent: list[Message], status: int) -> dict[str, Any]:
    start, body = sent
    assert start["status"] == status
    headers = dict(start["headers"])
    assert headers[b"content-type"] == PROBLEM_MEDIA_TYPE.encode()
    document = orjson.loads(body["body"])
    assert document["status"] == status
    assert "budget" in document["detail"]
    return document


class Recorder:
    """An ASGI service that keeps what each request brought and answers `{}` (or as told)."""

    def __init__(self, answer: Callable[[dict[str, Any], Any, Any], Awaitable[None]] | None = None) -> None:
        self.scopes: list[dict[str, Any]] = []
        self.bodies: list[bytes] = []
        self.answer = answer

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.scopes.append(scope)
        if self.answer is not None:
            await self.answer(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.bodies.append(body)
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json"), (b"content-length", b"2")]}
        )
        await send({"type": "http.response.body", "body": b"{}"})

    def headers(self, index: int = 0) -> list[tuple[bytes, bytes]]:
        return list(self.scopes[index]["headers"])


def answer_with(status: int, headers: list[tuple[bytes, bytes]], body: bytes = b"") -> Callable[[Any, Any, Any], Awaitable[None]]:
    async def answer(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return answer


# What goes to the service


async def test_client_identity_is_stripped_and_the_gateways_assertion_request_id_and_forwarding_are_added(serve, make_upstream):
    client_headers = [
        (b"host", b"gateway.example"),
        (b"authorization", b"Bearer client-token"),
        (b"cookie", b"session=abc"),
        (b"x-identity-assertion", b"forged"),
        (b"x-user-id", b"42"),
        (b"x-user-roles", b"admin"),
        (b"x-forwarded-for", b"6.6.6.6"),
        (b"x-request-id", b"client-rid"),
        (b"expect", b"100-continue"),
        (b"accept", b"application/json"),
        (b"content-type", b"application/json"),
        (b"content-length", b"7"),
    ]
    service = Recorder()
    async with serve(service) as url:
        sent = await call(make_upstream(url), scope_for("POST", client_headers), body_of(b'{"a":1}'))
    assert sent[0]["status"] == 200
    port = url.rsplit(":", 1)[1].encode()
    # Exactly these: aiohttp adds nothing of its own (no User-Agent, Accept-Encoding, Content-Type).
    assert sorted(service.headers()) == sorted(
        [
            (b"host", b"127.0.0.1:" + port),
            (b"accept", b"application/json"),
            (b"content-type", b"application/json"),
            (b"content-length", b"7"),
            (b"x-forwarded-for", b"10.1.2.3"),
            (b"x-forwarded-proto", b"http"),
            (b"x-identity-assertion", b"signed-assertion"),
            (b"x-request-id", b"gateway-rid"),
        ]
    )
    assert service.bodies == [b'{"a":1}']


CLIENT_TRACE = b"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


async def test_without_tracing_the_clients_trace_context_goes_on_as_it_came(serve, make_upstream):
    service = Recorder()
    async with serve(service) as url:
        await call(make_upstream(url), scope_for("GET", [(b"traceparent", CLIENT_TRACE), (b"tracestate", b"kommun=1")]))
    assert (b"traceparent", CLIENT_TRACE) in service.headers() and (b"tracestate", b"kommun=1") in service.headers()


async def test_with_tracing_the_service_is_sent_the_gateways_span_as_parent(serve, make_upstream):
    service = Recorder()
    tracer = TracerProvider().get_tracer("gateway")
    async with serve(service) as url:
        with tracer.start_as_current_span("GET /api/budget/v1/x") as span:
            await call(make_upstream(url), scope_for("GET", [(b"traceparent", CLIENT_TRACE)]), traced=True)
    sent = [value for name, value in service.headers() if name == b"traceparent"]
    context = span.get_span_context()
    assert sent == [f"00-{context.trace_id:032x}-{context.span_id:016x}-{int(context.trace_flags):02x}".encode()]


async def test_a_bodiless_get_goes_on_with_only_the_gateways_headers(serve, make_upstream):
    service = Recorder()
    async with serve(service) as url:
        await call(make_upstream(url), scope_for())
    names = sorted(name for name, _ in service.headers())
    assert names == [b"host", b"x-forwarded-for", b"x-forwarded-proto", b"x-identity-assertion", b"x-request-id"]


async def test_the_path_and_query_go_on_as_the_client_encoded_them_under_the_base_path(serve, make_upstream):
    service = Recorder()
    async with serve(service) as url:
        scope = scope_for(raw_path=b"/api/budget/v1/a%2Fb%20c/%C3%A5", query=b"q=%2F%20&x=1+2")
        assert (await call(make_upstream(url + "/base"), scope))[0]["status"] == 200
    assert service.scopes[0]["raw_path"] == b"/base/api/budget/v1/a%2Fb%20c/%C3%A5"
    assert service.scopes[0]["query_string"] == b"q=%2F%20&x=1+2"


async def test_headers_the_client_named_in_connection_and_a_chunked_bodys_length_do_not_go_on(serve, make_upstream):
    client_headers = [
        (b"transfer-encoding", b"chunked"),
        (b"content-length", b"5"),
        (b"connection", b"keep-alive, x-hop"),
        (b"x-hop", b"1"),
    ]
    service = Recorder()
    async with serve(service) as url:
        await call(make_upstream(url), scope_for("POST", client_headers), body_of(b"hel", b"lo"))
    names = [name for name, _ in service.headers()]
    assert (b"transfer-encoding", b"chunked") in service.headers()
    assert b"content-length" not in names and b"connection" not in names and b"x-hop" not in names
    assert service.bodies == [b"hello"]


async def test_a_large_request_body_is_streamed_to_the_service_as_it_arrives(serve, make_upstream):
    piece = bytes(range(256)) * 4096  # 1 MiB
    service_has_some = asyncio.Event()
    received: list[int] = []

    async def reads_in_pieces(scope: Any, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            received.append(len(message.get("body", b"")))
            if sum(received) >= MIB:
                service_has_some.set()
            if not message.get("more_body"):
                break
        await answer_with(200, [(b"content-length", b"0")])(scope, receive, send)

    pieces = [piece] * 16

    async def client_body() -> Message:
        if len(pieces) == 1:  # the last piece comes only once the service has the first: nothing waits for the whole
            await asyncio.wait_for(service_has_some.wait(), WAIT)
        return {"type": "http.request", "body": pieces.pop(0), "more_body": len(pieces) > 0}

    async with serve(Recorder(reads_in_pieces)) as url:
        headers = [(b"content-length", b"%d" % (16 * MIB))]
        assert (await call(make_upstream(url), scope_for("PUT", headers), client_body))[0]["status"] == 200
    assert sum(received) == 16 * MIB
    assert len(received) > 1


async def test_a_client_that_leaves_during_its_upload_does_not_give_the_service_a_complete_body(serve, make_upstream):
    completed: list[bytes] = []
    disconnected = asyncio.Event()

    async def keeps_reading(scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                disconnected.set()
                return
            body += message.get("body", b"")
            if not message.get("more_body"):
                completed.append(body)
                await answer_with(200, [(b"content-length", b"0")])(scope, receive, send)
                return

    messages = [{"type": "http.request", "body": b"first part", "more_body": True}, {"type": "http.disconnect"}]

    async def leaves() -> Message:
        return messages.pop(0)

    async with serve(Recorder(keeps_reading)) as url:
        sent = await call(make_upstream(url), scope_for("POST", [(b"transfer-encoding", b"chunked")]), leaves)
        await asyncio.wait_for(disconnected.wait(), WAIT)
    assert completed == []
    assert sent == []  # no one is left to answer


# What comes back


async def test_a_small_response_is_passed_on_whole_without_the_hop_and_gateway_owned_headers(serve, make_upstream):
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", b"2"),
        (b"location", b"/api/budget/v1/x/1"),
        (b"x-custom", b"kept"),
        (b"set-cookie", b"session=stolen"),
        (b"x-request-id", b"service-rid"),
        (b"connection", b"keep-alive"),
        (b"keep-alive", b"timeout=5"),
    ]
    async with serve(Recorder(answer_with(201, headers, b"{}")), server_header=True, date_header=True) as url:
        sent = await call(make_upstream(url), scope_for("POST", [(b"content-length", b"2")]), body_of(b"{}"))
    start, body = sent
    assert start["status"] == 201
    assert start["headers"] == [
        (b"content-type", b"application/json"),
        (b"content-length", b"2"),
        (b"location", b"/api/budget/v1/x/1"),
        (b"x-custom", b"kept"),
    ]
    assert body == {"type": "http.response.body", "body": b"{}"}


async def test_a_compressed_response_is_passed_on_as_the_service_sent_it(serve, make_upstream):
    compressed = gzip.compress(b'{"big": "' + b"x" * 5000 + b'"}')
    headers = [(b"content-type", b"application/json"), (b"content-encoding", b"gzip"), (b"content-length", b"%d" % len(compressed))]
    async with serve(Recorder(answer_with(200, headers, compressed))) as url:
        start, body = await call(make_upstream(url), scope_for(headers=[(b"accept-encoding", b"gzip")]))
    assert (b"content-encoding", b"gzip") in start["headers"]
    assert body["body"] == compressed


async def test_a_redirect_is_the_clients_to_follow(serve, make_upstream):
    service = Recorder(answer_with(307, [(b"location", b"/elsewhere"), (b"content-length", b"0")]))
    async with serve(service) as url:
        start, _ = await call(make_upstream(url), scope_for())
    assert start["status"] == 307
    assert (b"location", b"/elsewhere") in start["headers"]
    assert len(service.scopes) == 1


async def test_a_head_response_keeps_its_length_and_has_no_body(serve, make_upstream):
    headers = [(b"content-type", b"application/json"), (b"content-length", b"1234")]
    async with serve(Recorder(answer_with(200, headers))) as url:
        start, body = await call(make_upstream(url), scope_for("HEAD"))
    assert (b"content-length", b"1234") in start["headers"]
    assert body["body"] == b""


@pytest.mark.parametrize("framing", ["length", "chunked"])
async def test_a_large_response_is_streamed_to_the_client_as_it_arrives(serve, make_upstream, framing):
    piece = bytes(range(256)) * 1024  # 256 KiB
    client_has_some = asyncio.Event()

    async def streams(scope: Any, receive: Any, send: Any) -> None:
        headers = [(b"content-type", b"application/octet-stream")]
        if framing == "length":
            headers.append((b"content-length", b"%d" % (8 * len(piece))))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for index in range(8):
            if index == 7:  # the last piece goes only once the client has the first
                await asyncio.wait_for(client_has_some.wait(), WAIT)
            await send({"type": "http.response.body", "body": piece, "more_body": index < 7})

    async def client(message: Message) -> None:
        if message.get("body"):
            client_has_some.set()

    async with serve(Recorder(streams)) as url:
        upstream = make_upstream(url)
        start, *bodies, last = await call(upstream, scope_for(), send=client)
        assert start["status"] == 200
        assert all(m["more_body"] is True and 0 < len(m["body"]) <= 64 * 1024 for m in bodies)
        assert last == {"type": "http.response.body", "body": b""}
        assert b"".join(m["body"] for m in bodies) == piece * 8
        assert b"transfer-encoding" not in dict(start["headers"])
        assert (await call(upstream, scope_for()))[0]["status"] == 200  # the connection is still good
    assert 8 * len(piece) > WHOLE_BODY_LIMIT


async def test_a_body_the_service_cuts_short_is_cut_short_for_the_client(serve_raw, make_upstream):
    async def cuts(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, service: Any) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (2 * WHOLE_BODY_LIMIT) + b"x" * 1000)
        await writer.drain()

    async with serve_raw(cuts) as service:
        sent = await call(make_upstream(service.url), scope_for())
    assert sent[0]["status"] == 200
    assert sent[-1].get("more_body") is True  # never completed, and no problem appended to a begun response


# Failures: a problem naming the service


async def test_a_service_nobody_listens_for_is_a_503_with_retry_after(closed_port, make_upstream):
    upstream = make_upstream(f"http://127.0.0.1:{closed_port}")
    for _ in range(2):  # the failed attempt leaves the pool usable
        sent = await call(upstream, scope_for())
        document = problem_of(sent, 503)
        assert document["type"] == "urn:styrkedjan:problem:upstream-unavailable"
        assert (b"retry-after", b"5") in sent[0]["headers"]


async def test_a_service_that_does_not_answer_in_time_is_a_504(serve, make_upstream):
    release = asyncio.Event()

    async def hangs(scope: Any, receive: Any, send: Any) -> None:
        await release.wait()

    async with serve(Recorder(hangs)) as url:
        started = time.monotonic()
        try:
            sent = await call(make_upstream(url, read_timeout=0.3), scope_for())
        finally:
            release.set()
    assert 0.25 <= time.monotonic() - started < 2
    assert problem_of(sent, 504)["type"] == "urn:styrkedjan:problem:upstream-timeout"


async def test_a_slow_but_steady_service_does_not_time_out(serve, make_upstream):
    async def trickles(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"%d" % (4 * WHOLE_BODY_LIMIT))]})
        for _ in range(4):
            await asyncio.sleep(0.15)  # each gap is well under the time-out, the total is not
            await send({"type": "http.response.body", "body": b"x" * WHOLE_BODY_LIMIT, "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    async with serve(Recorder(trickles)) as url:
        sent = await call(make_upstream(url, read_timeout=0.3), scope_for())
    assert sum(len(m.get("body", b"")) for m in sent[1:]) == 4 * WHOLE_BODY_LIMIT


async def test_a_service_that_answers_garbage_is_a_502(serve_raw, make_upstream):
    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, service: Any) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"garbage\r\n\r\n")
        await writer.drain()

    async with serve_raw(garbage) as service:
        sent = await call(make_upstream(service.url), scope_for())
    assert problem_of(sent, 502)["type"] == "urn:styrkedjan:problem:upstream-error"


def test_a_service_url_that_is_not_http_is_refused():
    with pytest.raises(ValueError, match="budget"):
        Upstream(
            "budget", "ftp://budget:8000", connect_timeout=1, read_timeout=1, max_connections=1, meter=Metrics("gateway").upstream("budget")
        )


# The registry reads each service's description through the same client


OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "budget", "version": "1"},
    "paths": {"/api/budget/v1/x": {"get": {"operationId": "x-get", "x-roles": ["admin"], "responses": {"200": {"description": "OK"}}}}},
}


async def test_the_registry_reads_a_services_description_with_the_gateways_own_assertion(serve, make_upstream):
    async def describes(scope: Any, receive: Any, send: Any) -> None:
        body = json.dumps(OPENAPI).encode()
        await answer_with(200, [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))], body)(scope, receive, send)

    service = Recorder(describes)
    async with serve(service) as url:
        registry = ServiceRegistry({"budget": make_upstream(url)}, lambda name: f"system-assertion-for-{name}")
        await registry.open()
        table = await registry.table("budget")
    assert table is not None and table.match("/api/budget/v1/x") is not None
    assert service.scopes[0]["path"] == "/openapi.json"
    assert (b"x-identity-assertion", b"system-assertion-for-budget") in service.headers()


async def test_a_description_the_service_fails_to_give_counts_as_none(serve, make_upstream):
    async with serve(Recorder(answer_with(500, [(b"content-length", b"0")]))) as url:
        registry = ServiceRegistry({"budget": make_upstream(url)}, lambda name: "assertion")
        await registry.open()
        assert await registry.table("budget") is None
