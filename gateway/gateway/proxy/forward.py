"""Forwards a request to one service over that service's session, streaming both ways.

The client sends its own identity (the bearer token, cookies, any assertion-looking header):
all of it is stripped, and the only identity the service sees is the gateway's signed assertion.
A failure to get an answer is a problem document naming the service: 503 when it cannot be
reached or its connection fails before any answer (it has just died), 504 when it does not answer
in time, 502 when its answer is broken.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from urllib.parse import quote, quote_from_bytes

import aiohttp
import structlog
from starlette.requests import ClientDisconnect
from starlette.types import Receive, Scope, Send

from gateway.proxy.upstream import Upstream
from styrkedjan_common.identity import HEADER as ASSERTION_HEADER
from styrkedjan_common.problems import send_problem
from styrkedjan_common.tracing import pass_context_on

log = structlog.get_logger("gateway.proxy")

HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade"}
)
# Identity the client must not be able to assert to a service.
IDENTITY_HEADERS = frozenset(
    {
        "authorization",
        "cookie",
        ASSERTION_HEADER,
        "x-user",
        "x-user-id",
        "x-user-roles",
        "x-roles",
        "x-remote-user",
        "x-forwarded-user",
        "x-auth-request-user",
        "x-auth-request-email",
    }
)
# The gateway has already answered any `Expect: 100-continue` itself by reading the body.
DROPPED_REQUEST_HEADERS = HOP_BY_HOP | IDENTITY_HEADERS | {"host", "x-request-id", "expect", "x-forwarded-for", "x-forwarded-proto"}
DROPPED_RESPONSE_HEADERS = frozenset(name.encode() for name in HOP_BY_HOP | {"set-cookie", "x-request-id", "server", "date"})
# Responses up to this size are read whole and passed on in one piece; larger ones are streamed
# in pieces of at most STREAM_PIECE.
WHOLE_BODY_LIMIT = 256 * 1024
STREAM_PIECE = 64 * 1024
# Printable ASCII stays as the client sent it; anything else in a request target is percent-encoded.
_TARGET_SAFE = bytes(range(0x21, 0x7F))


def _target(scope: Scope) -> str:
    """The path and query as the client sent them on the wire."""
    raw: bytes = scope.get("raw_path") or quote(scope["path"]).encode("ascii")
    if scope["query_string"]:
        raw += b"?" + scope["query_string"]
    return raw.decode("ascii") if raw.isascii() else quote_from_bytes(raw, safe=_TARGET_SAFE)


def _forward_headers(scope: Scope, assertion: str, request_id: str, traced: bool) -> tuple[list[tuple[str, str]], bool]:
    """The headers to send on, and whether the request has a body. A chunked body goes on without
    its content-length; aiohttp chunks a body of unknown length itself. With tracing on, the
    trace context sent on is the gateway's own span (a child of the client's, when it sent one);
    off, the client's `traceparent` goes on as it came."""
    connection_tokens: set[str] = set()
    chunked = has_body = False
    for name, value in scope["headers"]:
        if name == b"connection":
            connection_tokens |= {token.strip().lower() for token in value.decode("latin-1").split(",")}
        elif name == b"transfer-encoding":
            chunked = has_body = True
        elif name == b"content-length" and value != b"0":
            has_body = True
    context: dict[str, str] = {}
    if traced:
        pass_context_on(context)
    headers = []
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1")
        if name in context:
            continue
        if name not in DROPPED_REQUEST_HEADERS and name not in connection_tokens and not (chunked and name == "content-length"):
            headers.append((name, raw_value.decode("latin-1")))
    headers.extend(context.items())
    client = scope.get("client")
    if client:
        headers.append(("x-forwarded-for", client[0]))
    headers.append(("x-forwarded-proto", scope.get("scheme", "http")))
    headers.append((ASSERTION_HEADER, assertion))
    headers.append(("x-request-id", request_id))
    return headers, has_body


async def _request_body(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            # Raised, not returned: a body that simply ended here would reach the service as complete.
            raise ClientDisconnect
        chunk = message.get("body", b"")
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return


def slug_kind(slug: str) -> str:
    """upstream-unavailable → unavailable: the kind of failure the metrics count."""
    return slug.removeprefix("upstream-")


async def forward(
    scope: Scope, receive: Receive, send: Send, upstream: Upstream, assertion: str, request_id: str, traced: bool = False
) -> None:
    headers, has_body = _forward_headers(scope, assertion, request_id, traced)
    started = answered = False
    asked = time.perf_counter()
    try:
        async with upstream.session.request(
            scope["method"],
            upstream.url(_target(scope)),
            headers=headers,
            data=_request_body(receive) if has_body else None,
            allow_redirects=False,
        ) as response:
            answered = True
            upstream.meter.answered(asked)
            response_headers = [
                (name.lower(), value) for name, value in response.raw_headers if name.lower() not in DROPPED_RESPONSE_HEADERS
            ]
            length = response.content_length
            if response.content.is_eof() or (length is not None and length <= WHOLE_BODY_LIMIT):
                whole = await response.read()
                started = True
                await send({"type": "http.response.start", "status": response.status, "headers": response_headers})
                await send({"type": "http.response.body", "body": whole})
                return
            started = True
            await send({"type": "http.response.start", "status": response.status, "headers": response_headers})
            async for piece in response.content.iter_chunked(STREAM_PIECE):
                await send({"type": "http.response.body", "body": piece, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        return
    # Connector errors first: they are ClientOSErrors too, and a connect time-out is a TimeoutError.
    except (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError) as exc:
        log.warning("upstream_unavailable", service=upstream.name, error=str(exc))
        problem: tuple[int, str, str, list[tuple[bytes, bytes]]] = (
            503,
            f"the {upstream.name} service is unavailable",
            "upstream-unavailable",
            [(b"retry-after", b"5")],
        )
    except TimeoutError:
        log.warning("upstream_timeout", service=upstream.name)
        problem = (504, f"the {upstream.name} service did not answer in time", "upstream-timeout", [])
    except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
        if isinstance(exc.__cause__, ClientDisconnect):
            return  # the client left while sending its body: no one to answer
        if answered:
            log.warning("upstream_error", service=upstream.name, error=str(exc) or type(exc).__name__)
            problem = (502, f"the {upstream.name} service gave no valid answer", "upstream-error", [])
        else:
            # The connection failed before any answer came back: a kept-alive connection to a
            # process that has just died (a request with a body is never sent twice), or one
            # reset while the request went out. The service is unavailable, not answering wrongly.
            log.warning("upstream_unavailable", service=upstream.name, error=str(exc) or type(exc).__name__)
            problem = (503, f"the {upstream.name} service is unavailable", "upstream-unavailable", [(b"retry-after", b"5")])
    except aiohttp.ClientError as exc:
        if isinstance(exc.__cause__, ClientDisconnect):
            return  # the client left while sending its body: no one to answer
        log.warning("upstream_error", service=upstream.name, error=str(exc) or type(exc).__name__)
        problem = (502, f"the {upstream.name} service gave no valid answer", "upstream-error", [])
    upstream.meter.failed(slug_kind(problem[2]))
    if not started:  # once the response has begun, the client only sees it cut short
        status, detail, slug, extra = problem
        await send_problem(send, status, detail, slug, scope["path"], extra)
