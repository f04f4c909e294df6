"""Every query of the budget area."""

import uuid
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import delete, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from budget_service.budgets.models import Budget, BudgetLine, BudgetStep, EarmarkedFund, Frame
from styrkedjan_common.lifecycle import Status

OPEN = (Status.DRAFT.value, Status.PROPOSED.value)


async def get(session: AsyncSession, budget_id: uuid.UUID) -> Budget | None:
    return await session.get(Budget, budget_id)


async def of_year(session: AsyncSession, year: int, statuses: Collection[str]) -> Budget | None:
    query = select(Budget).where(Budget.year == year, Budget.status.in_(statuses)).order_by(Budget.revision.desc()).limit(1)
    return (await session.scalars(query)).first()


async def max_revision(session: AsyncSession, year: int) -> int:
    return (await session.scalar(select(func.max(Budget.revision)).where(Budget.year == year))) or 0


async def list_page(
    session: AsyncSession,
    *,
    statuses: Collection[str],
    year: int | None,
    limit: int,
    after: tuple[int, int] | None,
) -> list[Budget]:
    """Newest year first, then newest revision: (year, revision) is unique, so the order is stable."""
    query = select(Budget).where(Budget.status.in_(statuses)).order_by(Budget.year.desc(), Budget.revision.desc()).limit(limit)
    if year is not None:
        query = query.where(Budget.year == year)
    if after is not None:
        query = query.where(tuple_(Budget.year, Budget.revision) < tuple_(*after))
    return list((await session.scalars(query)).all())


# --- the parts of a budget ----------------------------------------------------------------

FRAME_ORDER = (Frame.year, Frame.board_org_unit_id, Frame.kind)


def _frame_page(
    query: Any, boards: Sequence[uuid.UUID] | None, year: int | None, limit: int | None, after: tuple[int, uuid.UUID, str] | None
) -> Any:
    if boards is not None:
        query = query.where(Frame.board_org_unit_id.in_(boards))
    if year is not None:
        query = query.where(Frame.year == year)
    if after is not None:
        query = query.where(tuple_(*FRAME_ORDER) > tuple_(*after))
    return query.order_by(*FRAME_ORDER).limit(limit)  # limit None: all of them (a budget's own read)


async def frames(
    session: AsyncSession,
    budget_id: uuid.UUID,
    *,
    boards: Sequence[uuid.UUID] | None = None,
    year: int | None = None,
    limit: int | None = None,
    after: tuple[int, uuid.UUID, str] | None = None,
) -> list[Frame]:
    query = _frame_page(select(Frame).where(Frame.budget_id == budget_id), boards, year, limit, after)
    return list((await session.scalars(query)).all())


async def frames_in_force(
    session: AsyncSession, year: int, *, boards: Sequence[uuid.UUID] | None, limit: int, after: tuple[int, uuid.UUID, str] | None
) -> list[Frame]:
    """The frames for `year` of the decided budget of that year (one per year at a time)."""
    query = select(Frame).join(Budget, Budget.id == Frame.budget_id).where(Budget.year == year, Budget.status == Status.DECIDED.value)
    return list((await session.scalars(_frame_page(query, boards, year, limit, after))).all())


async def lines(session: AsyncSession, budget_id: uuid.UUID) -> list[BudgetLine]:
    query = select(BudgetLine).where(BudgetLine.budget_id == budget_id).order_by(BudgetLine.year, BudgetLine.kind)
    return list((await session.scalars(query)).all())


async def earmarked_funds(session: AsyncSession, budget_id: uuid.UUID) -> list[EarmarkedFund]:
    query = (
        select(EarmarkedFund)
        .where(EarmarkedFund.budget_id == budget_id)
        .order_by(EarmarkedFund.year, EarmarkedFund.board_org_unit_id, EarmarkedFund.assignment_id)
    )
    return list((await session.scalars(query)).all())


async def steps(session: AsyncSession, budget_id: uuid.UUID) -> list[BudgetStep]:
    return list((await session.scalars(select(BudgetStep).where(BudgetStep.budget_id == budget_id))).all())


async def step(session: AsyncSession, budget_id: uuid.UUID, kind: str) -> BudgetStep | None:
    query = select(BudgetStep).where(BudgetStep.budget_id == budget_id, BudgetStep.kind == kind)
    return (await session.scalars(query)).first()


async def replace(
    session: AsyncSession, model: type[Frame | BudgetLine | EarmarkedFund], budget_id: uuid.UUID, rows: Sequence[Any]
) -> None:
    # A bulk DELETE first: the unit of work would insert the new rows before deleting the old
    # ones and trip the uniqueness constraint for every row that stays.
    await session.execute(delete(model).where(model.budget_id == budget_id))
    session.add_all(rows)
    await session.flush()
