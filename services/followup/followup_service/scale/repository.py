"""Every query of the assessment scale."""

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from followup_service.reports.models import GoalAssessment
from followup_service.scale.models import AssessmentLevel


async def stored_levels(session: AsyncSession) -> list[AssessmentLevel]:
    return list((await session.scalars(select(AssessmentLevel).order_by(AssessmentLevel.position))).all())


async def codes_in_use(session: AsyncSession, codes: Collection[str]) -> list[str]:
    """Of these level codes, those some goal assessment uses."""
    if not codes:
        return []
    query = select(GoalAssessment.level_code).where(GoalAssessment.level_code.in_(list(codes))).distinct()
    return sorted((await session.scalars(query)).all())
