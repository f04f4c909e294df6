"""The queries of the structure import and export: a year's assessments in the latest revision of
each report, and the reports of a year's occasions."""

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from followup_service.cycle.models import Occasion
from followup_service.reports.models import GoalAssessment, Report
from styrkedjan_common.db import AnyRow


async def occasions_of(session: AsyncSession, year: int) -> dict[str, Occasion]:
    rows = await session.scalars(select(Occasion).where(Occasion.year == year))
    return {o.kind: o for o in rows}


async def latest_reports(session: AsyncSession, year: int) -> list[Report]:
    """The newest revision of each org unit's report at each occasion of the year."""
    newest = (
        select(Report.occasion_id, Report.org_unit_id, func.max(Report.revision).label("revision"))
        .where(Report.year == year)
        .group_by(Report.occasion_id, Report.org_unit_id)
        .subquery()
    )
    query = select(Report).join(
        newest,
        (Report.occasion_id == newest.c.occasion_id)
        & (Report.org_unit_id == newest.c.org_unit_id)
        & (Report.revision == newest.c.revision),
    )
    return list((await session.scalars(query)).all())


async def assessments_of_reports(session: AsyncSession, report_ids: list[uuid.UUID]) -> list[AnyRow]:
    """(report_id, goal_id, level_code, analysis, assessment) of the reports, in one query."""
    if not report_ids:
        return []
    query = select(GoalAssessment.report_id, GoalAssessment).where(GoalAssessment.report_id.in_(report_ids))
    return list((await session.execute(query)).all())
