"""The budget service as the follow-up report reads it: the year's summary of budget, actuals and
forecasts, and the boards' forecasts at a follow-up."""

from __future__ import annotations

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


class BudgetSummary(CalleeAnswer):
    year: int
    level: SummaryLevel
    through_month: int | None
    municipality: MunicipalTotals
    boards: list[BoardSummary] | None = None


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

    async def forecasts(self, year: int, occasion: FollowupOccasion | None = None) -> list[Forecast]:
        """The boards' full-year forecasts of the year, those of one follow-up when given."""
        forecasts = await self.read_all(Forecast, "/forecasts", {"year": year})
        # The list filters by year and board only; a year holds at most three follow-ups per board.
        return [f for f in forecasts if occasion is None or f.occasion == occasion]
