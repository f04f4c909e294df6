"""Every query of the thread (röd tråd) and of the Agenda 2030 overview.

The thread reads each table once for a whole year, as plain rows, and the service assembles them
in memory: a view costs the same number of statements however large the municipality is. Other
areas' tables are read through their models only; their services are not used here.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from goals_service.activities.models import Activity, ActivityGoal
from goals_service.goals.models import Goal, GoalLink, GoalYearTarget
from goals_service.indicators.models import Indicator, IndicatorOutcome, IndicatorTarget, IndicatorUse
from goals_service.periods.models import MandatePeriod
from styrkedjan_common.db import AnyRow
from styrkedjan_common.lifecycle import Status

GOAL = Goal.__table__
LINK = GoalLink.__table__
YEAR_TARGET = GoalYearTarget.__table__
INDICATOR = Indicator.__table__
USE = IndicatorUse.__table__
TARGET = IndicatorTarget.__table__
OUTCOME = IndicatorOutcome.__table__
ACTIVITY = Activity.__table__
ACTIVITY_GOAL = ActivityGoal.__table__
PERIOD = MandatePeriod.__table__

# Goal lineages to read for: a subquery (the whole municipality) or the ids of one org unit's subtree.
Lineages = Select[Any] | Collection[uuid.UUID]
PUBLISHED = (Status.DECIDED.value, Status.ARCHIVED.value)
# The latest outcome and the one before it, for the trend.
OUTCOMES_PER_USE = 2

_GOAL_COLUMNS = (
    GOAL.c.id,
    GOAL.c.lineage_id,
    GOAL.c.revision,
    GOAL.c.level,
    GOAL.c.owner_org_unit_id,
    GOAL.c.mandate_period_id,
    GOAL.c.start_year,
    GOAL.c.end_year,
    GOAL.c.title,
    GOAL.c.perspective,
    GOAL.c.sdgs,
    GOAL.c.status,
    GOAL.c.closed_at,
    GOAL.c.closed_reason,
)
_ACTIVITY_COLUMNS = (
    ACTIVITY.c.id,
    ACTIVITY.c.title,
    ACTIVITY.c.owner_org_unit_id,
    ACTIVITY.c.start_date,
    ACTIVITY.c.end_date,
    ACTIVITY.c.status,
    ACTIVITY.c.sdgs,
)


def _in_force(year: int) -> ColumnElement[bool]:
    """Decided and running that year; closed goals stay (the service flags them)."""
    return and_(GOAL.c.status == Status.DECIDED.value, GOAL.c.start_year <= year, GOAL.c.end_year >= year)


def lineages_in_force(year: int) -> Select[Any]:
    return select(GOAL.c.lineage_id).where(_in_force(year))


def _overlapping(year: int) -> ColumnElement[bool]:
    return and_(ACTIVITY.c.start_date <= dt.date(year, 12, 31), ACTIVITY.c.end_date >= dt.date(year, 1, 1))


def _uses_of(lineages: Lineages) -> Select[Any]:
    return select(USE.c.id).where(USE.c.goal_lineage_id.in_(lineages))


async def goals_in_force(session: AsyncSession, year: int) -> Sequence[AnyRow]:
    query = select(*_GOAL_COLUMNS).where(_in_force(year)).order_by(GOAL.c.title, GOAL.c.id)
    return (await session.execute(query)).all()


async def links_in_force(session: AsyncSession, year: int) -> Sequence[AnyRow]:
    """(goal_id, parent_lineage_id) of every goal in force that year."""
    query = select(LINK.c.goal_id, LINK.c.parent_lineage_id).where(LINK.c.goal_id.in_(select(GOAL.c.id).where(_in_force(year))))
    return (await session.execute(query)).all()


async def year_targets_in_force(session: AsyncSession, year: int) -> dict[uuid.UUID, str]:
    """The year's target level (delmål) of each multi-year goal in force, by goal id."""
    query = select(YEAR_TARGET.c.goal_id, YEAR_TARGET.c.target_level).where(
        YEAR_TARGET.c.year == year, YEAR_TARGET.c.goal_id.in_(select(GOAL.c.id).where(_in_force(year)))
    )
    return {row.goal_id: row.target_level for row in await session.execute(query)}


async def uses_of(session: AsyncSession, lineages: Lineages) -> Sequence[AnyRow]:
    query = (
        select(
            USE.c.id,
            USE.c.goal_lineage_id,
            USE.c.org_unit_id,
            USE.c.thresholds,
            USE.c.indicator_id,
            INDICATOR.c.name,
            INDICATOR.c.unit,
            INDICATOR.c.direction,
            INDICATOR.c.gender_split,
        )
        .join(INDICATOR, INDICATOR.c.id == USE.c.indicator_id)
        .where(USE.c.goal_lineage_id.in_(lineages))
        .order_by(INDICATOR.c.name, USE.c.id)
    )
    return (await session.execute(query)).all()


async def targets_of(session: AsyncSession, lineages: Lineages, year: int) -> dict[uuid.UUID, Any]:
    """The year's total target of each use, by use id."""
    query = select(TARGET.c.use_id, TARGET.c.total).where(TARGET.c.year == year, TARGET.c.use_id.in_(_uses_of(lineages)))
    return {row.use_id: row.total for row in await session.execute(query)}


async def latest_outcomes(session: AsyncSession, lineages: Lineages, up_to_year: int, up_to_month: int = 12) -> Sequence[AnyRow]:
    """The last two outcomes of each use of periods ending by the month of the year, in no order;
    rank 1 is the latest. A window function rather than a query per use; it runs the same on
    SQLite and PostgreSQL."""
    rank = func.row_number().over(partition_by=OUTCOME.c.use_id, order_by=(OUTCOME.c.year.desc(), OUTCOME.c.period_index.desc()))
    ranked = (
        select(OUTCOME.c.use_id, OUTCOME.c.period, OUTCOME.c.year, OUTCOME.c.total, OUTCOME.c.women, OUTCOME.c.men, rank.label("rank"))
        .where(
            or_(OUTCOME.c.year < up_to_year, and_(OUTCOME.c.year == up_to_year, OUTCOME.c.period_index <= up_to_month)),
            OUTCOME.c.use_id.in_(_uses_of(lineages)),
        )
        .subquery()
    )
    return (await session.execute(select(ranked).where(ranked.c.rank <= OUTCOMES_PER_USE))).all()


async def activities_linked(session: AsyncSession, lineages: Lineages, year: int) -> Sequence[AnyRow]:
    """Activities running in the year, one row per link to one of the lineages (goal_lineage_id)."""
    query = (
        select(*_ACTIVITY_COLUMNS, ACTIVITY_GOAL.c.goal_lineage_id)
        .join(ACTIVITY_GOAL, ACTIVITY_GOAL.c.activity_id == ACTIVITY.c.id)
        .where(ACTIVITY_GOAL.c.goal_lineage_id.in_(lineages), _overlapping(year))
        .order_by(ACTIVITY.c.start_date, ACTIVITY.c.title, ACTIVITY.c.id)
    )
    return (await session.execute(query)).all()


async def activities_unlinked(session: AsyncSession, year: int, owner: uuid.UUID | None) -> Sequence[AnyRow]:
    """Activities running in the year that serve no goal in force that year (of one owner, if given)."""
    serves_goal_in_force = exists().where(
        ACTIVITY_GOAL.c.activity_id == ACTIVITY.c.id, ACTIVITY_GOAL.c.goal_lineage_id.in_(lineages_in_force(year))
    )
    query = select(*_ACTIVITY_COLUMNS).where(_overlapping(year), ~serves_goal_in_force)
    if owner is not None:
        query = query.where(ACTIVITY.c.owner_org_unit_id == owner)
    return (await session.execute(query.order_by(ACTIVITY.c.start_date, ACTIVITY.c.title, ACTIVITY.c.id))).all()


async def sdgs_of_activities(session: AsyncSession, year: int) -> Sequence[AnyRow]:
    return (await session.execute(select(ACTIVITY.c.id, ACTIVITY.c.sdgs).where(_overlapping(year)))).all()


async def sdgs_of_indicators_in_use(session: AsyncSession, year: int) -> Sequence[AnyRow]:
    """Catalogue indicators followed for at least one goal in force that year."""
    used = select(USE.c.indicator_id).where(USE.c.goal_lineage_id.in_(lineages_in_force(year)))
    return (await session.execute(select(INDICATOR.c.id, INDICATOR.c.sdgs).where(INDICATOR.c.id.in_(used)))).all()


async def mandate_periods(session: AsyncSession, ids: Collection[uuid.UUID], year: int | None) -> Sequence[AnyRow]:
    """The periods with these ids and the one containing the year."""
    conditions: list[ColumnElement[bool]] = [PERIOD.c.id.in_(ids)]
    if year is not None:
        conditions.append(and_(PERIOD.c.start_year <= year, PERIOD.c.end_year >= year))
    query = select(PERIOD.c.id, PERIOD.c.name, PERIOD.c.start_year, PERIOD.c.end_year).where(or_(*conditions))
    return (await session.execute(query.order_by(PERIOD.c.start_year))).all()


# Walking up from one node.


async def goal_with_links(session: AsyncSession, goal_id: uuid.UUID) -> Sequence[AnyRow]:
    """The goal revision, one row per link (parent_lineage_id None when it links to nothing)."""
    query = select(*_GOAL_COLUMNS, LINK.c.parent_lineage_id).outerjoin(LINK, LINK.c.goal_id == GOAL.c.id).where(GOAL.c.id == goal_id)
    return (await session.execute(query)).all()


async def published_goals_with_links(session: AsyncSession, lineages: Collection[uuid.UUID]) -> Sequence[AnyRow]:
    """Decided and archived revisions of the lineages, one row per link."""
    query = (
        select(*_GOAL_COLUMNS, LINK.c.parent_lineage_id)
        .outerjoin(LINK, LINK.c.goal_id == GOAL.c.id)
        .where(GOAL.c.lineage_id.in_(lineages), GOAL.c.status.in_(PUBLISHED))
        .order_by(GOAL.c.title, GOAL.c.id)
    )
    return (await session.execute(query)).all()


async def activity_with_links(session: AsyncSession, activity_id: uuid.UUID) -> Sequence[AnyRow]:
    query = (
        select(*_ACTIVITY_COLUMNS, ACTIVITY_GOAL.c.goal_lineage_id)
        .outerjoin(ACTIVITY_GOAL, ACTIVITY_GOAL.c.activity_id == ACTIVITY.c.id)
        .where(ACTIVITY.c.id == activity_id)
    )
    return (await session.execute(query)).all()


async def use_with_indicator(session: AsyncSession, use_id: uuid.UUID) -> AnyRow | None:
    query = (
        select(USE.c.id, USE.c.org_unit_id, USE.c.goal_lineage_id, USE.c.quality_factor_id, INDICATOR.c.name)
        .join(INDICATOR, INDICATOR.c.id == USE.c.indicator_id)
        .where(USE.c.id == use_id)
    )
    return (await session.execute(query)).first()
