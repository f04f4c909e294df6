"""Every query of the focus-area and activity area. Links are read for a whole page at once."""

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import Row, delete, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from goals_service.activities.models import Activity, ActivityGoal, ActivityQualityFactor, FocusArea, FocusAreaGoal
from goals_service.goals.models import Goal
from styrkedjan_common.external_codes import ExternalCode, carries_code


async def goals_by_id(session: AsyncSession, goal_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Row[uuid.UUID, uuid.UUID, str, uuid.UUID]]:
    """The lineage, status and owner of each goal revision named."""
    if not goal_ids:
        return {}
    query = select(Goal.id, Goal.lineage_id, Goal.status, Goal.owner_org_unit_id).where(Goal.id.in_(goal_ids))
    return {row.id: row for row in (await session.execute(query)).all()}


async def _grouped(
    session: AsyncSession, key: InstrumentedAttribute[uuid.UUID], value: InstrumentedAttribute[uuid.UUID], ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """`value`s of the link rows whose `key` is among `ids`, grouped by key, in id order."""
    grouped: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    if ids:
        query = select(key, value).where(key.in_(ids)).order_by(key, value)
        for owner, linked in (await session.execute(query)).all():
            grouped[owner].append(linked)
    return grouped


# --- focus areas ------------------------------------------------------------------------------


async def get_focus_area(session: AsyncSession, focus_area_id: uuid.UUID) -> FocusArea | None:
    return await session.get(FocusArea, focus_area_id)


async def focus_area_goals(session: AsyncSession, focus_area_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    return await _grouped(session, FocusAreaGoal.focus_area_id, FocusAreaGoal.goal_lineage_id, focus_area_ids)


async def replace_focus_area_goals(session: AsyncSession, focus_area_id: uuid.UUID, lineage_ids: Collection[uuid.UUID]) -> None:
    await session.execute(delete(FocusAreaGoal).where(FocusAreaGoal.focus_area_id == focus_area_id))
    session.add_all(FocusAreaGoal(focus_area_id=focus_area_id, goal_lineage_id=lineage) for lineage in lineage_ids)


async def list_focus_areas(
    session: AsyncSession, *, org_unit_id: uuid.UUID | None, year: int | None, limit: int, after: tuple[int, str, uuid.UUID] | None
) -> list[FocusArea]:
    """Ordered by year, name and id: a stable keyset for the cursor."""
    query = select(FocusArea).order_by(FocusArea.year, FocusArea.name, FocusArea.id).limit(limit)
    if org_unit_id is not None:
        query = query.where(FocusArea.org_unit_id == org_unit_id)
    if year is not None:
        query = query.where(FocusArea.year == year)
    if after is not None:
        query = query.where(tuple_(FocusArea.year, FocusArea.name, FocusArea.id) > after)
    return list((await session.scalars(query)).all())


async def activities_in_focus_area(session: AsyncSession, focus_area_id: uuid.UUID) -> int:
    query = select(func.count()).select_from(Activity).where(Activity.focus_area_id == focus_area_id)
    return (await session.scalar(query)) or 0


# --- activities -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActivityLinks:
    goals: dict[uuid.UUID, list[uuid.UUID]]
    quality_factors: dict[uuid.UUID, list[uuid.UUID]]


@dataclass(frozen=True)
class ActivityFilter:
    # The owner and, on request, the units it succeeded; None: every owner.
    owner_org_unit_ids: Collection[uuid.UUID] | None = None
    status: str | None = None
    year: int | None = None
    goal_id: uuid.UUID | None = None
    quality_factor_id: uuid.UUID | None = None
    focus_area_id: uuid.UUID | None = None
    external_code: ExternalCode | None = None


async def get_activity(session: AsyncSession, activity_id: uuid.UUID) -> Activity | None:
    return await session.get(Activity, activity_id)


async def activity_links(session: AsyncSession, activity_ids: Collection[uuid.UUID]) -> ActivityLinks:
    """The goal lineages and quality factors of every activity named: two queries whatever their number."""
    return ActivityLinks(
        goals=await _grouped(session, ActivityGoal.activity_id, ActivityGoal.goal_lineage_id, activity_ids),
        quality_factors=await _grouped(session, ActivityQualityFactor.activity_id, ActivityQualityFactor.quality_factor_id, activity_ids),
    )


async def replace_activity_goals(session: AsyncSession, activity_id: uuid.UUID, lineage_ids: Collection[uuid.UUID]) -> None:
    await session.execute(delete(ActivityGoal).where(ActivityGoal.activity_id == activity_id))
    session.add_all(ActivityGoal(activity_id=activity_id, goal_lineage_id=lineage) for lineage in lineage_ids)


async def replace_activity_quality_factors(session: AsyncSession, activity_id: uuid.UUID, factor_ids: Collection[uuid.UUID]) -> None:
    await session.execute(delete(ActivityQualityFactor).where(ActivityQualityFactor.activity_id == activity_id))
    session.add_all(ActivityQualityFactor(activity_id=activity_id, quality_factor_id=factor) for factor in factor_ids)


async def list_activities(
    session: AsyncSession, where: ActivityFilter, *, limit: int, after: tuple[dt.date, uuid.UUID] | None
) -> list[Activity]:
    """Ordered by start date, then id: a stable keyset for the cursor."""
    query = select(Activity).order_by(Activity.start_date, Activity.id).limit(limit)
    if where.owner_org_unit_ids is not None:
        query = query.where(Activity.owner_org_unit_id.in_(list(where.owner_org_unit_ids)))
    if where.status is not None:
        query = query.where(Activity.status == where.status)
    if where.year is not None:
        query = query.where(Activity.start_date <= dt.date(where.year, 12, 31), Activity.end_date >= dt.date(where.year, 1, 1))
    if where.focus_area_id is not None:
        query = query.where(Activity.focus_area_id == where.focus_area_id)
    if where.external_code is not None:
        query = query.where(carries_code(Activity.external_codes, where.external_code, session.get_bind().dialect.name))
    if where.goal_id is not None:
        # Any revision's id finds the activities linked to its lineage.
        lineage = func.coalesce(select(Goal.lineage_id).where(Goal.id == where.goal_id).scalar_subquery(), where.goal_id)
        query = query.where(
            select(ActivityGoal.activity_id)
            .where(ActivityGoal.activity_id == Activity.id, ActivityGoal.goal_lineage_id == lineage)
            .exists()
        )
    if where.quality_factor_id is not None:
        query = query.where(
            select(ActivityQualityFactor.activity_id)
            .where(ActivityQualityFactor.activity_id == Activity.id, ActivityQualityFactor.quality_factor_id == where.quality_factor_id)
            .exists()
        )
    if after is not None:
        query = query.where(tuple_(Activity.start_date, Activity.id) > after)
    return list((await session.scalars(query)).all())
