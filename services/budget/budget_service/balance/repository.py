"""Every query of the balance requirement area."""

import uuid
from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from budget_service.balance.models import BalanceStatement, RestorationObligation
from budget_service.balance.schemas import ObligationStatus


async def get_statement(session: AsyncSession, year: int) -> BalanceStatement | None:
    return (await session.scalars(select(BalanceStatement).where(BalanceStatement.year == year))).first()


async def list_statements(session: AsyncSession, *, locked: bool | None, limit: int, before_year: int | None) -> list[BalanceStatement]:
    query = select(BalanceStatement).order_by(BalanceStatement.year.desc()).limit(limit)
    if locked is not None:
        query = query.where(BalanceStatement.locked.is_(locked))
    if before_year is not None:
        query = query.where(BalanceStatement.year < before_year)
    return list((await session.scalars(query)).all())


async def latest_locked_year(session: AsyncSession) -> int | None:
    return await session.scalar(select(func.max(BalanceStatement.year)).where(BalanceStatement.locked.is_(True)))


async def open_remainders_before(session: AsyncSession, year: int) -> Sequence[tuple[int, Decimal]]:
    """(origin year, amount still to restore) of the open obligations older than `year`."""
    query = (
        select(RestorationObligation.origin_year, RestorationObligation.amount, RestorationObligation.restored_amount)
        .where(RestorationObligation.status == ObligationStatus.OPEN.value, RestorationObligation.origin_year < year)
        .order_by(RestorationObligation.origin_year)
    )
    return [(origin, amount - restored) for origin, amount, restored in (await session.execute(query)).all()]


async def open_obligations_before(session: AsyncSession, year: int) -> list[RestorationObligation]:
    query = (
        select(RestorationObligation)
        .where(RestorationObligation.status == ObligationStatus.OPEN.value, RestorationObligation.origin_year < year)
        .order_by(RestorationObligation.origin_year)
    )
    return list((await session.scalars(query)).all())


async def get_obligation(session: AsyncSession, obligation_id: uuid.UUID) -> RestorationObligation | None:
    return await session.get(RestorationObligation, obligation_id)


async def list_obligations(
    session: AsyncSession, *, status: ObligationStatus | None, limit: int, after_origin_year: int | None
) -> list[RestorationObligation]:
    query = select(RestorationObligation).order_by(RestorationObligation.origin_year).limit(limit)
    if status is not None:
        query = query.where(RestorationObligation.status == status.value)
    if after_origin_year is not None:
        query = query.where(RestorationObligation.origin_year > after_origin_year)
    return list((await session.scalars(query)).all())
