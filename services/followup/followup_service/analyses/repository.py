"""Every query of the situation analyses."""

import datetime as dt
import uuid
from collections.abc import Collection

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from followup_service.analyses.models import SituationAnalysis
from followup_service.cycle.models import CycleStep

Keyset = tuple[dt.datetime, uuid.UUID]


async def find(session: AsyncSession, analysis_id: uuid.UUID) -> SituationAnalysis | None:
    return await session.get(SituationAnalysis, analysis_id)


async def find_of(session: AsyncSession, year: int, kind: str, org_unit_id: uuid.UUID) -> SituationAnalysis | None:
    query = select(SituationAnalysis).where(
        SituationAnalysis.year == year, SituationAnalysis.kind == kind, SituationAnalysis.org_unit_id == org_unit_id
    )
    return (await session.scalars(query)).first()


async def steps_numbered(session: AsyncSession, years: Collection[int], number: int) -> dict[int, CycleStep]:
    """The step with this number of each of these years' cycles (years without a cycle are absent)."""
    if not years:
        return {}
    query = select(CycleStep).where(CycleStep.year.in_(years), CycleStep.number == number)
    return {step.year: step for step in (await session.scalars(query)).all()}


async def list_analyses(
    session: AsyncSession,
    *,
    year: int | None,
    kind: str | None,
    org_unit_id: uuid.UUID | None,
    status: str | None,
    published: str,
    draft_units: Collection[uuid.UUID] | None,
    limit: int,
    after: Keyset | None,
) -> list[SituationAnalysis]:
    """The analyses matching the filters; drafts only of `draft_units` (None: of every org unit)."""
    query = select(SituationAnalysis).order_by(SituationAnalysis.created_at, SituationAnalysis.id).limit(limit)
    if after is not None:
        at, last = after
        query = query.where(or_(SituationAnalysis.created_at > at, and_(SituationAnalysis.created_at == at, SituationAnalysis.id > last)))
    if draft_units is not None:
        query = query.where(or_(SituationAnalysis.status == published, SituationAnalysis.org_unit_id.in_(draft_units)))
    for column, value in (
        (SituationAnalysis.year, year),
        (SituationAnalysis.kind, kind),
        (SituationAnalysis.org_unit_id, org_unit_id),
        (SituationAnalysis.status, status),
    ):
        if value is not None:
            query = query.where(column == value)
    return list((await session.scalars(query)).all())
