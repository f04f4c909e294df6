"""Every query of the follow-up reports."""

import datetime as dt
import uuid
from collections.abc import Collection

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from followup_service.reports.models import GoalAssessment, Report, ReportSection

Keyset = tuple[dt.datetime, uuid.UUID]


async def find(session: AsyncSession, report_id: uuid.UUID) -> Report | None:
    return await session.get(Report, report_id)


async def latest_of(session: AsyncSession, occasion_id: uuid.UUID, org_unit_id: uuid.UUID) -> Report | None:
    """The newest revision of the org unit's report at the occasion."""
    query = (
        select(Report).where(Report.occasion_id == occasion_id, Report.org_unit_id == org_unit_id).order_by(Report.revision.desc()).limit(1)
    )
    return (await session.scalars(query)).first()


async def open_of(session: AsyncSession, occasion_id: uuid.UUID, org_unit_id: uuid.UUID, statuses: Collection[str]) -> Report | None:
    query = select(Report).where(Report.occasion_id == occasion_id, Report.org_unit_id == org_unit_id, Report.status.in_(statuses))
    return (await session.scalars(query)).first()


async def list_reports(
    session: AsyncSession,
    *,
    year: int | None,
    occasion: str | None,
    occasion_id: uuid.UUID | None,
    org_unit_id: uuid.UUID | None,
    level: str | None,
    status: str | None,
    unpublished_units: Collection[uuid.UUID] | None,
    published: Collection[str],
    limit: int,
    after: Keyset | None,
) -> list[Report]:
    """The reports matching the filters; drafts and submitted ones only of `unpublished_units` (None: all)."""
    query = select(Report).order_by(Report.created_at, Report.id).limit(limit)
    if after is not None:
        at, last = after
        query = query.where(or_(Report.created_at > at, and_(Report.created_at == at, Report.id > last)))
    if unpublished_units is not None:
        query = query.where(or_(Report.status.in_(published), Report.org_unit_id.in_(unpublished_units)))
    for column, value in (
        (Report.year, year),
        (Report.occasion, occasion),
        (Report.occasion_id, occasion_id),
        (Report.org_unit_id, org_unit_id),
        (Report.level, level),
        (Report.status, status),
    ):
        if value is not None:
            query = query.where(column == value)
    return list((await session.scalars(query)).all())


async def assessments_of(session: AsyncSession, report_id: uuid.UUID) -> list[GoalAssessment]:
    query = select(GoalAssessment).where(GoalAssessment.report_id == report_id).order_by(GoalAssessment.created_at, GoalAssessment.id)
    return list((await session.scalars(query)).all())


async def sections_of(session: AsyncSession, report_id: uuid.UUID) -> list[ReportSection]:
    query = select(ReportSection).where(ReportSection.report_id == report_id).order_by(ReportSection.heading)
    return list((await session.scalars(query)).all())


async def assessment_of(session: AsyncSession, report_id: uuid.UUID, goal_id: uuid.UUID) -> GoalAssessment | None:
    query = select(GoalAssessment).where(GoalAssessment.report_id == report_id, GoalAssessment.goal_id == goal_id)
    return (await session.scalars(query)).first()


async def section_of(session: AsyncSession, report_id: uuid.UUID, heading: str) -> ReportSection | None:
    query = select(ReportSection).where(ReportSection.report_id == report_id, ReportSection.heading == heading)
    return (await session.scalars(query)).first()


async def handed_in_assessments(
    session: AsyncSession, occasion_id: uuid.UUID, goal_ids: Collection[uuid.UUID], statuses: Collection[str]
) -> list[tuple[GoalAssessment, Report]]:
    """The assessments of these goals in the occasion's reports that are in one of `statuses`,
    each with its report, by org unit and goal."""
    if not goal_ids:
        return []
    query = (
        select(GoalAssessment, Report)
        .join(Report, Report.id == GoalAssessment.report_id)
        .where(Report.occasion_id == occasion_id, Report.status.in_(statuses), GoalAssessment.goal_id.in_(goal_ids))
        .order_by(Report.org_unit_id, GoalAssessment.goal_id)
    )
    return [(assessment, report) for assessment, report in (await session.execute(query)).all()]
