"""Overload answered honestly: a saturated app refuses the excess at once with 503 and Retry-After.

Two layers. Admission control bounds the requests one process works on at a time; a request
beyond the bound waits a short while for a place, then is refused before any work is spent on
it (no token check, no body parsing, no database). Queues that only grow help nobody: a request
that waited seconds is answered late and usually given up on by its client, while the work it
displaced made everyone else late too. Behind it, a request that waits too long for a pooled
database connection is refused the same way instead of failing with 500.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from styrkedjan_common.problems import problem_response, problem_type, send_problem
from styrkedjan_common.settings import AppSettings

OVERLOADED = "overloaded"


def admission_options(settings: AppSettings) -> dict[str, Any]:
    """AdmissionControl's bounds as the app's settings give them."""
    return {
        "limit": settings.max_concurrent_requests,
        "wait_seconds": settings.admission_wait_seconds,
        "retry_after_seconds": settings.retry_after_seconds,
    }


def _places(limit: int) -> asyncio.Semaphore | None:
    return asyncio.Semaphore(limit) if limit > 0 else None


def retry_after_header(seconds: int) -> list[tuple[bytes, bytes]]:
    return [(b"retry-after", str(seconds).encode())]


class AdmissionControl:
    """Pure ASGI: at most `limit` requests in progress; one more waits up to `wait_seconds` for a
    place (first come, first served), else it is answered 503 with `Retry-After`. `limit` 0 admits
    everything. `bounds` gives paths under a prefix their own places (the gateway: each service's
    requests), so one busy part refuses only its own excess. Paths in `exempt` (liveness,
    readiness, metrics) are always admitted, so that an orchestrator sees a busy process as alive.

    A database pool time-out raised by a pure-ASGI layer inside (the gateway's authentication
    reads the directory) becomes the same 503 while the answer has not begun."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int,
        wait_seconds: float,
        retry_after_seconds: int,
        exempt: frozenset[str] = frozenset(),
        bounds: Mapping[str, int] | None = None,
    ) -> None:
        self.app = app
        self.wait_seconds = wait_seconds
        self.retry_after = retry_after_header(retry_after_seconds)
        self.exempt = exempt
        self.places = _places(limit)
        self.places_under = [(prefix, _places(bound)) for prefix, bound in (bounds or {}).items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        places = next((places for prefix, places in self.places_under if path.startswith(prefix)), self.places)
        if places is None:
            await self._call_refusing_pool_timeouts(scope, receive, send)
            return
        if not await self._admitted(places):
            await send_problem(
                send, 503, "the service is busy; retry after the time given in Retry-After", OVERLOADED, path, self.retry_after
            )
            return
        try:
            await self._call_refusing_pool_timeouts(scope, receive, send)
        finally:
            places.release()

    async def _admitted(self, places: asyncio.Semaphore) -> bool:
        if not places.locked():
            await places.acquire()  # a free place: taken without suspending
            return True
        if self.wait_seconds <= 0:
            return False
        try:
            async with asyncio.timeout(self.wait_seconds):
                await places.acquire()
        except TimeoutError:
            return False
        return True

    async def _call_refusing_pool_timeouts(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except PoolTimeout:
            if started:
                raise
            await send_problem(send, 503, POOL_TIMEOUT_DETAIL, OVERLOADED, scope["path"], self.retry_after)


POOL_TIMEOUT_DETAIL = "the service is busy (no database connection became free in time); retry after the time given in Retry-After"


def install_pool_timeout_handler(app: FastAPI, retry_after_seconds: int) -> None:
    """A request that found no free database connection in time is answered 503 with Retry-After:
    the service is saturated, and the request's transaction, if it had begun, is rolled back."""
    headers = {"Retry-After": str(retry_after_seconds)}

    @app.exception_handler(PoolTimeout)
    async def _pool_timeout(request: Request, _exc: PoolTimeout) -> Response:
        metrics = getattr(request.app.state, "metrics", None)  # set with the operational routes
        if metrics is not None:
            metrics.pool_timeouts.labels(metrics.app_name).inc()
        return problem_response(503, POOL_TIMEOUT_DETAIL, type_=problem_type(OVERLOADED), instance=request.url.path, headers=headers)
