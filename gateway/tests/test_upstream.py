"""The gateway's HTTP/1.1 client, against fake services that answer with exact bytes: keep-alive
and the pool, every way a response body is framed, timeouts and failures, and what `forward`
passes on in each direction."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest

from gateway.proxy.forward import WHOLE_BODY_LIMIT, forward
from gateway.proxy.upstream import READ_BUFFER_LIMIT, Broken, TimedOut, Unavailable, Upstream

WAIT = 5.0  # no test step may take longer than this

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, "Service"], Awaitable[None]]


async def read_request(reader: asyncio.StreamReader) -> bytes | None:
    """One whole request as its raw bytes (head and framed body), or None at the end of the connection."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lowered = head.lower()
    if b"\r\ntransfer-encoding: chunked\r\n" in lowered:
        body = b""
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.strip(), 16)
            body += size_line + await reader.readexactly(size + 2)
            if size == 0:
                return head + body
    length = re.search(rb"\r\ncontent-length: *(\d+)\r\n", lowered)
    return head + (await reader.readexactly(int(length.group(1))) if length else b"")


def replies(*answers: bytes | Callable[[asyncio.StreamWriter], Awaitable[None]]) -> Handler:
    """Answer the requests, on whichever connection they come, with `answers` in turn: raw bytes,
    or a coroutine function that writes to the connection itself."""
    queue = list(answers)

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, service: Service) -> None:
        while (request := await read_request(reader)) is not None:
            service.requests.append(request)
            answer = queue.pop(0)
            if isinstance(answer, bytes):
                writer.write(answer)
                await writer.drain()
            else:
                await answer(writer)

    return handle


class Service:
    """A fake service on a free port: counts its connections and keeps each request's raw bytes."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.connections = 0
        self.requests: list[bytes] = []
        self._tasks: set[asyncio.Task[Any]] = set()
        self._upstreams: list[Upstream] = []

    async def __aenter__(self) -> Service:
        self.server = await asyncio.start_server(self._on_connection, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        for upstream in self._upstreams:
            await upstream.close()
        self.server.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.server.wait_closed()

    def upstream(self, **options: Any) -> Upstream:
        settings = {"connect_timeout": 2.0, "read_timeout": WAIT, "max_connections": 4} | options
        upstream = Upstream("budget", f"http://127.0.0.1:{self.port}", **settings)
        self._upstreams.append(upstream)
        return upstream

    async def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self.connections += 1
        try:
            await self.handler(reader, writer, self)
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass  # the client went away, or the test is over
        finally:
            writer.close()


def ok(body: bytes = b"{}", *headers: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\n" + b"".join(h + b"\r\n" for h in headers) + b"Content-Length: %d\r\n\r\n%b" % (len(body), body)


def chunked(*pieces: bytes) -> bytes:
    return b"".join(b"%x\r\n%b\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"


async def exchange(upstream: Upstream, method: str = "GET", target: bytes = b"/x", **options: Any) -> tuple[int, bytes]:
    """A whole request: its status and body; the connection goes back to the pool."""
    response = await asyncio.wait_for(upstream.request(method, target, options.pop("headers", []), **options), WAIT)
    try:
        return response.status, await asyncio.wait_for(response.read(), WAIT)
    finally:
        response.release()


async def pieces(*parts: bytes) -> AsyncIterator[bytes]:
    for part in parts:
        yield part


async def stall(writer: asyncio.StreamWriter) -> None:
    await asyncio.Event().wait()


def start_then_stall(start: bytes) -> Callable[[asyncio.StreamWriter], Awaitable[None]]:
    """An answer that sends `start` (a head and part of a body) and then nothing more."""

    async def answer(writer: asyncio.StreamWriter) -> None:
        writer.write(start)
        await writer.drain()
        await stall(writer)

    return answer


# Keep-alive and framing


async def test_a_kept_alive_connection_is_reused_for_the_next_request():
    async with Service(replies(ok(b"one"), ok(b"two"))) as service:
        upstream = service.upstream()
        assert await exchange(upstream) == (200, b"one")
        assert await exchange(upstream) == (200, b"two")
        assert service.connections == 1
        assert len(service.requests) == 2


async def test_the_request_head_carries_the_base_path_host_and_headers_as_given():
    async with Service(replies(ok())) as service:
        upstream = Upstream("budget", f"http://127.0.0.1:{service.port}/base", connect_timeout=2, read_timeout=WAIT, max_connections=1)
        try:
            await exchange(upstream, target=b"/a%20b?q=1", headers=[(b"X-Thing", b"v")])
        finally:
            await upstream.close()
        assert service.requests[0] == b"GET /base/a%%20b?q=1 HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nX-Thing: v\r\n\r\n" % service.port


async def test_a_response_with_connection_close_is_not_reused():
    # The service keeps the connection open: the client must not reuse it on the header's word.
    async with Service(replies(ok(b"one", b"Connection: close"), ok(b"two"))) as service:
        upstream = service.upstream()
        assert await exchange(upstream) == (200, b"one")
        assert await exchange(upstream) == (200, b"two")
        assert service.connections == 2


async def test_a_chunked_body_is_dechunked_by_read():
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    async with Service(replies(head + chunked(b"hello ", b"chunked ", b"world"), ok(b"next"))) as service:
        upstream = service.upstream()
        assert await exchange(upstream) == (200, b"hello chunked world")
        assert await exchange(upstream) == (200, b"next")  # the framing ended where it should
        assert service.connections == 1


async def test_a_chunked_body_is_dechunked_by_chunks():
    async def slowly(writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        for piece in (b"alpha", b"beta", b"gamma"):
            await asyncio.sleep(0.01)
            writer.write(b"%x\r\n%b\r\n" % (len(piece), piece))
        writer.write(b"0\r\n\r\n")

    async with Service(replies(slowly)) as service:
        upstream = service.upstream()
        response = await asyncio.wait_for(upstream.request("GET", b"/x", []), WAIT)
        received = [chunk async for chunk in response.chunks()]
        response.release()
        assert b"".join(received) == b"alphabetagamma"
        assert all(received)
        assert response.complete


async def test_a_body_without_length_or_chunking_is_read_until_the_connection_closes():
    async def until_close(writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nfirst ")
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.write(b"second")
        await writer.drain()
        writer.close()

    async with Service(replies(until_close, ok(b"next"))) as service:
        upstream = service.upstream()
        assert await exchange(upstream) == (200, b"first second")
        assert await exchange(upstream) == (200, b"next")
        assert service.connections == 2


async def test_an_interim_100_continue_is_skipped():
    interim = b"HTTP/1.1 100 Continue\r\n\r\n"
    async with Service(replies(interim + ok(b"real", b"X-Final: yes"), ok(b"next"))) as service:
        upstream = service.upstream()
        response = await asyncio.wait_for(upstream.request("GET", b"/x", []), WAIT)
        assert response.status == 200
        assert (b"x-final", b"yes") in response.headers
        assert await asyncio.wait_for(response.read(), WAIT) == b"real"
        response.release()
        assert await exchange(upstream) == (200, b"next")
        assert service.connections == 1


async def test_an_interim_100_continue_in_its_own_packet_is_skipped():
    async def interim_first(writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        await writer.drain()
        await asyncio.sleep(0.05)
        writer.write(ok(b"real"))

    async with Service(replies(interim_first)) as service:
        assert await exchange(service.upstream()) == (200, b"real")


async def test_a_head_response_has_no_body_and_the_next_request_works_on_a_new_connection():
    head_answer = b"HTTP/1.1 200 OK\r\nContent-Length: 1234\r\nContent-Type: application/json\r\n\r\n"
    async with Service(replies(head_answer, ok(b"after"))) as service:
        upstream = service.upstream()
        response = await asyncio.wait_for(upstream.request("HEAD", b"/x", []), WAIT)
        assert response.status == 200
        assert response.content_length() == 1234
        assert response.complete
        assert await asyncio.wait_for(response.read(), WAIT) == b""
        response.release()
        assert await exchange(upstream) == (200, b"after")
        assert service.connections == 2


async def test_a_204_without_a_body_completes_and_keeps_the_connection():
    async with Service(replies(b"HTTP/1.1 204 No Content\r\n\r\n", ok(b"after"))) as service:
        upstream = service.upstream()
        assert await exchange(upstream, "DELETE") == (204, b"")
        assert await exchange(upstream) == (200, b"after")
        assert service.connections == 1


async def test_a_304_without_a_body_completes():
    async with Service(replies(b"HTTP/1.1 304 Not Modified\r\nETag: \"1\"\r\n\r\n", ok(b"after"))) as service:
        upstream = service.upstream()
        assert await exchange(upstream) == (304, b"")
        assert await exchange(upstream) == (200, b"after")


# Request bodies


async def test_a_request_body_with_content_length_is_sent_as_is():
    async with Service(replies(ok())) as service:
        await exchange(service.upstream(), "POST", headers=[(b"content-length", b"11")], body=pieces(b"hello", b" world"))
        assert service.requests[0].endswith(b"\r\ncontent-length: 11\r\n\r\nhello world")
        assert b"transfer-encoding" not in service.requests[0].lower()


async def test_a_chunked_request_body_is_sent_in_chunks_ending_with_the_last_chunk():
    async with Service(replies(ok())) as service:
        await exchange(service.upstream(), "POST", body=pieces(b"hello", b" big world" * 2), chunked=True)
        head, _, body = service.requests[0].partition(b"\r\n\r\n")
        assert b"\r\ntransfer-encoding: chunked" in head.lower()
        assert body == b"5\r\nhello\r\n14\r\n big world big world\r\n0\r\n\r\n"


async def test_a_large_request_body_waits_for_a_service_that_reads_slowly():
    piece = bytes(range(256)) * 4096  # 1 MiB
    total = 16 * len(piece)

    async def read_late(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, service: Service) -> None:
        await reader.readuntil(b"\r\n\r\n")
        await asyncio.sleep(0.2)  # the client's buffers fill: its writes must wait
        body = await reader.readexactly(total)
        service.requests.append(body)
        writer.write(ok())

    async with Service(read_late) as service:
        await exchange(service.upstream(), "PUT", headers=[(b"content-length", b"%d" % total)], body=pieces(*[piece] * 16))
        assert service.requests == [piece * 16]


async def test_a_service_that_closes_during_a_large_upload_is_broken():
    async def close_at_once(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, service: Service) -> None:
        await reader.readuntil(b"\r\n\r\n")

    piece = b"x" * (1024 * 1024)
    async with Service(close_at_once) as service:
        with pytest.raises(Broken):
            await exchange(service.upstream(), "PUT", headers=[(b"content-length", b"%d" % (64 * len(piece)))], body=pieces(*[piece] * 64))


def test_a_service_url_that_is_not_plain_http_is_refused():
    with pytest.raises(ValueError):
        Upstream("budget", "https://budget:8000", connect_timeout=1, read_timeout=1, max_connections=1)


# Time-outs and failures


async def test_a_service_that_never_answers_times_out_after_the_read_timeout():
    async with Service(replies(stall)) as service:
        upstream = service.upstream(read_timeout=0.3)
        started = time.monotonic()
        with pytest.raises(TimedOut):
            await asyncio.wait_for(upstream.request("GET", b"/x", []), WAIT)
        assert 0.25 <= time.monotonic() - started < 2


async def test_a_service_that_stalls_the_body_times_out_while_reading():
    head_then_stall = start_then_stall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
    async with Service(replies(head_then_stall)) as service:
        upstream = service.upstream(read_timeout=0.3)
        response = await asyncio.wait_for(upstream.request("GET", b"/x", []), WAIT)
        started = time.monotonic()
        with pytest.raises(TimedOut):
            await asyncio.wait_for(response.read(), WAIT)
        response.release()
        assert 0.2 <= time.monotonic() - started < 2


async def test_a_service_that_stalls_a_streamed_body_times_out_in_chunks():
    head_then_stall = start_then_stall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7\r\npartial\r\n")
    async with Service(replies(head_then_stall)) as service:
        upstream = service.upstream(read_timeout=0.3)
        response = await asyncio.wait_for(upstream.request("GET", b"/x", []), WAIT)
        received = []
        with pytest.raises(TimedOut):
            async for chunk in response.chunks():
                received.append(chunk)
        response.release()
        assert received == [b"partial"]


async def test_a_slow_but_steady_service_does_not_time_out():
    async def trickle(writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
        for byte in b"abcde":
            await asyncio.sleep(0.1)  # each gap is well under the time-out, the total is not
            writer.write(bytes([byte]))
            await writer.drain()

    async with Service(replies(trickle)) as service:
        assert await exchange(service.upstream(read_timeout=0.3)) == (200, b"abcde")


async def test_a_port_nobody_listens_on_is_unavailable(closed_port):
    upstream = Upstream("budget", f"http://127.0.0.1:{closed_port}", connect_timeout=2, read_timeout=WAIT, max_connections=1)
    with pytest.raises(Unavailable):
        await asyncio.wait_for(upstream.request("GET", b"/x", []), WAIT)
    with pytest.raises(Unavailable):  # the failed attempt gave its place back
        await asyncio.wait_for(upstream.request("GET", b"/x", []), WAIT)


async def test_invalid_response_bytes_are_broken():
    async with Service(replies(b"garbage\r\n\r\n")) as service:
        with pytest.raises(Broken):
            await asyncio.wait_for(service.upstream().request("GET", b"/x", []), WAIT)


async def test_a_service_that_closes_without_answering_is_broken_before_the_response():
    async def close(writer: asyncio.StreamWriter) -> None:
        writer.close()

    async with Service(replies(close)) as service:
        with pytest.raises(Broken) as raised:
            await asyncio.wait_for(service.upstream().request("POST", b"/x", [(b"content-length", b"1")], pieces(b"x")), WAIT)
        assert raised.value.before_response


async def test_a_body_cut_short_by_the_service_is_broken():
    async def cut(writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort")
        await writer.drain()
        writer.close()

    async with Service(replies(cut)) as service:
        upstream = service.upstream()
        response = await asyncio.wait_for(upstream.request("GET", b"/x", []), WAIT)
        with pytest.raises(Broken) as raised:
            await asyncio.wait_for(response.read(), WAIT)
        response.release()
        assert not raised.value.before_response


# The pool


async def test_with_one_connection_two_concurrent_requests_take_turns_on_it():
    async def answer_later(writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(0.05)
        writer.write(ok(b"done"))

    async with Service(replies(answer_later, answer_later)) as service:
        upstream = service.upstream(max_connections=1)
        results = await asyncio.gather(exchange(upstream), exchange(upstream))
        assert results == [(200, b"done"), (200, b"done")]
        assert service.connections == 1
        assert len(service.requests) == 2


async def test_a_cancelled_waiter_does_not_keep_the_place():
    answer = asyncio.Event()

    async def when_told(writer: asyncio.StreamWriter) -> None:
        await answer.wait()
        writer.write(ok(b"first"))

    async with Service(replies(when_told, ok(b"third"))) as service:
        upstream = service.upstream(max_connections=1)
        first = asyncio.create_task(exchange(upstream))
        await asyncio.sleep(0.05)  # the first holds the only connection
        waiting = asyncio.create_task(exchange(upstream))
        await asyncio.sleep(0.01)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        answer.set()
        assert await asyncio.wait_for(first, WAIT) == (200, b"first")
        assert await exchange(upstream) == (200, b"third")
        assert service.connections == 1
        assert len(service.requests) == 2  # the cancelled request never went out


async def test_a_waiter_cancelled_as_it_is_handed_the_connection_passes_it_on():
    async with Service(replies(ok(b"first"), ok(b"third"))) as service:
        upstream = service.upstream(max_connections=1)
        response = await asyncio.wait_for(upstream.request("GET", b"/x", []), WAIT)
        await response.read()
        # Not through wait_for: its inner task would take the connection before the cancel reaches it.
        waiting = asyncio.create_task(upstream.request("GET", b"/x", []))
        await asyncio.sleep(0.01)  # waiting for the only connection
        response.release()  # hands the connection to the waiter...
        waiting.cancel()  # ...which gives up before it runs
        with pytest.raises(asyncio.CancelledError):
            await waiting
        assert await exchange(upstream) == (200, b"third")
        assert service.connections == 1


async def test_a_waiter_gets_the_place_of_a_connection_that_was_not_kept():
    answer = asyncio.Event()

    async def when_told(writer: asyncio.StreamWriter) -> None:
        await answer.wait()
        writer.write(ok(b"first", b"Connection: close"))

    async with Service(replies(when_told, ok(b"second"))) as service:
        upstream = service.upstream(max_connections=1)
        first = asyncio.create_task(exchange(upstream))
        await asyncio.sleep(0.05)
        second = asyncio.create_task(exchange(upstream))
        await asyncio.sleep(0.01)
        answer.set()
        assert await asyncio.wait_for(first, WAIT) == (200, b"first")
        assert await asyncio.wait_for(second, WAIT) == (200, b"second")
        assert service.connections == 2


async def test_an_idle_connection_older_than_keepalive_is_not_reused():
    async with Service(replies(ok(b"one"), ok(b"two"), ok(b"three"))) as service:
        upstream = service.upstream(keepalive_seconds=0.05)
        assert await exchange(upstream) == (200, b"one")
        assert await exchange(upstream) == (200, b"two")  # at once: reused
        assert service.connections == 1
        await asyncio.sleep(0.1)
        assert await exchange(upstream) == (200, b"three")
        assert service.connections == 2


async def test_fetch_returns_the_status_and_the_whole_body():
    async with Service(replies(ok(b'{"openapi": "3.1.0"}'))) as service:
        assert await service.upstream().fetch(b"/openapi.json", [], timeout=WAIT) == (200, b'{"openapi": "3.1.0"}')
        assert service.requests[0].startswith(b"GET /openapi.json HTTP/1.1\r\n")


def _big_answer(size: int) -> Callable[[asyncio.StreamWriter], Awaitable[None]]:
    async def answer(writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
        await writer.drain()
        writer.write(b"x" * size)
        await writer.drain()

    return answer


async def test_fetch_reads_a_body_larger_than_the_read_buffer():
    size = 4 * READ_BUFFER_LIMIT
    async with Service(replies(_big_answer(size))) as service:
        status, body = await service.upstream(read_timeout=0.5).fetch(b"/openapi.json", [], timeout=WAIT)
        assert (status, len(body)) == (200, size)


async def test_a_connection_after_a_whole_read_of_a_large_body_still_answers():
    # Large enough to pause reading, small enough that the last bytes arrive in the read that pauses it.
    size = READ_BUFFER_LIMIT + 40 * 1024
    async with Service(replies(_big_answer(size), ok(b"next"))) as service:
        upstream = service.upstream(read_timeout=0.5)
        status, body = await exchange(upstream)
        assert (status, len(body)) == (200, size)
        assert await exchange(upstream) == (200, b"next")


async def test_a_slow_consumer_of_a_large_body_does_not_time_the_service_out():
    size = 4 * READ_BUFFER_LIMIT
    async with Service(replies(_big_answer(size))) as service:
        response = await asyncio.wait_for(service.upstream(read_timeout=0.3).request("GET", b"/x", []), WAIT)
        received = 0
        try:
            async for chunk in response.chunks():
                if not received:
                    await asyncio.sleep(0.6)  # the gateway's client is slow; the service sent everything at once
                received += len(chunk)
        finally:
            response.release()
        assert received == size


async def test_the_pool_never_opens_more_than_max_connections():
    open_now = peak = 0
    answer = asyncio.Event()

    async def counted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, service: Service) -> None:
        nonlocal open_now, peak
        open_now += 1
        peak = max(peak, open_now)
        try:
            while (request := await read_request(reader)) is not None:
                service.requests.append(request)
                await answer.wait()
                writer.write(ok(b"x", b"Connection: close"))
                await writer.drain()
        finally:
            open_now -= 1

    async with Service(counted) as service:
        upstream = service.upstream(max_connections=1)
        answer.set()
        response = await asyncio.wait_for(upstream.request("GET", b"/x", []), WAIT)
        await response.read()
        waiting = asyncio.create_task(exchange(upstream))
        await asyncio.sleep(0.01)  # waits for the only place
        newcomer = asyncio.create_task(upstream.request("GET", b"/x", []))  # ready to run before the waiter is woken
        answer.clear()
        response.release()  # not reusable: the place goes to the waiter
        await asyncio.sleep(0.1)
        answer.set()
        await asyncio.wait_for(waiting, WAIT)
        (await asyncio.wait_for(newcomer, WAIT)).release()
        assert peak == 1


async def test_an_empty_piece_of_a_chunked_request_body_does_not_end_it():
    async with Service(replies(ok())) as service:
        await exchange(service.upstream(read_timeout=0.5), "POST", body=pieces(b"a", b"", b"b"), chunked=True)
        assert service.requests[0].endswith(b"\r\n\r\n1\r\na\r\n1\r\nb\r\n0\r\n\r\n")


# Through forward()


def _scope(method: str = "GET", headers: list[tuple[bytes, bytes]] | None = None) -> dict[str, Any]:
    return {"type": "http", "method": method, "path": "/api/budget/v1/x", "raw_path": b"/api/budget/v1/x", "query_string": b"a=1",
            "headers": headers or [], "scheme": "http", "client": ("10.1.2.3", 5000)}


async def _forward(upstream: Upstream, scope: dict[str, Any], body: bytes = b"") -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await asyncio.wait_for(forward(scope, receive, send, upstream, assertion="signed-assertion", request_id="gateway-rid"), WAIT)
    return sent


def _streamed(framing: str, body: bytes) -> Callable[[asyncio.StreamWriter], Awaitable[None]]:
    async def answer(writer: asyncio.StreamWriter) -> None:
        length = b"Content-Length: %d" % len(body) if framing == "length" else b"Transfer-Encoding: chunked"
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n%b\r\n\r\n" % length)
        await writer.drain()
        await asyncio.sleep(0.02)  # the head is in before any of the body
        for start in range(0, len(body), 64 * 1024):
            piece = body[start : start + 64 * 1024]
            writer.write(piece if framing == "length" else b"%x\r\n%b\r\n" % (len(piece), piece))
            await writer.drain()
        if framing == "chunked":
            writer.write(b"0\r\n\r\n")

    return answer


@pytest.mark.parametrize("framing", ["length", "chunked"])
async def test_a_response_larger_than_the_whole_body_limit_is_streamed(framing):
    body = bytes(range(256)) * (3 * WHOLE_BODY_LIMIT // 256 + 7)
    async with Service(replies(_streamed(framing, body), ok(b"next"))) as service:
        upstream = service.upstream()
        sent = await _forward(upstream, _scope())
        start, *bodies, last = sent
        assert start["type"] == "http.response.start" and start["status"] == 200
        assert len(bodies) > 1
        assert all(m["type"] == "http.response.body" and m["more_body"] is True and m["body"] for m in bodies)
        assert last == {"type": "http.response.body", "body": b""}
        assert b"".join(m["body"] for m in bodies) == body
        assert b"transfer-encoding" not in dict(start["headers"])
        assert (await _forward(upstream, _scope()))[-1]["body"] == b"next"
        assert service.connections == 1


async def test_a_small_response_is_passed_on_whole():
    async with Service(replies(ok(b'{"ok": true}', b"Content-Type: application/json"))) as service:
        sent = await _forward(service.upstream(), _scope())
        assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
        assert sent[1]["body"] == b'{"ok": true}'
        assert not sent[1].get("more_body", False)


async def test_hop_by_hop_and_gateway_owned_response_headers_are_not_passed_on():
    answer = (
        b"HTTP/1.1 201 Created\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\nTransfer-Encoding: chunked\r\n"
        b"Set-Cookie: session=stolen\r\nServer: uvicorn\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\nX-Request-Id: service-rid\r\n"
        b"Content-Type: application/json\r\nLocation: /api/budget/v1/x/1\r\nX-Custom: kept\r\n\r\n" + chunked(b"{}")
    )
    async with Service(replies(answer)) as service:
        start, body = await _forward(service.upstream(), _scope("POST", [(b"content-length", b"2")]), b"{}")
        assert start["status"] == 201
        assert start["headers"] == [(b"content-type", b"application/json"), (b"location", b"/api/budget/v1/x/1"), (b"x-custom", b"kept")]
        assert body["body"] == b"{}"


def _header_lines(request: bytes) -> list[tuple[bytes, bytes]]:
    head = request.partition(b"\r\n\r\n")[0]
    return [(name.lower(), value.strip()) for name, _, value in (line.partition(b":") for line in head.split(b"\r\n")[1:])]


async def test_client_identity_is_not_forwarded_but_the_gateways_assertion_and_request_id_are():
    client_headers = [
        (b"host", b"gateway.example"),
        (b"authorization", b"Bearer client-token"),
        (b"cookie", b"session=abc"),
        (b"x-identity-assertion", b"forged"),
        (b"x-user-id", b"42"),
        (b"x-request-id", b"client-rid"),
        (b"accept", b"application/json"),
        (b"content-type", b"application/json"),
        (b"content-length", b"7"),
    ]
    async with Service(replies(ok())) as service:
        await _forward(service.upstream(), _scope("POST", client_headers), b'{"a":1}')
        request = service.requests[0]
        headers = _header_lines(request)
        names = [name for name, _ in headers]
        assert request.startswith(b"POST /api/budget/v1/x?a=1 HTTP/1.1\r\n")
        for name in (b"authorization", b"cookie", b"x-user-id"):
            assert name not in names
        assert [value for name, value in headers if name == b"x-identity-assertion"] == [b"signed-assertion"]
        assert [value for name, value in headers if name == b"x-request-id"] == [b"gateway-rid"]
        assert [value for name, value in headers if name == b"host"] == [b"127.0.0.1:%d" % service.port]
        assert (b"accept", b"application/json") in headers
        assert (b"x-forwarded-for", b"10.1.2.3") in headers
        assert request.endswith(b'\r\n\r\n{"a":1}')


async def test_the_clients_expect_header_is_not_forwarded():
    client_headers = [(b"expect", b"100-continue"), (b"content-length", b"3")]
    async with Service(replies(ok())) as service:
        start, _ = await _forward(service.upstream(), _scope("PUT", client_headers), b"abc")
        assert start["status"] == 200
        names = [name for name, _ in _header_lines(service.requests[0])]
        assert b"expect" not in names
        assert service.requests[0].endswith(b"\r\n\r\nabc")


async def test_a_chunked_client_body_is_forwarded_chunked_without_its_content_length():
    client_headers = [(b"transfer-encoding", b"chunked"), (b"content-length", b"5"), (b"connection", b"keep-alive, x-hop"), (b"x-hop", b"1")]
    async with Service(replies(ok())) as service:
        await _forward(service.upstream(), _scope("POST", client_headers), b"hello")
        headers = _header_lines(service.requests[0])
        names = [name for name, _ in headers]
        assert names.count(b"transfer-encoding") == 1
        assert b"content-length" not in names and b"connection" not in names and b"x-hop" not in names
        assert service.requests[0].endswith(b"\r\n\r\n5\r\nhello\r\n0\r\n\r\n")


async def test_a_service_that_does_not_answer_in_time_is_a_504_through_forward():
    async with Service(replies(stall)) as service:
        start, body = await _forward(service.upstream(read_timeout=0.3), _scope())
        assert start["status"] == 504
        assert b"budget" in body["body"]


async def test_an_unreachable_service_is_a_503_through_forward(closed_port):
    upstream = Upstream("budget", f"http://127.0.0.1:{closed_port}", connect_timeout=2, read_timeout=WAIT, max_connections=1)
    start, _ = await _forward(upstream, _scope())
    assert start["status"] == 503
    assert (b"retry-after", b"5") in start["headers"]
