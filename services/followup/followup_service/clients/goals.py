"""The goals service as the follow-up report reads it: the thread for a year up to a follow-up's
period end, the goals, the indicator uses with their latest outcomes, the council's assignments
and their reports, the quality factors and the core mission."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import ClassVar, Literal

from followup_service.clients.base import CalleeAnswer, FollowupClient
from styrkedjan_common.lifecycle import Status
from styrkedjan_common.occasions import FollowupOccasion

GoalLevel = Literal["MUNICIPAL", "BOARD", "UNIT"]


class Outcome(CalleeAnswer):
    period: str
    year: int
    total: Decimal | None
    women: Decimal | None = None
    men: Decimal | None = None


class ThreadIndicator(CalleeAnswer):
    use_id: uuid.UUID
    indicator_id: uuid.UUID
    name: str
    unit: str
    gender_split: bool = False
    target: Decimal | None
    latest: Outcome | None
    status: str
    trend: str


class ThreadActivity(CalleeAnswer):
    id: uuid.UUID
    title: str
    owner_org_unit_id: uuid.UUID
    status: str


class ThreadGoal(CalleeAnswer):
    id: uuid.UUID
    lineage_id: uuid.UUID
    level: GoalLevel
    owner_org_unit_id: uuid.UUID
    title: str
    perspective: str | None = None
    closed: bool
    indicators: list[ThreadIndicator]
    activities: list[ThreadActivity]
    contributing_goals: list[ThreadGoal]


class Unlinked(CalleeAnswer):
    board: list[ThreadGoal]
    unit: list[ThreadGoal]
    activities: list[ThreadActivity]


class Thread(CalleeAnswer):
    """The decided chain of a year: vision → municipal goals → board goals → unit goals, each with
    its indicators and activities."""

    year: int
    org_unit_id: uuid.UUID | None
    goals: list[ThreadGoal]
    unlinked: Unlinked


class Goal(CalleeAnswer):
    id: uuid.UUID
    lineage_id: uuid.UUID
    revision: int
    status: Status
    level: GoalLevel
    owner_org_unit_id: uuid.UUID
    start_year: int
    end_year: int
    title: str
    contributes_to: list[uuid.UUID]


class IndicatorOutcome(CalleeAnswer):
    period: str
    year: int
    period_index: int
    total: Decimal | None
    women: Decimal | None
    men: Decimal | None
    comment: str = ""


class Assignment(CalleeAnswer):
    """A council assignment (tilläggsuppdrag) given to a board for a year."""

    id: uuid.UUID
    board_org_unit_id: uuid.UUID
    year: int
    title: str
    status: str


class AssignmentReport(CalleeAnswer):
    id: uuid.UUID
    assignment_id: uuid.UUID
    occasion: FollowupOccasion
    status: str
    text: str
    reported_at: dt.datetime


class LatestValue(CalleeAnswer):
    period: str
    total: Decimal | None
    women: Decimal | None = None
    men: Decimal | None = None
    target: Decimal | None = None
    status: str
    trend: str


class IndicatorUse(CalleeAnswer):
    id: uuid.UUID
    indicator_id: uuid.UUID
    org_unit_id: uuid.UUID
    goal_lineage_id: uuid.UUID | None
    quality_factor_id: uuid.UUID | None
    latest: LatestValue | None = None


class KeyFigure(CalleeAnswer):
    use_id: uuid.UUID
    indicator_id: uuid.UUID
    indicator_name: str
    unit: str


class QualityFactor(CalleeAnswer):
    id: uuid.UUID
    org_unit_id: uuid.UUID
    name: str
    description: str = ""
    active: bool
    key_figures: list[KeyFigure]


class CoreMission(CalleeAnswer):
    id: uuid.UUID
    revision: int
    status: Status
    org_unit_id: uuid.UUID
    idea_and_responsibilities: str


class GoalsClient(FollowupClient):
    callee: ClassVar[str] = "goals"
    prefix: ClassVar[str] = "/api/goals/v1"

    async def thread(self, year: int, org_unit_id: uuid.UUID | str | None = None, *, through_month: int | None = None) -> Thread:
        """The thread of the year, the whole municipality's or cut to one org unit's goals; with
        `through_month` the outcomes of periods ending by that month of the year only."""
        return await self.read(Thread, "/thread", {"year": year, "org_unit_id": org_unit_id, "through_month": through_month})

    async def goals(
        self,
        *,
        year: int | None = None,
        level: GoalLevel | None = None,
        owner_org_unit_id: uuid.UUID | str | None = None,
        include_predecessors: bool = False,
    ) -> list[Goal]:
        """Every goal matching the filters (drafts included), in the order they were set;
        `include_predecessors` also the goals of the units the owner succeeded."""
        params = {"year": year, "level": level, "owner_org_unit_id": owner_org_unit_id, "include_predecessors": include_predecessors}
        return await self.read_all(Goal, "/goals", params)

    async def indicator_outcomes(self, use_id: uuid.UUID | str) -> list[IndicatorOutcome]:
        """The use's outcomes, oldest period first."""
        return await self.read_all(IndicatorOutcome, f"/indicator-uses/{use_id}/outcomes")

    async def assignments(self, year: int, board_org_unit_id: uuid.UUID | str | None = None) -> list[Assignment]:
        """The council's assignments of the year, of one board when given."""
        return await self.read_all(Assignment, "/assignments", {"year": year, "board_org_unit_id": board_org_unit_id})

    async def assignment_reports(
        self, year: int, board_org_unit_id: uuid.UUID | str | None = None, occasion: FollowupOccasion | None = None
    ) -> list[AssignmentReport]:
        """The reports on the year's assignments (of one board, at one follow-up), oldest first."""
        params = {"year": year, "board_org_unit_id": board_org_unit_id, "occasion": occasion.value if occasion else None}
        return await self.read_all(AssignmentReport, "/assignments/reports", params)

    async def quality_factors(self, org_unit_id: uuid.UUID | str) -> list[QualityFactor]:
        """The org unit's active quality factors with their key figures."""
        return await self.read_all(QualityFactor, "/quality-factors", {"org_unit_id": org_unit_id, "active": True})

    async def indicator_uses(self, org_unit_id: uuid.UUID | str) -> list[IndicatorUse]:
        """The indicators followed in the org unit, each with its latest outcome against its target."""
        return await self.read_all(IndicatorUse, "/indicator-uses", {"org_unit_id": org_unit_id})

    async def current_core_mission(self, org_unit_id: uuid.UUID | str) -> CoreMission | None:
        """The decided core mission in force for the board or company, None without one."""
        return await self.read_or_none(CoreMission, "/core-missions/current", {"org_unit_id": org_unit_id})
