"""The compilation's own operations: the live overview of an occasion and the executive board's
records of missing reports."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from followup_service.compilation import repository, rules
from followup_service.compilation.schemas import CompilationRead, Entry, MissingCreate, Totals
from followup_service.cycle.service import get_occasion
from followup_service.db import auditor
from followup_service.levels import ReportLevel
from followup_service.reports.models import MissingReport, Report
from styrkedjan_common.identity import Principal, Role
from styrkedjan_common.lifecycle import Status
from styrkedjan_common.org_units import OrgUnitReplica
from styrkedjan_common.problems import InvalidInput, NotFound, RuleViolation
from styrkedjan_common.scope import ensure_can_write

COMPILERS = (Role.FULLMAKTIGE,)


async def overview(session: AsyncSession, org_units: OrgUnitReplica, occasion_id: uuid.UUID) -> CompilationRead:
    occasion = await get_occasion(session, occasion_id)
    municipal = await repository.municipal_report_of(session, occasion.id)
    composed = await rules.compose(session, org_units, municipal) if municipal is not None else None
    entries = composed["entries"] if composed is not None else await rules.entries(session, org_units, occasion, None)
    totals = composed["totals"] if composed is not None else rules.totals(entries)
    assessments: Counter[str] = Counter()
    for entry in entries:
        assessments.update(entry["assessments"])
    return CompilationRead(
        occasion_id=occasion.id,
        year=occasion.year,
        occasion=occasion.kind,
        municipal_report_id=municipal.id if municipal is not None else None,
        municipal_report_status=municipal.status if municipal is not None else None,
        entries=[Entry.model_validate(e) for e in entries],
        totals=Totals.model_validate(totals),
        assessments=dict(assessments),
    )


async def _municipal_draft(session: AsyncSession, principal: Principal, report_id: uuid.UUID) -> Report:
    report = await session.get(Report, report_id)
    if report is None or report.level != ReportLevel.MUNICIPAL.value:
        raise NotFound(f"no municipal report {report_id}")
    ensure_can_write(principal, report.org_unit_id, COMPILERS, "the compilation of the municipal report")
    if report.status != Status.DRAFT.value:
        raise RuleViolation(f"the compilation is changed while the municipal report is a draft, and this one is {report.status}")
    return report


def _snapshot(missing: MissingReport) -> dict[str, Any]:
    return {"report_id": str(missing.report_id), "org_unit_id": str(missing.org_unit_id), "reason": missing.reason}


async def _ensure_reports_to_the_executive_board(
    session: AsyncSession, org_units: OrgUnitReplica, report: Report, unit_id: uuid.UUID
) -> None:
    """Only a board or company of the year that has not decided its report can be recorded missing."""
    occasion = await get_occasion(session, report.occasion_id)
    entries = {e["org_unit_id"]: e for e in await rules.entries(session, org_units, occasion, report)}
    entry = entries.get(str(unit_id))
    if entry is None:
        raise InvalidInput(
            f"org unit {unit_id} is not a board or company reporting to the executive board in {occasion.year}",
            errors=[{"pointer": "#/org_unit_id", "detail": "not a board or company of the year"}],
        )
    if entry["state"] == Status.DECIDED.value:
        raise RuleViolation(
            f"{entry['org_unit_name']} has decided its report: the compilation refers to it and cannot record it as missing"
        )


async def record_missing(
    session: AsyncSession, principal: Principal, org_units: OrgUnitReplica, report_id: uuid.UUID, data: MissingCreate
) -> MissingReport:
    report = await _municipal_draft(session, principal, report_id)
    await _ensure_reports_to_the_executive_board(session, org_units, report, data.org_unit_id)
    missing = await repository.find_missing(session, report.id, data.org_unit_id)
    before = _snapshot(missing) if missing is not None else None
    if missing is None:
        missing = MissingReport(report_id=report.id, org_unit_id=data.org_unit_id, reason=data.reason, created_by=principal.user_id)
        session.add(missing)
    missing.reason = data.reason
    missing.updated_by = principal.user_id
    await session.flush()
    auditor.record(session, principal, "RECORD_MISSING", "missing_report", missing.id, before=before, after=_snapshot(missing))
    return missing


async def withdraw_missing(session: AsyncSession, principal: Principal, report_id: uuid.UUID, org_unit_id: uuid.UUID) -> None:
    report = await _municipal_draft(session, principal, report_id)
    missing = await repository.find_missing(session, report.id, org_unit_id)
    if missing is None:
        raise NotFound(f"the compilation does not record {org_unit_id} as missing")
    before = _snapshot(missing)
    await session.delete(missing)
    await session.flush()
    auditor.record(session, principal, "WITHDRAW_MISSING", "missing_report", missing.id, before=before, after=None)
