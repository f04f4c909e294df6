"""How every delivered text file (CSV, tab-separated) is read, the same way in every service: its
encoding, spooling a large body to disk while it is hashed, and how many faults a refusal lists.

A file is UTF-8 (Excel adds a byte-order mark) when all of it decodes as UTF-8, else Windows-1252,
which older Swedish installations of Excel write. Five byte values are neither (Windows-1252 leaves
them undefined): they read as U+FFFD, so the line holding one is refused as a bad value, naming its
line, instead of failing the request.

A large delivery is never held in memory: `spool` writes the request body to a temporary file while
computing its SHA-256 (the "same file again" check) and its encoding, and the importer then reads it
back line by line, in batches (`open_text`).
"""

from __future__ import annotations

import codecs
import hashlib
import io
import tempfile
from collections.abc import AsyncIterator
from typing import IO

from anyio import to_thread

from styrkedjan_common.problems import ProblemError

UTF8, CP1252 = "utf-8-sig", "cp1252"
UNDECODABLE = "\ufffd"
UNDECODABLE_DETAIL = "bytes that are neither UTF-8 nor Windows-1252 (shown as \ufffd)"
# A refused delivery lists at most this many faults and counts them all, so neither the memory the
# service needs nor the size of the answer grows with the file.
MAX_LISTED_ERRORS = 1000
# Spooled chunks are written in pieces of about this size, each in a worker thread.
_WRITE_SIZE = 1 << 20


class EncodingSniffer:
    """Fed a delivery chunk by chunk as it arrives, tells its encoding at the end without a second pass."""

    def __init__(self) -> None:
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._is_utf8 = True

    def feed(self, chunk: bytes) -> None:
        if self._is_utf8 and not chunk.isascii():
            try:
                self._utf8.decode(chunk)
            except UnicodeDecodeError:
                self._is_utf8 = False

    @property
    def encoding(self) -> str:
        if self._is_utf8:
            try:
                self._utf8.decode(b"", final=True)  # a sequence cut off at the end
            except UnicodeDecodeError:
                self._is_utf8 = False
        return UTF8 if self._is_utf8 else CP1252


def open_text(file: IO[bytes], encoding: str) -> io.TextIOWrapper:
    """The delivery as text, read lazily; the caller detaches it so the file itself stays open."""
    return io.TextIOWrapper(file, encoding=encoding, errors="replace", newline="")


def decode(data: bytes) -> str:
    """A whole delivery held in memory, as text."""
    sniffer = EncodingSniffer()
    sniffer.feed(data)
    return data.decode(sniffer.encoding, errors="replace")


def listed_note(total: int, listed: int) -> str:
    """What a refusal says when it lists fewer faults than it found."""
    return f"; the first {listed} are listed" if total > listed else ""


def line_pointer(line: int) -> str:
    """Where a fault of a delivered file is: its line, counted from 1."""
    return f"#/line/{line}"


class Spooled:
    """The delivered file on disk (deleted when closed), its digest, size and encoding."""

    def __init__(self, file: IO[bytes], sha256: str, size: int, encoding: str) -> None:
        self.file = file
        self.sha256 = sha256
        self.size = size
        self.encoding = encoding

    def close(self) -> None:
        self.file.close()


async def spool(chunks: AsyncIterator[bytes], max_bytes: int, too_large: str) -> Spooled:
    """Write the body to a temporary file while hashing it; refuse it past `max_bytes` (413, saying
    `too_large`)."""
    file = tempfile.TemporaryFile()  # noqa: SIM115 - the Spooled returned owns it: closing it deletes the file
    digest, size, pending, sniffer = hashlib.sha256(), 0, bytearray(), EncodingSniffer()
    try:
        async for chunk in chunks:
            size += len(chunk)
            if size > max_bytes:
                raise ProblemError(too_large, status=413, slug="content-too-large")
            digest.update(chunk)
            sniffer.feed(chunk)
            pending += chunk
            if len(pending) >= _WRITE_SIZE:
                await to_thread.run_sync(file.write, bytes(pending))
                pending.clear()
        if pending:
            await to_thread.run_sync(file.write, bytes(pending))
        await to_thread.run_sync(file.seek, 0)
    except BaseException:
        file.close()
        raise
    return Spooled(file, digest.hexdigest(), size, sniffer.encoding)
