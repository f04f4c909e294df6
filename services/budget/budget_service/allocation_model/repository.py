"""Every query of the allocation model: its target groups with their unit costs, and its runs."""

import datetime as dt
import uuid
from collections.abc import Sequence

from sqlalchemy import and_, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from budget_service.allocation_model.models import ModelRun, ModelRunComponent, ModelRunFrame, TargetGroup, UnitCost

# --- target groups and unit costs ------------------------------------------------------------


async def get_target_group(session: AsyncSession, target_group_id: uuid.UUID) -> TargetGroup | None:
    return await session.get(TargetGroup, target_group_id)


async def same_target_group(
    session: AsyncSession, board_org_unit_id: uuid.UUID, activity: str, age_from: int | None, age_to: int | None
) -> TargetGroup | None:
    query = select(TargetGroup).where(
        TargetGroup.board_org_unit_id == board_org_unit_id,
        TargetGroup.activity == activity,
        TargetGroup.age_from.is_(None) if age_from is None else TargetGroup.age_from == age_from,
        TargetGroup.age_to.is_(None) if age_to is None else TargetGroup.age_to == age_to,
    )
    return (await session.scalars(query)).first()


async def list_target_groups(
    session: AsyncSession,
    *,
    boards: Sequence[uuid.UUID] | None,
    activity: str | None,
    after: tuple[str, str, uuid.UUID] | None,
    limit: int,
) -> list[TargetGroup]:
    order = (TargetGroup.board_org_unit_id, TargetGroup.activity, TargetGroup.id)
    query = select(TargetGroup).order_by(*order).limit(limit)
    if boards is not None:
        query = query.where(TargetGroup.board_org_unit_id.in_(boards))
    if activity:
        query = query.where(TargetGroup.activity == activity)
    if after is not None:
        query = query.where(tuple_(*order) > tuple_(*after))
    return list((await session.scalars(query)).all())


async def all_target_groups_with_unit_costs(session: AsyncSession, budget_year: int) -> list[tuple[TargetGroup, UnitCost | None]]:
    """Every target group of the municipality with its unit cost for the year, if it has one."""
    query = (
        select(TargetGroup, UnitCost)
        .outerjoin(UnitCost, (UnitCost.target_group_id == TargetGroup.id) & (UnitCost.budget_year == budget_year))
        .order_by(TargetGroup.board_org_unit_id, TargetGroup.activity, TargetGroup.age_from, TargetGroup.id)
    )
    return [(group, cost) for group, cost in (await session.execute(query)).all()]


async def get_unit_cost(session: AsyncSession, target_group_id: uuid.UUID, budget_year: int) -> UnitCost | None:
    query = select(UnitCost).where(UnitCost.target_group_id == target_group_id, UnitCost.budget_year == budget_year)
    return (await session.scalars(query)).first()


async def list_unit_costs(session: AsyncSession, target_group_id: uuid.UUID, after_year: int | None, limit: int) -> list[UnitCost]:
    query = select(UnitCost).where(UnitCost.target_group_id == target_group_id).order_by(UnitCost.budget_year).limit(limit)
    if after_year is not None:
        query = query.where(UnitCost.budget_year > after_year)
    return list((await session.scalars(query)).all())


# --- model runs --------------------------------------------------------------------------------


async def get(session: AsyncSession, run_id: uuid.UUID) -> ModelRun | None:
    return await session.get(ModelRun, run_id)


async def frames_and_components(session: AsyncSession, run_id: uuid.UUID) -> tuple[list[ModelRunFrame], list[ModelRunComponent]]:
    frames = await session.scalars(
        select(ModelRunFrame).where(ModelRunFrame.model_run_id == run_id).order_by(ModelRunFrame.board_org_unit_id)
    )
    components = await session.scalars(
        select(ModelRunComponent)
        .where(ModelRunComponent.model_run_id == run_id)
        .order_by(ModelRunComponent.board_org_unit_id, ModelRunComponent.position)
    )
    return list(frames.all()), list(components.all())


async def list_page(
    session: AsyncSession, budget_year: int | None, before: tuple[dt.datetime, uuid.UUID] | None, limit: int
) -> list[ModelRun]:
    """Newest first."""
    query = select(ModelRun).order_by(ModelRun.created_at.desc(), ModelRun.id.desc()).limit(limit)
    if budget_year is not None:
        query = query.where(ModelRun.budget_year == budget_year)
    if before is not None:
        at, last_id = before
        query = query.where(or_(ModelRun.created_at < at, and_(ModelRun.created_at == at, ModelRun.id < last_id)))
    return list((await session.scalars(query)).all())
