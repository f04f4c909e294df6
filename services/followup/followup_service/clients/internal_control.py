"""The internal-control service as the follow-up report reads it: the executive board's evaluation
of a year, the boards' control plans, their results, deviations with their actions, and the
boards' follow-up reports of their plans."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import ClassVar

from followup_service.clients.base import CalleeAnswer, FollowupClient
from styrkedjan_common.lifecycle import Status


class DecisionRef(CalleeAnswer):
    body: str
    decision_date: dt.date
    reference: str


class BoardEvaluation(CalleeAnswer):
    board_org_unit_id: uuid.UUID
    plan_status: Status | None
    plan_missing: bool
    plan_late: bool
    activities: int
    activities_with_result: int
    completion: float | None
    deviations_open: int
    deviations_closed: int
    report_status: Status | None
    report_missing: bool
    report_late: bool


class Evaluation(CalleeAnswer):
    year: int
    as_of: dt.date
    boards: list[BoardEvaluation]
    boards_without_plan: int
    boards_without_report: int


class ControlPlan(CalleeAnswer):
    id: uuid.UUID
    revision: int
    status: Status
    board_org_unit_id: uuid.UUID
    year: int
    title: str
    late: bool
    decision: DecisionRef | None = None


class ControlResult(CalleeAnswer):
    id: uuid.UUID
    activity_id: uuid.UUID
    plan_id: uuid.UUID
    occasion: str
    outcome: str
    checked_on: dt.date
    deviation_id: uuid.UUID | None


class Action(CalleeAnswer):
    id: uuid.UUID
    description: str
    owner: str
    due_date: dt.date
    status: str
    overdue: bool


class Deviation(CalleeAnswer):
    id: uuid.UUID
    result_id: uuid.UUID
    area: str
    occasion: str
    description: str
    status: str
    actions: list[Action]


class FollowupReport(CalleeAnswer):
    id: uuid.UUID
    revision: int
    status: Status
    board_org_unit_id: uuid.UUID
    year: int
    plan_id: uuid.UUID
    decision: DecisionRef | None


class InternalControlClient(FollowupClient):
    callee: ClassVar[str] = "internal-control"
    prefix: ClassVar[str] = "/api/internal-control/v1"

    async def evaluation(self, year: int) -> Evaluation:
        """The evaluation of the municipality's internal control for the year, every board's."""
        return await self.read(Evaluation, f"/evaluations/{year}")

    async def control_plans(
        self, year: int, board_org_unit_id: uuid.UUID | str | None = None, *, include_predecessors: bool = False
    ) -> list[ControlPlan]:
        """The control plans of the year, every revision the list holds, of one board when given; with
        `include_predecessors` also those of the boards it succeeded."""
        params = {"year": year, "board_org_unit_id": board_org_unit_id, "include_predecessors": include_predecessors}
        return await self.read_all(ControlPlan, "/control-plans", params)

    async def results(self, year: int, board_org_unit_id: uuid.UUID | str) -> list[ControlResult]:
        """The results recorded on the board's control plans of the year."""
        return await self.read_all(ControlResult, "/results", {"year": year, "board_org_unit_id": board_org_unit_id})

    async def deviations(self, year: int, board_org_unit_id: uuid.UUID | str) -> list[Deviation]:
        """The deviations found in the board's controls of the year, each with its actions."""
        return await self.read_all(Deviation, "/deviations", {"year": year, "board_org_unit_id": board_org_unit_id})

    async def followup_reports(self, year: int, board_org_unit_id: uuid.UUID | str) -> list[FollowupReport]:
        """The board's follow-up reports of its control plan of the year, every revision."""
        return await self.read_all(FollowupReport, "/followup-reports", {"year": year, "board_org_unit_id": board_org_unit_id})
