"""The queries of Stratsys's structure file (layout 3): a year's goal chain in a few queries for the
export, and the objects an import's codes name."""

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Collection

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from goals_service.activities.models import Activity, ActivityGoal
from goals_service.goals.models import Goal, GoalLink
from goals_service.goals.schemas import GoalLevel
from goals_service.indicators.models import Indicator, IndicatorUse
from goals_service.periods.models import MandatePeriod
from goals_service.vision.models import VisionVersion
from styrkedjan_common.lifecycle import Status

SYSTEM = "stratsys"
# Lists of ids go to the database in slices: SQLite takes a bounded number of parameters.
SLICE = 5000


def _slices(ids: Collection[uuid.UUID]) -> list[list[uuid.UUID]]:
    items = list(ids)
    return [items[i : i + SLICE] for i in range(0, len(items), SLICE)]


async def vision_in_force(session: AsyncSession) -> VisionVersion | None:
    query = select(VisionVersion).where(VisionVersion.status == Status.DECIDED.value).order_by(VisionVersion.revision.desc()).limit(1)
    return (await session.scalars(query)).first()


async def max_vision_revision(session: AsyncSession) -> int:
    return (await session.scalar(select(func.max(VisionVersion.revision)))) or 0


async def goals_in_force(session: AsyncSession, year: int) -> list[Goal]:
    """The decided goals of every level in force in the year (not closed)."""
    query = select(Goal).where(
        Goal.status == Status.DECIDED.value, Goal.start_year <= year, Goal.end_year >= year, Goal.closed_at.is_(None)
    )
    return list((await session.scalars(query)).all())


async def links_of(session: AsyncSession, goal_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    links: dict[uuid.UUID, list[uuid.UUID]] = defaultdict(list)
    for ids in _slices(goal_ids):
        rows = await session.execute(select(GoalLink.goal_id, GoalLink.parent_lineage_id).where(GoalLink.goal_id.in_(ids)))
        for goal_id, parent in rows:
            links[goal_id].append(parent)
    return links


async def uses_of_goals(session: AsyncSession, lineages: Collection[uuid.UUID]) -> list[tuple[IndicatorUse, Indicator]]:
    found: list[tuple[IndicatorUse, Indicator]] = []
    for ids in _slices(lineages):
        rows = await session.execute(
            select(IndicatorUse, Indicator)
            .join(Indicator, Indicator.id == IndicatorUse.indicator_id)
            .where(IndicatorUse.goal_lineage_id.in_(ids))
        )
        found.extend((use, indicator) for use, indicator in rows)
    return found


async def activities_of_goals(session: AsyncSession, lineages: Collection[uuid.UUID], year: int) -> list[tuple[uuid.UUID, Activity]]:
    """(goal lineage, activity) of the activities serving these goals that run some day of the year."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    found: list[tuple[uuid.UUID, Activity]] = []
    for ids in _slices(lineages):
        rows = await session.execute(
            select(ActivityGoal.goal_lineage_id, Activity)
            .join(Activity, Activity.id == ActivityGoal.activity_id)
            .where(ActivityGoal.goal_lineage_id.in_(ids), Activity.start_date <= last, Activity.end_date >= first)
        )
        found.extend((lineage, activity) for lineage, activity in rows)
    return found


# --- what an import's codes name ---------------------------------------------------------------


def _code(column: object) -> object:
    return column[SYSTEM].as_string()  # type: ignore[index]


async def goals_with_codes(session: AsyncSession, codes: Collection[str]) -> list[Goal]:
    """Every revision of the goals carrying one of the codes (any status)."""
    if not codes:
        return []
    found: list[Goal] = []
    items = sorted(codes)
    for i in range(0, len(items), SLICE):
        rows = await session.scalars(select(Goal).where(_code(Goal.external_codes).in_(items[i : i + SLICE])))  # type: ignore[attr-defined]
        found.extend(rows)
    return found


async def revisions_of(session: AsyncSession, lineages: Collection[uuid.UUID]) -> list[Goal]:
    found: list[Goal] = []
    for ids in _slices(lineages):
        found.extend(await session.scalars(select(Goal).where(Goal.lineage_id.in_(ids))))
    return found


async def goal_ids_taken(session: AsyncSession, ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
    taken: set[uuid.UUID] = set()
    for part in _slices(ids):
        taken.update(await session.scalars(select(Goal.id).where(or_(Goal.id.in_(part), Goal.lineage_id.in_(part)))))
    return taken


async def indicators_with_codes(session: AsyncSession, codes: Collection[str]) -> list[Indicator]:
    if not codes:
        return []
    rows = await session.scalars(select(Indicator).where(_code(Indicator.external_codes).in_(sorted(codes))))  # type: ignore[attr-defined]
    return list(rows)


async def activities_with_codes(session: AsyncSession, codes: Collection[str]) -> list[Activity]:
    if not codes:
        return []
    rows = await session.scalars(select(Activity).where(_code(Activity.external_codes).in_(sorted(codes))))  # type: ignore[attr-defined]
    return list(rows)


async def activity_goal_links(session: AsyncSession, activity_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, set[uuid.UUID]]:
    links: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for ids in _slices(activity_ids):
        rows = await session.execute(
            select(ActivityGoal.activity_id, ActivityGoal.goal_lineage_id).where(ActivityGoal.activity_id.in_(ids))
        )
        for activity_id, lineage in rows:
            links[activity_id].add(lineage)
    return links


async def uses_of_lineages(session: AsyncSession, lineages: Collection[uuid.UUID]) -> list[IndicatorUse]:
    found: list[IndicatorUse] = []
    for ids in _slices(lineages):
        found.extend(await session.scalars(select(IndicatorUse).where(IndicatorUse.goal_lineage_id.in_(ids))))
    return found


async def period_holding(session: AsyncSession, year: int) -> MandatePeriod | None:
    query = select(MandatePeriod).where(MandatePeriod.start_year <= year, MandatePeriod.end_year >= year).limit(1)
    return (await session.scalars(query)).first()


async def periods(session: AsyncSession) -> list[MandatePeriod]:
    return list((await session.scalars(select(MandatePeriod).order_by(MandatePeriod.start_year))).all())


async def municipal_lineages_of_period(session: AsyncSession, period_id: uuid.UUID) -> set[uuid.UUID]:
    """The period's municipal goals: lineages with a revision that is not archived."""
    rows = await session.scalars(
        select(Goal.lineage_id)
        .where(Goal.level == GoalLevel.MUNICIPAL.value, Goal.mandate_period_id == period_id, Goal.status != Status.ARCHIVED.value)
        .distinct()
    )
    return set(rows)


async def board_goals_in_force(session: AsyncSession, owners: Collection[uuid.UUID], year: int) -> dict[uuid.UUID, set[uuid.UUID]]:
    """Per board, the lineages of its decided, unclosed goals in force in the year."""
    found: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for ids in _slices(owners):
        rows = await session.execute(
            select(Goal.owner_org_unit_id, Goal.lineage_id).where(
                Goal.level == GoalLevel.BOARD.value,
                Goal.owner_org_unit_id.in_(ids),
                Goal.status == Status.DECIDED.value,
                Goal.closed_at.is_(None),
                Goal.start_year <= year,
                Goal.end_year >= year,
            )
        )
        for owner, lineage in rows:
            found[owner].add(lineage)
    return found
