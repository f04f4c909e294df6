"""The internal-control service as the follow-up report reads it: the executive board's evaluation
of a year and the boards' control plans."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import ClassVar

from followup_service.clients.base import CalleeAnswer, FollowupClient
from styrkedjan_common.lifecycle import Status


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
