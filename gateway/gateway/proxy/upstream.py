"""The gateway's HTTP/1.1 client for its services: kept-alive connections, one exchange at a time each.

It does only what the proxy needs, which is why it is ours: the request head goes out as the bytes
the client sent (no header objects, no re-encoding), the response is parsed by httptools (the
parser uvicorn uses) into raw header pairs that go straight back out over ASGI, and bodies stream
both ways with flow control. Under load on the vision read, aiohttp's client was a third of the
gateway's CPU; this client is a fraction of that.

Failures are typed for the proxy: could not connect (`Unavailable`), no answer in time
(`TimedOut`), anything else that breaks an exchange (`Broken`).
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httptools

# Response bytes buffered for a slow client before the gateway stops reading from the service.
READ_BUFFER_LIMIT = 256 * 1024
# Methods whose bodiless request may be sent again on a fresh connection (RFC 9110, 9.2.2).
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "DELETE", "TRACE"})


class UpstreamError(Exception):
    pass


class Unavailable(UpstreamError):
    """No connection could be made."""


class TimedOut(UpstreamError):
    """The service did not answer, or stopped sending, within the read timeout."""


class Broken(UpstreamError):
    """The connection broke or the service answered with something that is not HTTP/1.1."""

    def __init__(self, message: str, before_response: bool = False) -> None:
        super().__init__(message)
        self.before_response = before_response


class _Connection(asyncio.Protocol):
    """One connection to a service, and the exchange in progress on it."""

    def __init__(self, loop: asyncio.AbstractEventLoop, read_timeout: float) -> None:
        self.loop = loop
        self.read_timeout = read_timeout
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.closed = False
        self.idle_since = 0.0
        self._write_waiter: asyncio.Future[None] | None = None
        self._reading_paused = False
        self._reset()

    def _reset(self) -> None:
        if self._reading_paused:
            self._resume_reading()
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: collections.deque[bytes] = collections.deque()
        self.buffered = 0
        self.head_done = False
        self.complete = False
        self.keep_alive = False
        self.until_close = False  # body framed by the end of the connection
        self.error: UpstreamError | None = None
        self.received_any = False
        self.last_activity = self.loop.time()
        self._waiter: asyncio.Future[None] | None = None
        self._timer: asyncio.TimerHandle | None = None

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.received_any = True
        self.last_activity = self.loop.time()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(Broken(f"the service sent an invalid response: {exc}"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.head_done and self.until_close and not self.complete:
            self.on_message_complete()
        elif not self.complete:
            self._fail(Broken("the service closed the connection", before_response=not self.received_any))
        if self._write_waiter is not None and not self._write_waiter.done():
            self._write_waiter.set_result(None)

    def pause_writing(self) -> None:
        self._write_waiter = self.loop.create_future()

    def resume_writing(self) -> None:
        if self._write_waiter is not None and not self._write_waiter.done():
            self._write_waiter.set_result(None)
        self._write_waiter = None

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        if status < 200:  # an interim response (100 Continue): the real one follows
            self.headers = []
            return
        self.status = status
        self.head_done = True
        framed = any(
            name == b"content-length" or (name == b"transfer-encoding" and value.rstrip().lower().endswith(b"chunked"))
            for name, value in self.headers
        )
        self.until_close = not framed and status not in (204, 304)
        self._wake()

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)
        self.buffered += len(body)
        if self.buffered > READ_BUFFER_LIMIT and not self._reading_paused and self.transport is not None:
            self._reading_paused = True
            self.transport.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        if not self.head_done:  # the end of an interim response
            return
        self.complete = True
        # Read now: the parser forgets the message's flags once the callback returns.
        self.keep_alive = self.parser.should_keep_alive()
        self._stop_timer()
        self._wake()

    # The exchange
    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def _fail(self, error: UpstreamError) -> None:
        if self.error is None:
            self.error = error
        self._stop_timer()
        self._wake()

    async def _wait(self) -> None:
        if self.error is not None:
            raise self.error
        self._waiter = self.loop.create_future()
        await self._waiter
        self._waiter = None
        if self.error is not None:
            raise self.error

    def _start_timer(self) -> None:
        self._timer = self.loop.call_later(self.read_timeout, self._check_timer)

    def _check_timer(self) -> None:
        # One timer per exchange, pushed back by activity rather than re-armed on every read.
        quiet = self.loop.time() - self.last_activity
        if self._reading_paused:  # the gateway waits for its client, not for the service
            quiet = 0.0
        if quiet >= self.read_timeout:
            self._timer = None
            self._fail(TimedOut("the service did not answer in time"))
            self.close()
        else:
            self._timer = self.loop.call_later(self.read_timeout - quiet, self._check_timer)

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def send(self, head: bytes, body: AsyncIterator[bytes] | None, chunked: bool) -> None:
        """Write the request and wait for the response head."""
        self._reset()
        assert self.transport is not None
        self._start_timer()
        self.transport.write(head)
        if body is not None:
            async for chunk in body:
                if not chunk:  # an empty chunk would end a chunked body
                    continue
                self.transport.write(b"%x\r\n%b\r\n" % (len(chunk), chunk) if chunked else chunk)
                self.last_activity = self.loop.time()
                if self._write_waiter is not None:
                    await self._write_waiter
                if self.closed:
                    break
            if chunked and not self.closed:
                self.transport.write(b"0\r\n\r\n")
        while not self.head_done:
            await self._wait()

    async def next_chunk(self) -> bytes:
        """The next piece of the body; b"" once it is complete."""
        while not self.chunks:
            if self.complete:
                return b""
            await self._wait()
        chunk = self.chunks.popleft()
        self.buffered -= len(chunk)
        if self._reading_paused and self.buffered <= READ_BUFFER_LIMIT // 2:
            self._resume_reading()
        return chunk

    def take_body(self) -> bytes:
        """The body received so far."""
        body = b"".join(self.chunks)
        self.chunks.clear()
        self.buffered = 0
        if self._reading_paused:
            self._resume_reading()
        return body

    def _resume_reading(self) -> None:
        self._reading_paused = False
        # The quiet time while the gateway held back was the client's, not the service's.
        self.last_activity = self.loop.time()
        if self.transport is not None and not self.closed:
            self.transport.resume_reading()

    def reusable(self) -> bool:
        return self.complete and self.keep_alive and not self.closed and self.error is None

    def close(self) -> None:
        self._stop_timer()
        if self.transport is not None and not self.closed:
            self.closed = True
            self.transport.close()


class Response:
    """A response whose head has arrived; its body is read with `read` or `chunks`, then `release`."""

    def __init__(self, upstream: Upstream, connection: _Connection, method: str) -> None:
        self._upstream = upstream
        self._connection = connection
        self.status = connection.status
        self.headers = connection.headers
        if method == "HEAD":  # the parser cannot be told a HEAD response has no body: use the connection once
            connection.complete = True
            connection.chunks.clear()
            connection.close()

    @property
    def complete(self) -> bool:
        return self._connection.complete

    def content_length(self) -> int | None:
        for name, value in self.headers:
            if name == b"content-length":
                return int(value) if value.isdigit() else None
        return None

    async def read(self) -> bytes:
        pieces = []
        while not self._connection.complete:
            pieces.append(self._connection.take_body())
            await self._connection._wait()
        pieces.append(self._connection.take_body())
        return b"".join(pieces)

    async def chunks(self) -> AsyncIterator[bytes]:
        while chunk := await self._connection.next_chunk():
            yield chunk

    def release(self) -> None:
        self._upstream._release(self._connection)


class Upstream:
    """One service: its base URL and a pool of kept-alive connections (last used, first reused)."""

    def __init__(
        self, name: str, base_url: str, connect_timeout: float, read_timeout: float, max_connections: int, keepalive_seconds: float = 15.0
    ) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        url = urlsplit(self.base_url)
        if url.scheme != "http" or not url.hostname:
            raise ValueError(f"the {name} service URL must be http://host[:port]: {base_url}")
        self.host = url.hostname
        self.port = url.port or 80
        self.host_header = b"Host: " + url.netloc.encode("ascii") + b"\r\n"
        self.path_prefix = url.path.encode("ascii")
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_connections = max_connections
        # Idle connections are dropped before the services drop them (uvicorn: --timeout-keep-alive,
        # 75 s in the images and the run command), so a reused connection is rarely a closed one.
        self.keepalive_seconds = keepalive_seconds
        self._idle: list[_Connection] = []
        self._open = 0
        self._waiters: collections.deque[asyncio.Future[_Connection | None]] = collections.deque()
        self._closing = False

    async def open(self) -> None:
        self._closing = False

    async def close(self) -> None:
        self._closing = True
        while self._idle:
            self._discard(self._idle.pop(), wake=False)

    async def request(
        self,
        method: str,
        target: bytes,
        headers: list[tuple[bytes, bytes]],
        body: AsyncIterator[bytes] | None = None,
        chunked: bool = False,
    ) -> Response:
        """Send a request; `target` is the path and query as sent on the wire, `headers` are passed
        as they are (the caller frames the body: content-length, or `chunked` to chunk it here)."""
        lines = [method.encode("ascii"), b" ", self.path_prefix, target, b" HTTP/1.1\r\n", self.host_header]
        for name, value in headers:
            lines += (name, b": ", value, b"\r\n")
        if chunked:
            lines.append(b"transfer-encoding: chunked\r\n")
        lines.append(b"\r\n")
        head = b"".join(lines)
        connection, reused = await self._acquire()
        try:
            await connection.send(head, body, chunked)
        except Broken as exc:
            self._discard(connection)
            # A kept-alive connection the service closed just as it was reused: nothing was
            # processed, so a bodiless idempotent request is safe to send once more.
            if not (reused and exc.before_response and body is None and method in IDEMPOTENT):
                raise
            connection, _ = await self._acquire(fresh=True)
            try:
                await connection.send(head, None, False)
            except BaseException:
                self._discard(connection)
                raise
        except BaseException:
            self._discard(connection)
            raise
        return Response(self, connection, method)

    async def fetch(self, target: bytes, headers: list[tuple[bytes, bytes]], timeout: float) -> tuple[int, bytes]:
        """A whole GET, for the gateway's own calls (the services' API descriptions)."""

        async def get() -> tuple[int, bytes]:
            response = await self.request("GET", target, headers)
            try:
                return response.status, await response.read()
            finally:
                response.release()

        return await asyncio.wait_for(get(), timeout)

    # The pool
    async def _acquire(self, fresh: bool = False) -> tuple[_Connection, bool]:
        loop = asyncio.get_running_loop()
        now = loop.time()
        while self._idle and not fresh:
            connection = self._idle.pop()
            if not connection.closed and now - connection.idle_since < self.keepalive_seconds:
                return connection, True
            self._discard(connection, wake=False)
        if self._open < self.max_connections:
            self._open += 1
        else:
            waiter: asyncio.Future[_Connection | None] = loop.create_future()
            self._waiters.append(waiter)
            try:
                handed = await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():  # handed over just as the caller gave up: pass it on
                    if waiter.result() is not None:
                        self._release(waiter.result())
                    else:
                        self._open -= 1
                        self._wake_waiter(None)
                raise
            if handed is not None:
                return handed, True
            # Woken with None: given the place of a connection that closed, already counted.
        try:
            return await self._connect(loop), False
        except BaseException:
            self._open -= 1
            self._wake_waiter(None)
            raise

    async def _connect(self, loop: asyncio.AbstractEventLoop) -> _Connection:
        try:
            _, connection = await asyncio.wait_for(
                loop.create_connection(lambda: _Connection(loop, self.read_timeout), self.host, self.port), self.connect_timeout
            )
        except asyncio.TimeoutError as exc:
            raise Unavailable(f"no connection to {self.host}:{self.port} within {self.connect_timeout} s") from exc
        except OSError as exc:
            raise Unavailable(f"no connection to {self.host}:{self.port}: {exc.strerror or exc}") from exc
        return connection

    def _release(self, connection: _Connection) -> None:
        if not connection.reusable() or self._closing:
            self._discard(connection)
            return
        if self._wake_waiter(connection):
            return
        connection.idle_since = connection.loop.time()
        self._idle.append(connection)

    def _discard(self, connection: _Connection, wake: bool = True) -> None:
        connection.close()
        self._open -= 1
        if wake:
            self._wake_waiter(None)

    def _wake_waiter(self, connection: _Connection | None) -> bool:
        """Hand a connection, or with None the place for a new one, to the first waiter."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                if connection is None:
                    self._open += 1
                waiter.set_result(connection)
                return True
        return False
