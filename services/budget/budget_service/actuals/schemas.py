import datetime as dt
import uuid
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from budget_service.money import Money
from styrkedjan_common.occasions import FollowupOccasion
from styrkedjan_common.org_units import UnitName
from styrkedjan_common.schemas import InputModel
from styrkedjan_common.years import Year

# Accounts of the chart of accounts (Kommun-Bas: "4010", with sub-accounts "4010.2").
ACCOUNT_PATTERN = r"^[0-9A-Za-z][0-9A-Za-z._-]{0,19}$"

Month = Annotated[int, Field(ge=1, le=12, examples=[3])]
CostCenterCode = Annotated[str, Field(min_length=1, max_length=40, examples=["1310"])]
Account = Annotated[str, Field(pattern=ACCOUNT_PATTERN, examples=["4010"])]


class ImportSource(StrEnum):
    CSV = "CSV"
    JSON = "JSON"


def _upper(value: object) -> object:
    return value.upper() if isinstance(value, str) else value


class SummaryLevel(StrEnum):
    MUNICIPALITY = "MUNICIPALITY"
    BOARD = "BOARD"
    ADMINISTRATION = "ADMINISTRATION"


# Accepted in any case (`level=board`), answered as the enum.
LevelQuery = Annotated[SummaryLevel, BeforeValidator(_upper)]


# --- actuals ------------------------------------------------------------------------------


class ActualCreate(InputModel):
    """One booked amount: a month's net on a cost centre and account, in kronor."""

    year: Year
    month: Month
    cost_center_code: CostCenterCode
    account: Account
    amount: Money


class ActualRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    year: int
    month: int
    cost_center_code: str
    account: str
    amount: Money
    import_id: uuid.UUID = Field(description="The delivery that last set the amount")


class ActualsImportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    source: ImportSource
    sha256: str = Field(description="SHA-256 of the delivered content; the same content again changes nothing")
    rows: int = Field(examples=[1000000])
    inserted: int = Field(description="Keys not stored before")
    updated: int = Field(description="Stored keys whose amount the delivery corrected")
    unchanged: int = Field(description="Stored keys delivered with the same amount")
    periods: list[str] = Field(description="The months the delivery covers", examples=[["2027-01", "2027-02"]])
    imported_at: dt.datetime
    imported_by: str


# --- forecasts ----------------------------------------------------------------------------


class ForecastPut(InputModel):
    amount: Money = Field(description="The board's forecast of its full-year net cost")
    comment: str = Field(default="", max_length=4000, examples=["Högre kostnader för placeringar inom individ- och familjeomsorgen."])


class ForecastRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    board_org_unit_id: uuid.UUID
    board_org_unit: UnitName = None
    year: int
    occasion: FollowupOccasion
    amount: Money
    comment: str
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    updated_by: str
    row_version: int


# --- summary ------------------------------------------------------------------------------


class LatestForecast(BaseModel):
    occasion: FollowupOccasion
    amount: Money


class Totals(BaseModel):
    budget: Money | None = Field(description="The operating frame in the decided budget in force; absent without one")
    allocated: Money | None = Field(description="What the board allocated of its frame; absent when nothing is allocated")
    actuals: Money = Field(description="Booked net cost of the year to date")
    forecast: Money | None = Field(description="Full-year net cost forecast of the latest follow-up")
    forecast_deviation: Money | None = Field(
        description="budget − forecast: positive when the forecast stays within the frame, negative when it exceeds it"
    )


class BoardSummary(Totals):
    board_org_unit_id: uuid.UUID
    board_org_unit: UnitName = None
    latest_forecast: LatestForecast | None
    over_frame: bool = Field(
        description="The board's allocation exceeds its operating frame: the council lowered the frame below it, and the board "
        "must bring the allocation within the frame"
    )
    allocation_excess: Money | None = Field(
        description="allocated − budget when the allocation is over the frame, else 0.00; absent without a frame"
    )


class MunicipalTotals(BaseModel):
    """The municipality's figures, all over one set: every board of the summary (those with an operating
    frame in the budget in force, booked actuals or a forecast), with the number that reported beside them."""

    budget: Money | None = Field(description="Sum of the boards' operating frames in the decided budget in force; absent without one")
    allocated: Money | None = Field(description="Sum of what the boards allocated of their frames; absent when nothing is allocated")
    actuals: Money = Field(description="Booked net cost of the year to date, all boards")
    forecast: Money | None = Field(
        description="The municipality's full-year net cost forecast over all boards: each board's latest forecast, and for a board "
        "that has not reported yet its budget (it is taken to follow its budget, as a compiled forecast reads). "
        "Absent until some board has reported; boards_reported says how many have"
    )
    forecast_deviation: Money | None = Field(
        description="budget − forecast over the same boards: the reporting boards' deviations, as the others count as on budget"
    )
    boards_total: int = Field(description="The boards the totals are over", examples=[6])
    boards_reported: int = Field(description="Of those, the boards with a forecast for the year", examples=[4])
    boards_over_frame: int = Field(description="Of those, the boards whose allocation exceeds their operating frame", examples=[0])


class AdministrationSummary(BaseModel):
    org_unit_id: uuid.UUID | None = Field(description="The org unit the cost centres serve; null for cost centres naming none")
    org_unit: UnitName = None
    board_org_unit_id: uuid.UUID
    board_org_unit: UnitName = None
    actuals: Money


class SummaryRead(BaseModel):
    year: int
    level: SummaryLevel
    budget_id: uuid.UUID | None = Field(description="The decided budget in force for the year")
    through_month: int | None = Field(description="The last month with booked amounts in the figures")
    municipality: MunicipalTotals
    boards: list[BoardSummary] | None = None
    administrations: list[AdministrationSummary] | None = None
