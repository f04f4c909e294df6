"""Forwards a request to one service over that service's shared aiohttp client, streaming both ways.

The client sends its own identity (the bearer token, cookies, any assertion-looking header):
all of it is stripped, and the only identity the service sees is the gateway's signed assertion.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import structlog
from urllib.parse import quote
from yarl import URL

from styrkedjan_common.identity import HEADER as ASSERTION_HEADER
from styrkedjan_common.problems import PROBLEM_MEDIA_TYPE, problem_body, problem_type

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
DROPPED_REQUEST_HEADERS = HOP_BY_HOP | IDENTITY_HEADERS | {b"host", b"x-request-id", b"content-length"}
DROPPED_RESPONSE_HEADERS = HOP_BY_HOP | {b"set-cookie", b"x-request-id", b"server", b"date"}


class Upstream:
    """One service: its base URL and one shared client (keep-alive, timeouts, no cookie jar)."""

    def __init__(self, name: str, base_url: str, connect_timeout: float, read_timeout: float, max_connections: int) -> None:
        self.name = name
        self.base_url = base_url.rstrip("/")
        self._timeout = aiohttp.ClientTimeout(total=None, connect=connect_timeout, sock_read=read_timeout)
        self._max_connections = max_connections
        self.session: aiohttp.ClientSession | None = None

    async def open(self) -> None:
        # Idle connections are dropped before the services drop them (uvicorn: --timeout-keep-alive,
        # 75 s in the images and the run command), so a reused connection is rarely a closed one.
        connector = aiohttp.TCPConnector(limit=self._max_connections, keepalive_timeout=15, ttl_dns_cache=300)
        self.session = aiohttp.ClientSession(
            connector=connector,
            timeout=self._timeout,
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=False,
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
        )

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()


def _forward_headers(scope: dict[str, Any], assertion: str, request_id: str) -> list[tuple[str, str]]:
    connection_tokens = set()
    for name, value in scope["headers"]:
        if name == b"connection":
            connection_tokens |= {token.strip().lower().encode() for token in value.decode("latin-1").split(",")}
    headers = [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, value in scope["headers"]
        if name not in DROPPED_REQUEST_HEADERS and name not in connection_tokens
    ]
    client = scope.get("client")
    if client:
        headers.append(("X-Forwarded-For", client[0]))
    headers.append(("X-Forwarded-Proto", scope.get("scheme", "http")))
    headers.append((ASSERTION_HEADER, assertion))
    headers.append(("X-Request-ID", request_id))
    return headers


def _has_body(scope: dict[str, Any]) -> bool:
    for name, value in scope["headers"]:
        if name == b"transfer-encoding" or (name == b"content-length" and value != b"0"):
            return True
    return False


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


async def send_problem(send: Any, status: int, detail: str, slug: str, instance: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = problem_body(status, detail, type_=problem_type(slug), instance=instance)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", PROBLEM_MEDIA_TYPE.encode()), (b"content-length", str(len(body)).encode()), *(headers or [])],
        }
    )
    await send({"type": "http.response.body", "body": body})


# Responses up to this size are read whole and passed on in one piece; larger ones are streamed.
WHOLE_BODY_LIMIT = 256 * 1024


async def forward(scope: dict[str, Any], receive: Any, send: Any, upstream: Upstream, assertion: str, request_id: str) -> None:
    path = scope["raw_path"].decode("latin-1") if scope.get("raw_path") else quote(scope["path"])
    query = scope["query_string"].decode("latin-1")
    # Already encoded by the client: pass it on byte for byte.
    url = URL(upstream.base_url + path + ("?" + query if query else ""), encoded=True)
    data = _request_body(receive) if _has_body(scope) else None
    # aiohttp itself sends a bodiless idempotent request again when a kept-alive connection
    # turns out to be closed by the service (tests/test_proxy_retry.py holds it to that).
    started = [False]
    try:
        await _exchange(upstream, scope["method"], url, _forward_headers(scope, assertion, request_id), data, send, started)
        return
    except (asyncio.TimeoutError, aiohttp.ServerTimeoutError):
        log.warning("upstream_timeout", service=upstream.name)
        problem = (504, f"the {upstream.name} service did not answer in time", "upstream-timeout", [])
    except aiohttp.ClientConnectorError:
        log.warning("upstream_unavailable", service=upstream.name)
        problem = (503, f"the {upstream.name} service is unavailable", "upstream-unavailable", [(b"retry-after", b"5")])
    except aiohttp.ClientError as exc:
        log.warning("upstream_error", service=upstream.name, error=str(exc))
        problem = (502, f"the {upstream.name} service gave no valid answer", "upstream-error", [])
    if not started[0]:  # once the response has begun, the client only sees it cut short
        status, detail, slug, extra = problem
        await send_problem(send, status, detail, slug, scope["path"], extra)


async def _exchange(
    upstream: Upstream, method: str, url: URL, headers: list[tuple[str, str]], data: Any, send: Any, started: list[bool]
) -> None:
    assert upstream.session is not None
    async with upstream.session.request(method, url, headers=headers, data=data, allow_redirects=False, compress=None) as response:
        response_headers = [(k.lower(), v) for k, v in response.raw_headers if k.lower() not in DROPPED_RESPONSE_HEADERS]
        whole = response.content_length is not None and response.content_length <= WHOLE_BODY_LIMIT
        body = await response.read() if whole else None
        started[0] = True
        await send({"type": "http.response.start", "status": response.status, "headers": response_headers})
        if body is not None:
            await send({"type": "http.response.body", "body": body})
            return
        async for chunk in response.content.iter_any():
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
