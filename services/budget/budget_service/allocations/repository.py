"""Every query of activity areas, cost centres, allocations and reallocations, and of the frames in force."""

import datetime as dt
import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import and_, delete, exists, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from budget_service.allocations.models import (
    ActivityArea,
    Allocation,
    AllocationSet,
    CostCenter,
    Reallocation,
)
from budget_service.budgets.models import Budget, Frame
from styrkedjan_common.lifecycle import Status

# --- activity areas and cost centres ------------------------------------------------------


async def get_area(session: AsyncSession, area_id: uuid.UUID) -> ActivityArea | None:
    return await session.get(ActivityArea, area_id)


async def areas_by_id(session: AsyncSession, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, ActivityArea]:
    if not ids:
        return {}
    return {a.id: a for a in (await session.scalars(select(ActivityArea).where(ActivityArea.id.in_(ids)))).all()}


async def area_code_taken(session: AsyncSession, board_org_unit_id: uuid.UUID, code: str, other_than: uuid.UUID | None = None) -> bool:
    query = exists().where(ActivityArea.board_org_unit_id == board_org_unit_id, ActivityArea.code == code)
    if other_than is not None:
        query = query.where(ActivityArea.id != other_than)
    return bool(await session.scalar(select(query)))


async def list_areas(
    session: AsyncSession, *, boards: Sequence[uuid.UUID] | None, limit: int, after: tuple[str, uuid.UUID] | None
) -> list[ActivityArea]:
    query = select(ActivityArea).order_by(ActivityArea.code, ActivityArea.id).limit(limit)
    if boards is not None:
        query = query.where(ActivityArea.board_org_unit_id.in_(boards))
    if after is not None:
        query = query.where(tuple_(ActivityArea.code, ActivityArea.id) > tuple_(*after))
    return list((await session.scalars(query)).all())


async def area_in_use(session: AsyncSession, area_id: uuid.UUID) -> bool:
    uses = [
        exists().where(CostCenter.activity_area_id == area_id),
        exists().where(Allocation.activity_area_id == area_id),
        exists().where(or_(Reallocation.from_activity_area_id == area_id, Reallocation.to_activity_area_id == area_id)),
    ]
    return bool(await session.scalar(select(or_(*uses))))


async def get_cost_center(session: AsyncSession, cost_center_id: uuid.UUID) -> CostCenter | None:
    return await session.get(CostCenter, cost_center_id)


async def cost_centers_by_id(session: AsyncSession, ids: Collection[uuid.UUID]) -> dict[uuid.UUID, CostCenter]:
    if not ids:
        return {}
    return {c.id: c for c in (await session.scalars(select(CostCenter).where(CostCenter.id.in_(ids)))).all()}


async def cost_center_code_taken(session: AsyncSession, code: str, other_than: uuid.UUID | None = None) -> bool:
    query = exists().where(CostCenter.code == code)
    if other_than is not None:
        query = query.where(CostCenter.id != other_than)
    return bool(await session.scalar(select(query)))


async def list_cost_centers(
    session: AsyncSession,
    *,
    activity_area_id: uuid.UUID | None,
    boards: Sequence[uuid.UUID] | None,
    limit: int,
    after: tuple[str, uuid.UUID] | None,
) -> list[CostCenter]:
    query = select(CostCenter).order_by(CostCenter.code, CostCenter.id).limit(limit)
    if activity_area_id is not None:
        query = query.where(CostCenter.activity_area_id == activity_area_id)
    if boards is not None:
        areas = select(ActivityArea.id).where(ActivityArea.board_org_unit_id.in_(boards))
        query = query.where(CostCenter.activity_area_id.in_(areas))
    if after is not None:
        query = query.where(tuple_(CostCenter.code, CostCenter.id) > tuple_(*after))
    return list((await session.scalars(query)).all())


async def cost_center_in_use(session: AsyncSession, cost_center_id: uuid.UUID) -> bool:
    return bool(await session.scalar(select(exists().where(Allocation.cost_center_id == cost_center_id))))


# --- frames -------------------------------------------------------------------------------


async def decided_frame(session: AsyncSession, board_org_unit_id: uuid.UUID, year: int, kind: str) -> Frame | None:
    """The board's frame of `kind` for `year` in the budget in force: the decided budget of that
    year with the highest revision."""
    in_force = (
        select(Budget.id)
        .where(Budget.status == Status.DECIDED.value, Budget.year == year)
        .order_by(Budget.revision.desc())
        .limit(1)
        .scalar_subquery()
    )
    query = select(Frame).where(
        Frame.budget_id == in_force, Frame.board_org_unit_id == board_org_unit_id, Frame.kind == kind, Frame.year == year
    )
    return (await session.scalars(query)).first()


# --- allocations --------------------------------------------------------------------------


async def get_set(session: AsyncSession, board_org_unit_id: uuid.UUID, year: int) -> AllocationSet | None:
    query = select(AllocationSet).where(AllocationSet.board_org_unit_id == board_org_unit_id, AllocationSet.year == year)
    return (await session.scalars(query)).first()


async def lines_of(session: AsyncSession, set_id: uuid.UUID) -> list[Allocation]:
    """The lines in the order a reader expects: by area code, the area's own line before its cost centres."""
    query = (
        select(Allocation)
        .join(ActivityArea, ActivityArea.id == Allocation.activity_area_id)
        .outerjoin(CostCenter, CostCenter.id == Allocation.cost_center_id)
        .where(Allocation.allocation_set_id == set_id)
        .order_by(ActivityArea.code, CostCenter.code.nulls_first(), Allocation.id)
    )
    return list((await session.scalars(query)).all())


async def delete_lines(session: AsyncSession, set_id: uuid.UUID) -> None:
    await session.execute(delete(Allocation).where(Allocation.allocation_set_id == set_id))


# --- reallocations ------------------------------------------------------------------------


async def get_reallocation(session: AsyncSession, reallocation_id: uuid.UUID) -> Reallocation | None:
    return await session.get(Reallocation, reallocation_id)


async def list_reallocations(
    session: AsyncSession,
    *,
    boards: Sequence[uuid.UUID] | None,
    year: int | None,
    unreported: bool | None,
    limit: int,
    after: tuple[dt.datetime, uuid.UUID] | None,
) -> list[Reallocation]:
    query = select(Reallocation).order_by(Reallocation.created_at, Reallocation.id).limit(limit)
    if boards is not None:
        query = query.where(Reallocation.board_org_unit_id.in_(boards))
    if year is not None:
        query = query.where(Reallocation.year == year)
    if unreported is not None:
        reported = Reallocation.reported_at_occasion.is_not(None)
        query = query.where(~reported if unreported else reported)
    if after is not None:
        at, last_id = after
        query = query.where(or_(Reallocation.created_at > at, and_(Reallocation.created_at == at, Reallocation.id > last_id)))
    return list((await session.scalars(query)).all())
