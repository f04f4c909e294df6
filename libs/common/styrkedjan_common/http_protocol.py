"""uvicorn's httptools protocol with each response leaving in one write.

uvicorn writes a response's status line and headers in one call and its body in the next. On a
socket each write is a system call that, on loopback, also carries the receiver's TCP work and
wake-up; a small JSON answer costs two of them. Here the writes one event-loop iteration makes on a
connection are joined and go out together at the end of that iteration (or at once, before the
transport closes or hands over to another protocol), so their order is kept.

Select it with `uvicorn --http styrkedjan_common.http_protocol:CoalescingHttpToolsProtocol`.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

# Pieces larger than this are not copied together: the copy would cost more than the write saved.
JOIN_LIMIT = 64 * 1024


class CoalescingTransport:
    """Holds the writes made during one loop iteration and writes them as one."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: list[bytes] = []
        self._held_size = 0

    def write(self, data: bytes) -> None:
        if not data:
            return
        if self._held_size + len(data) > JOIN_LIMIT:
            self.flush()
            self._transport.write(data)
            return
        if not self._held:
            self._loop.call_soon(self.flush)
        self._held.append(data)
        self._held_size += len(data)

    def flush(self) -> None:
        if self._held:
            data = self._held[0] if len(self._held) == 1 else b"".join(self._held)
            self._held.clear()
            self._held_size = 0
            self._transport.write(data)

    def writelines(self, pieces: Any) -> None:
        for piece in pieces:
            self.write(piece)

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + self._held_size

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self.flush()
        self._transport.set_protocol(protocol)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(CoalescingTransport(transport, self.loop))  # type: ignore[arg-type]
