"""Pure ASGI middleware: request id, one access log line, Prometheus metrics by route template."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import structlog
from prometheus_client import CollectorRegistry, Counter, Histogram

from styrkedjan_common.context import request_id_var

REQUEST_ID_HEADER = b"x-request-id"
_VALID_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")
access_log = structlog.get_logger("styrkedjan.access")


class Metrics:
    def __init__(self, app_name: str) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total", "HTTP requests", ["app", "method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency",
            ["app", "method", "route"],
            registry=self.registry,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.app_name = app_name


def incoming_request_id(headers: list[tuple[bytes, bytes]]) -> str:
    for name, value in headers:
        if name == REQUEST_ID_HEADER and _VALID_REQUEST_ID.match(value):
            return value.decode()
    return uuid.uuid4().hex


def route_template(scope: dict[str, Any]) -> str:
    """Set by the policy check (services) or the proxy (gateway); the raw path would explode label cardinality."""
    return scope.get("route_template") or "unmatched"


class RequestContextMiddleware:
    """Accepts or generates X-Request-ID, echoes it, logs and measures every request."""

    def __init__(self, app: Any, metrics: Metrics, skip_paths: frozenset[str] = frozenset({"/livez", "/readyz", "/metrics"})) -> None:
        self.app = app
        self.metrics = metrics
        self.skip_paths = skip_paths

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = incoming_request_id(scope["headers"])
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status_holder = [500]
        request_id_bytes = request_id.encode()

        async def send_with_id(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status_holder[0] = message["status"]
                headers = [h for h in message.get("headers", []) if h[0].lower() != REQUEST_ID_HEADER]
                headers.append((REQUEST_ID_HEADER, request_id_bytes))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            path = scope["path"]
            if path not in self.skip_paths:
                elapsed = time.perf_counter() - started
                route = route_template(scope)
                method = scope["method"]
                status = status_holder[0]
                self.metrics.requests.labels(self.metrics.app_name, method, route, str(status)).inc()
                self.metrics.latency.labels(self.metrics.app_name, method, route).observe(elapsed)
                user = scope.get("state", {}).get("user_id")
                access_log.info(
                    "request",
                    method=method,
                    route=route,
                    path=path,
                    status=status,
                    duration_ms=round(elapsed * 1000, 3),
                    user=user,
                )
            request_id_var.reset(token)
