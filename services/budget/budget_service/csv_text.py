"""How every CSV delivery to the budget service (actuals, planning assumptions) is read as text, and
how many of its faults a refusal lists.

A file is UTF-8 (Excel adds a byte-order mark) when all of it decodes as UTF-8, else Windows-1252,
which older Swedish installations of Excel write. Five byte values are neither (Windows-1252 leaves
them undefined): they read as U+FFFD, so the line holding one is refused as a bad value, naming its
line, instead of failing the request.
"""

from __future__ import annotations

import codecs
import io
from typing import IO

UTF8, CP1252 = "utf-8-sig", "cp1252"
UNDECODABLE = "\ufffd"
UNDECODABLE_DETAIL = "bytes that are neither UTF-8 nor Windows-1252 (shown as \ufffd)"
# A refused delivery lists at most this many faults and counts them all, so neither the memory the
# service needs nor the size of the answer grows with the file.
MAX_LISTED_ERRORS = 1000


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
