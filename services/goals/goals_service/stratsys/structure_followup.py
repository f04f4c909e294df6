"""The goals service's client of the follow-up service, for the assessments Stratsys's structure
file carries: read a year's for the export, check and write an import's. Called with the goals
service's own assertion; the follow-up service admits it on these two operations only."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

import aiohttp
import orjson
import structlog
from fastapi import Request
from pydantic import BaseModel, ValidationError

from styrkedjan_common.clients import CalleeRefused, CalleeUnavailable, ServiceClient
from styrkedjan_common.context import request_id_var
from styrkedjan_common.identity import HEADER, ServiceSigner
from styrkedjan_common.occasions import FollowupOccasion
from styrkedjan_common.problems import InvalidInput
from styrkedjan_common.tracing import pass_context_on

log = structlog.get_logger(__name__)
PATH = "/stratsys/assessments"


class Assessment(BaseModel):
    goal_id: uuid.UUID
    org_unit_id: uuid.UUID
    occasion: FollowupOccasion
    period_end: dt.date
    level_code: str
    analysis: str


class YearAssessments(BaseModel):
    year: int
    items: list[Assessment]


class Counts(BaseModel):
    created: int = 0
    updated: int = 0
    unchanged: int = 0


class Imported(BaseModel):
    dry_run: bool
    counts: dict[str, Counts]


class FollowupAssessments(ServiceClient):
    callee = "followup"
    prefix = "/api/followup/v1"

    async def year(self, year: int) -> YearAssessments:
        answer = await self.get_json(PATH, {"year": year})
        try:
            return YearAssessments.model_validate(answer)
        except ValidationError as exc:
            raise CalleeRefused(
                self.callee, 502, f"the assessments are not what the goals service reads: {exc.errors()[0]['msg']}"
            ) from exc

    async def import_year(self, year: int, assessments: list[dict[str, Any]], *, dry_run: bool) -> Imported:
        """Check (dry run) or write the assessments; a refusal comes back as the follow-up
        service's InvalidInput, every error with the line it names."""
        status, body = await self._post(PATH, {"year": year, "assessments": assessments}, {"dry_run": "true" if dry_run else "false"})
        document = _json(body)
        if status == 422 and isinstance(document, dict) and isinstance(document.get("errors"), list):
            errors = [{"pointer": str(e.get("pointer", "#")), "detail": str(e.get("detail", ""))} for e in document["errors"]]
            raise InvalidInput(str(document.get("detail") or "the follow-up service refused the assessments"), errors=errors)
        if status >= 400:
            detail = str(document.get("detail") or document.get("title") or "") if isinstance(document, dict) else ""
            raise CalleeRefused(self.callee, status, detail or f"status {status}")
        try:
            return Imported.model_validate(document)
        except ValidationError as exc:
            raise CalleeRefused(
                self.callee, 502, "the follow-up service's answer to the import is not what the goals service reads"
            ) from exc

    async def _post(self, path: str, payload: Any, params: dict[str, str]) -> tuple[int, bytes]:
        headers = {HEADER: self.signer.assertion(self.callee), "accept": "application/json", "content-type": "application/json"}
        request_id = request_id_var.get()
        if request_id:
            headers["x-request-id"] = request_id
        pass_context_on(headers)
        asked = time.perf_counter()
        try:
            async with self._http().post(
                f"{self.base_url}{self.prefix}{path}", params=params, data=orjson.dumps(payload), headers=headers
            ) as r:
                self._answered(asked)
                return r.status, await r.read()
        except TimeoutError as exc:
            log.warning("callee_timeout", callee=self.callee, path=path)
            self._failed("timeout")
            raise CalleeUnavailable(f"the {self.callee} service did not answer in time", status=504) from exc
        except aiohttp.ClientError as exc:
            log.warning("callee_unavailable", callee=self.callee, path=path, error=str(exc) or type(exc).__name__)
            self._failed("unavailable")
            raise CalleeUnavailable(f"the {self.callee} service is unavailable", headers={"Retry-After": "5"}) from exc


def _json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None


def followup_client(request: Request) -> FollowupAssessments:
    """The app's client, made on first use from the service's own key and its settings (a test
    puts its own in `app.state.followup_assessments`); closed with the app (main.py)."""
    client: FollowupAssessments | None = getattr(request.app.state, "followup_assessments", None)
    if client is None:
        signer: ServiceSigner | None = getattr(request.app.state, "signer", None)
        if signer is None:
            raise CalleeUnavailable(
                "the goals service has no key of its own (service_private_key), so it cannot reach the follow-up service's assessments"
            )
        settings = request.app.state.settings
        client = FollowupAssessments(
            settings.followup_url,
            signer,
            connect_timeout=settings.client_connect_timeout_seconds,
            read_timeout=settings.client_read_timeout_seconds,
            meter=request.app.state.metrics.upstream("followup") if hasattr(request.app.state, "metrics") else None,
        )
        request.app.state.followup_assessments = client
    return client
