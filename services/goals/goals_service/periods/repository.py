"""Every query of the mandate periods area."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from goals_service.periods.models import MandatePeriod


async def get(session: AsyncSession, period_id: uuid.UUID) -> MandatePeriod | None:
    return await session.get(MandatePeriod, period_id)


async def first_overlapping(
    session: AsyncSession, start_year: int, end_year: int, excluding: uuid.UUID | None = None
) -> MandatePeriod | None:
    query = (
        select(MandatePeriod)
        .where(MandatePeriod.start_year <= end_year, MandatePeriod.end_year >= start_year)
        .order_by(MandatePeriod.start_year)
        .limit(1)
    )
    if excluding is not None:
        query = query.where(MandatePeriod.id != excluding)
    return (await session.scalars(query)).first()


async def list_page(session: AsyncSession, limit: int, after_start_year: int | None, year: int | None) -> list[MandatePeriod]:
    query = select(MandatePeriod).order_by(MandatePeriod.start_year).limit(limit)
    if after_start_year is not None:
        query = query.where(MandatePeriod.start_year > after_start_year)
    if year is not None:
        query = query.where(MandatePeriod.start_year <= year, MandatePeriod.end_year >= year)
    return list((await session.scalars(query)).all())
