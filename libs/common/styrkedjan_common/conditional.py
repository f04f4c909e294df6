"""Conditional reads for the answers that are no single record: a list, the thread, a summary.

Such a GET answer (JSON, 200) gets a weak ETag made from its body, and a GET that sends it back in
`If-None-Match` is answered 304 without the body when the answer would be the same: a screen that
polls redraws only what changed, and nothing larger than a header crosses the network. The body is
made either way, so the validator is exact: whatever the answer depends on (other records, the
date, the caller's scope), a change in it changes the ETag.

A record's answer keeps the ETag its handler gives it, its version, which If-Match compares when it
is written. Its representation also holds what its version does not track (a report's lateness,
an allocation's `over_frame` under a lowered frame), so a 304 from the version alone could keep a
stale screen: a record read is always answered whole.
"""

from __future__ import annotations

import hashlib

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Headers a 304 repeats from the answer it stands for (RFC 9110 15.4.5); the body's own go.
_KEPT_ON_304 = frozenset({b"etag", b"cache-control", b"vary", b"x-request-id", b"date", b"expires", b"content-location"})


def _json(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(name == b"content-type" and value.split(b";")[0].strip().endswith(b"json") for name, value in headers)


def _opaque(tag: bytes) -> bytes:
    """The tag without its weakness: If-None-Match compares weakly (RFC 9110 13.1.2)."""
    tag = tag.strip()
    return tag[2:] if tag.startswith(b"W/") else tag


def matches(if_none_match: bytes, etag: bytes) -> bool:
    wanted = {_opaque(part) for part in if_none_match.split(b",")}
    return b"*" in wanted or _opaque(etag) in wanted


def body_etag(body: bytes) -> bytes:
    return b'W/"' + hashlib.sha256(body).hexdigest()[:32].encode() + b'"'


class ConditionalReads:
    """Pure ASGI, around an app's routes: see the module's description."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        if_none_match = next((value for name, value in scope["headers"] if name == b"if-none-match"), None)
        start: Message | None = None
        chunks: list[bytes] = []

        async def hold(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                own_etag = any(name == b"etag" for name, _ in headers)
                if message["status"] == 200 and _json(headers) and not own_etag:
                    start = message  # held until the whole body is known
                    return
                await send(message)
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            await self._answer(start, b"".join(chunks), if_none_match, send)

        await self.app(scope, receive, hold)

    @staticmethod
    async def _answer(start: Message, body: bytes, if_none_match: bytes | None, send: Send) -> None:
        etag = body_etag(body)
        headers = [*start.get("headers", []), (b"etag", etag)]
        if if_none_match is not None and matches(if_none_match, etag):
            kept = [(name, value) for name, value in headers if name in _KEPT_ON_304]
            await send({"type": "http.response.start", "status": 304, "headers": kept})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})
