"""Pure ASGI middleware: request id, one access log line, Prometheus metrics by route template."""

from __future__ import annotations

import logging
import random
import re
import time
from collections.abc import MutableMapping
from typing import Any

import structlog

from styrkedjan_common.context import request_id_var
from styrkedjan_common.metrics import Metrics
from styrkedjan_common.problems import send_problem

REQUEST_ID_HEADER = b"x-request-id"
_VALID_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")
access_log = structlog.get_logger("styrkedjan.access")
error_log = structlog.get_logger("styrkedjan.problems")


def incoming_request_id(headers: list[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name == REQUEST_ID_HEADER and _VALID_REQUEST_ID.match(value):
            return value.decode()
    # A request id needs uniqueness, not secrecy: no urandom system call per request.
    return f"{random.getrandbits(128):032x}"


def route_template(scope: dict[str, Any]) -> str:
    """Set by the policy check (services) or the proxy (gateway); the raw path would explode label cardinality."""
    return scope.get("route_template") or "unmatched"


class RequestContextMiddleware:
    """Accepts or generates X-Request-ID, echoes it, logs and measures every request."""

    def __init__(self, app: Any, metrics: Metrics, skip_paths: frozenset[str] = frozenset({"/livez", "/readyz", "/metrics"})) -> None:
        self.app = app
        self.metrics = metrics
        self.skip_paths = skip_paths
        # Decided once: building a log event only to drop it costs on every request.
        self.log_requests = logging.getLogger("styrkedjan.access").isEnabledFor(logging.INFO)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = incoming_request_id(scope["headers"])
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status_holder = [500]
        request_id_bytes = request_id.encode()
        started_response = [False]

        async def send_with_id(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                started_response[0] = True
                status_holder[0] = message["status"]
                headers = [h for h in message.get("headers", []) if h[0].lower() != REQUEST_ID_HEADER]
                headers.append((REQUEST_ID_HEADER, request_id_bytes))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # An error no handler took. Answered here, where the request id is still known: the
            # server's own last resort runs outside this middleware and would answer without it
            # (or, in the gateway, in plain text). Once an answer has begun it can only be cut off.
            if started_response[0]:
                raise
            error_log.exception("unhandled_error", path=scope["path"])
            await send_problem(send_with_id, 500, "an unexpected error occurred; it has been logged", "internal-error", scope["path"])
        finally:
            path = scope["path"]
            if path not in self.skip_paths:
                elapsed = time.perf_counter() - started
                route = route_template(scope)
                self.metrics.observe(scope["method"], route, status_holder[0], elapsed)
                if self.log_requests:
                    access_log.info(
                        "request",
                        method=scope["method"],
                        route=route,
                        path=path,
                        status=status_holder[0],
                        duration_ms=round(elapsed * 1000, 3),
                        user=scope.get("state", {}).get("user_id"),
                    )
            request_id_var.reset(token)
