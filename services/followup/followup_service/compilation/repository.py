"""The compilation's queries: the reports of an occasion by org unit, the missing records of a
municipal report, and the assessments' distribution per report. A few set-based queries whatever
the number of boards."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from followup_service.dialogues.models import Dialogue
from followup_service.reports.models import GoalAssessment, MissingReport, Report
from styrkedjan_common.lifecycle import Status


async def current_reports(session: AsyncSession, occasion_id: uuid.UUID, org_unit_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Report]:
    """Each org unit's report of the occasion: its decided revision if it has one, else its latest."""
    if not org_unit_ids:
        return {}
    rows = await session.scalars(
        select(Report).where(Report.occasion_id == occasion_id, Report.org_unit_id.in_(list(org_unit_ids))).order_by(Report.revision)
    )
    current: dict[uuid.UUID, Report] = {}
    for report in rows:
        held = current.get(report.org_unit_id)
        if held is None or held.status != Status.DECIDED.value or report.status == Status.DECIDED.value:
            current[report.org_unit_id] = report
    return current


async def missing_of(session: AsyncSession, report_id: uuid.UUID) -> dict[uuid.UUID, MissingReport]:
    rows = await session.scalars(select(MissingReport).where(MissingReport.report_id == report_id))
    return {row.org_unit_id: row for row in rows}


async def find_missing(session: AsyncSession, report_id: uuid.UUID, org_unit_id: uuid.UUID) -> MissingReport | None:
    return await session.scalar(select(MissingReport).where(MissingReport.report_id == report_id, MissingReport.org_unit_id == org_unit_id))


async def municipal_report_of(session: AsyncSession, occasion_id: uuid.UUID) -> Report | None:
    """The municipal report of the occasion, its latest revision."""
    return await session.scalar(
        select(Report).where(Report.occasion_id == occasion_id, Report.level == "MUNICIPAL").order_by(Report.revision.desc()).limit(1)
    )


async def assessment_distribution(session: AsyncSession, report_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, dict[str, int]]:
    if not report_ids:
        return {}
    rows = await session.execute(
        select(GoalAssessment.report_id, GoalAssessment.level_code, func.count())
        .where(GoalAssessment.report_id.in_(list(report_ids)))
        .group_by(GoalAssessment.report_id, GoalAssessment.level_code)
    )
    distribution: dict[uuid.UUID, dict[str, int]] = {}
    for report_id, level_code, count in rows:
        distribution.setdefault(report_id, {})[level_code] = count
    return distribution


async def dialogue_statuses(
    session: AsyncSession, occasion_id: uuid.UUID, kind: str, org_unit_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, set[str]]:
    """The statuses of each org unit's dialogues of this kind planned for the occasion."""
    if not org_unit_ids:
        return {}
    rows = await session.execute(
        select(Dialogue.org_unit_id, Dialogue.status).where(
            Dialogue.occasion_id == occasion_id, Dialogue.kind == kind, Dialogue.org_unit_id.in_(list(org_unit_ids))
        )
    )
    statuses: dict[uuid.UUID, set[str]] = {}
    for org_unit_id, status in rows:
        statuses.setdefault(org_unit_id, set()).add(status)
    return statuses
