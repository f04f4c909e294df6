"""The goals service as the follow-up report reads it: the thread for a year, the goals, and an
indicator use's outcomes."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import ClassVar, Literal

from followup_service.clients.base import CalleeAnswer, FollowupClient
from styrkedjan_common.lifecycle import Status

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


class GoalsClient(FollowupClient):
    callee: ClassVar[str] = "goals"
    prefix: ClassVar[str] = "/api/goals/v1"

    async def thread(self, year: int, org_unit_id: uuid.UUID | str | None = None) -> Thread:
        """The thread of the year, the whole municipality's or cut to one org unit's goals."""
        return await self.read(Thread, "/thread", {"year": year, "org_unit_id": org_unit_id})

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
