"""Every query of the goals area."""

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from goals_service.activities.models import ActivityGoal, FocusAreaGoal
from goals_service.goals.models import Goal, GoalLink, GoalYearTarget
from goals_service.goals.schemas import GoalLevel
from goals_service.indicators.models import IndicatorUse
from styrkedjan_common.external_codes import ExternalCode, carries_code
from styrkedjan_common.lifecycle import Status

OPEN = (Status.DRAFT.value, Status.PROPOSED.value)
PUBLISHED = (Status.DECIDED.value, Status.ARCHIVED.value)


@dataclass(frozen=True)
class GoalFilter:
    level: str | None = None
    # The owner and, on request, the units it succeeded; None: every owner.
    owner_org_unit_ids: Collection[uuid.UUID] | None = None
    year: int | None = None
    status: str | None = None
    mandate_period_id: uuid.UUID | None = None
    include_closed: bool = True
    external_code: ExternalCode | None = None
    # Org units whose drafts and proposals the caller reads; None: all of them.
    unpublished_units: Collection[uuid.UUID] | None = None


async def get(session: AsyncSession, goal_id: uuid.UUID) -> Goal | None:
    return await session.get(Goal, goal_id)


async def get_many(session: AsyncSession, goal_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Goal]:
    rows = await session.scalars(select(Goal).where(Goal.id.in_(set(goal_ids))))
    return {g.id: g for g in rows}


def _readable(unpublished_units: Collection[uuid.UUID] | None) -> ColumnElement[bool] | None:
    if unpublished_units is None:
        return None
    return or_(Goal.status.in_(PUBLISHED), Goal.owner_org_unit_id.in_(list(unpublished_units)))


async def list_page(session: AsyncSession, where: GoalFilter, limit: int, after: tuple[dt.datetime, uuid.UUID] | None) -> list[Goal]:
    query = select(Goal).order_by(Goal.created_at, Goal.id).limit(limit)
    conditions = [
        Goal.level == where.level if where.level else None,
        Goal.owner_org_unit_id.in_(list(where.owner_org_unit_ids)) if where.owner_org_unit_ids is not None else None,
        and_(Goal.start_year <= where.year, Goal.end_year >= where.year) if where.year is not None else None,
        Goal.status == where.status if where.status else None,
        Goal.mandate_period_id == where.mandate_period_id if where.mandate_period_id else None,
        Goal.closed_at.is_(None) if not where.include_closed else None,
        _readable(where.unpublished_units),
        carries_code(Goal.external_codes, where.external_code, session.get_bind().dialect.name) if where.external_code else None,
    ]
    if after is not None:
        at, last_id = after
        conditions.append(or_(Goal.created_at > at, and_(Goal.created_at == at, Goal.id > last_id)))
    return list((await session.scalars(query.where(*(c for c in conditions if c is not None)))).all())


async def lineage_page(
    session: AsyncSession, lineage_id: uuid.UUID, unpublished_units: Collection[uuid.UUID] | None, limit: int, after_revision: int | None
) -> list[Goal]:
    query = select(Goal).where(Goal.lineage_id == lineage_id).order_by(Goal.revision).limit(limit)
    readable = _readable(unpublished_units)
    if readable is not None:
        query = query.where(readable)
    if after_revision is not None:
        query = query.where(Goal.revision > after_revision)
    return list((await session.scalars(query)).all())


async def links_of(session: AsyncSession, goal_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    rows = await session.execute(
        select(GoalLink.goal_id, GoalLink.parent_lineage_id).where(GoalLink.goal_id.in_(goal_ids)).order_by(GoalLink.parent_lineage_id)
    )
    links: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for goal_id, parent in rows:
        links[goal_id].append(parent)
    return links


async def year_targets_of(session: AsyncSession, goal_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[tuple[int, str]]]:
    # Plain columns, not mapped objects: a later replace_year_targets adds rows with the same keys.
    rows = await session.execute(
        select(GoalYearTarget.goal_id, GoalYearTarget.year, GoalYearTarget.target_level)
        .where(GoalYearTarget.goal_id.in_(goal_ids))
        .order_by(GoalYearTarget.year)
    )
    targets: dict[uuid.UUID, list[tuple[int, str]]] = defaultdict(list)
    for goal_id, year, level in rows:
        targets[goal_id].append((year, level))
    return targets


async def indicator_counts(session: AsyncSession, lineage_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, int]:
    rows = await session.execute(
        select(IndicatorUse.goal_lineage_id, func.count())
        .where(IndicatorUse.goal_lineage_id.in_(lineage_ids))
        .group_by(IndicatorUse.goal_lineage_id)
    )
    # in_() matches no NULL, so every lineage is set; the test says so to the checker.
    return {lineage: count for lineage, count in rows if lineage is not None}


async def replace_links(session: AsyncSession, goal_id: uuid.UUID, parents: Iterable[uuid.UUID]) -> None:
    await session.execute(delete(GoalLink).where(GoalLink.goal_id == goal_id))
    session.add_all(GoalLink(goal_id=goal_id, parent_lineage_id=parent) for parent in parents)


async def replace_year_targets(session: AsyncSession, goal_id: uuid.UUID, targets: Iterable[tuple[int, str]]) -> None:
    await session.execute(delete(GoalYearTarget).where(GoalYearTarget.goal_id == goal_id))
    session.add_all(GoalYearTarget(goal_id=goal_id, year=year, target_level=level) for year, level in targets)


async def parents_of_lineages(session: AsyncSession, lineage_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    """The lineages that any revision of these lineages links to."""
    rows = await session.scalars(
        select(GoalLink.parent_lineage_id).join(Goal, Goal.id == GoalLink.goal_id).where(Goal.lineage_id.in_(lineage_ids)).distinct()
    )
    return set(rows)


async def count_municipal_lineages(session: AsyncSession, period_id: uuid.UUID, excluding: uuid.UUID | None) -> int:
    """Municipal goals of a period: lineages with a revision that is not archived."""
    query = select(func.count(func.distinct(Goal.lineage_id))).where(
        Goal.level == GoalLevel.MUNICIPAL.value, Goal.mandate_period_id == period_id, Goal.status != Status.ARCHIVED.value
    )
    if excluding is not None:
        query = query.where(Goal.lineage_id != excluding)
    return (await session.scalar(query)) or 0


async def board_goals_in_force(
    session: AsyncSession, owner: uuid.UUID, start_year: int, end_year: int, excluding: uuid.UUID
) -> list[tuple[int, int]]:
    """Years of the board's decided, unclosed goals that overlap start..end (other lineages)."""
    rows = await session.execute(
        select(Goal.start_year, Goal.end_year).where(
            Goal.level == GoalLevel.BOARD.value,
            Goal.owner_org_unit_id == owner,
            Goal.status == Status.DECIDED.value,
            Goal.closed_at.is_(None),
            Goal.start_year <= end_year,
            Goal.end_year >= start_year,
            Goal.lineage_id != excluding,
        )
    )
    return [(start, end) for start, end in rows]


async def open_revision(session: AsyncSession, lineage_id: uuid.UUID) -> Goal | None:
    query = select(Goal).where(Goal.lineage_id == lineage_id, Goal.status.in_(OPEN)).limit(1)
    return (await session.scalars(query)).first()


async def max_revision(session: AsyncSession, lineage_id: uuid.UUID) -> int:
    return (await session.scalar(select(func.max(Goal.revision)).where(Goal.lineage_id == lineage_id))) or 0


async def other_revisions_exist(session: AsyncSession, goal: Goal) -> bool:
    query = select(exists().where(Goal.lineage_id == goal.lineage_id, Goal.id != goal.id))
    return bool(await session.scalar(query))


async def lineage_is_referenced(session: AsyncSession, lineage_id: uuid.UUID) -> bool:
    """Whether goals, indicators, activities or focus areas name this lineage."""
    query = select(
        or_(
            exists().where(GoalLink.parent_lineage_id == lineage_id),
            exists().where(IndicatorUse.goal_lineage_id == lineage_id),
            exists().where(ActivityGoal.goal_lineage_id == lineage_id),
            exists().where(FocusAreaGoal.goal_lineage_id == lineage_id),
        )
    )
    return bool(await session.scalar(query))


async def count_in_period(session: AsyncSession, period_id: uuid.UUID) -> int:
    return (await session.scalar(select(func.count()).select_from(Goal).where(Goal.mandate_period_id == period_id))) or 0


async def count_outside_years(session: AsyncSession, period_id: uuid.UUID, start_year: int, end_year: int) -> int:
    query = (
        select(func.count())
        .select_from(Goal)
        .where(Goal.mandate_period_id == period_id, or_(Goal.start_year < start_year, Goal.end_year > end_year))
    )
    return (await session.scalar(query)) or 0
