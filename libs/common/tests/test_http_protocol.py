"""uvicorn's httptools protocol with the writes of one loop iteration joined: the joining transport
on its own, against a recording transport, and the protocol serving real connections."""

from __future__ import annotations

import asyncio
import re
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn

from styrkedjan_common.http_protocol import JOIN_LIMIT, CoalescingHttpToolsProtocol, CoalescingTransport

WAIT = 5.0


class RecordingTransport:
    """Stands in for the socket transport: records every call, keeps each written object as given."""

    def __init__(self, buffered: int = 0) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.buffered = buffered

    def write(self, data: bytes) -> None:
        self.calls.append(("write", data))

    def write_eof(self) -> None:
        self.calls.append(("write_eof", None))

    def close(self) -> None:
        self.calls.append(("close", None))

    def set_protocol(self, protocol: Any) -> None:
        self.calls.append(("set_protocol", protocol))

    def get_write_buffer_size(self) -> int:
        return self.buffered

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("10.0.0.1", 4321)}.get(name, default)

    def is_closing(self) -> bool:
        return False

    @property
    def written(self) -> list[bytes]:
        return [data for call, data in self.calls if call == "write"]


def coalescing(buffered: int = 0) -> tuple[CoalescingTransport, RecordingTransport]:
    inner = RecordingTransport(buffered)
    return CoalescingTransport(inner, asyncio.get_running_loop()), inner  # type: ignore[arg-type]


# The transport


async def test_writes_in_one_iteration_leave_as_one_write_when_the_loop_runs():
    transport, inner = coalescing()
    transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
    transport.write(b"{}")
    assert inner.calls == []
    await asyncio.sleep(0)
    assert inner.written == [b"HTTP/1.1 200 OK\r\n\r\n{}"]


async def test_a_single_write_is_passed_on_as_it_is():
    transport, inner = coalescing()
    data = b"only"
    transport.write(data)
    await asyncio.sleep(0)
    assert inner.written == [data] and inner.written[0] is data


async def test_writes_keep_their_order_across_iterations():
    transport, inner = coalescing()
    transport.write(b"a")
    transport.write(b"b")
    await asyncio.sleep(0)
    transport.write(b"c")
    transport.writelines([b"d", b"e"])
    await asyncio.sleep(0)
    assert inner.written == [b"ab", b"cde"]


async def test_an_empty_write_is_ignored():
    transport, inner = coalescing()
    transport.write(b"")
    await asyncio.sleep(0)
    assert inner.calls == []


async def test_close_flushes_held_data_before_closing():
    transport, inner = coalescing()
    transport.write(b"last ")
    transport.write(b"words")
    transport.close()
    assert inner.calls == [("write", b"last words"), ("close", None)]
    await asyncio.sleep(0)  # the flush still scheduled finds nothing held
    assert inner.calls == [("write", b"last words"), ("close", None)]


async def test_write_eof_and_set_protocol_flush_first():
    transport, inner = coalescing()
    transport.write(b"a")
    transport.write_eof()
    transport.write(b"b")
    protocol = object()
    transport.set_protocol(protocol)  # type: ignore[arg-type]
    assert inner.calls == [("write", b"a"), ("write_eof", None), ("write", b"b"), ("set_protocol", protocol)]


async def test_a_piece_larger_than_the_join_limit_is_written_uncopied_after_the_held_data():
    transport, inner = coalescing()
    big = b"x" * (JOIN_LIMIT + 1)
    transport.write(b"head")
    transport.write(big)
    assert inner.written == [b"head", big]
    assert inner.written[1] is big  # not copied into a joined buffer
    transport.write(b"tail")
    await asyncio.sleep(0)
    assert inner.written == [b"head", big, b"tail"]


async def test_pieces_that_together_pass_the_join_limit_are_not_joined():
    transport, inner = coalescing()
    first, second = b"a" * (JOIN_LIMIT // 2 + 1), b"b" * (JOIN_LIMIT // 2 + 1)
    transport.write(first)
    transport.write(second)
    assert inner.written == [first, second]
    await asyncio.sleep(0)
    assert inner.written == [first, second]


async def test_the_write_buffer_size_includes_held_bytes():
    transport, inner = coalescing(buffered=100)
    transport.write(b"12345")
    assert transport.get_write_buffer_size() == 105
    await asyncio.sleep(0)
    assert transport.get_write_buffer_size() == 100


async def test_other_attributes_are_those_of_the_wrapped_transport():
    transport, inner = coalescing()
    assert transport.get_extra_info("peername") == ("10.0.0.1", 4321)
    assert transport.get_extra_info("sslcontext") is None
    assert transport.is_closing() is False
    assert transport.buffered == 0


# The protocol, serving


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    assert scope["type"] == "http"
    if scope["path"] == "/stream":
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        for number in range(5):
            await send({"type": "http.response.body", "body": b"part %d;" % number, "more_body": True})
            if number % 2:
                await asyncio.sleep(0.01)
        await send({"type": "http.response.body", "body": b"end"})
        return
    body = b'{"path": "%b"}' % scope["path"].encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]})
    await send({"type": "http.response.body", "body": body})


class CountingTransport:
    """Passes everything on to the socket transport and keeps the writes that reach it."""

    def __init__(self, transport: asyncio.Transport, writes: list[bytes]) -> None:
        self._transport = transport
        self._writes = writes

    def write(self, data: bytes) -> None:
        self._writes.append(bytes(data))
        self._transport.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


@asynccontextmanager
async def serving(protocol: type = CoalescingHttpToolsProtocol) -> AsyncIterator[int]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, http=protocol, loop="asyncio", lifespan="off",
                            log_level="warning", log_config=None)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        for _ in range(int(WAIT / 0.01)):
            if server.started or task.done():
                break
            await asyncio.sleep(0.01)
        assert server.started
        yield port
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, WAIT)


async def read_response(reader: asyncio.StreamReader) -> tuple[bytes, dict[bytes, bytes], bytes]:
    """Status line, headers and the de-chunked body of one response."""
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), WAIT)
    status, *lines = head[:-4].split(b"\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(b":") for line in lines)}
    if headers.get(b"transfer-encoding") == b"chunked":
        body = b""
        while size := int(await asyncio.wait_for(reader.readuntil(b"\r\n"), WAIT), 16):
            body += (await asyncio.wait_for(reader.readexactly(size + 2), WAIT))[:-2]
        assert await asyncio.wait_for(reader.readexactly(2), WAIT) == b"\r\n"
        return status, headers, body
    return status, headers, await asyncio.wait_for(reader.readexactly(int(headers[b"content-length"])), WAIT)


@asynccontextmanager
async def connection(port: int) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), WAIT)
    try:
        yield reader, writer
    finally:
        writer.close()
        await writer.wait_closed()


async def test_a_small_response_arrives_complete_and_correct():
    async with serving() as port, connection(port) as (reader, writer):
        writer.write(b"GET /small HTTP/1.1\r\nHost: test\r\n\r\n")
        status, headers, body = await read_response(reader)
        assert status == b"HTTP/1.1 200 OK"
        assert headers[b"content-type"] == b"application/json"
        assert body == b'{"path": "/small"}'


async def test_a_small_response_leaves_in_one_write():
    writes: list[bytes] = []

    class Counted(CoalescingHttpToolsProtocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(CountingTransport(transport, writes))  # type: ignore[arg-type]

    async with serving(Counted) as port, connection(port) as (reader, writer):
        writer.write(b"GET /one HTTP/1.1\r\nHost: test\r\n\r\n")
        await read_response(reader)
        assert len(writes) == 1
        assert re.match(rb"HTTP/1.1 200 OK\r\n.*\r\n\r\n\{\"path\": \"/one\"\}$", writes[0], re.S)


async def test_two_requests_on_one_kept_alive_connection_both_get_answers():
    async with serving() as port, connection(port) as (reader, writer):
        writer.write(b"GET /first HTTP/1.1\r\nHost: test\r\n\r\n")
        assert (await read_response(reader))[2] == b'{"path": "/first"}'
        writer.write(b"GET /second HTTP/1.1\r\nHost: test\r\n\r\n")
        assert (await read_response(reader))[2] == b'{"path": "/second"}'


async def test_pipelined_requests_are_answered_in_order():
    async with serving() as port, connection(port) as (reader, writer):
        writer.write(b"GET /a HTTP/1.1\r\nHost: test\r\n\r\nGET /b HTTP/1.1\r\nHost: test\r\n\r\n")
        assert (await read_response(reader))[2] == b'{"path": "/a"}'
        assert (await read_response(reader))[2] == b'{"path": "/b"}'


async def test_a_streamed_response_arrives_complete_and_in_order():
    async with serving() as port, connection(port) as (reader, writer):
        writer.write(b"GET /stream HTTP/1.1\r\nHost: test\r\n\r\n")
        status, headers, body = await read_response(reader)
        assert status == b"HTTP/1.1 200 OK"
        assert body == b"part 0;part 1;part 2;part 3;part 4;end"
        writer.write(b"GET /after HTTP/1.1\r\nHost: test\r\n\r\n")  # the chunked framing ended cleanly
        assert (await read_response(reader))[2] == b'{"path": "/after"}'


async def test_a_response_to_a_connection_close_request_arrives_before_the_connection_closes():
    async with serving() as port, connection(port) as (reader, writer):
        writer.write(b"GET /bye HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
        assert (await read_response(reader))[2] == b'{"path": "/bye"}'
        assert await asyncio.wait_for(reader.read(), WAIT) == b""
