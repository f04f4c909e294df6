"""Every query of the indicator catalogue and of indicators in use."""

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Collection, Sequence

from sqlalchemy import ColumnElement, Row, and_, exists, func, or_, select, tuple_, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from goals_service.goals.models import Goal
from goals_service.indicators.models import Indicator, IndicatorOutcome, IndicatorTarget, IndicatorUse
from goals_service.quality.models import QualityFactor
from styrkedjan_common.db import AnyRow
from styrkedjan_common.external_codes import ExternalCode, carries_code

# --- catalogue ----------------------------------------------------------------------------


async def get_indicator(session: AsyncSession, indicator_id: uuid.UUID) -> Indicator | None:
    return await session.get(Indicator, indicator_id)


def _has_sdg(session: AsyncSession, sdg: int) -> ColumnElement[bool]:
    # JSON arrays are searched differently by each backend: JSONB containment (indexable) on
    # PostgreSQL, json_each on SQLite.
    if session.get_bind().dialect.name == "postgresql":
        return type_coerce(Indicator.sdgs, JSONB).contains([sdg])
    elements = func.json_each(Indicator.sdgs).table_valued("value")
    return exists(select(1).select_from(elements).where(elements.c.value == sdg))


async def list_indicators(
    session: AsyncSession,
    *,
    q: str | None,
    source: str | None,
    kolada_kpi_id: str | None,
    sdg: int | None,
    limit: int,
    after: tuple[str, uuid.UUID] | None,
    external_code: ExternalCode | None = None,
) -> list[Indicator]:
    query = select(Indicator).order_by(Indicator.name, Indicator.id).limit(limit)
    if q:
        query = query.where(Indicator.name.icontains(q, autoescape=True))
    if source:
        query = query.where(Indicator.source == source)
    if kolada_kpi_id:
        query = query.where(Indicator.kolada_kpi_id == kolada_kpi_id)
    if sdg is not None:
        query = query.where(_has_sdg(session, sdg))
    if external_code is not None:
        query = query.where(carries_code(Indicator.external_codes, external_code, session.get_bind().dialect.name))
    if after is not None:
        query = query.where(tuple_(Indicator.name, Indicator.id) > tuple_(*after))
    return list((await session.scalars(query)).all())


async def is_in_use(session: AsyncSession, indicator_id: uuid.UUID) -> bool:
    return bool(await session.scalar(select(exists().where(IndicatorUse.indicator_id == indicator_id))))


def _of_indicator(model: type[IndicatorTarget] | type[IndicatorOutcome], indicator_id: uuid.UUID) -> ColumnElement[bool]:
    return model.use_id.in_(select(IndicatorUse.id).where(IndicatorUse.indicator_id == indicator_id))


async def has_gender_values(session: AsyncSession, indicator_id: uuid.UUID) -> bool:
    """Whether a target or an outcome of any use of the indicator holds a value for women or men."""
    split = [
        exists().where(_of_indicator(model, indicator_id), or_(model.women.is_not(None), model.men.is_not(None)))
        for model in (IndicatorTarget, IndicatorOutcome)
    ]
    return bool(await session.scalar(select(or_(*split))))


async def has_outcomes(session: AsyncSession, indicator_id: uuid.UUID) -> bool:
    return bool(await session.scalar(select(exists().where(_of_indicator(IndicatorOutcome, indicator_id)))))


# --- what a use follows -------------------------------------------------------------------


async def goal_lineage(session: AsyncSession, goal_id: uuid.UUID) -> uuid.UUID | None:
    return await session.scalar(select(Goal.lineage_id).where(Goal.id == goal_id))


async def quality_factor_exists(session: AsyncSession, quality_factor_id: uuid.UUID) -> bool:
    return bool(await session.scalar(select(exists().where(QualityFactor.id == quality_factor_id))))


async def count_uses_of_goal(session: AsyncSession, goal_lineage_id: uuid.UUID) -> int:
    return await session.scalar(select(func.count()).select_from(IndicatorUse).where(IndicatorUse.goal_lineage_id == goal_lineage_id)) or 0


async def use_exists(
    session: AsyncSession,
    indicator_id: uuid.UUID,
    org_unit_id: uuid.UUID,
    goal_lineage_id: uuid.UUID | None,
    quality_factor_id: uuid.UUID | None,
) -> bool:
    query = select(
        exists().where(
            IndicatorUse.indicator_id == indicator_id,
            IndicatorUse.org_unit_id == org_unit_id,
            IndicatorUse.goal_lineage_id == goal_lineage_id if goal_lineage_id else IndicatorUse.quality_factor_id == quality_factor_id,
        )
    )
    return bool(await session.scalar(query))


# --- uses ---------------------------------------------------------------------------------


async def get_use(session: AsyncSession, use_id: uuid.UUID) -> Row[IndicatorUse, Indicator] | None:
    query = select(IndicatorUse, Indicator).join(Indicator, Indicator.id == IndicatorUse.indicator_id).where(IndicatorUse.id == use_id)
    return (await session.execute(query)).first()


async def list_uses(
    session: AsyncSession,
    *,
    goal_id: uuid.UUID | None,
    quality_factor_id: uuid.UUID | None,
    org_unit_ids: Collection[uuid.UUID] | None,
    indicator_id: uuid.UUID | None,
    limit: int,
    after: tuple[dt.datetime, uuid.UUID] | None,
) -> Sequence[Row[IndicatorUse, Indicator]]:
    query = (
        select(IndicatorUse, Indicator)
        .join(Indicator, Indicator.id == IndicatorUse.indicator_id)
        .order_by(IndicatorUse.created_at, IndicatorUse.id)
        .limit(limit)
    )
    if goal_id is not None:
        # Any revision's id finds the uses of the whole lineage.
        query = query.where(IndicatorUse.goal_lineage_id.in_(select(Goal.lineage_id).where(Goal.id == goal_id)))
    if quality_factor_id is not None:
        query = query.where(IndicatorUse.quality_factor_id == quality_factor_id)
    if org_unit_ids is not None:
        query = query.where(IndicatorUse.org_unit_id.in_(list(org_unit_ids)))
    if indicator_id is not None:
        query = query.where(IndicatorUse.indicator_id == indicator_id)
    if after is not None:
        at, last_id = after
        query = query.where(or_(IndicatorUse.created_at > at, and_(IndicatorUse.created_at == at, IndicatorUse.id > last_id)))
    return (await session.execute(query)).all()


async def latest_outcomes(session: AsyncSession, use_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[AnyRow]]:
    """The two most recent outcomes of each use, newest first, each with its year's target total:
    one query for a whole page of uses."""
    if not use_ids:
        return {}
    ranked = (
        select(
            IndicatorOutcome.use_id,
            IndicatorOutcome.period,
            IndicatorOutcome.year,
            IndicatorOutcome.total,
            IndicatorOutcome.women,
            IndicatorOutcome.men,
            func.row_number()
            .over(partition_by=IndicatorOutcome.use_id, order_by=(IndicatorOutcome.year.desc(), IndicatorOutcome.period_index.desc()))
            .label("recency"),
        )
        .where(IndicatorOutcome.use_id.in_(use_ids))
        .subquery()
    )
    query = (
        select(ranked, IndicatorTarget.total.label("target"))
        .outerjoin(IndicatorTarget, and_(IndicatorTarget.use_id == ranked.c.use_id, IndicatorTarget.year == ranked.c.year))
        .where(ranked.c.recency <= 2)
        .order_by(ranked.c.use_id, ranked.c.recency)
    )
    latest: dict[uuid.UUID, list[AnyRow]] = defaultdict(list)
    for row in (await session.execute(query)).all():
        latest[row.use_id].append(row)
    return latest


async def has_values(session: AsyncSession, use_id: uuid.UUID) -> bool:
    """Whether the use holds a target or an outcome."""
    recorded = [exists().where(model.use_id == use_id) for model in (IndicatorTarget, IndicatorOutcome)]
    return bool(await session.scalar(select(or_(*recorded))))


# --- targets and outcomes -----------------------------------------------------------------


async def get_target(session: AsyncSession, use_id: uuid.UUID, year: int) -> IndicatorTarget | None:
    query = select(IndicatorTarget).where(IndicatorTarget.use_id == use_id, IndicatorTarget.year == year)
    return (await session.scalars(query)).first()


async def list_targets(session: AsyncSession, use_id: uuid.UUID, limit: int, after_year: int | None) -> list[IndicatorTarget]:
    query = select(IndicatorTarget).where(IndicatorTarget.use_id == use_id).order_by(IndicatorTarget.year).limit(limit)
    if after_year is not None:
        query = query.where(IndicatorTarget.year > after_year)
    return list((await session.scalars(query)).all())


async def get_outcome(session: AsyncSession, use_id: uuid.UUID, period: str) -> IndicatorOutcome | None:
    query = select(IndicatorOutcome).where(IndicatorOutcome.use_id == use_id, IndicatorOutcome.period == period)
    return (await session.scalars(query)).first()


async def list_outcomes(session: AsyncSession, use_id: uuid.UUID, limit: int, after: tuple[int, int, str] | None) -> list[IndicatorOutcome]:
    order = (IndicatorOutcome.year, IndicatorOutcome.period_index, IndicatorOutcome.period)
    query = select(IndicatorOutcome).where(IndicatorOutcome.use_id == use_id).order_by(*order).limit(limit)
    if after is not None:
        query = query.where(tuple_(*order) > tuple_(*after))
    return list((await session.scalars(query)).all())
