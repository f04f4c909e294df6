"""Every query of the quality-factor area."""

import uuid
from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from goals_service.activities.models import ActivityQualityFactor
from goals_service.indicators.models import Indicator, IndicatorUse
from goals_service.quality.models import QualityFactor
from styrkedjan_common.db import AnyRow


async def get(session: AsyncSession, factor_id: uuid.UUID) -> QualityFactor | None:
    return await session.get(QualityFactor, factor_id)


async def existing_ids(session: AsyncSession, factor_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    if not factor_ids:
        return set()
    return set((await session.scalars(select(QualityFactor.id).where(QualityFactor.id.in_(factor_ids)))).all())


async def list_page(
    session: AsyncSession,
    *,
    org_unit_id: uuid.UUID | None,
    active: bool | None,
    limit: int,
    after: tuple[str, uuid.UUID] | None,
) -> list[QualityFactor]:
    """Ordered by name, then id: a stable keyset for the cursor."""
    query = select(QualityFactor).order_by(QualityFactor.name, QualityFactor.id).limit(limit)
    if org_unit_id is not None:
        query = query.where(QualityFactor.org_unit_id == org_unit_id)
    if active is not None:
        query = query.where(QualityFactor.active == active)
    if after is not None:
        query = query.where(tuple_(QualityFactor.name, QualityFactor.id) > after)
    return list((await session.scalars(query)).all())


async def key_figures(session: AsyncSession, factor_ids: Collection[uuid.UUID], first: int) -> dict[uuid.UUID, list[AnyRow]]:
    """The first `first` indicator uses naming each factor, by indicator name, each row with the
    factor's number of them in all (`total`): a whole page in one query."""
    if not factor_ids:
        return {}
    order = (Indicator.name, IndicatorUse.id)
    ranked = (
        select(
            IndicatorUse.quality_factor_id,
            IndicatorUse.id.label("use_id"),
            Indicator.id.label("indicator_id"),
            Indicator.name.label("indicator_name"),
            Indicator.unit,
            Indicator.kolada_kpi_id,
            func.row_number().over(partition_by=IndicatorUse.quality_factor_id, order_by=order).label("rank"),
            func.count().over(partition_by=IndicatorUse.quality_factor_id).label("total"),
        )
        .join(Indicator, Indicator.id == IndicatorUse.indicator_id)
        .where(IndicatorUse.quality_factor_id.in_(factor_ids))
        .subquery()
    )
    query = select(ranked).where(ranked.c.rank <= first).order_by(ranked.c.quality_factor_id, ranked.c.rank)
    figures: dict[uuid.UUID, list[AnyRow]] = defaultdict(list)
    for row in (await session.execute(query)).all():
        figures[row.quality_factor_id].append(row)
    return figures


async def references(session: AsyncSession, factor_id: uuid.UUID) -> tuple[int, int]:
    """How many key figures and activities name the factor."""
    uses = select(func.count()).select_from(IndicatorUse).where(IndicatorUse.quality_factor_id == factor_id)
    activities = select(func.count()).select_from(ActivityQualityFactor).where(ActivityQualityFactor.quality_factor_id == factor_id)
    row = (await session.execute(select(uses.scalar_subquery(), activities.scalar_subquery()))).one()
    return row[0], row[1]
