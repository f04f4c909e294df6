"""Calling another service directly: one typed async client per callee, all built on `ServiceClient`.

The caller signs its own service assertion (`ServiceSigner`, audience = the callee) and sends it
in the assertion header; the callee admits it only on operations that declare the caller
(`x-services`). A callee that cannot be reached or does not answer in time is a 503 or 504
problem naming it; an answer that refuses the call is a 502 problem carrying the callee's
status and detail, so that the caller's client never sees a bare stack trace.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

import aiohttp
import orjson
import structlog

from styrkedjan_common.context import request_id_var
from styrkedjan_common.identity import HEADER, ServiceSigner
from styrkedjan_common.metrics import UpstreamMeter
from styrkedjan_common.problems import ProblemError
from styrkedjan_common.tracing import pass_context_on

log = structlog.get_logger("styrkedjan.clients")


class CalleeUnavailable(ProblemError):
    """The callee could not be reached or did not answer in time."""

    status = 503
    slug = "callee-unavailable"


class CalleeRefused(ProblemError):
    """The callee answered with a problem: `callee_status` and its detail are kept."""

    status = 502
    slug = "callee-refused"

    def __init__(self, callee: str, callee_status: int, detail: str) -> None:
        super().__init__(f"the {callee} service answered {callee_status}: {detail}")
        self.callee_status = callee_status


class ServiceClient:
    """A client of one callee. Subclasses name the callee and add one typed method per operation."""

    callee: ClassVar[str]  # the callee's name: its assertion audience and its name in problems
    prefix: ClassVar[str]  # the callee's API path, e.g. /api/goals/v1

    def __init__(
        self,
        base_url: str,
        signer: ServiceSigner,
        *,
        connect_timeout: float = 2.0,
        read_timeout: float = 10.0,
        meter: UpstreamMeter | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.signer = signer
        self.meter = meter
        self._timeout = aiohttp.ClientTimeout(total=None, sock_connect=connect_timeout, sock_read=read_timeout)
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        # Made on first use, inside the running loop.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=self._timeout, cookie_jar=aiohttp.DummyCookieJar())
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """GET `prefix + path` as this service; the decoded JSON answer."""
        headers = {HEADER: self.signer.assertion(self.callee), "accept": "application/json"}
        request_id = request_id_var.get()
        if request_id:
            headers["x-request-id"] = request_id
        pass_context_on(headers)
        query = {name: _query_value(value) for name, value in (params or {}).items() if value is not None}
        asked = time.perf_counter()
        try:
            async with self._http().get(f"{self.base_url}{self.prefix}{path}", params=query, headers=headers) as response:
                self._answered(asked)
                body = await response.read()
                status = response.status
        except TimeoutError as exc:
            log.warning("callee_timeout", callee=self.callee, path=path)
            self._failed("timeout")
            raise CalleeUnavailable(f"the {self.callee} service did not answer in time", status=504) from exc
        except aiohttp.ClientError as exc:
            log.warning("callee_unavailable", callee=self.callee, path=path, error=str(exc) or type(exc).__name__)
            self._failed("unavailable")
            raise CalleeUnavailable(f"the {self.callee} service is unavailable", headers={"Retry-After": "5"}) from exc
        if status >= 400:
            detail = _detail(body) or f"status {status}"
            log.warning("callee_refused", callee=self.callee, path=path, status=status, detail=detail)
            raise CalleeRefused(self.callee, status, detail)
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            self._failed("error")
            # Something between the services (a proxy's error page) answered, or the callee is broken.
            log.warning("callee_answer_not_json", callee=self.callee, path=path, status=status)
            raise CalleeRefused(self.callee, status, "the answer is not JSON") from exc

    def _answered(self, asked: float) -> None:
        if self.meter is not None:
            self.meter.answered(asked)

    def _failed(self, kind: str) -> None:
        if self.meter is not None:
            self.meter.failed(kind)


def _query_value(value: Any) -> str:
    # A flag as the callee's query parameters read it: true/false, not Python's True/False.
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _detail(body: bytes) -> str:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return ""
    return str(document.get("detail") or document.get("title") or "") if isinstance(document, dict) else ""
