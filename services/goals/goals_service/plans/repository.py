"""Every query of the plans area, and the look-ups of what plan items name (one query per kind
of object, however many items a plan holds)."""

import uuid
from collections.abc import Collection
from typing import TypeVar

from sqlalchemy import and_, case, delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from goals_service.activities.models import Activity, FocusArea
from goals_service.goals.models import Goal
from goals_service.indicators.models import Indicator, IndicatorUse
from goals_service.plans.models import Plan, PlanItem
from goals_service.quality.models import QualityFactor
from styrkedjan_common.lifecycle import Status

OPEN = (Status.DRAFT.value, Status.PROPOSED.value)
PUBLISHED = (Status.DECIDED.value, Status.ARCHIVED.value)
# The objects a plan item names by their own id.
Named = TypeVar("Named", QualityFactor, FocusArea, Activity)


async def get(session: AsyncSession, plan_id: uuid.UUID) -> Plan | None:
    return await session.get(Plan, plan_id)


async def newest_in_status(session: AsyncSession, kind: str, org_unit_id: uuid.UUID, year: int, statuses: Collection[str]) -> Plan | None:
    query = (
        select(Plan)
        .where(Plan.kind == kind, Plan.org_unit_id == org_unit_id, Plan.year == year, Plan.status.in_(statuses))
        .order_by(Plan.revision.desc())
        .limit(1)
    )
    return (await session.scalars(query)).first()


async def in_force(session: AsyncSession, kind: str, org_unit_id: uuid.UUID, year: int) -> Plan | None:
    return await newest_in_status(session, kind, org_unit_id, year, (Status.DECIDED.value,))


async def open_revision(session: AsyncSession, kind: str, org_unit_id: uuid.UUID, year: int) -> Plan | None:
    return await newest_in_status(session, kind, org_unit_id, year, OPEN)


async def max_revision(session: AsyncSession, kind: str, org_unit_id: uuid.UUID, year: int) -> int:
    query = select(func.max(Plan.revision)).where(Plan.kind == kind, Plan.org_unit_id == org_unit_id, Plan.year == year)
    return (await session.scalar(query)) or 0


async def list_page(
    session: AsyncSession,
    *,
    unpublished_units: Collection[uuid.UUID] | None,
    kind: str | None,
    org_unit_ids: Collection[uuid.UUID] | None,
    year: int | None,
    status: str | None,
    limit: int,
    after: tuple[int, uuid.UUID] | None,
) -> list[Plan]:
    """Newest year first. `unpublished_units` limits drafts and proposals to those units (None: every unit)."""
    query = select(Plan).order_by(Plan.year.desc(), Plan.id).limit(limit)
    if unpublished_units is not None:
        query = query.where(or_(Plan.status.in_(PUBLISHED), Plan.org_unit_id.in_(unpublished_units)))
    if org_unit_ids is not None:
        query = query.where(Plan.org_unit_id.in_(list(org_unit_ids)))
    for column, value in ((Plan.kind, kind), (Plan.year, year), (Plan.status, status)):
        if value is not None:
            query = query.where(column == value)
    if after is not None:
        last_year, last_id = after
        query = query.where(or_(Plan.year < last_year, and_(Plan.year == last_year, Plan.id > last_id)))
    return list((await session.scalars(query)).all())


async def items(session: AsyncSession, plan_id: uuid.UUID) -> list[PlanItem]:
    query = select(PlanItem).where(PlanItem.plan_id == plan_id).order_by(PlanItem.position, PlanItem.item_type, PlanItem.item_id)
    return list((await session.scalars(query)).all())


async def replace_items(session: AsyncSession, plan_id: uuid.UUID, rows: list[PlanItem]) -> None:
    # A bulk DELETE first: the unit of work would insert the new rows before deleting the old
    # ones and trip the one-row-per-object constraint for every item that stays.
    await session.execute(delete(PlanItem).where(PlanItem.plan_id == plan_id))
    session.add_all(rows)
    await session.flush()


async def goal_lineages(session: AsyncSession, goal_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID]:
    """Goal id (of any revision) → the lineage it belongs to."""
    if not goal_ids:
        return {}
    rows = await session.execute(select(Goal.id, Goal.lineage_id).where(Goal.id.in_(goal_ids)))
    return dict(rows.all())


async def goals_by_lineage(session: AsyncSession, lineage_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Goal]:
    """Each lineage's representative revision: the newest decided one, else the newest."""
    if not lineage_ids:
        return {}
    query = (
        select(Goal)
        .where(Goal.lineage_id.in_(lineage_ids))
        .order_by(Goal.lineage_id, case((Goal.status == Status.DECIDED.value, 0), else_=1), Goal.revision.desc())
    )
    chosen: dict[uuid.UUID, Goal] = {}
    for goal in (await session.scalars(query)).all():
        chosen.setdefault(goal.lineage_id, goal)
    return chosen


async def by_ids(session: AsyncSession, ids: Collection[uuid.UUID], *, model: type[Named]) -> dict[uuid.UUID, Named]:
    if not ids:
        return {}
    return {row.id: row for row in (await session.scalars(select(model).where(model.id.in_(ids)))).all()}


async def indicator_names(session: AsyncSession, use_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Indicator use id → the catalogue name of the indicator it follows."""
    if not use_ids:
        return {}
    query = (
        select(IndicatorUse.id, Indicator.name)
        .join(Indicator, Indicator.id == IndicatorUse.indicator_id)
        .where(IndicatorUse.id.in_(use_ids))
    )
    return dict((await session.execute(query)).all())
