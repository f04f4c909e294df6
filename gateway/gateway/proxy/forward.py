"""Forwards a request to one service over that service's pool of kept-alive connections, streaming both ways.

The client sends its own identity (the bearer token, cookies, any assertion-looking header):
all of it is stripped, and the only identity the service sees is the gateway's signed assertion.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import quote

import structlog

from gateway.proxy.upstream import TimedOut, Unavailable, Upstream, UpstreamError
from styrkedjan_common.identity import HEADER as ASSERTION_HEADER
from styrkedjan_common.problems import send_problem

log = structlog.get_logger("gateway.proxy")

HOP_BY_HOP = frozenset(
    {b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization", b"te", b"trailer", b"transfer-encoding", b"upgrade"}
)
# Identity the client must not be able to assert to a service.
IDENTITY_HEADERS = frozenset(
    {
        b"authorization",
        b"cookie",
        ASSERTION_HEADER.encode(),
        b"x-user",
        b"x-user-id",
        b"x-user-roles",
        b"x-roles",
        b"x-remote-user",
        b"x-forwarded-user",
        b"x-auth-request-user",
        b"x-auth-request-email",
    }
)
# The gateway has already answered any `Expect: 100-continue` itself by reading the body.
DROPPED_REQUEST_HEADERS = HOP_BY_HOP | IDENTITY_HEADERS | {b"host", b"x-request-id", b"expect", b"x-forwarded-for", b"x-forwarded-proto"}
DROPPED_RESPONSE_HEADERS = HOP_BY_HOP | {b"set-cookie", b"x-request-id", b"server", b"date"}


_ASSERTION_HEADER = ASSERTION_HEADER.encode()


def _forward_headers(scope: dict[str, Any], assertion: bytes, request_id: bytes) -> tuple[list[tuple[bytes, bytes]], bool, bool]:
    """The headers to send on, whether the request has a body, and whether it comes chunked
    (no content-length)."""
    connection_tokens: set[bytes] = set()
    chunked = has_body = False
    for name, value in scope["headers"]:
        if name == b"connection":
            connection_tokens |= {token.strip().lower() for token in value.split(b",")}
        elif name == b"transfer-encoding":
            chunked = has_body = True
        elif name == b"content-length" and value != b"0":
            has_body = True
    headers = [
        (name, value)
        for name, value in scope["headers"]
        if name not in DROPPED_REQUEST_HEADERS and name not in connection_tokens and not (chunked and name == b"content-length")
    ]
    client = scope.get("client")
    if client:
        headers.append((b"x-forwarded-for", client[0].encode("latin-1")))
    headers.append((b"x-forwarded-proto", scope.get("scheme", "http").encode("latin-1")))
    headers.append((_ASSERTION_HEADER, assertion))
    headers.append((b"x-request-id", request_id))
    return headers, has_body, chunked


async def _request_body(receive: Any) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        chunk = message.get("body", b"")
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return


# Responses up to this size are read whole and passed on in one piece; larger ones are streamed.
WHOLE_BODY_LIMIT = 256 * 1024


async def forward(scope: dict[str, Any], receive: Any, send: Any, upstream: Upstream, assertion: str, request_id: str) -> None:
    # Already encoded by the client: pass it on byte for byte.
    target = scope.get("raw_path") or quote(scope["path"]).encode("ascii")
    if scope["query_string"]:
        target += b"?" + scope["query_string"]
    headers, has_body, chunked = _forward_headers(scope, assertion.encode("ascii"), request_id.encode("ascii"))
    body = _request_body(receive) if has_body else None
    started = False
    try:
        response = await upstream.request(scope["method"], target, headers, body, chunked)
        try:
            response_headers = [(name, value) for name, value in response.headers if name not in DROPPED_RESPONSE_HEADERS]
            length = response.content_length()
            if response.complete or (length is not None and length <= WHOLE_BODY_LIMIT):
                whole = await response.read()
                started = True
                await send({"type": "http.response.start", "status": response.status, "headers": response_headers})
                await send({"type": "http.response.body", "body": whole})
                return
            started = True
            await send({"type": "http.response.start", "status": response.status, "headers": response_headers})
            async for chunk in response.chunks():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            response.release()
        return
    except TimedOut:
        log.warning("upstream_timeout", service=upstream.name)
        problem = (504, f"the {upstream.name} service did not answer in time", "upstream-timeout", [])
    except Unavailable as exc:
        log.warning("upstream_unavailable", service=upstream.name, error=str(exc))
        problem = (503, f"the {upstream.name} service is unavailable", "upstream-unavailable", [(b"retry-after", b"5")])
    except UpstreamError as exc:
        log.warning("upstream_error", service=upstream.name, error=str(exc))
        problem = (502, f"the {upstream.name} service gave no valid answer", "upstream-error", [])
    if not started:  # once the response has begun, the client only sees it cut short
        status, detail, slug, extra = problem
        await send_problem(send, status, detail, slug, scope["path"], extra)
