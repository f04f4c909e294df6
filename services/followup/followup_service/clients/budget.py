"""The budget service as the follow-up report reads it: the year's summary of budget, actuals and
forecasts, the boards' forecasts at a follow-up, investments against their frame, reallocations
(and reporting them), and the balance requirement statement."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import ClassVar, Literal

from followup_service.clients.base import CalleeAnswer, FollowupClient
from styrkedjan_common.occasions import FollowupOccasion

SummaryLevel = Literal["MUNICIPALITY", "BOARD", "ADMINISTRATION"]


class LatestForecast(CalleeAnswer):
    occasion: FollowupOccasion
    amount: Decimal


class MunicipalTotals(CalleeAnswer):
    budget: Decimal | None
    actuals: Decimal
    forecast: Decimal | None
    forecast_deviation: Decimal | None
    boards_total: int
    boards_reported: int


class BoardSummary(CalleeAnswer):
    board_org_unit_id: uuid.UUID
    budget: Decimal | None
    actuals: Decimal
    forecast: Decimal | None
    forecast_deviation: Decimal | None
    latest_forecast: LatestForecast | None
    over_frame: bool


class AdministrationSummary(CalleeAnswer):
    org_unit_id: uuid.UUID | None
    board_org_unit_id: uuid.UUID
    actuals: Decimal


class BudgetSummary(CalleeAnswer):
    year: int
    level: SummaryLevel
    through_month: int | None
    municipality: MunicipalTotals
    boards: list[BoardSummary] | None = None
    administrations: list[AdministrationSummary] | None = None


class DecisionRef(CalleeAnswer):
    body: str
    decision_date: dt.date
    reference: str


class Reallocation(CalleeAnswer):
    id: uuid.UUID
    board_org_unit_id: uuid.UUID
    year: int
    from_activity_area_id: uuid.UUID
    to_activity_area_id: uuid.UUID
    amount: Decimal
    decision: DecisionRef
    reported_at_occasion: FollowupOccasion | None
    row_version: int


class InvestmentAmount(CalleeAnswer):
    year: int
    amount: Decimal


class InvestmentProject(CalleeAnswer):
    id: uuid.UUID
    board_org_unit_id: uuid.UUID
    name: str
    status: str
    amounts: list[InvestmentAmount]
    total: Decimal


class FrameRef(CalleeAnswer):
    amount: Decimal


class InvestmentPlan(CalleeAnswer):
    board_org_unit_id: uuid.UUID
    year: int
    total: Decimal
    frame: FrameRef | None
    exceeds_frame: bool | None


class BalanceStatement(CalleeAnswer):
    year: int
    balance_result: Decimal
    locked: bool


class Forecast(CalleeAnswer):
    board_org_unit_id: uuid.UUID
    year: int
    occasion: FollowupOccasion
    amount: Decimal
    comment: str = ""


class BudgetClient(FollowupClient):
    callee: ClassVar[str] = "budget"
    prefix: ClassVar[str] = "/api/budget/v1"

    async def summary(self, year: int, *, level: SummaryLevel = "BOARD", through_month: int | None = None) -> BudgetSummary:
        """Budget against actuals to date and the latest forecast, per board (or administration)."""
        return await self.read(BudgetSummary, f"/summaries/{year}", {"level": level, "through_month": through_month})

    async def forecasts(
        self, year: int, occasion: FollowupOccasion | None = None, board_org_unit_id: uuid.UUID | str | None = None
    ) -> list[Forecast]:
        """The boards' full-year forecasts of the year, those of one follow-up and one board when given."""
        forecasts = await self.read_all(Forecast, "/forecasts", {"year": year, "board_org_unit_id": board_org_unit_id})
        # The list filters by year and board only; a year holds at most three follow-ups per board.
        return [f for f in forecasts if occasion is None or f.occasion == occasion]

    async def reallocations(self, year: int, board_org_unit_id: uuid.UUID | str) -> list[Reallocation]:
        """The board's reallocations of the year, reported or not, in the order they were made."""
        return await self.read_all(Reallocation, "/reallocations", {"year": year, "board_org_unit_id": board_org_unit_id})

    async def reallocation(self, reallocation_id: uuid.UUID | str) -> Reallocation:
        return await self.read(Reallocation, f"/reallocations/{reallocation_id}")

    async def report_reallocation(self, reallocation: Reallocation, occasion: FollowupOccasion) -> Reallocation:
        """Marks the reallocation reported at the follow-up (once), against the version read."""
        etag = f'"{reallocation.id}.{reallocation.row_version}"'
        return await self.post(Reallocation, f"/reallocations/{reallocation.id}/report", {"occasion": occasion.value}, if_match=etag)

    async def investment_projects(self, year: int, board_org_unit_id: uuid.UUID | str) -> list[InvestmentProject]:
        """The board's investment projects with an amount in the year."""
        return await self.read_all(InvestmentProject, "/investment-projects", {"year": year, "board_org_unit_id": board_org_unit_id})

    async def investment_plan(self, board_org_unit_id: uuid.UUID | str, year: int) -> InvestmentPlan | None:
        """The board's investments of the year against its investment frame."""
        return await self.read_or_none(InvestmentPlan, f"/investment-plans/{board_org_unit_id}/{year}")

    async def balance_statement(self, year: int) -> BalanceStatement | None:
        """The year's balance requirement statement (balanskravsutredning), None before it is made."""
        return await self.read_or_none(BalanceStatement, f"/balance-statements/{year}")
