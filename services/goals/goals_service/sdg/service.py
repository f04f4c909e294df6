"""Agenda 2030: the global goals as reference data, and the municipality's work grouped by them."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from goals_service.sdg.data import BY_NUMBER, GLOBAL_GOALS, GlobalGoal
from goals_service.sdg.schemas import SdgGoal, SdgOverviewItem, SdgOverviewRead, SdgRead
from goals_service.thread import repository as thread_repository
from styrkedjan_common.db import AnyRow
from styrkedjan_common.problems import NotFound


def to_read(goal: GlobalGoal) -> SdgRead:
    return SdgRead(number=goal.number, name_sv=goal.name_sv, name_en=goal.name_en, colour=goal.colour)


def page(limit: int, after_number: int | None) -> list[GlobalGoal]:
    start = after_number or 0
    return [goal for goal in GLOBAL_GOALS if goal.number > start][:limit]


def get(number: int) -> GlobalGoal:
    if number not in BY_NUMBER:
        raise NotFound(f"there is no global goal {number}; Agenda 2030 has the goals 1–17")
    return BY_NUMBER[number]


def _count_by_sdg(rows: Sequence[AnyRow]) -> Counter[int]:
    return Counter(number for row in rows for number in set(row.sdgs or ()))


def _numbers(sdgs: Iterable[int] | None) -> set[int]:
    return {number for number in sdgs or () if number in BY_NUMBER}


async def overview(session: AsyncSession, year: int) -> SdgOverviewRead:
    """Decided goals in force that year (closed ones flagged) grouped by the global goals they link to."""
    goals_by_sdg: dict[int, list[SdgGoal]] = defaultdict(list)
    for row in await thread_repository.goals_in_force(session, year):
        goal = SdgGoal(
            id=row.id,
            lineage_id=row.lineage_id,
            level=row.level,
            title=row.title,
            owner_org_unit_id=row.owner_org_unit_id,
            closed=row.closed_at is not None,
        )
        for number in sorted(_numbers(row.sdgs)):
            goals_by_sdg[number].append(goal)
    indicators = _count_by_sdg(await thread_repository.sdgs_of_indicators_in_use(session, year))
    activities = _count_by_sdg(await thread_repository.sdgs_of_activities(session, year))
    return SdgOverviewRead(
        year=year,
        items=[
            SdgOverviewItem(
                **to_read(sdg).model_dump(),
                goals=goals_by_sdg[sdg.number],
                indicator_count=indicators[sdg.number],
                activity_count=activities[sdg.number],
            )
            for sdg in GLOBAL_GOALS
        ],
    )
