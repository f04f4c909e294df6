import datetime as dt
import uuid
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field

from budget_service.money import Money
from styrkedjan_common.lifecycle import DecidedRead
from styrkedjan_common.org_units import UnitName
from styrkedjan_common.schemas import InputModel

NonNegativeMoney = Annotated[Money, Field(ge=0)]
PositiveMoney = Annotated[Money, Field(gt=0)]
Year = Annotated[int, Field(ge=2000, le=2100, examples=[2027])]
# A budget holds a few dozen boards × two kinds × three years; the caps only bound a request.
MAX_ROWS = 1000


class FrameKind(StrEnum):
    OPERATING = "OPERATING"
    INVESTMENT = "INVESTMENT"


class LineKind(StrEnum):
    TAX_REVENUE = "TAX_REVENUE"
    GENERAL_GRANTS = "GENERAL_GRANTS"
    EQUALISATION = "EQUALISATION"
    FINANCIAL_INCOME = "FINANCIAL_INCOME"
    FINANCIAL_COSTS = "FINANCIAL_COSTS"
    PENSIONS = "PENSIONS"
    DEPRECIATION = "DEPRECIATION"
    OTHER_REVENUE = "OTHER_REVENUE"
    OTHER_COST = "OTHER_COST"


class StepKind(StrEnum):
    PLANNING_ASSUMPTIONS = "PLANNING_ASSUMPTIONS"
    BUDGET_DECISION = "BUDGET_DECISION"
    BOARD_ALLOCATIONS = "BOARD_ALLOCATIONS"
    AMENDMENT = "AMENDMENT"


class StepStatus(StrEnum):
    PLANNED = "PLANNED"
    DONE = "DONE"


# --- the budget ---------------------------------------------------------------------------


class BudgetCreate(InputModel):
    year: Year = Field(description="The budget year; the next two years are its plan years")
    title: str = Field(min_length=1, max_length=300, examples=["Mål och budget 2027 med plan för 2028–2029"])
    exceptional_reasons: str | None = Field(
        default=None,
        min_length=1,
        max_length=5000,
        description="Synnerliga skäl: why a budget whose costs exceed its revenues is decided anyway",
        examples=[None],
    )


class BudgetUpdate(InputModel):
    """Fields left out are unchanged; `exceptional_reasons` may be cleared with null."""

    title: str | None = Field(default=None, min_length=1, max_length=300)
    exceptional_reasons: str | None = Field(default=None, min_length=1, max_length=5000)


class BudgetRead(DecidedRead):
    year: int
    plan_years: list[int] = Field(examples=[[2028, 2029]])
    title: str
    exceptional_reasons: str | None
    created_at: dt.datetime
    created_by: str
    updated_at: dt.datetime
    updated_by: str
    row_version: int


# --- frames, lines, earmarked funds -------------------------------------------------------


class FrameInput(InputModel):
    board_org_unit_id: uuid.UUID
    kind: FrameKind
    year: Year
    amount: NonNegativeMoney
    model_run_id: uuid.UUID | None = Field(default=None, description="The allocation-model run the frame started from")


class FramesReplace(InputModel):
    frames: list[FrameInput] = Field(max_length=MAX_ROWS)


class FrameRead(FrameInput):
    id: uuid.UUID
    budget_id: uuid.UUID
    board_org_unit: UnitName = None


class LineInput(InputModel):
    kind: LineKind
    year: Year
    amount: PositiveMoney


class LinesReplace(InputModel):
    lines: list[LineInput] = Field(max_length=MAX_ROWS)


class LineRead(LineInput):
    id: uuid.UUID


class EarmarkedFundInput(InputModel):
    board_org_unit_id: uuid.UUID
    year: Year
    assignment_id: uuid.UUID = Field(description="The goals service's assignment (tilläggsuppdrag) the money is for")
    amount: PositiveMoney
    purpose: str = Field(min_length=1, max_length=2000, examples=["Utökad simundervisning i årskurs 3"])


class EarmarkedFundsReplace(InputModel):
    earmarked_funds: list[EarmarkedFundInput] = Field(max_length=MAX_ROWS)


class EarmarkedFundRead(EarmarkedFundInput):
    id: uuid.UUID
    board_org_unit: UnitName = None


# --- steps of the cycle -------------------------------------------------------------------


class StepUpdate(InputModel):
    """Fields left out are unchanged."""

    status: StepStatus | None = None
    decision_reference: str | None = Field(default=None, min_length=1, max_length=100, examples=["KS § 12/2026"])
    completed_date: dt.date | None = None


class StepRead(BaseModel):
    id: uuid.UUID
    kind: StepKind
    due_month: int | None = Field(description="Month of `due_year` it is due; null for a step taken as needed")
    due_year: int | None = Field(description="The year before the budget year, when the cycle runs")
    status: StepStatus
    decision_reference: str | None
    completed_date: dt.date | None
    late: bool = Field(description="Planned and past the end of its due month")
    row_version: int


# --- the whole budget ---------------------------------------------------------------------


class YearTotals(BaseModel):
    year: int
    revenues: Money
    costs: Money = Field(description="Operating frames + financial costs + pensions + depreciation + other costs")
    result: Money
    deficit: bool = Field(description="Costs exceed revenues: the balance requirement is not met this year")


class BudgetDetail(BudgetRead):
    frames: list[FrameRead]
    lines: list[LineRead]
    earmarked_funds: list[EarmarkedFundRead]
    steps: list[StepRead]
    totals: list[YearTotals]
    balanced: bool = Field(description="No year of the budget has a deficit")
