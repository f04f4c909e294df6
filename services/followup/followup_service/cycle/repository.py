"""Every query of the annual cycle and the occasions."""

import uuid
from collections.abc import Collection

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from followup_service.cycle.models import CycleStep, Occasion
from followup_service.reports.models import Report
from styrkedjan_common.lifecycle import Status

_KIND_ORDER = {"FORECAST": 0, "INTERIM": 1, "ANNUAL": 2}


async def steps_of_year(session: AsyncSession, year: int) -> list[CycleStep]:
    query = select(CycleStep).where(CycleStep.year == year).order_by(CycleStep.number)
    return list((await session.scalars(query)).all())


async def step(session: AsyncSession, year: int, number: int) -> CycleStep | None:
    query = select(CycleStep).where(CycleStep.year == year, CycleStep.number == number)
    return (await session.scalars(query)).first()


async def cycle_exists(session: AsyncSession, year: int) -> bool:
    query = select(func.count()).select_from(CycleStep).where(CycleStep.year == year)
    return bool(await session.scalar(query))


async def occasion(session: AsyncSession, occasion_id: uuid.UUID) -> Occasion | None:
    return await session.get(Occasion, occasion_id)


async def occasions(session: AsyncSession, year: int | None) -> list[Occasion]:
    """In the year's order (FORECAST, INTERIM, ANNUAL), oldest year first."""
    query = select(Occasion)
    if year is not None:
        query = query.where(Occasion.year == year)
    rows = list((await session.scalars(query)).all())
    return sorted(rows, key=lambda o: (o.year, _KIND_ORDER.get(o.kind, 9), o.kind))


async def occasion_exists(session: AsyncSession, year: int) -> bool:
    query = select(func.count()).select_from(Occasion).where(Occasion.year == year)
    return bool(await session.scalar(query))


async def frozen_occasion_ids(session: AsyncSession, occasion_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    """The occasions with a report past DRAFT."""
    if not occasion_ids:
        return set()
    query = select(Report.occasion_id).where(Report.occasion_id.in_(list(occasion_ids)), Report.status != Status.DRAFT.value).distinct()
    return set((await session.scalars(query)).all())
