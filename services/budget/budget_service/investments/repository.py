"""Every query of investment projects and their yearly amounts."""

import uuid
from collections import defaultdict
from collections.abc import Collection, Sequence
from decimal import Decimal

from sqlalchemy import delete, exists, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from budget_service.investments.models import InvestmentAmount, InvestmentProject


async def get_project(session: AsyncSession, project_id: uuid.UUID) -> InvestmentProject | None:
    return await session.get(InvestmentProject, project_id)


async def list_projects(
    session: AsyncSession,
    *,
    boards: Sequence[uuid.UUID] | None,
    year: int | None,
    status: str | None,
    limit: int,
    after: tuple[str, uuid.UUID] | None,
) -> list[InvestmentProject]:
    query = select(InvestmentProject).order_by(InvestmentProject.name, InvestmentProject.id).limit(limit)
    if boards is not None:
        query = query.where(InvestmentProject.board_org_unit_id.in_(boards))
    if year is not None:
        query = query.where(exists().where(InvestmentAmount.project_id == InvestmentProject.id, InvestmentAmount.year == year))
    if status is not None:
        query = query.where(InvestmentProject.status == status)
    if after is not None:
        query = query.where(tuple_(InvestmentProject.name, InvestmentProject.id) > tuple_(*after))
    return list((await session.scalars(query)).all())


async def amounts_of(session: AsyncSession, project_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[InvestmentAmount]]:
    """The yearly amounts of a whole page of projects in one query, each project's in year order."""
    amounts: dict[uuid.UUID, list[InvestmentAmount]] = defaultdict(list)
    if not project_ids:
        return amounts
    query = select(InvestmentAmount).where(InvestmentAmount.project_id.in_(project_ids)).order_by(InvestmentAmount.year)
    for amount in (await session.scalars(query)).all():
        amounts[amount.project_id].append(amount)
    return amounts


async def delete_amounts(session: AsyncSession, project_id: uuid.UUID) -> None:
    await session.execute(delete(InvestmentAmount).where(InvestmentAmount.project_id == project_id))


async def year_amounts(session: AsyncSession, board_org_unit_id: uuid.UUID, year: int, left_out_status: str) -> list[Decimal]:
    """The amounts for `year` of the board's projects, those in `left_out_status` left out; none at
    all tells a board without investments that year from one whose amounts are zero."""
    query = (
        select(InvestmentAmount.amount)
        .join(InvestmentProject, InvestmentProject.id == InvestmentAmount.project_id)
        .where(
            InvestmentProject.board_org_unit_id == board_org_unit_id,
            InvestmentProject.status != left_out_status,
            InvestmentAmount.year == year,
        )
    )
    return list((await session.scalars(query)).all())
